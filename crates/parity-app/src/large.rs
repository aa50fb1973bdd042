//! A generated large workspace for performance measurements (`envparity-seed large` and the
//! `large_workspace` example behind `scripts/bench-cli`): 3 environments (dev, staging, prod) ×
//! N resources of three kinds with ~15 attributes each and a few percent drift, the same every
//! time for one N.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use parity_core::{Category, EnvironmentConfig, Resource, Snapshot, Source};

use crate::{AppError, AppResult, DbOpenMode, Workspace};

const TYPES: [&str; 4] = ["t3.small", "t3.medium", "m6i.large", "c6i.xlarge"];

/// Creates the workspace at `db` (which must not exist yet) with 3 environments × `n`
/// resources, snapshots taken 2, 3 and 4 hours before `now`.
pub fn create(db: &Path, n: usize, now: DateTime<Utc>) -> AppResult<Workspace> {
    if db.exists() {
        return Err(AppError::conflict(format!(
            "{} already exists",
            db.display()
        )));
    }
    let ws = Workspace::open(db, DbOpenMode::CreateIfMissing, now)?;
    ws.store().set_workspace_name("large")?;
    for (e, name) in ["dev", "staging", "prod"].iter().enumerate() {
        let mut env = EnvironmentConfig::new(name);
        env.regions = vec!["us-east-1".into()];
        if *name == "dev" {
            env.may_differ_in = vec![Category::Size];
        }
        ws.add_environment(&env, false)?;
        let mut resources = Vec::with_capacity(n);
        for i in 0..n {
            // A few percent drift, different rows per environment.
            let drift =
                |salt: usize, pct: usize| e > 0 && (i * 7919 + salt * 104_729 + e) % 100 < pct;
            let kind_pick = i % 10;
            let (kind, base) = match kind_pick {
                0 => ("rds.db_instance", format!("db-{i}")),
                1 | 2 => ("ssm.parameter", format!("svc{i}/config")),
                // not `svc-{i}`: a numbered replica, which would fold every instance into one
                // group (`group_numbered`)
                _ => ("ec2.instance", format!("svc{i}-app")),
            };
            let mut r = if kind == "ssm.parameter" {
                Resource::new(
                    kind,
                    &format!("/{name}/{base}"),
                    parity_core::Identity::Path {
                        path: format!("/{name}/{base}"),
                    },
                )
            } else {
                Resource::named(kind, &format!("{kind}-{e}-{i}"), &format!("{base}-{name}"))
            };
            r = r
                .with_region("us-east-1")
                .with_tag("Team", &format!("team-{}", i % 12))
                .with_tag("Service", &format!("svc-{}", i % 300));
            let size = if drift(1, 3) {
                TYPES[(i + 1) % 4]
            } else {
                TYPES[i % 4]
            };
            r = match kind {
                "ec2.instance" => r
                    .with_attr("instance_type", size)
                    .with_attr("architecture", "x86_64")
                    .with_attr("platform", "linux")
                    .with_attr("ebs_optimized", !drift(2, 2))
                    .with_attr(
                        "monitoring",
                        if drift(3, 1) { "disabled" } else { "enabled" },
                    )
                    .with_attr("tenancy", "default")
                    .with_attr("root_volume_size", 20 + (i % 5) as i64 * 10)
                    .with_attr("root_volume_type", "gp3")
                    .with_attr("iam_instance_profile", format!("svc-{}-{name}", i % 300))
                    .with_attr("key_name", "deploy")
                    .with_attr(
                        "http_tokens",
                        if drift(4, 1) { "optional" } else { "required" },
                    )
                    .with_attr("image_name", format!("al2023-ami-2023.{}", i % 7))
                    .with_attr("cpu_credits", "standard")
                    .with_attr("hibernation", false),
                "rds.db_instance" => r
                    .with_attr("db_instance_class", size.replace("t3", "db.t3"))
                    .with_attr("engine", "postgres")
                    .with_attr("engine_version", if drift(5, 3) { "15.6" } else { "15.7" })
                    .with_attr("multi_az", *name == "prod")
                    .with_attr("allocated_storage", 100)
                    .with_attr("storage_type", "gp3")
                    .with_attr("storage_encrypted", true)
                    .with_attr(
                        "backup_retention_period",
                        if *name == "prod" { 14 } else { 7 },
                    )
                    .with_attr("deletion_protection", *name != "dev")
                    .with_attr("publicly_accessible", false)
                    .with_attr("auto_minor_version_upgrade", true)
                    .with_attr("port", 5432)
                    .with_attr("performance_insights_enabled", !drift(6, 2))
                    .with_attr("ca_certificate_identifier", "rds-ca-rsa2048-g1"),
                _ => r
                    .with_attr("type", "String")
                    .with_attr(
                        "value",
                        if drift(7, 4) {
                            format!("v{}", i % 3 + 1)
                        } else {
                            "v1".to_string()
                        },
                    )
                    .with_attr("tier", "Standard")
                    .with_attr("data_type", "text"),
            };
            resources.push(r);
        }
        ws.add_snapshot(&Snapshot {
            id: None,
            environment: name.to_string(),
            taken_at: now - Duration::hours(2 + e as i64),
            source: Source::Demo,
            missing: Vec::new(),
            resources,
        })?;
    }
    Ok(ws)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every generated resource is its own logical resource, paired across the three
    /// environments (no accidental grouping): n keys, and rows for each of their attributes.
    #[test]
    fn every_resource_is_one_logical_key() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let ws = create(&dir.path().join("large.sqlite"), 40, now).unwrap();
        let cmp = ws.compare(&[], now.date_naive()).unwrap();
        let keys: std::collections::BTreeSet<&str> =
            cmp.matrix.rows.iter().map(|r| &*r.key).collect();
        assert_eq!(keys.len(), 40, "{keys:?}");
        let exists = cmp
            .matrix
            .rows
            .iter()
            .filter(|r| &*r.attribute == "exists")
            .count();
        assert_eq!(exists, 40);
        assert!(cmp.matrix.rows.len() > 40 * 10, "{}", cmp.matrix.rows.len());
        assert!(create(&dir.path().join("large.sqlite"), 1, now).is_err());
    }
}
