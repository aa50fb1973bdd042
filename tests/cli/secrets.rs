//! Secrets never leave the cloud (docs/CONTRACTS.md "Secrets"): a distinct secret planted in each
//! place a Terraform state can hold one — Lambda environment URLs and tokens, `user_data`
//! scripts, ECS container definitions (JSON inside a string), an ElastiCache auth token, a
//! secret-looking SSM String parameter, tags, a JWT and a GitHub token under harmless names — is
//! found nowhere afterwards: not in the database file or its WAL, any report format, the
//! workspace export, or any CLI output. Per-environment secrets compare by presence (no drift);
//! a workspace written with two different keys is refused; an earlier EnvParity's database is
//! migrated by a writing command and refused by read-only ones.

use serde_json::{json, Value};

use crate::support::{row, Sandbox};

/// The secrets planted in `env`'s state, each distinct.
fn planted(env: &str) -> Vec<String> {
    [
        "url-pw-7Qx",
        "api-token-k2",
        "userdata-pw-9z",
        "container-pw-4m",
        "redis-auth-8c",
        "ssm-db-pw-3v",
        "tag-key-6b",
    ]
    .iter()
    .map(|s| format!("{env}-{s}"))
    .chain([
        format!(
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ7{env}fQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        ),
        format!("ghp_{env}0123456789abcdefghijklmnopqrstuvwxyz"),
    ])
    .collect()
}

fn resource(ty: &str, name: &str, attributes: Value) -> Value {
    json!({
        "mode": "managed", "type": ty, "name": name,
        "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
        "instances": [{"schema_version": 0, "attributes": attributes, "sensitive_attributes": []}]
    })
}

fn state(env: &str) -> String {
    let p = planted(env);
    let containers = json!([{
        "name": "app", "image": "shop/app:1.8.3",
        "environment": [{"name": "DB_PASSWORD", "value": p[3]}, {"name": "PORT", "value": "8080"}]
    }])
    .to_string();
    json!({
        "version": 4, "terraform_version": "1.9.5", "serial": 1,
        "lineage": "0b0c0d0e-0000-4000-8000-00000000000a", "outputs": {},
        "resources": [
            resource("aws_lambda_function", "api", json!({
                "id": format!("{env}-api"), "function_name": format!("{env}-api"),
                "runtime": "nodejs20.x",
                "environment": [{"variables": {
                    "DATABASE_URL": format!("postgres://app:{}@{env}-db.internal:5432/app", p[0]),
                    "API_TOKEN": p[1],
                    "LOG_LEVEL": "info",
                    "LOG_CONFIG": p[7],
                    "RELEASE_NOTES": format!("deploy with {}", p[8]),
                }}]
            })),
            resource("aws_launch_template", "web", json!({
                "id": format!("lt-{env}"), "name": "web",
                "user_data": format!("#!/bin/bash\nexport DB_PASSWORD={}\nexport PORT=8080\n", p[2]),
            })),
            resource("aws_ecs_task_definition", "app", json!({
                "id": "app", "family": "app", "container_definitions": containers,
            })),
            resource("aws_elasticache_replication_group", "sessions", json!({
                "id": "sessions", "engine": "redis", "auth_token": p[4],
            })),
            resource("aws_ssm_parameter", "db_password", json!({
                "id": format!("/{env}/app/dbPassword"), "name": format!("/{env}/app/dbPassword"),
                "type": "String", "insecure_value": p[5], "value": p[5],
            })),
            resource("aws_vpc", "main", json!({
                "id": format!("vpc-{env}"), "cidr_block": "10.0.0.0/16",
                "tags": {"Name": "main", "DeployApiKey": p[6]},
            })),
        ]
    })
    .to_string()
}

/// Every byte a user or a machine can get out of the workspace.
fn everything(s: &Sandbox) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for args in [
        vec!["diff"],
        vec!["diff", "--all"],
        vec!["diff", "--format", "json"],
        vec!["diff", "--format", "markdown"],
        vec!["check"],
        vec!["export"],
        vec!["snapshots"],
        vec!["env", "list"],
    ] {
        let r = s.run(&args);
        out.push((args.join(" "), format!("{}{}", r.stdout, r.stderr)));
    }
    for (format, ext) in [
        ("html", "html"),
        ("markdown", "md"),
        ("json", "json"),
        ("junit", "xml"),
    ] {
        let file = s.path(&format!("report.{ext}"));
        s.run(&["report", "--format", format, "-o", file.to_str().unwrap()])
            .ok();
        out.push((
            format!("report {format}"),
            std::fs::read_to_string(&file).unwrap(),
        ));
    }
    // the database file and its WAL, as bytes (lossy text: the secrets are ASCII)
    for suffix in ["", "-wal"] {
        let mut p = s.db().as_os_str().to_owned();
        p.push(suffix);
        if let Ok(bytes) = std::fs::read(&p) {
            out.push((
                format!("database{suffix}"),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
    out
}

#[test]
fn no_planted_secret_is_findable_anywhere_and_per_env_secrets_do_not_drift() {
    let s = Sandbox::new();
    for env in ["staging", "prod"] {
        let file = s.file(&format!("{env}.tfstate.json"), &state(env));
        s.run(&["tfstate", "import", env, &file]).ok();
    }
    let seen = everything(&s);
    for env in ["staging", "prod"] {
        for secret in planted(env) {
            for (place, text) in &seen {
                assert!(!text.contains(&secret), "`{secret}` found in {place}");
            }
        }
    }
    // What is kept instead: tokens, with the rest of the connection string compared.
    let doc = s.diff_json(&[]);
    let lambda = row(
        &doc,
        "tf.aws_lambda_function/aws_lambda_function.api",
        "environment",
    );
    let prod = lambda["raw"]["prod"].to_string();
    assert!(
        prod.contains("postgres://app:<secret>@prod-db.internal:5432/app"),
        "{prod}"
    );
    assert!(prod.contains("\"LOG_LEVEL\":\"info\""), "{prod}");
    // Per-environment secrets compare by presence: no drift where only the secrets differ.
    for (key, attribute) in [
        (
            "tf.aws_lambda_function/aws_lambda_function.api",
            "environment",
        ),
        (
            "tf.aws_launch_template/aws_launch_template.web",
            "user_data",
        ),
        (
            "tf.aws_elasticache_replication_group/aws_elasticache_replication_group.sessions",
            "auth_token",
        ),
        ("ssm.parameter/app/dbPassword", "value"),
    ] {
        let r = row(&doc, key, attribute);
        assert_eq!(r["status"], "same", "{key} {attribute}: {r:#}");
    }
    // The task definition maps onto `ecs.task_definition`: its container compares (the image tag),
    // and an import leaves environment values out (only the API collector fingerprints them, with
    // the workspace's key), so the planted DB_PASSWORD is neither stored nor a row.
    let image = row(&doc, "ecs.task_definition/app", "container.app.image_tag");
    assert_eq!(image["status"], "same", "{image:#}");
    assert_eq!(image["raw"]["prod"], "1.8.3");
    let task_rows: Vec<&str> = crate::support::rows(&doc)
        .iter()
        .filter(|r| r["key"] == "ecs.task_definition/app")
        .filter_map(|r| r["attribute"].as_str())
        .collect();
    assert!(
        task_rows.iter().all(|a| !a.contains("environment")),
        "{task_rows:?}"
    );
    let ssm = row(&doc, "ssm.parameter/app/dbPassword", "value");
    assert_eq!(ssm["raw"]["prod"], "<secret>");
}

const KEY_A: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const KEY_B: &str = "2222222222222222222222222222222222222222222222222222222222222222";

#[test]
fn a_workspace_written_with_two_keys_is_refused() {
    let s = Sandbox::new();
    let file = s.file("staging.tfstate.json", &state("staging"));
    s.run_env(
        &[("ENVPARITY_FINGERPRINT_KEY", KEY_A)],
        &["tfstate", "import", "staging", &file],
    )
    .ok();
    let before = s.run(&["snapshots"]).ok().to_string();
    s.run_env(
        &[("ENVPARITY_FINGERPRINT_KEY", KEY_B)],
        &["tfstate", "import", "staging", &file],
    )
    .code(2)
    .stderr_has(&[
        "fingerprinted with key",
        "ENVPARITY_FINGERPRINT_KEY",
        "nothing was stored",
    ]);
    assert_eq!(
        s.run(&["snapshots"]).ok(),
        before,
        "the refused import stored nothing"
    );
    // the same key again is fine, and a malformed key is refused without echoing it
    s.run_env(
        &[("ENVPARITY_FINGERPRINT_KEY", KEY_A)],
        &["tfstate", "import", "staging", &file],
    )
    .ok();
    let bad = s.run_env(
        &[("ENVPARITY_FINGERPRINT_KEY", "not-a-key-XYZ")],
        &["tfstate", "import", "staging", &file],
    );
    bad.code(2)
        .stderr_has(&["ENVPARITY_FINGERPRINT_KEY", "64 hex digits"]);
    assert!(!bad.stderr.contains("not-a-key-XYZ"));
    let migrate = s.run(&["migrate"]).ok().to_string();
    assert!(
        migrate.contains("secrets fingerprinted with key"),
        "{migrate}"
    );
}

#[test]
fn an_earlier_database_is_migrated_by_a_writing_command_and_its_old_bytes_erased() {
    let s = Sandbox::new();
    for env in ["staging", "prod"] {
        let file = s.file(&format!("{env}.tfstate.json"), &state(env));
        s.run(&["tfstate", "import", env, &file]).ok();
    }
    // Make it look like an earlier EnvParity's: a secret in clear in a stored resource, and the
    // detector version of before.
    let leaked = "legacy-clear-secret-5Tq";
    {
        let conn = rusqlite::Connection::open(s.db()).unwrap();
        let (snapshot, ordinal, body): (i64, i64, String) = conn
            .query_row(
                "SELECT r.snapshot_id, r.ordinal, r.body FROM resource r JOIN snapshot s ON s.id = r.snapshot_id \
                 WHERE r.kind = 'ssm.parameter' AND s.environment = 'prod'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        let mut v: Value = serde_json::from_str(&body).unwrap();
        v["attributes"]["value"] = json!(leaked);
        conn.execute(
            "UPDATE resource SET body = ?1 WHERE snapshot_id = ?2 AND ordinal = ?3",
            rusqlite::params![v.to_string(), snapshot, ordinal],
        )
        .unwrap();
        conn.execute("UPDATE workspace SET secrets_version = 0", [])
            .unwrap();
    }
    // read-only commands refuse and name the command that migrates
    s.run(&["diff"])
        .code(2)
        .stderr_has(&["earlier EnvParity", "envparity migrate"]);
    // a writing command migrates first
    s.run(&["migrate"]).ok();
    for suffix in ["", "-wal"] {
        let mut p = s.db().as_os_str().to_owned();
        p.push(suffix);
        if let Ok(bytes) = std::fs::read(&p) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(leaked),
                "the old bytes survive in database{suffix}"
            );
        }
    }
    // the value is a token now (fingerprinted when a keyring key is at hand, else presence)
    let doc = s.diff_json(&[]);
    let kept = row(&doc, "ssm.parameter/app/dbPassword", "value")["raw"]["prod"].clone();
    assert!(kept.as_str().unwrap().starts_with("<secret"), "{kept}");
}

#[cfg(unix)]
#[test]
fn new_databases_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let s = Sandbox::demo();
    let mode = std::fs::metadata(s.db()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
}
