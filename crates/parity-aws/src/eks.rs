//! EKS collector: `eks.cluster` (ListClusters, DescribeCluster per cluster — tags come with it,
//! EKS scoping needs no tag call) and `eks.node_group` (ListNodegroups, DescribeNodegroup per
//! group of an in-scope cluster). Scope: a cluster by its name, tags or VPC; a node group by its
//! cluster.

use aws_sdk_eks::types::{Cluster, Nodegroup};
use aws_sdk_eks::Client;
use futures::{StreamExt, TryStreamExt};
use parity_core::Resource;
use serde_json::{json, Value};

use crate::failure::{describe, CallFailure};
use crate::scope::{user_tags, Scope};

fn put<V: Into<Value>>(r: &mut Resource, name: &str, value: Option<V>) {
    if let Some(v) = value {
        r.attributes.insert(name.to_string(), v.into());
    }
}

fn tag_pairs(tags: Option<&std::collections::HashMap<String, String>>) -> Vec<(&str, &str)> {
    let mut t: Vec<(&str, &str)> = tags
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    t.sort();
    t
}

fn cluster(c: &Cluster, region: &str) -> Resource {
    let name = c.name().unwrap_or_default();
    let mut r = Resource::named("eks.cluster", c.arn().unwrap_or(name), name).with_region(region);
    r.aliases.push(name.to_string());
    r.tags = user_tags(tag_pairs(c.tags()));
    put(&mut r, "version", c.version());
    put(&mut r, "role", c.role_arn());
    if let Some(v) = c.resources_vpc_config() {
        r.parent = v.vpc_id().map(str::to_string);
        put(&mut r, "vpc", v.vpc_id());
        r.attributes.insert("subnets", json!(v.subnet_ids()));
        r.attributes
            .insert("security_groups", json!(v.security_group_ids()));
        put(
            &mut r,
            "endpoint_public_access",
            Some(v.endpoint_public_access()),
        );
        put(
            &mut r,
            "endpoint_private_access",
            Some(v.endpoint_private_access()),
        );
        if v.endpoint_public_access() {
            r.attributes
                .insert("public_access_cidrs", json!(v.public_access_cidrs()));
        }
    }
    let mut logging: Vec<&str> = c
        .logging()
        .map(|l| l.cluster_logging())
        .unwrap_or_default()
        .iter()
        .filter(|s| s.enabled() == Some(true))
        .flat_map(|s| s.types().iter().map(|t| t.as_str()))
        .collect();
    logging.sort_unstable();
    r.attributes.insert("logging", json!(logging));
    // Envelope encryption of secrets with a KMS key (EKS encrypts everything by default; the
    // configuration names the customer key, and only `secrets` can be listed).
    let secrets = c
        .encryption_config()
        .iter()
        .find(|e| e.provider().and_then(|p| p.key_arn()).is_some());
    put(&mut r, "secrets_encryption", Some(secrets.is_some()));
    put(
        &mut r,
        "secrets_encryption_key",
        secrets.and_then(|e| e.provider()).and_then(|p| p.key_arn()),
    );
    r
}

fn node_group(g: &Nodegroup, cluster_arn: &str, region: &str) -> Resource {
    let cluster = g.cluster_name().unwrap_or_default();
    let name = g.nodegroup_name().unwrap_or_default();
    // `<cluster>/<group>`: group names repeat across clusters; tokens strip from both segments.
    let mut r = Resource::named(
        "eks.node_group",
        g.nodegroup_arn().unwrap_or(name),
        &format!("{cluster}/{name}"),
    )
    .with_region(region);
    r.tags = user_tags(tag_pairs(g.tags()));
    put(&mut r, "cluster", Some(cluster_arn));
    r.attributes
        .insert("instance_types", json!(g.instance_types()));
    if let Some(s) = g.scaling_config() {
        put(&mut r, "min_size", s.min_size());
        put(&mut r, "max_size", s.max_size());
        put(&mut r, "desired_size", s.desired_size());
    }
    put(&mut r, "ami_type", g.ami_type().map(|a| a.as_str()));
    put(&mut r, "release_version", g.release_version());
    put(
        &mut r,
        "capacity_type",
        g.capacity_type().map(|c| c.as_str()),
    );
    put(&mut r, "version", g.version());
    put(&mut r, "disk_size", g.disk_size());
    put(&mut r, "node_role", g.node_role());
    r.attributes.insert("subnets", json!(g.subnets()));
    r
}

/// `eks.cluster` and `eks.node_group` resources of the environment.
pub(crate) async fn collect(
    client: &Client,
    scope: &Scope,
    region: &str,
    max_requests: usize,
) -> Result<Vec<Resource>, CallFailure> {
    let mut names = Vec::new();
    let mut pages = client
        .list_clusters()
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("eks:ListClusters"))?;
        names.extend(page.clusters().iter().cloned());
    }
    let per_cluster: Vec<Vec<Resource>> = futures::stream::iter(names)
        .map(|name| async move {
            let out = client
                .describe_cluster()
                .name(&name)
                .send()
                .await
                .map_err(|e| describe(&e).during("eks:DescribeCluster"))?;
            let Some(c) = out.cluster() else {
                return Ok(Vec::new());
            };
            let in_scope = scope.by_name(&name)
                || scope.by_tags(tag_pairs(c.tags()))
                || scope.by_vpc(c.resources_vpc_config().and_then(|v| v.vpc_id()));
            if !in_scope {
                return Ok(Vec::new());
            }
            let arn = c.arn().unwrap_or(&name).to_string();
            let mut out = vec![cluster(c, region)];
            let mut groups = Vec::new();
            let mut pages = client
                .list_nodegroups()
                .cluster_name(&name)
                .max_results(100)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| describe(&e).during("eks:ListNodegroups"))?;
                groups.extend(page.nodegroups().iter().cloned());
            }
            for g in groups {
                let d = client
                    .describe_nodegroup()
                    .cluster_name(&name)
                    .nodegroup_name(&g)
                    .send()
                    .await
                    .map_err(|e| describe(&e).during("eks:DescribeNodegroup"))?;
                if let Some(ng) = d.nodegroup() {
                    out.push(node_group(ng, &arn, region));
                }
            }
            Ok::<_, CallFailure>(out)
        })
        .buffer_unordered(max_requests.max(1))
        .try_collect()
        .await?;
    Ok(per_cluster.into_iter().flatten().collect())
}
