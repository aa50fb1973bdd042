//! Failures through the real binary: one service refusing connections makes a partial snapshot
//! (reasons printed, `unknown` cells, `check` 2, `--allow-partial` per the other rows); an
//! endpoint refusing everything stores nothing and keeps the previous snapshot (exit 2).

use parity_testkit::moto::{free_port, Moto};
use parity_testkit::proxy::{BackgroundProxy, ProxyOptions};

use crate::support::{rows, AwsSandbox};

#[test]
fn partial_and_total_failures_through_the_cli() {
    let moto = Moto::start();
    moto.seed(&["drift"]);
    let healthy = BackgroundProxy::start(moto.port, ProxyOptions::default());
    let no_rds = BackgroundProxy::start(moto.port, ProxyOptions::refuse(&["rds"]));
    let ws = AwsSandbox::new();
    // Two environments over the same resources (`blue` reads prod's tags and SSM prefix, and
    // `prod` is its alias): parity, so only the failures decide the verdicts below.
    ws.add_env("prod", "prod", &healthy.endpoint(), &[]);
    ws.add_env(
        "blue",
        "prod",
        &healthy.endpoint(),
        &["--alias", "prod", "--ssm-prefix", "/prod/"],
    );
    let first = ws.run(&["collect"]);
    first.ok();
    assert!(!first.stdout.contains("PARTIAL"), "{}", first.stdout);
    let doc = ws.diff_json(&[]);
    let not_same: Vec<String> = rows(&doc)
        .iter()
        .filter(|r| r["status"] != "same")
        .map(|r| format!("{} {} {}", r["key"], r["attribute"], r["status"]))
        .collect();
    assert!(not_same.is_empty(), "blue and prod differ: {not_same:#?}");
    // They hold the very same secrets: the finding, unless an exception naming both accepts it
    // (with the workspace's key; without a keyring secrets are presence only and none is found).
    let check = ws.run(&["check"]);
    if crate::support::keyring_required() {
        assert_eq!(check.code, 1, "{}", check.stdout);
    }
    if check.code == 1 {
        check.stdout_has(&[
            "shared    ssm.parameter/stripe/api-key value",
            "prod and blue",
        ]);
        ws.run(&[
            "exception",
            "add",
            "--id",
            "blue-is-prod",
            "--resource",
            "ssm.parameter/*",
            "--attribute",
            "value",
            "--env",
            "prod",
            "--env",
            "blue",
            "--justification",
            "blue is prod's standby: same secrets by design",
            "--owner",
            "platform",
        ])
        .ok();
    }
    ws.run(&["check"]).code(0);
    let accepted = ws.diff_json(&[]);
    for s in accepted["shared_secrets"].as_array().into_iter().flatten() {
        assert_eq!(s["accepted_by"], "blue-is-prod", "{s}");
    }

    // RDS refuses connections for prod: a partial snapshot with the reasons.
    let replace = |endpoint: &str| ws.add_env("prod", "prod", endpoint, &["--replace"]);
    replace(&no_rds.endpoint());
    let partial = ws.run(&["collect", "prod"]);
    partial.ok();
    partial.stdout_has(&[
        "prod: snapshot #",
        "PARTIAL",
        "rds.db_instance not collected: ",
        "rds.db_parameter_group not collected: ",
        "rds:DescribeDBInstances",
    ]);
    assert!(!partial.stdout.contains("ec2.instance not collected"));
    assert!(
        no_rds
            .operations()
            .iter()
            .filter(|o| *o == "rds:DescribeDBInstances")
            .count()
            >= 2,
        "the SDK retried before giving up"
    );

    let doc = ws.diff_json(&[]);
    let prod = &doc["snapshots"]["prod"];
    assert_eq!(prod["status"], "partial", "{prod:#}");
    assert_eq!(doc["snapshots"]["blue"]["status"], "complete");
    let missing: Vec<&str> = prod["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["rds.db_instance", "rds.db_parameter_group"]);
    for m in prod["missing"].as_array().unwrap() {
        assert!(
            m["reason"]
                .as_str()
                .unwrap()
                .contains("rds:DescribeDBInstances"),
            "{m}"
        );
    }
    let mut unknown = 0;
    for r in rows(&doc) {
        let kind = r["kind"].as_str().unwrap();
        if kind.starts_with("rds.") {
            assert_eq!(r["status"], "unknown", "{r:#}");
            assert_eq!(r["cells"]["prod"], "unknown", "{r:#}");
            assert!(r["values"]["prod"].is_null(), "{r:#}");
            unknown += 1;
        } else {
            assert_eq!(r["status"], "same", "{r:#}");
        }
    }
    assert!(unknown >= 5, "{unknown} unknown rows");
    ws.run(&["check"]).code(2);
    ws.run(&["check", "--allow-partial"]).code(0);

    // Every call refused (a closed port): nothing stored, the partial snapshot stays newest.
    let before = ws.run(&["snapshots", "prod"]).ok().to_string();
    let closed = format!("http://127.0.0.1:{}", free_port());
    replace(&closed);
    let total = ws.run(&["collect", "prod"]);
    total.code(2);
    total.stdout_has(&["prod: nothing collected; the previous snapshot is kept"]);
    total.stderr_has(&[
        "nothing collected (previous snapshots kept)",
        "`prod`",
        "endpoint unreachable",
    ]);
    assert_eq!(ws.run(&["snapshots", "prod"]).ok(), before);
    let doc = ws.diff_json(&[]);
    assert_eq!(doc["snapshots"]["prod"]["status"], "partial");
    ws.run(&["check"]).code(2);
    ws.run(&["check", "--allow-partial"]).code(0);
}
