//! Fix hints and the incident view on the demo (docs/CONTRACTS.md "Fix hints and the incident
//! view"): `hint` in the diff JSON, the reference setting turning the direction, and `envparity
//! incident` in every format.

use std::path::PathBuf;

use parity_testkit::golden::assert_golden;
use serde_json::Value;

use crate::support::{row, rows, Sandbox};

fn hint_texts(row: &Value) -> Vec<String> {
    row["hint"]
        .as_array()
        .map(|h| {
            h.iter()
                .map(|x| x["text"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_failing_row_has_a_hint_towards_prod_and_no_other_row_has_one() {
    let s = Sandbox::demo();
    let doc = s.diff_json(&[]);
    for r in rows(&doc) {
        let failing =
            ["drift", "missing", "violated", "expired"].contains(&r["status"].as_str().unwrap());
        let hints = r.get("hint").and_then(Value::as_array);
        if failing {
            let hints = hints.unwrap_or_else(|| panic!("no hint on {r}"));
            assert!(!hints.is_empty(), "{r}");
        } else {
            assert!(hints.is_none(), "a hint on a passing row: {r}");
        }
    }
    let version = row(&doc, "rds.db_instance/orders-db", "engine_version");
    assert_eq!(
        hint_texts(version),
        vec![
            r#"dev: dev-orders-db EngineVersion = "15.6""#,
            r#"staging: staging-orders-db EngineVersion = "15.6""#
        ]
    );
    assert!(version["hint"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["towards"] == "prod" && h["exception"].is_null()));
    // a set-valued row: the elements to remove
    let web = row(&doc, "ec2.security_group/web", "ingress");
    let staging = &web["hint"][0];
    assert_eq!(staging["environment"], "staging");
    assert_eq!(
        staging["remove"],
        serde_json::json!(["tcp 443 from 0.0.0.0/0"])
    );
    assert_eq!(staging["add"], serde_json::json!([]));
    assert!(
        staging.get("value").is_none(),
        "no value on a set-valued row"
    );
    // the violated exception's expected value wins for prod
    let conns = row(
        &doc,
        "rds.db_parameter_group/orders-pg",
        "parameters.max_connections",
    );
    let prod = conns["hint"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["environment"] == "prod")
        .expect("a hint for prod");
    assert_eq!(prod["towards"], "expected");
    assert_eq!(prod["exception"], "prod-max-connections");
    assert_eq!(prod["value"], "500");
}

#[test]
fn the_workspace_reference_turns_the_direction_and_survives_export() {
    let s = Sandbox::demo();
    let file = s.file(
        "ref.toml",
        "reference = \"staging\"\nservice_tag = \"Service\"\n",
    );
    s.run(&["import", &file]).ok();
    let doc = s.diff_json(&[]);
    let version = row(&doc, "rds.db_instance/orders-db", "engine_version");
    assert_eq!(
        hint_texts(version),
        vec![
            r#"dev: dev-orders-db EngineVersion = "14.11""#,
            r#"prod: prod-orders-db EngineVersion = "14.11""#
        ]
    );
    let exported = s.run(&["export"]).ok().to_string();
    assert!(
        exported.contains("reference = \"staging\"\nservice_tag = \"Service\"\n"),
        "{exported}"
    );
    // an unknown reference is bad input and changes nothing
    let bad = s.file("bad.toml", "reference = \"uat\"\n");
    s.run(&["import", &bad])
        .code(2)
        .stderr_has(&["bad.toml", "reference `uat`"]);
    assert!(s.run(&["export"]).ok().contains("reference = \"staging\""));
}

#[test]
fn incident_lists_the_services_resources_and_what_differs_in_incident_order() {
    let s = Sandbox::demo();
    let out = s.run(&[
        "incident",
        "staging",
        "prod",
        "--service",
        "checkout",
        "--format",
        "json",
    ]);
    let view = out.json();
    assert_eq!(view["incident_version"], 1);
    assert_eq!(view["service_tag"], "Service");
    let why = |key: &str| {
        view["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .map(|r| r["why"].as_str().unwrap().to_string())
    };
    assert_eq!(why("rds.db_instance/orders-db").as_deref(), Some("tag"));
    assert_eq!(why("ec2.instance/api").as_deref(), Some("tag"));
    assert_eq!(
        why("lambda.function/checkout-handler").as_deref(),
        Some("name")
    );
    assert_eq!(
        why("ssm.parameter/features/new_checkout").as_deref(),
        Some("name")
    );
    assert_eq!(
        why("rds.db_parameter_group/orders-pg").as_deref(),
        Some("reference")
    );
    assert_eq!(why("ec2.security_group/db").as_deref(), Some("reference"));
    // not the service's: the worker instance, the sessions cache
    assert_eq!(why("ec2.instance/worker"), None);
    assert_eq!(why("elasticache.cluster/sessions"), None);
    // only rows that differ between staging and prod, security first, size last
    let rank = |c: &str| {
        [
            "security",
            "network",
            "version",
            "resilience",
            "config",
            "size",
        ]
        .iter()
        .position(|x| *x == c)
        .unwrap()
    };
    let diff_rows = view["diff"]["rows"].as_array().unwrap();
    assert!(!diff_rows.is_empty());
    let ranks: Vec<usize> = diff_rows
        .iter()
        .map(|r| rank(r["category"].as_str().unwrap()))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    assert_eq!(diff_rows[0]["category"], "security");
    for r in diff_rows {
        let pair = &r["pairs"][0];
        assert_eq!(
            (&pair["a"], &pair["b"]),
            (&"staging".into(), &"prod".into())
        );
        assert_ne!(pair["status"], "same");
        assert!(why(r["key"].as_str().unwrap()).is_some(), "{r}");
    }
    let version = diff_rows
        .iter()
        .find(|r| r["key"] == "rds.db_instance/orders-db" && r["attribute"] == "engine_version")
        .expect("the database's version differs");
    assert_eq!(
        hint_texts(version),
        vec![r#"staging: staging-orders-db EngineVersion = "15.6""#]
    );

    // the table shows the hints under the rows; exit 0 like diff
    let table = s.run(&["incident", "staging", "prod", "--service", "checkout"]);
    table.code(0).stdout_has(&[
        "Service `checkout`, staging ↔ prod",
        "rds.db_parameter_group/orders-pg (referenced by rds.db_instance/orders-db)",
        r#"→ staging: staging-orders-db EngineVersion = "15.6""#,
    ]);

    // Markdown: pinned in a golden file
    let md = s
        .run(&[
            "incident",
            "staging",
            "prod",
            "--service",
            "checkout",
            "--format",
            "markdown",
        ])
        .ok()
        .to_string();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("cli/snapshots/demo_incident.md");
    assert_golden(&path, &md);
}

#[test]
fn incident_refuses_bad_input() {
    let s = Sandbox::demo();
    s.run(&["incident", "staging", "uat", "--service", "checkout"])
        .code(2)
        .stderr_has(&["uat"]);
    s.run(&["incident", "staging", "prod", "--service", "  "])
        .code(2)
        .stderr_has(&["--service"]);
    s.run(&["incident", "staging", "staging", "--service", "checkout"])
        .code(2)
        .stderr_has(&["given twice"]);
    // a service nothing belongs to: exit 0, says so
    s.run(&["incident", "staging", "prod", "--service", "nothing-here"])
        .code(0)
        .stdout_has(&["No resource carries that service tag or name."]);
}
