//! The whole AWS path through the real binary: three environments seeded in moto with real
//! drift, one of them with static keys in the OS keyring (`credentials set` on stdin), the
//! others on the default chain; `collect`, `diff --format json`, `check`, `export`; and no secret
//! anywhere — not in the database bytes, not in any output.

use parity_testkit::moto::Moto;
use parity_testkit::proxy::{BackgroundProxy, ProxyOptions};

use crate::support::{cell, keyring_required, pair, row, AwsSandbox, CHAIN_KEY_ID, CHAIN_SECRET};

const KEYRING_KEY_ID: &str = "AKIAKEYRINGE2ETEST";
const KEYRING_SECRET: &str = "keyring-e2e-secret-Zq81wP";
const KEYRING_TOKEN: &str = "keyring-e2e-session-token-Hy72";

/// Values moto returns in clear that must never be kept or shown.
const PLAINTEXTS: &[&str] = &[
    "S3cr3t-dev-plaintext",
    "S3cr3t-staging-plaintext",
    "S3cr3t-prod-plaintext",
    "S3cr3t",
    "sk_live_shared_9f8e",
    "sk_dev_0001",
    "not-a-real-password",
    "Camel-dev-pw-31",
    "Camel-staging-pw-31",
    "Camel-prod-pw-31",
    "Url-dev-pw-62",
    "Url-staging-pw-62",
    "Url-prod-pw-62",
];

#[test]
fn three_environments_collected_and_compared_through_the_cli() {
    let moto = Moto::start();
    moto.seed(&["drift"]);
    let proxy = BackgroundProxy::start(moto.port, ProxyOptions::default());
    let ws = AwsSandbox::new();
    for env in ["dev", "staging", "prod"] {
        ws.add_env(env, env, &proxy.endpoint(), &[]);
    }

    // Static keys for staging through stdin (three lines; never argv).
    let stdin = format!("{KEYRING_KEY_ID}\n{KEYRING_SECRET}\n{KEYRING_TOKEN}\n");
    let set = ws.run_with_stdin(&["credentials", "set", "staging"], Some(&stdin));
    let keyring = if set.code == 0 {
        set.stdout_has(&["staging", KEYRING_KEY_ID, "OS keyring"]);
        true
    } else {
        assert!(
            !keyring_required(),
            "ENVPARITY_REQUIRE_KEYRING=1 but `credentials set` failed:\n{}\n{}",
            set.stdout,
            set.stderr
        );
        set.stderr_has(&["no OS keyring available"]);
        eprintln!("skipping the keyring part: {}", set.stderr.trim());
        false
    };
    for text in [KEYRING_SECRET, KEYRING_TOKEN] {
        assert!(
            !set.stdout.contains(text) && !set.stderr.contains(text),
            "credentials set echoed a secret:\n{}\n{}",
            set.stdout,
            set.stderr
        );
    }
    if keyring {
        assert!(ws.run(&["export"]).ok().contains("keyring = true"));
    }

    // Collect all three at once.
    let collect = ws.run(&["collect"]);
    collect.ok();
    for env in ["dev", "staging", "prod"] {
        collect.stdout_has(&[&format!("{env}: snapshot #")]);
    }
    assert!(!collect.stdout.contains("PARTIAL"), "{}", collect.stdout);
    // Staging's calls were signed with the keyring's key, the others with the default chain's.
    let recorded = proxy.recorded();
    assert!(!recorded.is_empty());
    let by_key = |key: &str| recorded.iter().filter(|r| r.access_key_id == key).count();
    if keyring {
        assert!(
            by_key(KEYRING_KEY_ID) > 0,
            "no call used the keyring's keys"
        );
    }
    assert!(by_key(CHAIN_KEY_ID) > 0);
    assert_eq!(
        by_key(KEYRING_KEY_ID) + by_key(CHAIN_KEY_ID),
        recorded.len(),
        "every call used one of the two key ids"
    );
    for r in &recorded {
        assert!(
            parity_aws_operations().contains(&r.operation.as_str()),
            "{} is not in `envparity iam-policy`",
            r.operation
        );
    }

    let doc = ws.diff_json(&[]);
    assert_eq!(
        doc["environments"],
        serde_json::json!(["dev", "staging", "prod"])
    );
    for env in ["dev", "staging", "prod"] {
        assert_eq!(doc["snapshots"][env]["source"], "aws", "{env}");
        assert_eq!(doc["snapshots"][env]["status"], "complete", "{env}");
    }
    let status = |key: &str, attribute: &str| {
        row(&doc, key, attribute)["status"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // Instance types drift.
    let itype = row(&doc, "ec2.instance/api", "instance_type");
    assert_eq!(itype["status"], "drift");
    assert_eq!(
        itype["values"],
        serde_json::json!({"dev": "t3.micro", "staging": "t3.medium", "prod": "t3.large"})
    );
    assert_eq!(itype["category"], "size");
    assert_eq!(status("ec2.instance/api", "exists"), "same");

    // The web SG: port 22 open to the world only in staging.
    let web = row(&doc, "ec2.security_group/web", "ingress");
    assert_eq!(web["status"], "drift", "{web:#}");
    assert_eq!(web["category"], "security");
    assert_eq!(
        pair(&doc, "ec2.security_group/web", "ingress", "dev", "prod"),
        "same"
    );
    assert_eq!(
        pair(&doc, "ec2.security_group/web", "ingress", "dev", "staging"),
        "drift"
    );
    assert_eq!(
        pair(&doc, "ec2.security_group/web", "ingress", "staging", "prod"),
        "drift"
    );
    assert_eq!(
        cell(&doc, "ec2.security_group/web", "ingress", "staging"),
        Some("drift")
    );
    assert!(
        web["values"]["staging"].to_string().contains("0.0.0.0/0"),
        "{web:#}"
    );
    assert!(
        !web["values"]["prod"].to_string().contains("0.0.0.0/0"),
        "{web:#}"
    );
    // The app SG allows the environment's own web SG: equal, although the group ids differ.
    let app = row(&doc, "ec2.security_group/app", "ingress");
    assert_eq!(app["status"], "same", "{app:#}");
    assert!(
        app["values"]["dev"]
            .to_string()
            .contains("ec2.security_group/web"),
        "{app:#}"
    );
    let raw_dev = app["raw"]["dev"].to_string();
    let raw_prod = app["raw"]["prod"].to_string();
    assert!(
        raw_dev.contains("sg-") && raw_prod.contains("sg-"),
        "{app:#}"
    );
    assert_ne!(raw_dev, raw_prod, "the raw values keep the differing ids");

    // NAT gateways only in prod.
    let nat = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "ec2.nat_gateway" && r["attribute"] == "exists")
        .expect("a NAT gateway row");
    assert_eq!(nat["status"], "missing", "{nat:#}");
    assert_eq!(nat["raw"]["prod"], true);
    assert_eq!(nat["raw"]["dev"], false);
    assert_eq!(nat["cells"]["staging"], "missing");

    // RDS: class, version, Multi-AZ, backup retention and parameter-group values.
    for (attribute, category) in [
        ("db_instance_class", "size"),
        ("engine_version", "version"),
        ("multi_az", "resilience"),
        ("backup_retention_period", "resilience"),
    ] {
        let r = row(&doc, "rds.db_instance/orders-db", attribute);
        assert_eq!(r["status"], "drift", "{attribute}: {r:#}");
        assert_eq!(r["category"], category, "{attribute}");
    }
    assert_eq!(
        row(&doc, "rds.db_instance/orders-db", "multi_az")["values"],
        serde_json::json!({"dev": false, "staging": false, "prod": true})
    );
    assert_eq!(
        pair(
            &doc,
            "rds.db_instance/orders-db",
            "engine_version",
            "dev",
            "staging"
        ),
        "same"
    );
    let max_conn = row(
        &doc,
        "rds.db_parameter_group/orders-pg",
        "parameters.max_connections",
    );
    assert_eq!(max_conn["status"], "drift");
    assert_eq!(
        max_conn["values"],
        serde_json::json!({"dev": "100", "staging": "200", "prod": "400"})
    );
    assert_eq!(
        status("rds.db_parameter_group/orders-pg", "parameters.work_mem"),
        "same"
    );
    // The instance references its parameter group by logical key, so that row is equal.
    assert_eq!(
        status("rds.db_instance/orders-db", "db_parameter_group"),
        "same"
    );

    // SSM: a key missing in dev; values differing only by the env token are equal.
    let flag = row(&doc, "ssm.parameter/app/feature-flag", "exists");
    assert_eq!(flag["status"], "missing");
    assert_eq!(flag["cells"]["dev"], "missing");
    assert_eq!(flag["raw"]["dev"], false);
    let host = row(&doc, "ssm.parameter/database/host", "value");
    assert_eq!(host["status"], "same", "{host:#}");
    assert_eq!(host["raw"]["prod"], "prod-db.internal");
    assert_eq!(host["values"]["prod"], "{env}-db.internal");
    assert_eq!(status("ssm.parameter/app/hosts", "value"), "same");
    // The SecureString: present everywhere, no value row.
    assert_eq!(status("ssm.parameter/database/password", "exists"), "same");
    assert_eq!(status("ssm.parameter/database/password", "type"), "same");
    assert!(!doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["key"] == "ssm.parameter/database/password" && r["attribute"] == "value"));
    // A camelCase secret name and a connection string's password: presence, the rest compared.
    assert_eq!(status("ssm.parameter/app/dbPassword", "value"), "same");
    let url = row(&doc, "ssm.parameter/app/database_url", "value");
    assert_eq!(url["status"], "same", "{url:#}");
    assert!(url["raw"]["prod"]
        .as_str()
        .unwrap()
        .starts_with("postgres://app:<secret"));
    // The secret-looking String compares by presence: every environment has one.
    let fp = row(&doc, "ssm.parameter/stripe/api-key", "value");
    assert_eq!(fp["status"], "same", "{fp:#}");
    // With the workspace's key (keyring), staging and prod sharing one secret is the finding.
    if keyring {
        let shared = doc["shared_secrets"].as_array().expect("shared_secrets");
        assert!(
            shared
                .iter()
                .any(|s| s["key"] == "ssm.parameter/stripe/api-key"
                    && s["environments"] == serde_json::json!(["staging", "prod"])
                    && s["accepted_by"].is_null()),
            "{shared:?}"
        );
    }

    // The CI gate fails on that drift.
    let check = ws.run(&["check"]);
    check.code(1);
    if keyring {
        check.stdout_has(&[
            "shared    ssm.parameter/stripe/api-key value  the same secret in staging and prod",
        ]);
    }
    let report = ws.path("report.json");
    ws.run(&["report", "--format", "json", "-o", report.to_str().unwrap()])
        .ok();
    let export = ws.run(&["export"]);
    export.ok();
    ws.run(&["snapshots"]).ok();
    ws.run(&["diff", "--all"]).ok();
    ws.run(&["diff", "--format", "markdown"]).ok();

    // No secret anywhere: database bytes, any command's output, the export, the report.
    let report = std::fs::read_to_string(&report).expect("the JSON report");
    let mut secrets: Vec<&str> = PLAINTEXTS.to_vec();
    secrets.extend([KEYRING_SECRET, KEYRING_TOKEN, CHAIN_SECRET]);
    for secret in &secrets {
        ws.assert_not_in_database(secret);
        ws.assert_never_printed(secret);
        assert!(!report.contains(secret), "the report holds `{secret}`");
    }

    if keyring {
        ws.run(&["credentials", "rm", "staging"])
            .stdout_has(&["Removed the keys of `staging`"]);
        ws.run(&["credentials", "rm", "staging"])
            .stdout_has(&["held no keys"]);
    }
}

/// The operations `envparity iam-policy` allows.
fn parity_aws_operations() -> Vec<&'static str> {
    static OPS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    OPS.get_or_init(|| {
        let ws = AwsSandbox::new();
        let policy = ws.run(&["iam-policy", "--permissions"]).json();
        policy["Statement"][0]["Action"]
            .as_array()
            .expect("Action")
            .iter()
            .map(|a| a.as_str().expect("an operation").to_string())
            .collect()
    })
    .iter()
    .map(String::as_str)
    .collect()
}
