//! The fault matrix: every collector against every fault the testkit's proxy injects, on a seeded
//! schedule, in front of a real moto server seeded with every kind (the drift scenario, the
//! breadth seed and the application-layer seed's S3 buckets, so REST-XML is in the matrix). Transient faults must give the same complete snapshot as a clean run;
//! persistent ones a partial snapshot whose every kind says why; nothing may hang or panic.
//! Short timeouts keep it quick; the table it prints is the matrix's result.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use parity_aws::{collect, CallTimeouts, CollectContext};
use parity_core::{EnvironmentConfig, FeatureFlags, Snapshot};
use parity_testkit::faults::{Fault, FaultPlan};
use parity_testkit::moto::{python, Moto};
use parity_testkit::proxy::{ProxyOptions, RecordingProxy};

const REGION: &str = "us-east-1";

static INIT: Once = Once::new();

fn init() {
    INIT.call_once(|| {
        parity_testkit::isolated_default_chain("faults", "AKIAFAULTSTEST", "faults-secret")
    });
}

fn seed_breadth(moto: &Moto) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/breadth/seed.py");
    let out = Command::new(python())
        .arg(script)
        .arg(moto.endpoint())
        .output()
        .expect("run tests/breadth/seed.py");
    assert!(
        out.status.success(),
        "seed.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// S3 buckets (REST-XML) from the application-layer seed.
fn seed_buckets(moto: &Moto) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/kinds/seed.py");
    let out = Command::new(python())
        .arg(script)
        .arg(moto.endpoint())
        .arg("s3")
        .output()
        .expect("run tests/kinds/seed.py");
    assert!(
        out.status.success(),
        "seed.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn env(endpoint: &str, flags_table: Option<&str>) -> EnvironmentConfig {
    let mut env = EnvironmentConfig::new("prod");
    env.regions = vec![REGION.to_string()];
    env.tags
        .insert("Environment".to_string(), "prod".to_string());
    env.endpoint_url = Some(endpoint.to_string());
    env.feature_flags = flags_table.map(FeatureFlags::new);
    env
}

/// Short timeouts and backoff, so that stalls and retries cost seconds, not minutes.
fn context() -> CollectContext {
    let mut ctx = CollectContext::new("fault-matrix").with_fingerprint_key(vec![3; 32]);
    ctx.call_timeouts = CallTimeouts::short(Duration::from_secs(2));
    ctx.initial_backoff = Duration::from_millis(50);
    ctx.timeout = Some(Duration::from_secs(60));
    ctx
}

/// Resources per kind, and every resource's attributes, to compare runs.
fn summary(s: &Snapshot) -> BTreeMap<String, String> {
    s.resources
        .iter()
        .map(|r| {
            (
                format!("{} {}", r.kind, r.native_id),
                serde_json::to_string(&r.attributes).unwrap_or_default(),
            )
        })
        .collect()
}

async fn run(
    moto: &Moto,
    flags: Option<&str>,
    plan: Option<Arc<FaultPlan>>,
) -> (Snapshot, Duration) {
    run_with(moto, flags, plan, context()).await
}

async fn run_with(
    moto: &Moto,
    flags: Option<&str>,
    plan: Option<Arc<FaultPlan>>,
    ctx: CollectContext,
) -> (Snapshot, Duration) {
    let options = match plan {
        Some(plan) => ProxyOptions::faults(plan),
        None => ProxyOptions::default(),
    };
    let proxy = RecordingProxy::start_with(moto.port, options).await;
    let env = env(&proxy.endpoint(), flags);
    let started = Instant::now();
    // Nothing may hang: a bound well above the collection's own deadline.
    let snapshot = tokio::time::timeout(Duration::from_secs(90), collect(&env, &ctx, &|_| {}))
        .await
        .expect("the collection ended");
    (snapshot, started.elapsed())
}

/// How many times `operation` reached the proxy when `plan` fails it for good.
async fn attempts(moto: &Moto, plan: FaultPlan, operation: &str) -> usize {
    let proxy = RecordingProxy::start_with(moto.port, ProxyOptions::faults(Arc::new(plan))).await;
    let env = env(&proxy.endpoint(), None);
    let ctx = context();
    tokio::time::timeout(Duration::from_secs(90), collect(&env, &ctx, &|_| {}))
        .await
        .expect("the collection ended");
    proxy
        .operations()
        .iter()
        .filter(|o| o.as_str() == operation)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_collector_against_every_fault() {
    init();
    let moto = Moto::start();
    moto.seed(&["drift"]);
    seed_breadth(&moto);
    seed_buckets(&moto);
    let flags = Some("feature-flags");

    let (clean, clean_time) = run(&moto, flags, None).await;
    assert!(clean.missing.is_empty(), "clean run: {:?}", clean.missing);
    let kinds: std::collections::BTreeSet<&str> =
        clean.resources.iter().map(|r| r.kind.as_str()).collect();
    let expected = summary(&clean);
    let mut table = vec![format!(
        "| fault | transient: result | injected | time | persistent: result | time |\n|---|---|---|---|---|---|\n| (none) | complete, {} resources in {} kinds | 0 | {:.1} s | – | – |",
        clean.resources.len(),
        kinds.len(),
        clean_time.as_secs_f64()
    )];

    let faults = [
        // (fault, failing attempts per affected request when transient)
        (Fault::Throttle, 5), // more than the 3 attempts other errors get
        (Fault::Unavailable, 4),
        (Fault::Internal, 2),
        (Fault::Reset, 2),
        (Fault::Stall, 1),
        (Fault::Slow(Duration::from_millis(300)), u32::MAX),
        (Fault::Truncate, 2),
    ];
    for (i, (fault, repeat)) in faults.into_iter().enumerate() {
        // Transient: 30 % of the requests fail their first `repeat` attempts (slow: all of
        // them, always — slowness is not a failure).
        let rate = if matches!(fault, Fault::Slow(_)) {
            1.0
        } else {
            0.3
        };
        let plan = Arc::new(FaultPlan::transient(fault, rate, repeat, 1000 + i as u64));
        let (snapshot, took) = run(&moto, flags, Some(plan.clone())).await;
        assert!(
            snapshot.missing.is_empty(),
            "{}: transient faults lost kinds: {:?}",
            fault.name(),
            snapshot.missing
        );
        assert_eq!(
            summary(&snapshot),
            expected,
            "{}: transient faults changed the snapshot",
            fault.name()
        );
        assert!(plan.injected() > 0, "{}: nothing injected", fault.name());
        let transient = format!(
            "complete, identical ({} resources) | {} | {:.1} s",
            snapshot.resources.len(),
            plan.injected(),
            took.as_secs_f64()
        );

        let persistent = if matches!(fault, Fault::Slow(_)) {
            "– (slowness is never a failure) | –".to_string()
        } else {
            let plan = Arc::new(FaultPlan::persistent(fault));
            let (snapshot, took) = run(&moto, flags, Some(plan)).await;
            let mut all = parity_aws::KINDS.to_vec();
            all.push(parity_aws::FEATURE_FLAG_KIND);
            let missing: Vec<&str> = snapshot.missing.iter().map(|m| m.kind.as_str()).collect();
            assert_eq!(missing, all, "{}: persistent", fault.name());
            assert!(snapshot.resources.is_empty());
            for m in &snapshot.missing {
                assert!(!m.reason.trim().is_empty(), "{}: {}", fault.name(), m.kind);
            }
            let mut reasons: Vec<String> = snapshot
                .missing
                .iter()
                .map(|m| {
                    m.reason
                        .split([':', '('])
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_string()
                })
                .collect();
            reasons.sort();
            reasons.dedup();
            format!(
                "partial: all {} kinds missing, reasons: {} | {:.1} s",
                snapshot.missing.len(),
                reasons.join(" / "),
                took.as_secs_f64()
            )
        };
        table.push(format!("| {} | {transient} | {persistent} |", fault.name()));
    }
    eprintln!("\nfault matrix\n{}\n", table.join("\n"));

    // Per-resource calls failing for good: the resource stays, the attribute is unknown.
    let plan = Arc::new(
        FaultPlan::persistent(Fault::Throttle)
            .only(&["lambda"])
            .matching("/concurrency"),
    );
    let (snapshot, _) = run(&moto, flags, Some(plan.clone())).await;
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    assert!(plan.injected() > 0);
    let functions: Vec<_> = snapshot
        .resources
        .iter()
        .filter(|r| r.kind == "lambda.function")
        .collect();
    assert!(!functions.is_empty());
    for f in functions {
        assert!(!f.attributes.contains_key("reserved_concurrency"));
        let reason = &f.unknown["reserved_concurrency"];
        assert!(
            reason.contains("TooManyRequestsException")
                && reason.contains("lambda:GetFunctionConcurrency"),
            "{reason}"
        );
        assert!(
            f.attributes.contains_key("runtime"),
            "other attributes kept"
        );
    }
    // S3 speaks REST-XML: a bucket's configuration call throttled for good (`SlowDown`) leaves
    // that attribute unknown, the bucket and its other attributes stay.
    assert!(kinds.contains("s3.bucket"), "the clean run has the bucket");
    let plan = Arc::new(
        FaultPlan::persistent(Fault::Throttle)
            .only(&["s3"])
            .matching("versioning"),
    );
    let (snapshot, _) = run(&moto, flags, Some(plan.clone())).await;
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    assert!(plan.injected() > 0);
    let bucket = snapshot
        .resources
        .iter()
        .find(|r| r.kind == "s3.bucket")
        .expect("prod's bucket");
    assert!(!bucket.attributes.contains_key("versioning"));
    assert!(
        bucket.unknown["versioning"].contains("SlowDown")
            && bucket.unknown["versioning"].contains("s3:GetBucketVersioning"),
        "{:?}",
        bucket.unknown
    );
    assert_eq!(bucket.attributes["encryption_algorithm"], "AES256");
    let plan = Arc::new(
        FaultPlan::persistent(Fault::Internal)
            .only(&["cloudformation"])
            .matching("GetTemplateSummary"),
    );
    let (snapshot, _) = run(&moto, flags, Some(plan)).await;
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    let stacks: Vec<_> = snapshot
        .resources
        .iter()
        .filter(|r| r.kind == "cloudformation.stack")
        .collect();
    assert!(!stacks.is_empty());
    for s in stacks {
        assert!(s.is_unknown("parameters.Environment"), "{:?}", s.unknown);
        assert!(
            !s.attributes.keys().any(|k| k.starts_with("parameters.")),
            "no parameter value kept when NoEcho is unknown"
        );
        assert!(s.attributes.contains_key("template_hash"));
    }

    // The deadline: RDS never answers (and the per-call timeouts are long), so its kinds are
    // missing, "timed out after 12 s" — and so are the alarms, which are scoped by the resources
    // they watch once every other kind is known; every other kind is complete. (12 s, not less:
    // the other kinds take ~3 s on an idle machine, and over 4 s at load 13 on 2 cores.)
    let mut ctx = context();
    ctx.call_timeouts = CallTimeouts::default();
    ctx.timeout = Some(Duration::from_secs(12));
    let plan = Arc::new(FaultPlan::persistent(Fault::Stall).only(&["rds"]));
    let (snapshot, took) = run_with(&moto, flags, Some(plan), ctx).await;
    assert!(took < Duration::from_secs(20), "{took:?}");
    let missing: Vec<&str> = snapshot.missing.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(
        missing,
        [
            "rds.db_instance",
            "rds.db_parameter_group",
            "cloudwatch.alarm"
        ]
    );
    for m in &snapshot.missing {
        assert!(m.reason.starts_with("timed out after 12 s"), "{}", m.reason);
    }
    let kept: std::collections::BTreeSet<&str> =
        snapshot.resources.iter().map(|r| r.kind.as_str()).collect();
    let mut without_rds = kinds.clone();
    without_rds.retain(|k| !k.starts_with("rds.") && *k != "cloudwatch.alarm");
    assert_eq!(kept, without_rds);

    // More attempts for throttling than for other errors: 8 against 3.
    let throttled = FaultPlan::persistent(Fault::Throttle)
        .only(&["ssm"])
        .matching("DescribeParameters");
    assert_eq!(
        attempts(&moto, throttled, "ssm:DescribeParameters").await,
        8
    );
    let unavailable = FaultPlan::persistent(Fault::Unavailable)
        .only(&["ssm"])
        .matching("DescribeParameters");
    assert_eq!(
        attempts(&moto, unavailable, "ssm:DescribeParameters").await,
        8
    );
    let internal = FaultPlan::persistent(Fault::Internal)
        .only(&["ssm"])
        .matching("DescribeParameters");
    assert_eq!(attempts(&moto, internal, "ssm:DescribeParameters").await, 3);
    let reset = FaultPlan::persistent(Fault::Reset)
        .only(&["ssm"])
        .matching("DescribeParameters");
    assert_eq!(attempts(&moto, reset, "ssm:DescribeParameters").await, 3);
}
