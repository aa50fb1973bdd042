//! The demo workspace end to end: the diff document, the CI gate, and exceptions changing a row's
//! status as they are added, edited, expired and removed.

use std::path::PathBuf;

use parity_testkit::golden::assert_golden;
use serde_json::Value;

use crate::support::{row, rows, severity, status_of, Sandbox, FAILING, NOW};

const LOG_LEVEL: &str = "ssm.parameter/api/log_level";

fn snapshot_id(doc: &Value, env: &str) -> i64 {
    doc["snapshots"][env]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no snapshot id for {env}"))
}

#[test]
fn demo_diff_json_has_schema_version_1_the_three_environments_and_every_status() {
    let s = Sandbox::demo();
    let doc = s.diff_json(&[]);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["generated_at"], NOW);
    assert_eq!(
        doc["environments"],
        serde_json::json!(["dev", "staging", "prod"])
    );
    for env in ["dev", "staging", "prod"] {
        let snap = &doc["snapshots"][env];
        assert_eq!(snap["source"], "demo", "{env}");
        assert_eq!(snap["status"], "complete", "{env}");
    }
    for status in [
        "drift",
        "missing",
        "allowed",
        "intentional",
        "expired",
        "violated",
    ] {
        assert!(
            rows(&doc).iter().any(|r| r["status"] == status),
            "the demo shows no `{status}` row"
        );
    }
    // the summary counts what the rows say
    assert_eq!(doc["summary"]["rows"], rows(&doc).len());
    // a few rows the demo is built to show
    assert_eq!(
        status_of(&doc, "ec2.instance/api", "instance_type"),
        "allowed"
    );
    assert_eq!(
        status_of(&doc, "rds.db_instance/orders-db", "multi_az"),
        "intentional"
    );
    assert_eq!(
        status_of(&doc, "rds.db_instance/orders-db", "backup_retention_period"),
        "expired"
    );
    assert_eq!(
        status_of(
            &doc,
            "rds.db_parameter_group/orders-pg",
            "parameters.max_connections"
        ),
        "violated"
    );
    assert_eq!(status_of(&doc, LOG_LEVEL, "value"), "drift");
    let multi_az = row(&doc, "rds.db_instance/orders-db", "multi_az");
    assert_eq!(multi_az["exceptions"], serde_json::json!(["prod-multi-az"]));
    assert_eq!(multi_az["raw"]["prod"], true);
}

/// The whole demo document is pinned in `cli/snapshots/demo_diff.json`. When it changes on
/// purpose, rerun with `UPDATE_GOLDEN=1` and review the file's diff before committing; a missing
/// file fails like a different one.
#[test]
fn demo_diff_json_matches_the_committed_snapshot() {
    let s = Sandbox::demo();
    let actual = s.run(&["diff", "--format", "json"]).ok().to_string();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("cli/snapshots/demo_diff.json");
    assert_golden(&path, &actual);
}

#[test]
fn check_on_the_demo_exits_1_and_prints_every_failing_row_worst_first() {
    let s = Sandbox::demo();
    let doc = s.diff_json(&[]);
    let failing: Vec<(String, String, String)> = rows(&doc)
        .iter()
        .filter(|r| FAILING.contains(&r["status"].as_str().unwrap_or_default()))
        .map(|r| {
            (
                r["status"].as_str().unwrap_or_default().to_string(),
                r["key"].as_str().unwrap_or_default().to_string(),
                r["attribute"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(!failing.is_empty());

    let run = s.run(&["check"]);
    run.code(1);
    let printed: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| FAILING.iter().any(|st| l.starts_with(st)))
        .collect();
    assert_eq!(printed.len(), failing.len(), "{}", run.stdout);
    for (status, key, attribute) in &failing {
        assert!(
            printed
                .iter()
                .any(|l| l.starts_with(status.as_str())
                    && l.contains(&format!(" {key} {attribute} "))),
            "check does not print the {status} row {key} {attribute}:\n{}",
            run.stdout
        );
    }
    let ranks: Vec<u8> = printed
        .iter()
        .map(|l| severity(l.split_whitespace().next().unwrap_or_default()))
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "not worst first:\n{}",
        run.stdout
    );
    run.stdout_has(&[&format!(
        "check: {} rows of unexplained drift",
        failing.len()
    )]);
    // no unknown rows, no stale snapshots: `--allow-partial` changes nothing
    s.run(&["check", "--allow-partial"]).code(1);
}

#[test]
fn an_exception_moves_a_drift_row_through_intentional_violated_and_expired_with_an_audit_trail() {
    let s = Sandbox::demo();
    let failing_before = s.run(&["check"]).code(1).stdout.lines().count();

    let added = s.run(&[
        "exception",
        "add",
        "--resource",
        LOG_LEVEL,
        "--attribute",
        "value",
        "--env",
        "prod",
        "--env",
        "dev",
        "--justification",
        "Each environment logs at its own level.",
        "--owner",
        "sre-team",
    ]);
    added.code(0);
    let id = added
        .stdout
        .split('`')
        .nth(1)
        .expect("`exception add` names the new exception's id")
        .to_string();

    // documented: the row is intentional, covered by the new exception, and check no longer
    // lists it
    let doc = s.diff_json(&[]);
    let r = row(&doc, LOG_LEVEL, "value");
    assert_eq!(r["status"], "intentional");
    assert_eq!(r["exceptions"], serde_json::json!([id]));
    let check = s.run(&["check"]);
    check.code(1);
    assert!(!check.stdout.contains(LOG_LEVEL), "{}", check.stdout);
    assert_eq!(check.stdout.lines().count(), failing_before - 1);
    s.run(&["exception", "list"]).stdout_has(&[
        &id,
        "active",
        "sre-team",
        "Each environment logs at its own level.",
    ]);

    // an expectation the observed value breaks: violated
    s.run(&["exception", "edit", &id, "--expect", "prod=error"])
        .code(0);
    assert_eq!(status_of(&s.diff_json(&[]), LOG_LEVEL, "value"), "violated");
    s.run(&["exception", "list", "--standing", "violated"])
        .stdout_has(&[&id]);
    s.run(&["check"]).code(1).stdout_has(&[LOG_LEVEL]);

    // the expectation matches prod's raw value: intentional again
    s.run(&["exception", "edit", &id, "--expect", "prod=warn"])
        .code(0);
    assert_eq!(
        status_of(&s.diff_json(&[]), LOG_LEVEL, "value"),
        "intentional"
    );

    // expired today: the row fails as expired
    s.run(&["exception", "expire", &id])
        .code(0)
        .stdout_has(&["2026-11-25"]);
    assert_eq!(status_of(&s.diff_json(&[]), LOG_LEVEL, "value"), "expired");
    s.run(&["exception", "list", "--standing", "expired"])
        .stdout_has(&[&id]);
    s.run(&["check"])
        .code(1)
        .stdout_has(&["expired", LOG_LEVEL]);
    // expiring twice is refused
    s.run(&["exception", "expire", &id])
        .code(2)
        .stderr_has(&[&id]);

    // removed: plain drift again, and the audit trail is kept
    s.run(&["exception", "rm", &id]).code(0);
    assert_eq!(status_of(&s.diff_json(&[]), LOG_LEVEL, "value"), "drift");
    let history = s.run(&["exception", "history", &id]);
    let actions: Vec<&str> = history
        .ok()
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(
        actions,
        ["create", "update", "update", "expire", "delete"],
        "{}",
        history.stdout
    );
    history.stdout_has(&["prod", "warn", "2026-11-25", "via cli"]);
    s.run(&["exception", "edit", &id, "--owner", "x"])
        .code(2)
        .stderr_has(&[&id]);
}

#[test]
fn check_passes_with_exit_0_when_two_snapshots_of_one_environment_are_identical() {
    let s = Sandbox::demo();
    let first = snapshot_id(&s.diff_json(&[]), "prod");
    // loading the demo again adds fresh, identical demo snapshots
    s.run(&["demo"]).ok();
    let second = snapshot_id(&s.diff_json(&[]), "prod");
    assert_ne!(first, second);
    let (a, b) = (format!("prod@{first}"), format!("prod@{second}"));

    let doc = s.diff_json(&[&a, &b]);
    assert_eq!(doc["environments"], serde_json::json!([a, b]));
    assert!(!rows(&doc).is_empty());
    for r in rows(&doc) {
        // a change view: only same/drift/missing, and exceptions do not apply
        assert_eq!(r["status"], "same", "{r}");
        assert_eq!(r["exceptions"], serde_json::json!([]), "{r}");
    }
    s.run(&["check", &a, &b])
        .code(0)
        .stdout_has(&["parity: no unexplained drift"]);
}

#[test]
fn check_exits_2_when_every_row_passes_but_a_snapshot_is_older_than_max_age() {
    let s = Sandbox::demo();
    let first = snapshot_id(&s.diff_json(&[]), "prod");
    s.run(&["demo"]).ok();
    let second = snapshot_id(&s.diff_json(&[]), "prod");
    let (a, b) = (format!("prod@{first}"), format!("prod@{second}"));

    // the prod snapshots were taken at 11:51; two hours later they are more than 1h old
    let later = "2026-11-26T14:00:00Z";
    s.run_at(later, &["check", &a, &b, "--max-age", "1h"])
        .code(2)
        .stdout_has(&["stale", &a, "--max-age"]);
    s.run_at(later, &["check", &a, &b, "--max-age", "1d"])
        .code(0);
    s.run_at(later, &["check", &a, &b]).code(0);
}

#[test]
fn check_exits_1_for_drift_even_when_snapshots_are_also_stale() {
    let s = Sandbox::demo();
    // dev's demo snapshot is 26 hours old: stale, but unexplained drift decides the exit code
    s.run(&["check", "--max-age", "1h"])
        .code(1)
        .stdout_has(&["stale", "dev"]);
}

#[test]
fn a_bad_max_age_is_bad_input() {
    let s = Sandbox::demo();
    s.run(&["check", "--max-age", "3y"])
        .code(2)
        .stderr_has(&["3y", "duration"]);
}

#[test]
fn a_max_age_too_long_to_compute_is_bad_input_not_a_panic() {
    let s = Sandbox::demo();
    for huge in ["9999999999999999d", "99999999999999999999s", "9999999w"] {
        s.run(&["check", "--max-age", huge])
            .code(2)
            .stderr_has(&[huge, "too long"]);
    }
    s.run(&["check", "--max-age", "36525d"]).code(1);
}
