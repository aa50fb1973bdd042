//! SSM types: `aws_ssm_parameter` → `ssm.parameter`, like parity-aws's SSM collector, without
//! ever storing a secret value.

use parity_core::{Identity, Resource};
use serde_json::Value;

use super::fields::{copy, non_empty_str, str_attr};
use super::MapInput;
use crate::secrets::is_secret_name;

/// `aws_ssm_parameter` → `ssm.parameter`.
///
/// The value is kept for `String`/`StringList` parameters; under a secret-looking name only as
/// `<secret>` (presence: the importer has no workspace key, docs/CONTRACTS.md "Secrets"), which
/// compares equal to the API collector's fingerprint token. A `SecureString` value is never
/// stored, whatever the state holds (Terraform before 0.15 kept it in clear).
pub(super) fn parameter(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let name = non_empty_str(a, "name").unwrap_or(id);
    let mut r = Resource::new(
        "ssm.parameter",
        id,
        Identity::Path {
            path: name.to_string(),
        },
    );
    if name != id {
        r.aliases.push(name.to_string());
    }
    let kind = non_empty_str(a, "type");
    copy(
        a,
        &mut r,
        &[
            ("type", "type"),
            ("tier", "tier"),
            ("data_type", "data_type"),
            ("version", "version"),
        ],
    );
    match kind {
        Some("SecureString") => {
            if let Some(key) = non_empty_str(a, "key_id") {
                r.attributes
                    .insert("key_id", Value::String(key.to_string()));
            }
        }
        // A secret-looking name's value arrives as `<secret>` (the detector ran at parse time).
        Some("String" | "StringList") => {
            let value = non_empty_str(a, "insecure_value").or_else(|| str_attr(a, "value"));
            let value = value.map(|v| {
                if is_secret_name(name) {
                    parity_core::secrets::PRESENCE_TOKEN
                } else {
                    v
                }
            });
            if let Some(v) = value {
                r.attributes.insert("value", Value::String(v.to_string()));
            }
        }
        _ => {}
    }
    r
}
