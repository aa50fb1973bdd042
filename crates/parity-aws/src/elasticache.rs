//! ElastiCache collector: `elasticache.cluster` resources, one per replication group (Redis /
//! Valkey with replicas or shards: its member nodes are aliases, not resources of their own) and
//! one per cache cluster outside any group (Memcached, single-node Redis). One kind on purpose:
//! an environment running a single node where another runs a replication group still pairs by
//! name, and the difference shows as `replication_group`, `num_cache_nodes`,
//! `automatic_failover` rows rather than as two missing resources.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_elasticache::types::{
    AutomaticFailoverStatus, CacheCluster, MultiAzStatus, ReplicationGroup,
};
use aws_sdk_elasticache::Client;
use futures::{StreamExt, TryStreamExt};
use parity_core::{Identity, Resource};
use serde_json::{json, Value};

use crate::failure::{describe, CallFailure};
use crate::scope::Scope;

const KIND: &str = "elasticache.cluster";

fn put<V: Into<Value>>(r: &mut Resource, name: &str, value: Option<V>) {
    if let Some(v) = value {
        r.attributes.insert(name.to_string(), v.into());
    }
}

async fn cache_clusters(client: &Client) -> Result<Vec<CacheCluster>, CallFailure> {
    let mut pages = client
        .describe_cache_clusters()
        .max_records(100)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("elasticache:DescribeCacheClusters"))?;
        out.extend(page.cache_clusters().iter().cloned());
    }
    Ok(out)
}

async fn replication_groups(client: &Client) -> Result<Vec<ReplicationGroup>, CallFailure> {
    let mut pages = client
        .describe_replication_groups()
        .max_records(100)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| describe(&e).during("elasticache:DescribeReplicationGroups"))?;
        out.extend(page.replication_groups().iter().cloned());
    }
    Ok(out)
}

/// One candidate resource before scoping: its name, ARN and the attributes.
struct Candidate {
    resource: Resource,
    arn: Option<String>,
}

fn group_resource(group: &ReplicationGroup, members: &[&CacheCluster], region: &str) -> Candidate {
    let id = group.replication_group_id().unwrap_or_default();
    let mut r = Resource::new(
        KIND,
        id,
        Identity::Name {
            name: id.to_string(),
        },
    )
    .with_region(region);
    r.aliases.extend(group.arn().map(str::to_string));
    // Alarms name a node (`CacheClusterId = prod-redis-001`): the nodes resolve to the group.
    r.aliases.extend(group.member_clusters().iter().cloned());
    let first = members.first();
    put(&mut r, "replication_group", Some(true));
    put(
        &mut r,
        "engine",
        group
            .engine()
            .or_else(|| first.and_then(|m| m.engine()))
            .or(Some("redis")),
    );
    put(
        &mut r,
        "engine_version",
        first.and_then(|m| m.engine_version()),
    );
    put(&mut r, "cache_node_type", group.cache_node_type());
    let nodes = if group.member_clusters().is_empty() {
        members.len()
    } else {
        group.member_clusters().len()
    };
    put(&mut r, "num_cache_nodes", Some(nodes as i64));
    put(
        &mut r,
        "shards",
        Some(group.node_groups().len().max(1) as i64),
    );
    put(
        &mut r,
        "cache_parameter_group",
        first
            .and_then(|m| m.cache_parameter_group())
            .and_then(|p| p.cache_parameter_group_name()),
    );
    put(
        &mut r,
        "cache_subnet_group",
        first.and_then(|m| m.cache_subnet_group_name()),
    );
    let sgs: BTreeSet<&str> = members
        .iter()
        .flat_map(|m| m.security_groups())
        .filter_map(|g| g.security_group_id())
        .collect();
    if !members.is_empty() {
        r.attributes.insert("security_groups", json!(sgs));
    }
    put(
        &mut r,
        "automatic_failover",
        group.automatic_failover().map(|s| {
            matches!(
                s,
                AutomaticFailoverStatus::Enabled | AutomaticFailoverStatus::Enabling
            )
        }),
    );
    put(
        &mut r,
        "multi_az",
        group
            .multi_az()
            .map(|s| matches!(s, MultiAzStatus::Enabled)),
    );
    put(
        &mut r,
        "at_rest_encryption_enabled",
        group.at_rest_encryption_enabled(),
    );
    put(
        &mut r,
        "transit_encryption_enabled",
        group.transit_encryption_enabled(),
    );
    put(&mut r, "auth_token_enabled", group.auth_token_enabled());
    put(
        &mut r,
        "snapshot_retention_limit",
        group.snapshot_retention_limit(),
    );
    Candidate {
        arn: group.arn().map(str::to_string),
        resource: r,
    }
}

fn cluster_resource(c: &CacheCluster, region: &str) -> Candidate {
    let id = c.cache_cluster_id().unwrap_or_default();
    let mut r = Resource::new(
        KIND,
        id,
        Identity::Name {
            name: id.to_string(),
        },
    )
    .with_region(region);
    r.aliases.extend(c.arn().map(str::to_string));
    put(&mut r, "replication_group", Some(false));
    put(&mut r, "engine", c.engine());
    put(&mut r, "engine_version", c.engine_version());
    put(&mut r, "cache_node_type", c.cache_node_type());
    put(&mut r, "num_cache_nodes", c.num_cache_nodes());
    if c.engine() != Some("memcached") {
        put(&mut r, "shards", Some(1));
    }
    put(
        &mut r,
        "cache_parameter_group",
        c.cache_parameter_group()
            .and_then(|p| p.cache_parameter_group_name()),
    );
    put(&mut r, "cache_subnet_group", c.cache_subnet_group_name());
    let sgs: BTreeSet<&str> = c
        .security_groups()
        .iter()
        .filter_map(|g| g.security_group_id())
        .collect();
    r.attributes.insert("security_groups", json!(sgs));
    // A lone node cannot fail over; Memcached spreads over AZs with `cross-az` placement.
    put(&mut r, "automatic_failover", Some(false));
    put(
        &mut r,
        "multi_az",
        Some(c.preferred_availability_zone() == Some("Multiple")),
    );
    put(
        &mut r,
        "at_rest_encryption_enabled",
        c.at_rest_encryption_enabled(),
    );
    put(
        &mut r,
        "transit_encryption_enabled",
        c.transit_encryption_enabled(),
    );
    put(&mut r, "auth_token_enabled", c.auth_token_enabled());
    put(
        &mut r,
        "snapshot_retention_limit",
        c.snapshot_retention_limit(),
    );
    Candidate {
        arn: c.arn().map(str::to_string),
        resource: r,
    }
}

/// `elasticache.cluster` resources of the environment (DescribeReplicationGroups,
/// DescribeCacheClusters; ListTagsForResource only for candidates whose name does not already
/// place them, when the environment has a tag filter).
pub(crate) async fn clusters(
    client: &Client,
    scope: &Scope,
    region: &str,
    max_requests: usize,
) -> Result<Vec<Resource>, CallFailure> {
    let (groups, clusters) =
        futures::try_join!(replication_groups(client), cache_clusters(client))?;
    let mut members: BTreeMap<&str, Vec<&CacheCluster>> = BTreeMap::new();
    for c in &clusters {
        if let Some(g) = c.replication_group_id() {
            members.entry(g).or_default().push(c);
        }
    }
    let mut candidates: Vec<Candidate> = groups
        .iter()
        .map(|g| {
            let ms = g
                .replication_group_id()
                .and_then(|id| members.get(id))
                .cloned()
                .unwrap_or_default();
            group_resource(g, &ms, region)
        })
        .collect();
    candidates.extend(
        clusters
            .iter()
            .filter(|c| c.replication_group_id().is_none())
            .map(|c| cluster_resource(c, region)),
    );
    futures::stream::iter(candidates)
        .map(|c| async move {
            if scope.by_name(&c.resource.native_id) {
                return Ok(Some(c.resource));
            }
            let Some(arn) = c.arn.filter(|_| scope.uses_tags()) else {
                return Ok(None);
            };
            let out = client
                .list_tags_for_resource()
                .resource_name(arn)
                .send()
                .await
                .map_err(|e| describe(&e).during("elasticache:ListTagsForResource"))?;
            let tags: Vec<(&str, &str)> = out
                .tag_list()
                .iter()
                .filter_map(|t| Some((t.key()?, t.value().unwrap_or(""))))
                .collect();
            // Tags decide scope only: they cost a call per resource, which resources in scope by
            // name do not make, so they are not compared for this kind.
            Ok(scope.by_tags(tags).then_some(c.resource))
        })
        .buffer_unordered(max_requests.max(1))
        .try_filter_map(|r| async move { Ok::<_, CallFailure>(r) })
        .try_collect()
        .await
}
