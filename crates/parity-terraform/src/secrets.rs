//! Secret-looking names and scrubbing of values stored under them (KINDS.md "Secret-looking
//! names"), applied to every attribute of every instance before anything else sees it.

use serde_json::{Map, Value};

/// Secret words that are one segment on their own.
const SECRET_SEGMENTS: &[&str] = &[
    "password",
    "passwords",
    "passwd",
    "secret",
    "secrets",
    "token",
    "apikey",
    "privatekey",
    "credential",
    "credentials",
];

/// Secret words written as two segments (`api_key`, `private-key`).
const SECRET_SEGMENT_PAIRS: &[(&str, &str)] = &[("api", "key"), ("private", "key")];

/// Whether `name` looks like it holds a secret: one of `password`, `passwd`, `secret`, `token`,
/// `api_key`/`apikey`/`api-key`, `private_key`/`private-key`, `credential(s)` as a whole word or
/// segment. Segments are separated by `-`, `_`, `.`, `/`, `:`, spaces, or a lower-to-upper case
/// change (`dbPassword`), so `JWT_SECRET_KEY`, `/prod/db/password` and `smtpToken` match while
/// `http_tokens`, `secretary` and `key_id` do not.
pub fn is_secret_name(name: &str) -> bool {
    let mut normalised = String::with_capacity(name.len() + 8);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            normalised.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        if c.is_ascii_alphanumeric() {
            normalised.push(c.to_ascii_lowercase());
        } else {
            normalised.push('_');
        }
    }
    let segments: Vec<&str> = normalised.split('_').filter(|s| !s.is_empty()).collect();
    segments.iter().any(|s| SECRET_SEGMENTS.contains(s))
        || segments
            .windows(2)
            .any(|w| SECRET_SEGMENT_PAIRS.contains(&(w[0], w[1])))
}

/// Attributes that provider schemas mark sensitive although their name does not look secret.
/// States written before Terraform 0.15 have no `sensitive_attributes`, so these are removed by
/// type whatever the state says.
const SCHEMA_SENSITIVE: &[(&str, &[&str])] = &[
    ("random_password", &["result", "bcrypt_hash"]),
    ("local_sensitive_file", &["content", "content_base64"]),
    ("local_file", &["sensitive_content"]),
    ("kubernetes_secret", &["data", "binary_data"]),
    ("kubernetes_secret_v1", &["data", "binary_data"]),
    ("aws_api_gateway_api_key", &["value"]),
    ("aws_appsync_api_key", &["key"]),
    ("aws_ssm_activation", &["activation_code"]),
    ("aws_kms_ciphertext", &["plaintext", "ciphertext_blob"]),
    (
        "aws_iam_access_key",
        &["ses_smtp_password_v4", "encrypted_secret"],
    ),
];

/// Removes the attributes `resource_type`'s provider schema marks sensitive (see
/// `SCHEMA_SENSITIVE`). Returns how many were removed.
pub fn remove_schema_sensitive(resource_type: &str, attributes: &mut Map<String, Value>) -> usize {
    SCHEMA_SENSITIVE
        .iter()
        .filter(|(t, _)| *t == resource_type)
        .flat_map(|(_, fields)| fields.iter())
        .filter(|f| attributes.remove(**f).is_some_and(|v| !v.is_null()))
        .count()
}

/// Whether a value may stay under a secret-looking key: booleans and nulls say nothing secret
/// (`manage_master_user_password = true`), everything else is dropped.
fn harmless(value: &Value) -> bool {
    matches!(value, Value::Bool(_) | Value::Null)
}

/// Removes, anywhere inside `attributes`, the values stored under secret-looking keys, the
/// `value` of `{name, value}` pairs whose name looks secret (container environments), and the
/// same inside strings that hold JSON documents (ECS container definitions, policies). Returns
/// how many values were removed.
pub fn scrub_secret_keys(attributes: &mut Map<String, Value>) -> usize {
    scrub_map(attributes)
}

fn scrub_map(map: &mut Map<String, Value>) -> usize {
    let mut removed = 0;
    let doomed: Vec<String> = map
        .iter()
        .filter(|(k, v)| is_secret_name(k) && !harmless(v))
        .map(|(k, _)| k.clone())
        .collect();
    for key in doomed {
        map.remove(&key);
        removed += 1;
    }
    let pair_is_secret = matches!(map.get("name"), Some(Value::String(n)) if is_secret_name(n));
    if pair_is_secret {
        if let Some(v) = map.get("value") {
            if !harmless(v) {
                map.remove("value");
                removed += 1;
            }
        }
    }
    for value in map.values_mut() {
        removed += scrub_value(value);
    }
    removed
}

fn scrub_value(value: &mut Value) -> usize {
    match value {
        Value::Object(map) => scrub_map(map),
        Value::Array(items) => items.iter_mut().map(scrub_value).sum(),
        Value::String(s) => {
            let trimmed = s.trim_start();
            if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
                return 0;
            }
            let Ok(mut embedded) = serde_json::from_str::<Value>(s) else {
                return 0;
            };
            let removed = scrub_value(&mut embedded);
            if removed > 0 {
                *s = embedded.to_string();
            }
            removed
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_names_are_whole_segments() {
        for name in [
            "password",
            "master_password",
            "password_wo",
            "/prod/db/PASSWORD",
            "JWT_SECRET_KEY",
            "jwt_secret",
            "message_bird_api_key",
            "apiKey",
            "api-key",
            "private_key_pem",
            "smtpToken",
            "aws_credentials",
            "credential",
            "db.passwd",
        ] {
            assert!(is_secret_name(name), "{name} should look secret");
        }
        for name in [
            "http_tokens",
            "secretary",
            "key_id",
            "kms_key_id",
            "key_name",
            "passwordless",
            "description",
            "/prod/database/host",
        ] {
            assert!(!is_secret_name(name), "{name} should not look secret");
        }
    }

    #[test]
    fn scrubs_keys_pairs_and_embedded_json() {
        let mut attrs = json!({
            "password": "hunter2",
            "manage_master_user_password": true,
            "master_user_secret": [{"secret_arn": "arn:x"}],
            "container_definitions": "[{\"environment\":[{\"name\":\"DB_PASSWORD\",\"value\":\"s3cr3t\"},{\"name\":\"PORT\",\"value\":\"80\"}]}]",
            "nested": {"api_key": "abc", "keep": "x"}
        });
        let Value::Object(map) = &mut attrs else {
            panic!()
        };
        let removed = scrub_secret_keys(map);
        assert_eq!(removed, 4);
        let text = attrs.to_string();
        assert!(!text.contains("hunter2"));
        assert!(!text.contains("s3cr3t"));
        assert!(!text.contains("abc"));
        assert!(text.contains("PORT"));
        assert_eq!(attrs["manage_master_user_password"], json!(true));
        assert_eq!(attrs["nested"]["keep"], json!("x"));
    }
}
