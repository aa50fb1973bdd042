//! ECS and EKS types: `aws_ecs_cluster` → `ecs.cluster`, `aws_ecs_service` → `ecs.service`,
//! `aws_ecs_task_definition` → `ecs.task_definition` (containers through parity-core's
//! `container` rules; environment values are left out — the API collector fingerprints them with
//! the workspace's key, which an import does not hold), `aws_eks_cluster` → `eks.cluster`,
//! `aws_eks_node_group` → `eks.node_group`, like parity-aws's ECS and EKS collectors.

use parity_core::container::{container_attributes, facts_from_json};
use parity_core::Resource;
use serde_json::{json, Value};

use super::elbv2::{block, int};
use super::fields::{copy, list, non_empty_str, set_of, str_attr, strings};
use super::{named, MapInput};

fn string_set(items: Vec<String>) -> Value {
    set_of(items.into_iter().map(Value::from).collect())
}

/// `aws_ecs_cluster` → `ecs.cluster`, named by `name`.
pub(super) fn cluster(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let name = non_empty_str(a, "name").unwrap_or(id);
    let mut r = Resource::new("ecs.cluster", id, named(name));
    if name != id {
        r.aliases.push(name.to_string());
    }
    for s in list(a, "setting").iter().filter_map(Value::as_object) {
        if str_attr(s, "name") == Some("containerInsights") {
            if let Some(v) = non_empty_str(s, "value") {
                r.attributes.insert("container_insights", json!(v));
            }
        }
    }
    // Inline (provider < 5) or `aws_ecs_cluster_capacity_providers`, whose id is the cluster's
    // name.
    let mut providers = strings(a, "capacity_providers");
    if providers.is_empty() {
        if let Some(cp) = input
            .index
            .get(name, &["aws_ecs_cluster_capacity_providers"])
        {
            providers = strings(cp.attributes(), "capacity_providers");
        }
    }
    r.attributes
        .insert("capacity_providers", string_set(providers));
    r
}

/// `aws_ecs_service` → `ecs.service`, named by `name`.
pub(super) fn service(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let name = non_empty_str(a, "name").unwrap_or(id);
    let mut r = Resource::new("ecs.service", id, named(name));
    copy(
        a,
        &mut r,
        &[
            ("cluster", "cluster"),
            ("launch_type", "launch_type"),
            ("platform_version", "platform_version"),
            ("task_definition", "task_definition"),
            ("scheduling_strategy", "scheduling_strategy"),
            (
                "deployment_minimum_healthy_percent",
                "deployment_minimum_healthy_percent",
            ),
            ("deployment_maximum_percent", "deployment_maximum_percent"),
        ],
    );
    if let Some(n) = int(a, "desired_count") {
        r.attributes.insert("desired_count", json!(n));
    }
    if let Some(n) = int(a, "health_check_grace_period_seconds").filter(|n| *n > 0) {
        r.attributes.insert("health_check_grace_period", json!(n));
    }
    let providers: Vec<String> = list(a, "capacity_provider_strategy")
        .iter()
        .filter_map(|c| c.get("capacity_provider")?.as_str())
        .map(str::to_string)
        .collect();
    if !providers.is_empty() {
        r.attributes.insert("capacity_providers", json!(providers));
    }
    // The API always reports the circuit breaker (off unless configured).
    let cb = block(a, "deployment_circuit_breaker");
    for field in ["enable", "rollback"] {
        let on = cb
            .and_then(|c| c.get(field))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        r.attributes
            .insert(format!("circuit_breaker.{field}"), json!(on));
    }
    if let Some(n) = block(a, "network_configuration") {
        r.attributes
            .insert("subnets", string_set(strings(n, "subnets")));
        r.attributes
            .insert("security_groups", string_set(strings(n, "security_groups")));
        let public = n
            .get("assign_public_ip")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        r.attributes.insert(
            "assign_public_ip",
            json!(if public { "ENABLED" } else { "DISABLED" }),
        );
    }
    let lbs: Vec<Value> = list(a, "load_balancer")
        .iter()
        .filter_map(Value::as_object)
        .map(|lb| {
            json!({
                "target_group": non_empty_str(lb, "target_group_arn").or(non_empty_str(lb, "elb_name")),
                "container_name": non_empty_str(lb, "container_name"),
                "container_port": int(lb, "container_port"),
            })
        })
        .collect();
    r.attributes.insert("load_balancers", json!(lbs));
    r
}

/// `aws_ecs_task_definition` → `ecs.task_definition`, named by `family`; its native id is the
/// revision's ARN so that services referring to it resolve.
pub(super) fn task_definition(input: &MapInput) -> Resource {
    let a = input.a;
    let family = non_empty_str(a, "family").unwrap_or(input.id);
    let arn = non_empty_str(a, "arn").unwrap_or(input.id);
    let mut r = Resource::new("ecs.task_definition", arn, named(family));
    r.aliases.push(family.to_string());
    if let Some(rev) = int(a, "revision") {
        r.aliases.push(format!("{family}:{rev}"));
        r.attributes.insert("revision", json!(rev));
    }
    if let Some((without_revision, _)) = arn.rsplit_once(':') {
        if without_revision.starts_with("arn:") {
            r.aliases.push(without_revision.to_string());
        }
    }
    copy(
        a,
        &mut r,
        &[
            ("network_mode", "network_mode"),
            ("task_role_arn", "task_role"),
            ("execution_role_arn", "execution_role"),
        ],
    );
    for field in ["cpu", "memory"] {
        if let Some(n) = int(a, field) {
            r.attributes.insert(field, json!(n));
        }
    }
    r.attributes.insert(
        "requires_compatibilities",
        string_set(strings(a, "requires_compatibilities")),
    );
    if let Some(p) = block(a, "runtime_platform") {
        copy(
            p,
            &mut r,
            &[
                ("cpu_architecture", "runtime_platform.cpu_architecture"),
                ("operating_system_family", "runtime_platform.os_family"),
            ],
        );
    }
    let defs: Value = str_attr(a, "container_definitions")
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    for def in defs.as_array().into_iter().flatten() {
        if let Some(facts) = facts_from_json(def) {
            for (k, v) in container_attributes(&facts, &|_, _| None) {
                r.attributes.insert(k, v);
            }
        }
    }
    r
}

/// `aws_eks_cluster` → `eks.cluster`, named by `name`.
pub(super) fn eks_cluster(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let name = non_empty_str(a, "name").unwrap_or(id);
    let mut r = Resource::new("eks.cluster", id, named(name));
    copy(a, &mut r, &[("version", "version"), ("role_arn", "role")]);
    if let Some(v) = block(a, "vpc_config") {
        r.parent = non_empty_str(v, "vpc_id").map(str::to_string);
        copy(
            v,
            &mut r,
            &[
                ("vpc_id", "vpc"),
                ("endpoint_public_access", "endpoint_public_access"),
                ("endpoint_private_access", "endpoint_private_access"),
            ],
        );
        r.attributes
            .insert("subnets", string_set(strings(v, "subnet_ids")));
        r.attributes.insert(
            "security_groups",
            string_set(strings(v, "security_group_ids")),
        );
        if v.get("endpoint_public_access").and_then(Value::as_bool) == Some(true) {
            r.attributes.insert(
                "public_access_cidrs",
                string_set(strings(v, "public_access_cidrs")),
            );
        }
    }
    r.attributes.insert(
        "logging",
        string_set(strings(a, "enabled_cluster_log_types")),
    );
    let secrets = list(a, "encryption_config")
        .iter()
        .filter_map(Value::as_object)
        .find(|e| {
            block(e, "provider")
                .and_then(|p| non_empty_str(p, "key_arn"))
                .is_some()
        });
    r.attributes
        .insert("secrets_encryption", json!(secrets.is_some()));
    if let Some(key) = secrets
        .and_then(|e| block(e, "provider"))
        .and_then(|p| non_empty_str(p, "key_arn"))
    {
        r.attributes.insert("secrets_encryption_key", json!(key));
    }
    r
}

/// `aws_eks_node_group` → `eks.node_group`, named `<cluster>/<group>`.
pub(super) fn eks_node_group(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let cluster = non_empty_str(a, "cluster_name").unwrap_or_default();
    let group = non_empty_str(a, "node_group_name").unwrap_or(id);
    let mut r = Resource::new("eks.node_group", id, named(&format!("{cluster}/{group}")));
    // the cluster by ARN, like the collector, when the cluster is in the state
    let cluster_ref = input
        .index
        .get(cluster, &["aws_eks_cluster"])
        .and_then(|c| non_empty_str(c.attributes(), "arn"))
        .unwrap_or(cluster);
    r.attributes.insert("cluster", json!(cluster_ref));
    copy(
        a,
        &mut r,
        &[
            ("ami_type", "ami_type"),
            ("release_version", "release_version"),
            ("capacity_type", "capacity_type"),
            ("version", "version"),
            ("node_role_arn", "node_role"),
        ],
    );
    if let Some(n) = int(a, "disk_size").filter(|n| *n > 0) {
        r.attributes.insert("disk_size", json!(n));
    }
    r.attributes
        .insert("instance_types", string_set(strings(a, "instance_types")));
    r.attributes
        .insert("subnets", string_set(strings(a, "subnet_ids")));
    if let Some(s) = block(a, "scaling_config") {
        for (from, to) in [
            ("min_size", "min_size"),
            ("max_size", "max_size"),
            ("desired_size", "desired_size"),
        ] {
            if let Some(n) = int(s, from) {
                r.attributes.insert(to, json!(n));
            }
        }
    }
    r
}
