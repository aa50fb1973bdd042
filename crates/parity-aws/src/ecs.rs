//! ECS collector: `ecs.cluster` (ListClusters, DescribeClusters with settings and tags),
//! `ecs.service` (ListServices and DescribeServices with tags, per cluster) and
//! `ecs.task_definition` — the active (latest ACTIVE) revision of each family
//! (ListTaskDefinitionFamilies, DescribeTaskDefinition with tags per family read).
//!
//! Scope: a cluster by its name or tags; a service by its cluster, name or tags; a family by its
//! name, by an in-scope service running it, or — with a tag filter — by its tags. Containers go
//! through parity-core's `container` rules: the image's tag is the application's version,
//! environment values are keyed fingerprints like Lambda's (never in clear), secrets are kept by
//! reference name only.

use std::collections::BTreeSet;

use aws_sdk_ecs::types::{
    Cluster, ClusterField, ContainerDefinition, Service, ServiceField, TaskDefinition,
    TaskDefinitionFamilyStatus, TaskDefinitionField,
};
use aws_sdk_ecs::Client;
use futures::{StreamExt, TryStreamExt};
use parity_core::container::{container_attributes, ContainerFacts};
use parity_core::Resource;
use serde_json::{json, Value};

use crate::failure::{describe, CallFailure};
use crate::scope::{user_tags, Scope};
use crate::secrets::ValueFingerprinter;

fn put<V: Into<Value>>(r: &mut Resource, name: &str, value: Option<V>) {
    if let Some(v) = value {
        r.attributes.insert(name.to_string(), v.into());
    }
}

fn tag_pairs(tags: &[aws_sdk_ecs::types::Tag]) -> Vec<(&str, &str)> {
    tags.iter()
        .filter_map(|t| Some((t.key()?, t.value().unwrap_or(""))))
        .collect()
}

/// `"512"` → 512 (task sizes are strings in the API); other text as is.
fn size(v: Option<&str>) -> Option<Value> {
    v.map(|s| {
        s.parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| json!(s))
    })
}

fn cluster(c: &Cluster, region: &str) -> Resource {
    let name = c.cluster_name().unwrap_or_default();
    let mut r =
        Resource::named("ecs.cluster", c.cluster_arn().unwrap_or(name), name).with_region(region);
    r.aliases.push(name.to_string());
    r.tags = user_tags(tag_pairs(c.tags()));
    for s in c.settings() {
        if let (Some(n), Some(v)) = (s.name(), s.value()) {
            if n.as_str() == "containerInsights" {
                r.attributes.insert("container_insights", json!(v));
            }
        }
    }
    r.attributes
        .insert("capacity_providers", json!(c.capacity_providers()));
    r
}

fn service(s: &Service, region: &str) -> Resource {
    let name = s.service_name().unwrap_or_default();
    let mut r =
        Resource::named("ecs.service", s.service_arn().unwrap_or(name), name).with_region(region);
    r.tags = user_tags(tag_pairs(s.tags()));
    put(&mut r, "cluster", s.cluster_arn());
    put(&mut r, "launch_type", s.launch_type().map(|l| l.as_str()));
    let providers: Vec<&str> = s
        .capacity_provider_strategy()
        .iter()
        .map(|c| c.capacity_provider())
        .collect();
    if !providers.is_empty() {
        r.attributes.insert("capacity_providers", json!(providers));
    }
    put(&mut r, "platform_version", s.platform_version());
    put(&mut r, "desired_count", Some(s.desired_count()));
    put(&mut r, "task_definition", s.task_definition());
    put(
        &mut r,
        "scheduling_strategy",
        s.scheduling_strategy().map(|x| x.as_str()),
    );
    put(
        &mut r,
        "health_check_grace_period",
        s.health_check_grace_period_seconds(),
    );
    if let Some(d) = s.deployment_configuration() {
        put(
            &mut r,
            "deployment_minimum_healthy_percent",
            d.minimum_healthy_percent(),
        );
        put(&mut r, "deployment_maximum_percent", d.maximum_percent());
        if let Some(cb) = d.deployment_circuit_breaker() {
            put(&mut r, "circuit_breaker.enable", Some(cb.enable()));
            put(&mut r, "circuit_breaker.rollback", Some(cb.rollback()));
        }
    }
    if let Some(vpc) = s
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
    {
        r.attributes.insert("subnets", json!(vpc.subnets()));
        r.attributes
            .insert("security_groups", json!(vpc.security_groups()));
        put(
            &mut r,
            "assign_public_ip",
            vpc.assign_public_ip().map(|a| a.as_str()),
        );
    }
    let lbs: Vec<Value> = s
        .load_balancers()
        .iter()
        .map(|lb| {
            json!({
                "target_group": lb.target_group_arn().or(lb.load_balancer_name()),
                "container_name": lb.container_name(),
                "container_port": lb.container_port(),
            })
        })
        .collect();
    r.attributes.insert("load_balancers", json!(lbs));
    r
}

fn container_facts(c: &ContainerDefinition) -> ContainerFacts {
    ContainerFacts {
        name: c.name().unwrap_or_default().to_string(),
        image: c.image().map(str::to_string),
        cpu: Some(i64::from(c.cpu())),
        memory: c.memory().map(i64::from),
        memory_reservation: c.memory_reservation().map(i64::from),
        ports: c
            .port_mappings()
            .iter()
            .filter_map(|p| {
                Some((
                    i64::from(p.container_port()?),
                    p.protocol().map_or("tcp", |x| x.as_str()).to_string(),
                ))
            })
            .collect(),
        essential: c.essential(),
        log_driver: c
            .log_configuration()
            .map(|l| l.log_driver().as_str().to_string()),
        environment: c
            .environment()
            .iter()
            .filter_map(|kv| Some((kv.name()?.to_string(), kv.value().unwrap_or("").to_string())))
            .collect(),
        secrets: c
            .secrets()
            .iter()
            .map(|s| (s.name().to_string(), s.value_from().to_string()))
            .collect(),
    }
}

/// `ecs.task_definition` from the family's active revision.
pub(crate) fn task_definition(
    td: &TaskDefinition,
    tags: &[aws_sdk_ecs::types::Tag],
    region: &str,
    scope: &Scope,
    fingerprinter: Option<&ValueFingerprinter>,
) -> Resource {
    let family = td.family().unwrap_or_default();
    let arn = td.task_definition_arn().unwrap_or(family);
    let mut r = Resource::named("ecs.task_definition", arn, family).with_region(region);
    // Services name it by ARN, `family:revision` or family.
    r.aliases.push(family.to_string());
    r.aliases.push(format!("{family}:{}", td.revision()));
    if let Some((without_revision, _)) = arn.rsplit_once(':') {
        r.aliases.push(without_revision.to_string());
    }
    r.tags = user_tags(tag_pairs(tags));
    put(&mut r, "revision", Some(td.revision()));
    put(&mut r, "cpu", size(td.cpu()));
    put(&mut r, "memory", size(td.memory()));
    put(
        &mut r,
        "network_mode",
        td.network_mode().map(|n| n.as_str()),
    );
    let compat: Vec<&str> = td
        .requires_compatibilities()
        .iter()
        .map(|c| c.as_str())
        .collect();
    r.attributes
        .insert("requires_compatibilities", json!(compat));
    if let Some(p) = td.runtime_platform() {
        put(
            &mut r,
            "runtime_platform.cpu_architecture",
            p.cpu_architecture().map(|c| c.as_str()),
        );
        put(
            &mut r,
            "runtime_platform.os_family",
            p.operating_system_family().map(|o| o.as_str()),
        );
    }
    put(&mut r, "task_role", td.task_role_arn());
    put(&mut r, "execution_role", td.execution_role_arn());
    let environment_value = |name: &str, value: &str| -> Option<Value> {
        Some(match fingerprinter {
            // a secret-looking variable compares by presence (docs/CONTRACTS.md "Secrets")
            _ if crate::secrets::looks_secret(name) => {
                json!(crate::secrets::token(fingerprinter, value))
            }
            Some(fp) => {
                let normalised = scope.tokens().replace_in_value(value);
                json!(fp.fingerprint(normalised.as_deref().unwrap_or(value)))
            }
            None => json!(true),
        })
    };
    for c in td.container_definitions() {
        for (k, v) in container_attributes(&container_facts(c), &environment_value) {
            r.attributes.insert(k, v);
        }
    }
    r
}

/// `ecs.cluster`, `ecs.service` and `ecs.task_definition` resources of the environment.
pub(crate) async fn collect(
    client: &Client,
    scope: &Scope,
    region: &str,
    fingerprinter: Option<&ValueFingerprinter>,
    max_requests: usize,
) -> Result<Vec<Resource>, CallFailure> {
    let mut arns = Vec::new();
    let mut pages = client
        .list_clusters()
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("ecs:ListClusters"))?;
        arns.extend(page.cluster_arns().iter().cloned());
    }
    let mut clusters = Vec::new();
    for chunk in arns.chunks(100) {
        let out = client
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .include(ClusterField::Settings)
            .include(ClusterField::Tags)
            .send()
            .await
            .map_err(|e| describe(&e).during("ecs:DescribeClusters"))?;
        clusters.extend(out.clusters().iter().cloned());
    }
    let in_scope_cluster = |c: &Cluster| {
        scope.by_name(c.cluster_name().unwrap_or_default()) || scope.by_tags(tag_pairs(c.tags()))
    };

    // Services of every cluster: one in a shared cluster may still be the environment's own.
    let per_cluster: Vec<Vec<Service>> = futures::stream::iter(&clusters)
        .map(|c| async move {
            let arn = c.cluster_arn().unwrap_or_default();
            let mut names = Vec::new();
            let mut pages = client
                .list_services()
                .cluster(arn)
                .max_results(100)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| describe(&e).during("ecs:ListServices"))?;
                names.extend(page.service_arns().iter().cloned());
            }
            let mut services = Vec::new();
            for chunk in names.chunks(10) {
                let out = client
                    .describe_services()
                    .cluster(arn)
                    .set_services(Some(chunk.to_vec()))
                    .include(ServiceField::Tags)
                    .send()
                    .await
                    .map_err(|e| describe(&e).during("ecs:DescribeServices"))?;
                services.extend(out.services().iter().cloned());
            }
            let cluster_in = in_scope_cluster(c);
            Ok::<_, CallFailure>(
                services
                    .into_iter()
                    .filter(|s| {
                        cluster_in
                            || scope.by_name(s.service_name().unwrap_or_default())
                            || scope.by_tags(tag_pairs(s.tags()))
                    })
                    .collect(),
            )
        })
        .buffer_unordered(max_requests.max(1))
        .try_collect()
        .await?;
    let services: Vec<Service> = per_cluster.into_iter().flatten().collect();

    let mut families = Vec::new();
    let mut pages = client
        .list_task_definition_families()
        .status(TaskDefinitionFamilyStatus::Active)
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("ecs:ListTaskDefinitionFamilies"))?;
        families.extend(page.families().iter().cloned());
    }
    // Families an in-scope service runs: `arn:…:task-definition/<family>:<revision>`.
    let running: BTreeSet<String> = services
        .iter()
        .filter_map(|s| s.task_definition())
        .map(|td| {
            let tail = td.rsplit('/').next().unwrap_or(td);
            tail.split(':').next().unwrap_or(tail).to_string()
        })
        .collect();
    let candidates: Vec<String> = families
        .into_iter()
        .filter(|f| scope.uses_tags() || scope.by_name(f) || running.contains(f))
        .collect();
    let definitions: Vec<Option<Resource>> = futures::stream::iter(candidates)
        .map(|family| {
            let running = &running;
            async move {
                let out = client
                    .describe_task_definition()
                    .task_definition(&family)
                    .include(TaskDefinitionField::Tags)
                    .send()
                    .await
                    .map_err(|e| describe(&e).during("ecs:DescribeTaskDefinition"))?;
                let Some(td) = out.task_definition() else {
                    return Ok(None);
                };
                let in_scope = scope.by_name(&family)
                    || running.contains(&family)
                    || scope.by_tags(tag_pairs(out.tags()));
                Ok::<_, CallFailure>(
                    in_scope.then(|| task_definition(td, out.tags(), region, scope, fingerprinter)),
                )
            }
        })
        .buffer_unordered(max_requests.max(1))
        .try_collect()
        .await?;

    Ok(clusters
        .iter()
        .filter(|c| in_scope_cluster(c))
        .map(|c| cluster(c, region))
        .chain(services.iter().map(|s| service(s, region)))
        .chain(definitions.into_iter().flatten())
        .collect())
}
