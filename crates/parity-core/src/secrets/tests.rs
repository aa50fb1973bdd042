//! The detector's corpus: names and values, secret and not, as they appear in AWS resources,
//! Terraform states, container definitions and scripts.

use serde_json::json;

use super::*;

fn fp() -> Fingerprinter {
    Fingerprinter::new(vec![7; 32])
}

#[test]
fn secret_names() {
    for name in [
        "password",
        "DB_PASSWORD",
        "dbPassword",
        "/prod/app/dbPassword",
        "MasterUserPassword",
        "db-passwd",
        "MYSQL_PWD",
        "smtp_pass",
        "JWT_SECRET",
        "client_secret",
        "ClientSecret",
        "github-token",
        "authToken",
        "AUTH_TOKEN",
        "api_key",
        "apiKey",
        "APIKey",
        "stripeApiKey",
        "x-api-key",
        "private_key",
        "privateKey",
        "PRIVATE_KEY_PEM",
        "aws_secret_access_key",
        "AWS_ACCESS_KEY",
        "signing_key",
        "connection_string",
        "ConnectionString",
        "SENTRY_DSN",
        "credentials",
        "basic_auth",
        "/prod/secrets/app/log_level",
        "passphrase",
    ] {
        assert!(is_secret_name(name), "{name} should look secret");
    }
}

#[test]
fn ordinary_names() {
    for name in [
        "max_tokens",
        "token_count",
        "iam_database_authentication_enabled",
        "http_tokens",
        "secret_arn",
        "secret_id",
        "SecretArn",
        "kms_key_id",
        "password_length",
        "passwordless",
        "secretary",
        "tokenizer",
        "keyboard",
        "instance_type",
        "engine_version",
        "/prod/app/log_level",
        "/prod/app/database_url",
        "aws_access_key_id",
        "master_username",
        "password_policy",
        "token_endpoint",
        "auth_type",
        "key_name",
        "passthrough",
        "",
    ] {
        assert!(!is_secret_name(name), "{name} should not look secret");
    }
}

#[test]
fn name_segments_split_every_convention() {
    assert_eq!(name_segments("dbPassword"), ["db", "password"]);
    assert_eq!(name_segments("APIKey"), ["api", "key"]);
    assert_eq!(
        name_segments("/prod/db-url_v2"),
        ["prod", "db", "url", "v2"]
    );
    assert_eq!(
        name_segments("HTTPServer2Port"),
        ["http", "server2", "port"]
    );
}

fn masked(text: &str) -> String {
    mask_text(text, Some(&fp())).unwrap_or_else(|| panic!("nothing found in {text}"))
}

#[test]
fn secret_values_are_masked_and_the_rest_kept() {
    let pw = "S3cr3t-pa55w0rd";
    let url = format!("postgres://app:{pw}@prod-db.internal:5432/app");
    let m = masked(&url);
    assert!(!m.contains(pw), "{m}");
    assert!(m.starts_with("postgres://app:<secret:hmac-sha256:"), "{m}");
    assert!(m.ends_with("@prod-db.internal:5432/app"), "{m}");
    for (text, secret) in [
        ("redis://:hunter2hunter2@cache:6379/0", "hunter2hunter2"),
        ("amqp://guest:guestpw1@mq.internal", "guestpw1"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----",
            "MIIEpAIBAAKCAQEA7",
        ),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
            "b3BlbnNzaC1rZXktdjE",
        ),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "dozjgNryP4J3jVmNHl0w5N",
        ),
        ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "github_pat_11ABCDEFG"),
        ("xoxb-2650123456-1234567890123-AbCdEfGhIjKlMnOp", "xoxb-2650123456"),
        ("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX", "XXXXXXXXXXXX"),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"),
        ("AIzaSyD-1234567890abcdefghijklmnopqrstu", "AIzaSyD-1234567890"),
        ("Authorization: Bearer abcdef0123456789abcdef", "abcdef0123456789abcdef"),
        (
            "aws_access_key_id=AKIAIOSFODNN7EXAMPLE aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG",
        ),
        ("export DB_PASSWORD=correcthorse\nexport PORT=8080", "correcthorse"),
        ("apiKey: 'k-9f8e7d6c5b4a'", "k-9f8e7d6c5b4a"),
        ("glpat-abcdefghij0123456789", "glpat-abcdefghij"),
        ("npm_abcdefghijklmnopqrstuvwxyz0123456789", "npm_abcdefghij"),
    ] {
        let m = masked(text);
        assert!(!m.contains(secret), "{secret} kept in {m}");
        assert!(m.contains("<secret:hmac-sha256:"), "{m}");
    }
    // the assignment keeps its ordinary neighbours
    assert!(masked("export DB_PASSWORD=correcthorse\nexport PORT=8080").contains("PORT=8080"));
}

#[test]
fn ordinary_values_are_left_alone() {
    for text in [
        "t3.medium",
        "ami-0abcdef1234567890",
        "10.0.0.0/16",
        "sg-0123456789abcdef0",
        "arn:aws:iam::123456789012:role/app-role",
        "https://example.com/path?query=1",
        "postgres://prod-db.internal:5432/app",
        "postgres://${DB_USER}:${DB_PASSWORD}@db/app",
        "mysql8.0",
        "us-east-1a",
        "prod-orders-db.cluster-abc123.us-east-1.rds.amazonaws.com",
        "PORT=8080",
        "password_length=16",
        "#!/bin/bash\nyum install -y nginx\nsystemctl start nginx",
        "AKIAIOSFODNN7EXAMPLE",
        "hmac-sha256:00ff",
        "<secret>",
        "key: value",
        "slack_token = body['token']\ndef send(slack_token: str):",
        "password = os.environ['DB_PASSWORD']",
    ] {
        assert_eq!(mask_text(text, Some(&fp())), None, "{text}");
    }
}

#[test]
fn scrubbing_walks_every_depth_and_is_idempotent() {
    let f = fp();
    let mut v = json!({
        "environment": {"variables": {"DATABASE_URL": "postgres://u:pw123456@db/app", "LOG_LEVEL": "info"}},
        "container_definitions": "[{\"name\":\"app\",\"environment\":[{\"name\":\"DB_PASSWORD\",\"value\":\"plain-pw\"},{\"name\":\"PORT\",\"value\":\"80\"}]}]",
        "tags": [{"Key": "ApiKey", "Value": "abc-123-def"}, {"Key": "Team", "Value": "platform"}],
        "settings": {"nested": [{"apiKey": "flag-key-777"}], "enabled": true, "master_password": 1234},
        "manage_master_user_password": true,
    });
    let n = scrub_value(&mut v, false, Some(&f));
    let text = v.to_string();
    for secret in [
        "pw123456",
        "plain-pw",
        "abc-123-def",
        "flag-key-777",
        "1234",
    ] {
        assert!(!text.contains(secret), "{secret} kept: {text}");
    }
    for kept in ["LOG_LEVEL", "info", "platform", "\\\"80\\\"", "@db/app"] {
        assert!(text.contains(kept), "{kept} lost: {text}");
    }
    assert_eq!(v["manage_master_user_password"], json!(true));
    let mut arn = json!({"encryption_key": "arn:aws:kms:us-east-1:1:alias/aws/s3"});
    assert_eq!(scrub_value(&mut arn, false, Some(&f)).total(), 0);
    assert_eq!(v["settings"]["enabled"], json!(true));
    assert!(n.total() >= 5, "{n:?}");
    let again = v.clone();
    assert_eq!(scrub_value(&mut v, false, Some(&f)).total(), 0);
    assert_eq!(v, again);
}

#[test]
fn tokens_compare_by_presence_and_fingerprints_are_found() {
    let f = fp();
    let a = f.token("staging-pw");
    let b = f.token("prod-pw");
    assert_ne!(a, b);
    assert_eq!(presence_form(&a).unwrap(), PRESENCE_TOKEN);
    assert_eq!(
        presence_form(&format!("x://u:{a}@h")).unwrap(),
        "x://u:<secret>@h"
    );
    assert_eq!(presence_form("plain"), None);
    let mut out = Vec::new();
    fingerprints_in(&json!({"a": [format!("u:{a}@h")], "b": b}), &mut out);
    assert_eq!(out.len(), 2);
    assert!(out
        .iter()
        .all(|o| o.starts_with("hmac-sha256:") && o.len() == 12 + 64));
    // without a key: presence only
    assert_eq!(token(None, "x"), PRESENCE_TOKEN);
}

#[test]
fn keys_have_public_ids_and_never_show_in_debug() {
    let a = Fingerprinter::new(vec![1; 32]);
    let b = Fingerprinter::new(vec![2; 32]);
    assert_ne!(a.key_id(), b.key_id());
    assert_eq!(a.key_id().len(), 16);
    assert_eq!(a.fingerprint("x"), a.fingerprint("x"));
    assert_ne!(a.fingerprint("x"), b.fingerprint("x"));
    assert!(!format!("{a:?}").contains("[1"));
}

#[test]
fn a_snapshot_keeps_no_secret_in_attributes_or_tags() {
    use crate::model::{Identity, Resource, Snapshot, Source};
    let mut p = Resource::new(
        "ssm.parameter",
        "/prod/app/dbPassword",
        Identity::Path {
            path: "/prod/app/dbPassword".into(),
        },
    );
    p.attributes.insert("value", json!("param-secret-1"));
    p.attributes.insert("type", json!("String"));
    let mut i = Resource::new("ec2.instance", "i-1", Identity::Name { name: "api".into() });
    i.tags.insert("DeployToken", "tag-secret-2".into());
    i.tags.insert("Name", "api".into());
    let mut s = Snapshot {
        id: None,
        environment: "prod".into(),
        taken_at: chrono::DateTime::UNIX_EPOCH,
        source: Source::Aws,
        missing: vec![],
        resources: vec![p, i],
    };
    let n = scrub_snapshot(&mut s, None);
    assert_eq!(n.by_name, 2);
    let text = serde_json::to_string(&s).unwrap();
    assert!(
        !text.contains("param-secret-1") && !text.contains("tag-secret-2"),
        "{text}"
    );
    assert_eq!(s.resources[0].attributes["value"], json!(PRESENCE_TOKEN));
    assert_eq!(s.resources[0].attributes["type"], json!("String"));
    assert_eq!(s.resources[1].tags["Name"], "api");
}
