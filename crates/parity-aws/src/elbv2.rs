//! Elastic Load Balancing v2 collector: `elbv2.load_balancer` (DescribeLoadBalancers, with
//! DescribeLoadBalancerAttributes per in-scope balancer), `elbv2.listener` (DescribeListeners per
//! in-scope balancer) and `elbv2.target_group` (DescribeTargetGroups, with
//! DescribeTargetGroupAttributes and DescribeTargetHealth — the registered-target count — per
//! in-scope group). Tags (DescribeTags, 20 ARNs a call) are read only for resources that neither
//! their VPC nor their name already place, and only when the environment has a tag filter.
//!
//! A per-resource call that fails leaves the attributes it feeds unknown (`attributes.*`-style
//! markers on the resource), not the whole kind.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_elasticloadbalancingv2::types::{Action, LoadBalancer, TargetGroup};
use aws_sdk_elasticloadbalancingv2::Client;
use futures::{StreamExt, TryStreamExt};
use parity_core::{Identity, Resource};
use serde_json::{json, Map, Value};

use crate::failure::{describe, CallFailure};
use crate::scope::{user_tags, Scope};

fn put<V: Into<Value>>(r: &mut Resource, name: &str, value: Option<V>) {
    if let Some(v) = value {
        r.attributes.insert(name.to_string(), v.into());
    }
}

/// Load balancer attributes (DescribeLoadBalancerAttributes keys) → attribute names.
const LB_ATTRIBUTES: &[(&str, &str)] = &[
    ("idle_timeout.timeout_seconds", "idle_timeout"),
    ("deletion_protection.enabled", "deletion_protection"),
    ("access_logs.s3.enabled", "access_logs_enabled"),
    ("access_logs.s3.bucket", "access_logs_bucket"),
    ("routing.http2.enabled", "http2_enabled"),
    (
        "routing.http.drop_invalid_header_fields.enabled",
        "drop_invalid_header_fields",
    ),
];

/// Target group attributes (DescribeTargetGroupAttributes keys) → attribute names.
const TG_ATTRIBUTES: &[(&str, &str)] = &[
    (
        "deregistration_delay.timeout_seconds",
        "deregistration_delay",
    ),
    ("stickiness.enabled", "stickiness.enabled"),
    ("stickiness.type", "stickiness.type"),
    (
        "stickiness.lb_cookie.duration_seconds",
        "stickiness.duration",
    ),
    ("slow_start.duration_seconds", "slow_start"),
];

/// An attribute value as the API gives it (strings) in its JSON type: `true`/`false` as
/// booleans, integers as numbers; an empty string is absent.
pub(crate) fn typed(value: &str) -> Option<Value> {
    match value {
        "" => None,
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        v => Some(
            v.parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| json!(v)),
        ),
    }
}

/// One action (a listener's default action) as a comparable object: its type and where it
/// sends the request (target groups by ARN — references —, a redirect, a fixed response).
pub(crate) fn action_object(a: &Action) -> Value {
    let mut o = Map::new();
    o.insert(
        "type".into(),
        json!(a.r#type().map(|t| t.as_str()).unwrap_or_default()),
    );
    let mut groups: Vec<&str> = a
        .forward_config()
        .map(|f| {
            f.target_groups()
                .iter()
                .filter_map(|t| t.target_group_arn())
                .collect()
        })
        .unwrap_or_default();
    if groups.is_empty() {
        groups.extend(a.target_group_arn());
    }
    if !groups.is_empty() {
        o.insert("target_groups".into(), json!(groups));
    }
    if let Some(r) = a.redirect_config() {
        o.insert(
            "redirect".into(),
            json!({
                "protocol": r.protocol(),
                "port": r.port(),
                "host": r.host(),
                "path": r.path(),
                "query": r.query(),
                "status_code": r.status_code().map(|s| s.as_str()),
            }),
        );
    }
    if let Some(f) = a.fixed_response_config() {
        o.insert(
            "fixed_response".into(),
            json!({
                "status_code": f.status_code(),
                "content_type": f.content_type(),
                "message_body": f.message_body(),
            }),
        );
    }
    Value::Object(o)
}

/// Tags of `arns` (DescribeTags takes at most 20 a call).
async fn tags_of(
    client: &Client,
    arns: &[String],
) -> Result<HashMap<String, Vec<(String, String)>>, CallFailure> {
    let mut out = HashMap::new();
    for chunk in arns.chunks(20) {
        let page = client
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| describe(&e).during("elasticloadbalancing:DescribeTags"))?;
        for d in page.tag_descriptions() {
            let tags = d
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
                .collect();
            out.insert(d.resource_arn().unwrap_or_default().to_string(), tags);
        }
    }
    Ok(out)
}

/// Which of `(arn, name, vpc)` are in scope, with their tags (read only where needed).
async fn scoped(
    client: &Client,
    scope: &Scope,
    items: Vec<(String, String, Option<String>)>,
) -> Result<Vec<(String, Vec<(String, String)>)>, CallFailure> {
    let undecided: Vec<String> = items
        .iter()
        .filter(|(_, name, vpc)| !(scope.by_name(name) || scope.by_vpc(vpc.as_deref())))
        .map(|(arn, _, _)| arn.clone())
        .collect();
    // Tags are read for every resource (they are compared) only when a tag filter exists;
    // otherwise names and VPCs decide and no DescribeTags call is made.
    let tags = if scope.uses_tags() {
        let all: Vec<String> = items.iter().map(|(arn, _, _)| arn.clone()).collect();
        tags_of(client, &all).await?
    } else {
        HashMap::new()
    };
    Ok(items
        .into_iter()
        .filter_map(|(arn, _, _)| {
            let t = tags.get(&arn).cloned().unwrap_or_default();
            let in_scope = !undecided.contains(&arn)
                || scope.by_tags(t.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            in_scope.then_some((arn, t))
        })
        .collect())
}

fn with_tags(r: &mut Resource, tags: &[(String, String)]) {
    r.tags = user_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
}

fn load_balancer(lb: &LoadBalancer, region: &str) -> Resource {
    let arn = lb.load_balancer_arn().unwrap_or_default();
    let name = lb.load_balancer_name().unwrap_or_default();
    let mut r = Resource::named("elbv2.load_balancer", arn, name).with_region(region);
    r.parent = lb.vpc_id().map(str::to_string);
    if let Some(dns) = lb.dns_name() {
        // Route 53 aliases and CNAMEs name the balancer by its DNS name (`dualstack.` prefixed
        // for aliases): they resolve to it.
        r.aliases.push(dns.to_string());
        r.aliases.push(format!("dualstack.{dns}"));
    }
    put(&mut r, "type", lb.r#type().map(|t| t.as_str()));
    put(&mut r, "scheme", lb.scheme().map(|s| s.as_str()));
    put(
        &mut r,
        "ip_address_type",
        lb.ip_address_type().map(|t| t.as_str()),
    );
    put(&mut r, "vpc", lb.vpc_id());
    r.attributes
        .insert("security_groups", json!(lb.security_groups()));
    let subnets: Vec<&str> = lb
        .availability_zones()
        .iter()
        .filter_map(|z| z.subnet_id())
        .collect();
    r.attributes.insert("subnets", json!(subnets));
    put(&mut r, "dns_name", lb.dns_name());
    put(
        &mut r,
        "canonical_hosted_zone_id",
        lb.canonical_hosted_zone_id(),
    );
    r
}

fn target_group(tg: &TargetGroup, region: &str) -> Resource {
    let arn = tg.target_group_arn().unwrap_or_default();
    let name = tg.target_group_name().unwrap_or_default();
    let mut r = Resource::named("elbv2.target_group", arn, name).with_region(region);
    r.parent = tg.vpc_id().map(str::to_string);
    put(&mut r, "protocol", tg.protocol().map(|p| p.as_str()));
    put(&mut r, "port", tg.port());
    put(&mut r, "target_type", tg.target_type().map(|t| t.as_str()));
    put(&mut r, "protocol_version", tg.protocol_version());
    put(&mut r, "vpc", tg.vpc_id());
    put(&mut r, "health_check.enabled", tg.health_check_enabled());
    put(
        &mut r,
        "health_check.protocol",
        tg.health_check_protocol().map(|p| p.as_str()),
    );
    put(&mut r, "health_check.path", tg.health_check_path());
    put(&mut r, "health_check.port", tg.health_check_port());
    put(
        &mut r,
        "health_check.interval",
        tg.health_check_interval_seconds(),
    );
    put(
        &mut r,
        "health_check.timeout",
        tg.health_check_timeout_seconds(),
    );
    put(
        &mut r,
        "health_check.healthy_threshold",
        tg.healthy_threshold_count(),
    );
    put(
        &mut r,
        "health_check.unhealthy_threshold",
        tg.unhealthy_threshold_count(),
    );
    put(
        &mut r,
        "health_check.matcher",
        tg.matcher().and_then(|m| m.http_code().or(m.grpc_code())),
    );
    r
}

/// `elbv2.load_balancer`, `elbv2.listener` and `elbv2.target_group` resources of the
/// environment, in that order of kinds (the caller splits them by kind).
pub(crate) async fn collect(
    client: &Client,
    scope: &Scope,
    region: &str,
    max_requests: usize,
) -> Result<Vec<Resource>, CallFailure> {
    let mut pages = client
        .describe_load_balancers()
        .page_size(400)
        .into_paginator()
        .send();
    let mut balancers = Vec::new();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| describe(&e).during("elasticloadbalancing:DescribeLoadBalancers"))?;
        balancers.extend(page.load_balancers().iter().cloned());
    }
    let mut pages = client
        .describe_target_groups()
        .page_size(400)
        .into_paginator()
        .send();
    let mut groups = Vec::new();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| describe(&e).during("elasticloadbalancing:DescribeTargetGroups"))?;
        groups.extend(page.target_groups().iter().cloned());
    }

    let lb_items = balancers
        .iter()
        .map(|lb| {
            (
                lb.load_balancer_arn().unwrap_or_default().to_string(),
                lb.load_balancer_name().unwrap_or_default().to_string(),
                lb.vpc_id().map(str::to_string),
            )
        })
        .collect();
    let lb_scoped: BTreeMap<String, Vec<(String, String)>> =
        scoped(client, scope, lb_items).await?.into_iter().collect();
    let tg_items = groups
        .iter()
        .map(|tg| {
            (
                tg.target_group_arn().unwrap_or_default().to_string(),
                tg.target_group_name().unwrap_or_default().to_string(),
                tg.vpc_id().map(str::to_string),
            )
        })
        .collect();
    let tg_scoped: BTreeMap<String, Vec<(String, String)>> =
        scoped(client, scope, tg_items).await?.into_iter().collect();

    let lbs: Vec<Vec<Resource>> = futures::stream::iter(
        balancers
            .iter()
            .filter(|lb| lb_scoped.contains_key(lb.load_balancer_arn().unwrap_or_default())),
    )
    .map(|lb| {
        let tags = &lb_scoped[lb.load_balancer_arn().unwrap_or_default()];
        async move {
            let arn = lb.load_balancer_arn().unwrap_or_default();
            let mut r = load_balancer(lb, region);
            with_tags(&mut r, tags);
            match client
                .describe_load_balancer_attributes()
                .load_balancer_arn(arn)
                .send()
                .await
            {
                Ok(out) => {
                    for a in out.attributes() {
                        let (Some(k), Some(v)) = (a.key(), a.value()) else {
                            continue;
                        };
                        if let Some((_, name)) = LB_ATTRIBUTES.iter().find(|(key, _)| *key == k) {
                            put(&mut r, name, typed(v));
                        }
                    }
                }
                Err(e) => {
                    let reason = describe(&e)
                        .during("elasticloadbalancing:DescribeLoadBalancerAttributes")
                        .reason;
                    for (_, name) in LB_ATTRIBUTES {
                        r.mark_unknown(name, &reason);
                    }
                }
            }
            // Listeners: the balancer's own list; failing it fails the kind (a missing listener
            // would read as "missing", not unknown).
            let mut listeners = vec![r];
            let mut pages = client
                .describe_listeners()
                .load_balancer_arn(arn)
                .page_size(400)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page
                    .map_err(|e| describe(&e).during("elasticloadbalancing:DescribeListeners"))?;
                for l in page.listeners() {
                    let mut lr = Resource::new(
                        "elbv2.listener",
                        l.listener_arn().unwrap_or_default(),
                        Identity::Child {
                            parent: arn.to_string(),
                            role: l.port().map(|p| p.to_string()).unwrap_or_default(),
                        },
                    )
                    .with_region(region);
                    put(&mut lr, "port", l.port());
                    put(&mut lr, "protocol", l.protocol().map(|p| p.as_str()));
                    put(&mut lr, "ssl_policy", l.ssl_policy());
                    put(
                        &mut lr,
                        "certificate",
                        l.certificates()
                            .iter()
                            .find(|c| c.is_default() != Some(false))
                            .and_then(|c| c.certificate_arn()),
                    );
                    let actions: Vec<Value> =
                        l.default_actions().iter().map(action_object).collect();
                    lr.attributes
                        .insert("default_actions", Value::Array(actions));
                    listeners.push(lr);
                }
            }
            Ok::<_, CallFailure>(listeners)
        }
    })
    .buffer_unordered(max_requests.max(1))
    .try_collect()
    .await?;

    let tgs: Vec<Resource> = futures::stream::iter(
        groups
            .iter()
            .filter(|tg| tg_scoped.contains_key(tg.target_group_arn().unwrap_or_default())),
    )
    .map(|tg| {
        let tags = &tg_scoped[tg.target_group_arn().unwrap_or_default()];
        async move {
            let arn = tg.target_group_arn().unwrap_or_default();
            let mut r = target_group(tg, region);
            with_tags(&mut r, tags);
            let (attributes, health) = futures::join!(
                client
                    .describe_target_group_attributes()
                    .target_group_arn(arn)
                    .send(),
                client.describe_target_health().target_group_arn(arn).send(),
            );
            match attributes {
                Ok(out) => {
                    for a in out.attributes() {
                        let (Some(k), Some(v)) = (a.key(), a.value()) else {
                            continue;
                        };
                        if let Some((_, name)) = TG_ATTRIBUTES.iter().find(|(key, _)| *key == k) {
                            put(&mut r, name, typed(v));
                        }
                    }
                }
                Err(e) => {
                    let reason = describe(&e)
                        .during("elasticloadbalancing:DescribeTargetGroupAttributes")
                        .reason;
                    for (_, name) in TG_ATTRIBUTES {
                        r.mark_unknown(name, &reason);
                    }
                }
            }
            match health {
                Ok(out) => put(
                    &mut r,
                    "registered_targets",
                    Some(out.target_health_descriptions().len()),
                ),
                Err(e) => r.mark_unknown(
                    "registered_targets",
                    &describe(&e)
                        .during("elasticloadbalancing:DescribeTargetHealth")
                        .reason,
                ),
            }
            Ok::<_, CallFailure>(r)
        }
    })
    .buffer_unordered(max_requests.max(1))
    .try_collect()
    .await?;

    Ok(lbs.into_iter().flatten().chain(tgs).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_strings_become_json_types() {
        assert_eq!(typed("true"), Some(json!(true)));
        assert_eq!(typed("60"), Some(json!(60)));
        assert_eq!(typed("lb_cookie"), Some(json!("lb_cookie")));
        assert_eq!(typed(""), None);
    }
}
