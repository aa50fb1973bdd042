//! Timeouts and endpoint safety through the real binary: `collect --timeout` ends a collection
//! against an endpoint that never answers (exit 2, "timed out after N s", the previous snapshot
//! kept); `env add` refuses an endpoint URL with credentials or plain http to a remote host.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parity_testkit::faults::{Fault, FaultPlan};
use parity_testkit::moto::Moto;
use parity_testkit::proxy::{BackgroundProxy, ProxyOptions};

use crate::support::AwsSandbox;

#[test]
fn collect_timeout_ends_a_stalled_collection_and_keeps_the_previous_snapshot() {
    let moto = Moto::start();
    moto.seed(&["drift"]);
    let healthy = BackgroundProxy::start(moto.port, ProxyOptions::default());
    let stalled = BackgroundProxy::start(
        moto.port,
        ProxyOptions::faults(Arc::new(FaultPlan::persistent(Fault::Stall))),
    );
    let ws = AwsSandbox::new();
    ws.add_env("prod", "prod", &healthy.endpoint(), &[]);
    ws.run(&["collect"]).ok();

    ws.add_env("prod", "prod", &stalled.endpoint(), &["--replace"]);
    ws.run(&["collect", "--timeout", "soon"])
        .code(2)
        .stderr_has(&["`soon` is not a duration"]);
    let started = Instant::now();
    let run = ws.run(&["collect", "--timeout", "3s"]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    run.code(2);
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("timed out after 3 s"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    // The first snapshot is still the only one, complete.
    let list = ws.run(&["snapshots"]);
    let lines: Vec<&str> = list.ok().lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("complete"), "{}", lines[0]);
}

#[test]
fn env_add_refuses_unsafe_endpoint_urls() {
    let ws = AwsSandbox::new();
    let add = |url: &str| {
        ws.run(&[
            "env",
            "add",
            "remote",
            "--region",
            "us-east-1",
            "--endpoint-url",
            url,
        ])
    };
    let run = add("http://user:pw@203.0.113.5");
    run.code(2).stderr_has(&["endpoint_url", "credentials"]);
    assert!(!run.stderr.contains("pw@"), "{}", run.stderr);
    add("http://203.0.113.5:4566")
        .code(2)
        .stderr_has(&["plain http", "203.0.113.5"]);
    add("https://user:pw@example.com").code(2);
    // Nothing was stored; safe URLs are accepted.
    add("http://127.0.0.1:4566").ok();
    add("http://localhost:4566")
        .code(2)
        .stderr_has(&["already exists"]);
}
