//! Elastic Load Balancing v2 types: `aws_lb`/`aws_alb` → `elbv2.load_balancer`,
//! `aws_lb_listener`/`aws_alb_listener` → `elbv2.listener` (keyed by its balancer and port),
//! `aws_lb_target_group`/`aws_alb_target_group` → `elbv2.target_group` with the whole health check,
//! like parity-aws's ELBv2 collector.

use parity_core::{Identity, Resource};
use serde_json::{json, Map, Value};

use super::fields::{copy, list, non_empty_str, set_of, strings};
use super::{named, MapInput};

/// The first object of a single-block list (`health_check = [{…}]`).
pub(super) fn block<'a>(a: &'a Map<String, Value>, field: &str) -> Option<&'a Map<String, Value>> {
    list(a, field).first().and_then(Value::as_object)
}

/// A number as Terraform may store it (`300` or `"300"`).
pub(super) fn int(a: &Map<String, Value>, field: &str) -> Option<i64> {
    match a.get(field)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// `aws_lb` → `elbv2.load_balancer`, named by `name`.
pub(super) fn load_balancer(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let name = non_empty_str(a, "name").unwrap_or(id);
    let mut r = Resource::new("elbv2.load_balancer", id, named(name));
    r.parent = non_empty_str(a, "vpc_id").map(str::to_string);
    if let Some(dns) = non_empty_str(a, "dns_name") {
        // Route 53 records name the balancer by its DNS name
        r.aliases.push(dns.to_string());
        r.aliases.push(format!("dualstack.{dns}"));
    }
    copy(
        a,
        &mut r,
        &[
            ("load_balancer_type", "type"),
            ("ip_address_type", "ip_address_type"),
            ("vpc_id", "vpc"),
            ("idle_timeout", "idle_timeout"),
            ("enable_deletion_protection", "deletion_protection"),
            ("enable_http2", "http2_enabled"),
            ("drop_invalid_header_fields", "drop_invalid_header_fields"),
            ("dns_name", "dns_name"),
            ("zone_id", "canonical_hosted_zone_id"),
        ],
    );
    if let Some(internal) = a.get("internal").and_then(Value::as_bool) {
        let scheme = if internal {
            "internal"
        } else {
            "internet-facing"
        };
        r.attributes.insert("scheme", json!(scheme));
    }
    r.attributes.insert(
        "security_groups",
        set_of(
            strings(a, "security_groups")
                .into_iter()
                .map(Value::from)
                .collect(),
        ),
    );
    let mut subnets = strings(a, "subnets");
    if subnets.is_empty() {
        subnets = list(a, "subnet_mapping")
            .iter()
            .filter_map(|m| m.get("subnet_id")?.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
    }
    r.attributes.insert(
        "subnets",
        set_of(subnets.into_iter().map(Value::from).collect()),
    );
    // Terraform defaults `access_logs` to a disabled block; absent means disabled too.
    let logs = block(a, "access_logs");
    let enabled = logs
        .and_then(|l| l.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    r.attributes.insert("access_logs_enabled", json!(enabled));
    if let Some(bucket) = logs.and_then(|l| non_empty_str(l, "bucket")) {
        r.attributes.insert("access_logs_bucket", json!(bucket));
    }
    r
}

/// A Terraform action block (`default_action`) in the collector's form: type, target groups,
/// redirect, fixed response.
fn action(a: &Map<String, Value>) -> Value {
    let mut o = Map::new();
    o.insert(
        "type".into(),
        json!(non_empty_str(a, "type").unwrap_or_default()),
    );
    let mut groups: Vec<String> = block(a, "forward")
        .map(|f| {
            list(f, "target_group")
                .iter()
                .filter_map(|t| t.get("arn")?.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if groups.is_empty() {
        groups.extend(non_empty_str(a, "target_group_arn").map(str::to_string));
    }
    if !groups.is_empty() {
        o.insert("target_groups".into(), json!(groups));
    }
    let text = |b: &Map<String, Value>, k: &str| non_empty_str(b, k).map(str::to_string);
    if let Some(r) = block(a, "redirect") {
        o.insert(
            "redirect".into(),
            json!({
                "protocol": text(r, "protocol"),
                "port": text(r, "port"),
                "host": text(r, "host"),
                "path": text(r, "path"),
                "query": text(r, "query"),
                "status_code": text(r, "status_code"),
            }),
        );
    }
    if let Some(f) = block(a, "fixed_response") {
        o.insert(
            "fixed_response".into(),
            json!({
                "status_code": text(f, "status_code"),
                "content_type": text(f, "content_type"),
                "message_body": text(f, "message_body"),
            }),
        );
    }
    Value::Object(o)
}

/// `aws_lb_listener` → `elbv2.listener`, keyed by its balancer and port.
pub(super) fn listener(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let lb = non_empty_str(a, "load_balancer_arn").unwrap_or_default();
    let port = int(a, "port").map(|p| p.to_string()).unwrap_or_default();
    let mut r = Resource::new(
        "elbv2.listener",
        id,
        Identity::Child {
            parent: lb.to_string(),
            role: port,
        },
    );
    if let Some(p) = int(a, "port") {
        r.attributes.insert("port", json!(p));
    }
    copy(
        a,
        &mut r,
        &[
            ("protocol", "protocol"),
            ("ssl_policy", "ssl_policy"),
            ("certificate_arn", "certificate"),
        ],
    );
    let actions: Vec<Value> = list(a, "default_action")
        .iter()
        .filter_map(Value::as_object)
        .map(action)
        .collect();
    r.attributes
        .insert("default_actions", Value::Array(actions));
    r
}

/// `aws_lb_target_group` → `elbv2.target_group`, named by `name`.
pub(super) fn target_group(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let name = non_empty_str(a, "name").unwrap_or(id);
    let mut r = Resource::new("elbv2.target_group", id, named(name));
    r.parent = non_empty_str(a, "vpc_id").map(str::to_string);
    copy(
        a,
        &mut r,
        &[
            ("protocol", "protocol"),
            ("target_type", "target_type"),
            ("protocol_version", "protocol_version"),
            ("vpc_id", "vpc"),
        ],
    );
    for (from, to) in [
        ("port", "port"),
        ("deregistration_delay", "deregistration_delay"),
        ("slow_start", "slow_start"),
    ] {
        if let Some(n) = int(a, from) {
            r.attributes.insert(to, json!(n));
        }
    }
    if let Some(h) = block(a, "health_check") {
        for (from, to) in [("enabled", "enabled"), ("path", "path"), ("port", "port")] {
            if let Some(v) = h.get(from).filter(|v| !v.is_null() && *v != "") {
                r.attributes.insert(format!("health_check.{to}"), v.clone());
            }
        }
        if let Some(p) = non_empty_str(h, "protocol") {
            r.attributes.insert("health_check.protocol", json!(p));
        }
        if let Some(m) = non_empty_str(h, "matcher") {
            r.attributes.insert("health_check.matcher", json!(m));
        }
        for (from, to) in [
            ("interval", "interval"),
            ("timeout", "timeout"),
            ("healthy_threshold", "healthy_threshold"),
            ("unhealthy_threshold", "unhealthy_threshold"),
        ] {
            if let Some(n) = int(h, from) {
                r.attributes.insert(format!("health_check.{to}"), json!(n));
            }
        }
    }
    if let Some(s) = block(a, "stickiness") {
        if let Some(e) = s.get("enabled").and_then(Value::as_bool) {
            r.attributes.insert("stickiness.enabled", json!(e));
        }
        if let Some(t) = non_empty_str(s, "type") {
            r.attributes.insert("stickiness.type", json!(t));
        }
        if let Some(d) = int(s, "cookie_duration") {
            r.attributes.insert("stickiness.duration", json!(d));
        }
    }
    r
}
