//! S3: `aws_s3_bucket` → `s3.bucket`, named by the bucket's name, like parity-aws's S3 collector.
//! Configuration comes from the bucket's inline blocks (AWS provider < 4; computed copies later)
//! and, winning over them, from the separate `aws_s3_bucket_*` resources folded into it
//! ([`super::folds::S3_PART_TYPES`]). A configuration the state holds nowhere is its default, as
//! the API reports it (no encryption, public-access block off, ACL ownership, no logging).

use parity_core::Resource;
use serde_json::{json, Map, Value};

use super::elbv2::block;
use super::fields::{list, non_empty_str};
use super::{named, MapInput};

/// The default encryption of a `rule` list (inline or separate resource).
fn encryption(rules: &[Value], r: &mut Resource) {
    let Some(rule) = rules.first().and_then(Value::as_object) else {
        return;
    };
    if let Some(d) = block(rule, "apply_server_side_encryption_by_default") {
        if let Some(alg) = non_empty_str(d, "sse_algorithm") {
            r.attributes.insert("encryption_algorithm", json!(alg));
        }
        if let Some(key) = non_empty_str(d, "kms_master_key_id") {
            r.attributes.insert("encryption_kms_key", json!(key));
        }
    }
    if let Some(b) = rule.get("bucket_key_enabled").and_then(Value::as_bool) {
        r.attributes.insert("bucket_key_enabled", json!(b));
    }
}

fn lifecycle(rules: &[Value], r: &mut Resource, enabled_key: &str) {
    for rule in rules.iter().filter_map(Value::as_object) {
        let id = non_empty_str(rule, "id").unwrap_or("unnamed");
        let status = match rule.get(enabled_key) {
            Some(Value::Bool(true)) => "Enabled",
            Some(Value::Bool(false)) => "Disabled",
            Some(Value::String(s)) => s.as_str(),
            _ => continue,
        };
        r.attributes
            .insert(format!("lifecycle.{id}"), json!(status));
    }
}

fn part(r: &mut Resource, kind: &str, a: &Map<String, Value>) {
    match kind {
        "aws_s3_bucket_versioning" => {
            if let Some(status) =
                block(a, "versioning_configuration").and_then(|v| non_empty_str(v, "status"))
            {
                r.attributes.insert("versioning", json!(status));
            }
        }
        "aws_s3_bucket_server_side_encryption_configuration" => encryption(list(a, "rule"), r),
        "aws_s3_bucket_public_access_block" => {
            for flag in [
                "block_public_acls",
                "ignore_public_acls",
                "block_public_policy",
                "restrict_public_buckets",
            ] {
                if let Some(v) = a.get(flag).and_then(Value::as_bool) {
                    r.attributes
                        .insert(format!("public_access_block.{flag}"), json!(v));
                }
            }
        }
        "aws_s3_bucket_ownership_controls" => {
            if let Some(o) = block(a, "rule").and_then(|x| non_empty_str(x, "object_ownership")) {
                r.attributes.insert("object_ownership", json!(o));
            }
        }
        "aws_s3_bucket_logging" => {
            r.attributes.insert("logging_enabled", json!(true));
        }
        "aws_s3_bucket_lifecycle_configuration" => {
            r.attributes.retain(|k, _| !k.starts_with("lifecycle."));
            lifecycle(list(a, "rule"), r, "status");
        }
        _ => {}
    }
}

/// `aws_s3_bucket` → `s3.bucket`.
pub(super) fn bucket(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let name = non_empty_str(a, "bucket").unwrap_or(id);
    let mut r = Resource::new("s3.bucket", name, named(name));
    if id != name {
        r.aliases.push(id.to_string());
    }
    if non_empty_str(a, "arn").is_none() {
        r.aliases.push(format!("arn:aws:s3:::{name}"));
    }
    // the API's defaults where the state says nothing
    r.attributes.insert("versioning", json!("Disabled"));
    r.attributes.insert("encryption_algorithm", json!("none"));
    r.attributes.insert("bucket_key_enabled", json!(false));
    for flag in [
        "block_public_acls",
        "ignore_public_acls",
        "block_public_policy",
        "restrict_public_buckets",
    ] {
        r.attributes
            .insert(format!("public_access_block.{flag}"), json!(false));
    }
    r.attributes
        .insert("object_ownership", json!("ObjectWriter"));
    r.attributes.insert("logging_enabled", json!(false));
    // inline blocks
    if let Some(v) = block(a, "versioning") {
        if v.get("enabled").and_then(Value::as_bool) == Some(true) {
            r.attributes.insert("versioning", json!("Enabled"));
        }
    }
    if let Some(c) = block(a, "server_side_encryption_configuration") {
        encryption(list(c, "rule"), &mut r);
    }
    if !list(a, "logging").is_empty() {
        r.attributes.insert("logging_enabled", json!(true));
    }
    lifecycle(list(a, "lifecycle_rule"), &mut r, "enabled");
    // separate resources win
    for (kind, attributes) in input.folds.s3_parts.get(name).into_iter().flatten() {
        part(&mut r, kind, attributes);
    }
    r
}
