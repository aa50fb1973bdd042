//! RDS collectors: DB instances (scoped client-side by TagList or VPC membership, since RDS has
//! no server-side tag filter) and the parameter groups they use, with their user-modified values.

use std::collections::BTreeSet;

use aws_sdk_rds::types::{DbInstance, Tag};
use aws_sdk_rds::Client;
use futures::{StreamExt, TryStreamExt};
use parity_core::{EnvironmentConfig, Identity, Resource};
use serde_json::{json, Value};

use crate::failure::{describe, CallFailure};

/// Every DB instance of the region (DescribeDBInstances at its maximum page size, 100).
pub(crate) async fn describe_instances(
    client: &Client,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> Result<Vec<DbInstance>, CallFailure> {
    let mut pages = client
        .describe_db_instances()
        .max_records(100)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("rds:DescribeDBInstances"))?;
        out.extend(page.db_instances().iter().cloned());
        progress(out.len());
    }
    Ok(out)
}

/// Whether a DB instance belongs to the environment: it carries every tag of the filter, or
/// sits in one of the in-scope VPCs; with no scope configured, every instance belongs.
pub(crate) fn in_scope(
    db: &DbInstance,
    env: &EnvironmentConfig,
    unscoped: bool,
    vpc_ids: &BTreeSet<String>,
) -> bool {
    if unscoped {
        return true;
    }
    let tagged = !env.tags.is_empty()
        && env.tags.iter().all(|(k, v)| {
            db.tag_list()
                .iter()
                .any(|t| t.key() == Some(k.as_str()) && t.value() == Some(v.as_str()))
        });
    let in_vpc = db
        .db_subnet_group()
        .and_then(|g| g.vpc_id())
        .is_some_and(|v| vpc_ids.contains(v));
    tagged || in_vpc
}

fn user_tags(tags: &[Tag]) -> parity_core::Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?, t.value().unwrap_or(""))))
        .filter(|(k, _)| *k != "Name" && !k.starts_with("aws:"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn put<V: Into<Value>>(r: &mut Resource, name: &str, value: Option<V>) {
    if let Some(v) = value {
        r.attributes.insert(name.to_string(), v.into());
    }
}

/// `rds.db_instance` resources.
pub(crate) fn instance_resources(dbs: &[DbInstance], region: &str) -> Vec<Resource> {
    dbs.iter()
        .map(|db| {
            let id = db.db_instance_identifier().unwrap_or_default();
            let mut r = Resource::new(
                "rds.db_instance",
                id,
                Identity::Name {
                    name: id.to_string(),
                },
            )
            .with_region(region);
            r.aliases.extend(db.db_instance_arn().map(str::to_string));
            r.tags = user_tags(db.tag_list());
            put(&mut r, "db_instance_class", db.db_instance_class());
            put(&mut r, "engine", db.engine());
            put(&mut r, "engine_version", db.engine_version());
            put(&mut r, "multi_az", db.multi_az());
            put(&mut r, "storage_type", db.storage_type());
            put(&mut r, "allocated_storage", db.allocated_storage());
            put(&mut r, "iops", db.iops());
            put(&mut r, "storage_throughput", db.storage_throughput());
            put(
                &mut r,
                "backup_retention_period",
                db.backup_retention_period(),
            );
            put(
                &mut r,
                "db_parameter_group",
                db.db_parameter_groups()
                    .first()
                    .and_then(|g| g.db_parameter_group_name()),
            );
            put(&mut r, "deletion_protection", db.deletion_protection());
            put(
                &mut r,
                "auto_minor_version_upgrade",
                db.auto_minor_version_upgrade(),
            );
            put(&mut r, "publicly_accessible", db.publicly_accessible());
            put(&mut r, "storage_encrypted", db.storage_encrypted());
            put(
                &mut r,
                "performance_insights_enabled",
                db.performance_insights_enabled(),
            );
            put(
                &mut r,
                "db_subnet_group",
                db.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
            );
            let sgs: Vec<&str> = db
                .vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id())
                .collect();
            r.attributes.insert("vpc_security_groups", json!(sgs));
            put(&mut r, "availability_zone", db.availability_zone());
            put(&mut r, "port", db.endpoint().and_then(|e| e.port()));
            put(
                &mut r,
                "endpoint_address",
                db.endpoint().and_then(|e| e.address()),
            );
            r
        })
        .collect()
}

/// The parameter groups the in-scope instances use, with `parameters.<name>` for every
/// user-modified parameter (DescribeDBParameters Source=user; moto ignores Source and returns
/// only the parameters that were modified, so whatever comes back is kept). Default groups
/// (`default.*`) hold no user values and are not asked for parameters.
pub(crate) async fn parameter_groups(
    client: &Client,
    dbs: &[DbInstance],
    region: &str,
    max_requests: usize,
) -> Result<Vec<Resource>, CallFailure> {
    let wanted: BTreeSet<&str> = dbs
        .iter()
        .flat_map(|db| db.db_parameter_groups())
        .filter_map(|g| g.db_parameter_group_name())
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut pages = client
        .describe_db_parameter_groups()
        .max_records(100)
        .into_paginator()
        .send();
    let mut groups = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("rds:DescribeDBParameterGroups"))?;
        groups.extend(
            page.db_parameter_groups()
                .iter()
                .filter(|g| {
                    g.db_parameter_group_name()
                        .is_some_and(|n| wanted.contains(n))
                })
                .cloned(),
        );
    }
    futures::stream::iter(groups)
        .map(|group| async move {
            let name = group
                .db_parameter_group_name()
                .unwrap_or_default()
                .to_string();
            let mut r = Resource::new(
                "rds.db_parameter_group",
                &name,
                Identity::Name { name: name.clone() },
            )
            .with_region(region);
            r.aliases
                .extend(group.db_parameter_group_arn().map(str::to_string));
            put(&mut r, "family", group.db_parameter_group_family());
            put(&mut r, "description", group.description());
            if !name.starts_with("default.") {
                let mut pages = client
                    .describe_db_parameters()
                    .db_parameter_group_name(&name)
                    .source("user")
                    .max_records(100)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = match page {
                        Ok(page) => page,
                        Err(e) => {
                            // One group's failing call makes its values unknown, not the kind.
                            r.attributes.retain(|k, _| !k.starts_with("parameters."));
                            r.mark_unknown(
                                "parameters.*",
                                &describe(&e).during("rds:DescribeDBParameters").reason,
                            );
                            break;
                        }
                    };
                    for p in page.parameters() {
                        if let (Some(pname), Some(value)) =
                            (p.parameter_name(), p.parameter_value())
                        {
                            r.attributes
                                .insert(format!("parameters.{pname}"), json!(value));
                        }
                    }
                }
            }
            Ok::<Resource, CallFailure>(r)
        })
        .buffer_unordered(max_requests.max(1))
        .try_collect()
        .await
}
