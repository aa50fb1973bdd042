//! RDS types: `aws_db_instance` → `rds.db_instance` and `aws_db_parameter_group` →
//! `rds.db_parameter_group`, like parity-aws's RDS collector.

use parity_core::Resource;
use serde_json::Value;

use super::fields::{copy, list, non_empty_str, set_of};
use super::{named, MapInput};

/// `aws_db_instance` → `rds.db_instance`, named by its `identifier`.
pub(super) fn db_instance(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let identifier = non_empty_str(a, "identifier").unwrap_or(id);
    let mut r = Resource::new("rds.db_instance", id, named(identifier));
    if identifier != id {
        r.aliases.push(identifier.to_string());
    }
    copy(
        a,
        &mut r,
        &[
            ("instance_class", "db_instance_class"),
            ("engine", "engine"),
            ("multi_az", "multi_az"),
            ("storage_type", "storage_type"),
            ("allocated_storage", "allocated_storage"),
            ("max_allocated_storage", "max_allocated_storage"),
            ("backup_retention_period", "backup_retention_period"),
            ("parameter_group_name", "db_parameter_group"),
            ("deletion_protection", "deletion_protection"),
            ("auto_minor_version_upgrade", "auto_minor_version_upgrade"),
            ("publicly_accessible", "publicly_accessible"),
            ("storage_encrypted", "storage_encrypted"),
            (
                "iam_database_authentication_enabled",
                "iam_database_authentication_enabled",
            ),
            (
                "performance_insights_enabled",
                "performance_insights_enabled",
            ),
            ("db_subnet_group_name", "db_subnet_group"),
            ("availability_zone", "availability_zone"),
            ("port", "port"),
            ("address", "endpoint_address"),
        ],
    );
    // `engine_version_actual` is what runs (8.0.35); `engine_version` may be what was
    // asked for (8.0). The API reports the former.
    if let Some(v) =
        non_empty_str(a, "engine_version_actual").or_else(|| non_empty_str(a, "engine_version"))
    {
        r.attributes
            .insert("engine_version", Value::String(v.to_string()));
    }
    // Terraform stores 0 for "not provisioned"; omit rather than invent a value.
    for (from, to) in [
        ("iops", "iops"),
        ("storage_throughput", "storage_throughput"),
    ] {
        if let Some(n) = a.get(from).and_then(Value::as_i64).filter(|n| *n > 0) {
            r.attributes.insert(to, Value::from(n));
        }
    }
    let groups = list(a, "vpc_security_group_ids");
    if !groups.is_empty() {
        r.attributes
            .insert("vpc_security_groups", set_of(groups.to_vec()));
    }
    r
}

/// `aws_db_parameter_group` → `rds.db_parameter_group`, with one `parameters.<name>` attribute
/// per parameter.
pub(super) fn db_parameter_group(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let name = non_empty_str(a, "name").unwrap_or(id);
    let mut r = Resource::new("rds.db_parameter_group", id, named(name));
    if name != id {
        r.aliases.push(name.to_string());
    }
    copy(
        a,
        &mut r,
        &[("family", "family"), ("description", "description")],
    );
    for p in list(a, "parameter").iter().filter_map(Value::as_object) {
        if let (Some(pname), Some(value)) = (non_empty_str(p, "name"), p.get("value")) {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            r.attributes
                .insert(format!("parameters.{pname}"), Value::String(value));
        }
    }
    r
}
