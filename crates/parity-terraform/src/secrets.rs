//! Secret-looking names and scrubbing of values stored under them (KINDS.md "Secret-looking
//! names"), applied to every attribute of every instance before anything else sees it.

use serde_json::{Map, Value};

/// Whether a name looks secret: the one detector's rule (parity-core `secrets`).
pub use parity_core::secrets::is_secret_name;

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

/// Applies the one detector (parity-core `secrets`) to every attribute: values under
/// secret-looking keys, the `value` of `{name, value}` pairs whose name looks secret (container
/// environments, SSM parameters), secrets inside values (URL passwords, keys, tokens), and the
/// same inside strings that hold JSON documents. A state is scrubbed as it is parsed, before a
/// workspace key is at hand, so its secrets are kept as presence only (`<secret>`). Returns how
/// many secrets were replaced.
pub fn scrub_secret_keys(attributes: &mut Map<String, Value>) -> usize {
    let mut whole = Value::Object(std::mem::take(attributes));
    let n = parity_core::secrets::scrub_value(&mut whole, false, None).total();
    if let Value::Object(map) = whole {
        *attributes = map;
    }
    n
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
        // the ARN is a reference to the secret, kept
        assert_eq!(removed, 3);
        assert_eq!(attrs["master_user_secret"][0]["secret_arn"], json!("arn:x"));
        let text = attrs.to_string();
        assert!(!text.contains("hunter2"));
        assert!(!text.contains("s3cr3t"));
        assert!(!text.contains("\"abc\""));
        assert_eq!(attrs["password"], json!("<secret>"));
        assert!(text.contains("PORT"));
        assert_eq!(attrs["manage_master_user_password"], json!(true));
        assert_eq!(attrs["nested"]["keep"], json!("x"));
    }
}
