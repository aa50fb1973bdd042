//! parity-aws's breadth collectors (ElastiCache, Lambda, Auto Scaling, CloudWatch alarms,
//! DynamoDB feature flags, CloudFormation) against a real moto server: three environments seeded
//! with real drift by `seed.py` beside this file, compared through parity-core's matrix; failing
//! services make only their kinds missing; every operation moto received is on OPERATIONS.

#[path = "../common/mod.rs"]
mod common;

use common::{count, find, matrix, row, seed};

use std::sync::{Mutex, Once};

use parity_aws::{collect, collect_many, CollectContext, Phase, ProgressEvent, OPERATIONS};
use parity_core::{EnvironmentConfig, FeatureFlags, Matrix, Status};
use parity_testkit::moto::Moto;
use parity_testkit::proxy::RecordingProxy;
use serde_json::json;

const REGION: &str = "us-east-1";
const ENVS: [&str; 3] = ["dev", "staging", "prod"];

static INIT: Once = Once::new();

/// Static test credentials through the default chain; nothing from the user's AWS setup.
fn init() {
    INIT.call_once(|| {
        parity_testkit::isolated_default_chain("breadth", "AKIABREADTHTEST", "breadth-secret")
    });
}

/// An environment scoped by `Environment=<name>`, with the seed's feature-flag table.
fn env(name: &str, endpoint: &str, flags_table: Option<&str>) -> EnvironmentConfig {
    let mut env = EnvironmentConfig::new(name);
    env.regions = vec![REGION.to_string()];
    env.tags.insert("Environment".to_string(), name.to_string());
    env.endpoint_url = Some(endpoint.to_string());
    env.feature_flags = flags_table.map(FeatureFlags::new);
    env
}

/// The status of (dev, staging), (dev, prod) and (staging, prod) on a row.
fn pairs(matrix: &Matrix, key: &str, attribute: &str) -> [Option<Status>; 3] {
    let r = row(matrix, key, attribute);
    [
        r.pair_status(0, 1),
        r.pair_status(0, 2),
        r.pair_status(1, 2),
    ]
}

const SAME: Option<Status> = Some(Status::Same);
const DRIFT: Option<Status> = Some(Status::Drift);
const MISSING: Option<Status> = Some(Status::Missing);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breadth_kinds_with_drift_between_three_environments() {
    init();
    let moto = Moto::start();
    let seeded = seed(&moto, "breadth");
    let proxy = RecordingProxy::start(moto.port, &[]).await;
    let envs: Vec<EnvironmentConfig> = ENVS
        .iter()
        .map(|n| env(n, &proxy.endpoint(), Some("feature-flags")))
        .collect();
    let ctx = CollectContext::new("breadth-test").with_fingerprint_key(vec![9; 32]);
    let events: Mutex<Vec<ProgressEvent>> = Mutex::new(Vec::new());
    let snapshots = collect_many(&envs, &ctx, &|e| events.lock().unwrap().push(e)).await;
    for s in &snapshots {
        assert!(s.missing.is_empty(), "{}: {:?}", s.environment, s.missing);
        // qa's resources belong to no environment here; secrets never stored.
        let text = serde_json::to_string(s).unwrap();
        for leak in ["qa-", "plaintext", "sk_live", "sk_dev", "db.internal"] {
            assert!(
                !text.contains(leak),
                "{}: `{leak}` in {text}",
                s.environment
            );
        }
    }
    let [dev, staging, prod] = [&snapshots[0], &snapshots[1], &snapshots[2]];

    // ElastiCache: single nodes in dev and staging, a replication group in prod.
    let cache = find(dev, "elasticache.cluster", "dev-sessions");
    assert_eq!(cache.attributes["engine"], "redis");
    assert_eq!(cache.attributes["engine_version"], "6.2");
    assert_eq!(cache.attributes["replication_group"], false);
    assert_eq!(cache.attributes["num_cache_nodes"], 1);
    let cache = find(staging, "elasticache.cluster", "staging-sessions");
    assert_eq!(cache.attributes["engine_version"], "7.1");
    let group = find(prod, "elasticache.cluster", "prod-sessions");
    assert_eq!(group.attributes["replication_group"], true);
    assert_eq!(group.attributes["cache_node_type"], "cache.r6g.large");
    assert_eq!(group.attributes["automatic_failover"], true);
    assert_eq!(group.attributes["multi_az"], true);
    assert_eq!(group.attributes["at_rest_encryption_enabled"], true);
    assert_eq!(group.attributes["transit_encryption_enabled"], true);
    assert_eq!(group.attributes["shards"], 1);
    assert!(
        group.aliases.iter().any(|a| a == "prod-sessions-001"),
        "{:?}",
        group.aliases
    );

    // Lambda: runtimes, memory, layers, reserved concurrency; variable values fingerprinted.
    for (s, name, runtime, memory) in [
        (dev, "dev-api", "nodejs18.x", 128),
        (staging, "staging-api", "nodejs20.x", 256),
        (prod, "prod-api", "nodejs20.x", 1024),
    ] {
        let f = find(s, "lambda.function", name);
        assert_eq!(f.attributes["runtime"], runtime);
        assert_eq!(f.attributes["memory_size"], memory);
        assert_eq!(f.attributes["timeout"], 30);
        assert_eq!(f.attributes["architecture"], "x86_64");
        let host = f.attributes["environment.DB_HOST"].as_str().unwrap();
        assert!(host.starts_with("hmac-sha256:"), "{host}");
        assert_eq!(count(s, "lambda.function"), 1, "{}", s.environment);
    }
    assert_eq!(
        find(prod, "lambda.function", "prod-api").attributes["layers"],
        json!(["shared-deps:1"])
    );
    assert_eq!(
        find(dev, "lambda.function", "dev-api").attributes["layers"],
        json!([])
    );
    assert_eq!(
        find(prod, "lambda.function", "prod-api").attributes["reserved_concurrency"],
        50
    );
    assert!(!find(staging, "lambda.function", "staging-api")
        .attributes
        .contains_key("reserved_concurrency"));
    assert!(seeded["layer"]
        .as_str()
        .unwrap()
        .ends_with(":shared-deps:1"));

    // Auto Scaling: min size 1 vs 3, prod's target-tracking policy.
    let asg = find(prod, "autoscaling.group", "prod-api");
    assert_eq!(asg.attributes["min_size"], 3);
    assert_eq!(asg.attributes["max_size"], 10);
    assert_eq!(asg.attributes["launch_template"], "prod-api");
    assert_eq!(asg.attributes["launch_template_version"], "$Latest");
    assert_eq!(asg.attributes["health_check_type"], "EC2");
    assert_eq!(asg.attributes["health_check_grace_period"], 300);
    assert_eq!(
        asg.attributes["policy.cpu-target"],
        json!({"policy_type": "TargetTrackingScaling", "target_metric": "ASGAverageCPUUtilization",
               "target_value": 50.0}),
    );
    assert_eq!(
        asg.tags.get("Environment").map(String::as_str),
        Some("prod")
    );
    assert_eq!(
        find(staging, "autoscaling.group", "staging-api").attributes["min_size"],
        1
    );

    // Alarms: keyed by what they watch.
    assert_eq!(count(staging, "cloudwatch.alarm"), 1);
    assert_eq!(count(prod, "cloudwatch.alarm"), 2);
    let cpu = prod
        .resources
        .iter()
        .find(|r| r.attributes.get("alarm_name") == Some(&json!("prod-api-cpu-high")))
        .expect("prod's CPU alarm");
    assert_eq!(
        cpu.identity,
        parity_core::Identity::Child {
            parent: "prod-api".into(),
            role: "AWS/EC2/CPUUtilization".into()
        }
    );
    assert_eq!(cpu.attributes["threshold"], 80.0);
    assert_eq!(
        cpu.attributes["comparison_operator"],
        "GreaterThanThreshold"
    );
    assert_eq!(cpu.attributes["evaluation_periods"], 3);
    assert_eq!(cpu.attributes["period"], 60);
    assert_eq!(cpu.attributes["statistic"], "Average");
    assert_eq!(cpu.attributes["actions_enabled"], true);

    // Feature flags: the environment's items only, across scan pages.
    assert_eq!(count(dev, "dynamodb.item"), 2);
    assert_eq!(count(staging, "dynamodb.item"), 3);
    let checkout = find(staging, "dynamodb.item", "new-checkout");
    assert_eq!(checkout.attributes["enabled"], true);
    assert_eq!(checkout.attributes["rollout_percentage"], 25);
    assert!(!checkout.attributes.contains_key("environment"));
    let scans = proxy
        .operations()
        .iter()
        .filter(|o| *o == "dynamodb:Scan")
        .count();
    assert!(scans >= 2 * ENVS.len(), "{scans} scans: one page each?");

    // CloudFormation: parameters (NoEcho never stored), outputs, protection, template hash.
    let stack = find(staging, "cloudformation.stack", "staging-network");
    assert_eq!(stack.attributes["parameters.InstanceType"], "t3.small");
    assert_eq!(stack.attributes["parameters.DbPassword"], "(NoEcho)");
    assert_eq!(stack.attributes["parameters.Environment"], "staging");
    assert_eq!(stack.attributes["outputs.AlertsTopic"], "staging-alerts");
    // secrets in outputs, tags and nested flag maps are kept only as tokens
    let url = stack.attributes["outputs.DbUrl"].as_str().unwrap();
    assert!(
        url.starts_with("postgres://app:<secret:hmac-sha256:")
            && url.ends_with(">@staging-pg.example:5432/app"),
        "{url}"
    );
    assert!(stack.tags["DeployToken"].starts_with("<secret:hmac-sha256:"));
    let flag = find(staging, "dynamodb.item", "dark-mode");
    assert_eq!(flag.attributes["config"]["theme"], "night");
    assert!(flag.attributes["config"]["apiKey"]
        .as_str()
        .unwrap()
        .starts_with("<secret:hmac-sha256:"));
    assert_eq!(stack.attributes["termination_protection"], false);
    assert_eq!(
        find(prod, "cloudformation.stack", "prod-network").attributes["termination_protection"],
        true
    );
    assert!(stack.attributes["template_hash"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));

    // The matrix: the rows the seed's parity table is about.
    let m = matrix(&envs, &snapshots);
    assert_eq!(
        pairs(&m, "elasticache.cluster/sessions", "engine_version")[0],
        DRIFT
    );
    assert_eq!(
        pairs(&m, "elasticache.cluster/sessions", "automatic_failover"),
        [SAME, DRIFT, DRIFT]
    );
    assert_eq!(
        pairs(&m, "lambda.function/api", "runtime"),
        [DRIFT, DRIFT, SAME]
    );
    assert_eq!(
        pairs(&m, "lambda.function/api", "layers"),
        [DRIFT, DRIFT, SAME]
    );
    // Values equal up to the env token fingerprint equal; a different key does not.
    assert_eq!(
        row(&m, "lambda.function/api", "environment.DB_HOST").status,
        Status::Same
    );
    assert_eq!(
        pairs(&m, "lambda.function/api", "environment.STRIPE_KEY"),
        [DRIFT, DRIFT, SAME]
    );
    assert_eq!(
        pairs(&m, "autoscaling.group/api", "min_size"),
        [SAME, DRIFT, DRIFT]
    );
    assert_eq!(
        pairs(&m, "autoscaling.group/api", "policy.cpu-target")[2],
        DRIFT
    );
    // "staging has no CPU alarm on the api group": a missing row.
    assert_eq!(
        pairs(&m, "cloudwatch.alarm/api/AWS/EC2/CPUUtilization", "exists"),
        [MISSING, SAME, MISSING]
    );
    assert_eq!(
        pairs(&m, "cloudwatch.alarm/api/AWS/Lambda/Errors", "threshold"),
        [SAME, DRIFT, DRIFT]
    );
    // Alarm names are volatile: shown, never compared.
    assert!(!m.rows.iter().any(|r| &*r.attribute == "alarm_name"));
    // A flag enabled only in staging; one that exists only there.
    assert_eq!(
        pairs(&m, "dynamodb.item/new-checkout", "enabled"),
        [DRIFT, SAME, DRIFT]
    );
    assert_eq!(
        pairs(&m, "dynamodb.item/beta-search", "exists"),
        [MISSING, None, MISSING]
    );
    assert_eq!(
        row(&m, "dynamodb.item/dark-mode", "enabled").status,
        Status::Same
    );
    // A stack parameter differing; the same template up to env tokens in staging and prod.
    assert_eq!(
        pairs(
            &m,
            "cloudformation.stack/network",
            "parameters.InstanceType"
        ),
        [DRIFT, SAME, DRIFT]
    );
    assert_eq!(
        pairs(&m, "cloudformation.stack/network", "template_hash"),
        [DRIFT, DRIFT, SAME]
    );
    assert_eq!(
        row(&m, "cloudformation.stack/network", "parameters.Environment").status,
        Status::Same
    );
    assert_eq!(
        row(&m, "cloudformation.stack/network", "outputs.AlertsTopic").status,
        Status::Same
    );
    // each environment has its own secret there: presence compares, no drift
    for (key, attribute) in [
        ("cloudformation.stack/network", "outputs.DbUrl"),
        ("cloudformation.stack/network", "tags.DeployToken"),
        ("dynamodb.item/dark-mode", "config"),
    ] {
        assert_eq!(
            row(&m, key, attribute).status,
            Status::Same,
            "{key} {attribute}"
        );
    }

    // Progress: every kind of every environment finished.
    let events = events.into_inner().unwrap();
    for env in &envs {
        for kind in parity_aws::kinds_for(env) {
            assert!(
                events.iter().any(|e| e.environment == env.name
                    && e.kind.as_deref() == Some(kind)
                    && matches!(e.phase, Phase::Done { .. })),
                "{} {kind} never done",
                env.name
            );
        }
    }

    // Read-only, provably: every operation moto received is on the published list.
    let operations = proxy.operations();
    for op in &operations {
        assert!(
            OPERATIONS.contains(&op.as_str()),
            "{op} is not on OPERATIONS"
        );
    }
    for op in [
        "elasticache:DescribeReplicationGroups",
        "elasticache:DescribeCacheClusters",
        "lambda:ListFunctions",
        "lambda:GetFunctionConcurrency",
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribePolicies",
        "cloudwatch:DescribeAlarms",
        "dynamodb:Scan",
        "cloudformation:DescribeStacks",
        "cloudformation:GetTemplate",
        "cloudformation:GetTemplateSummary",
    ] {
        assert!(operations.iter().any(|o| o == op), "{op} never called");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_services_make_only_their_kinds_missing() {
    init();
    let moto = Moto::start();
    seed(&moto, "breadth");
    // Lambda and CloudWatch connections are dropped without an answer; the flag table named
    // does not exist (moto answers ResourceNotFoundException).
    let proxy = RecordingProxy::start(moto.port, &["lambda", "cloudwatch"]).await;
    let ctx = CollectContext::new("breadth-partial").with_fingerprint_key(vec![3; 32]);
    let prod = env("prod", &proxy.endpoint(), Some("no-such-table"));
    let snapshot = collect(&prod, &ctx, &|_| {}).await;
    let missing: Vec<&str> = snapshot.missing.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(
        missing,
        ["lambda.function", "cloudwatch.alarm", "dynamodb.item"],
        "{:?}",
        snapshot.missing
    );
    let reason = |kind: &str| {
        snapshot
            .missing
            .iter()
            .find(|m| m.kind == kind)
            .map(|m| m.reason.clone())
            .unwrap_or_default()
    };
    assert!(
        reason("lambda.function").contains("(lambda:ListFunctions)"),
        "{}",
        reason("lambda.function")
    );
    assert!(
        reason("cloudwatch.alarm").contains("(cloudwatch:DescribeAlarms)"),
        "{}",
        reason("cloudwatch.alarm")
    );
    let flags = reason("dynamodb.item");
    assert!(
        flags.contains("no-such-table") && flags.contains("ResourceNotFoundException"),
        "{flags}"
    );
    for kind in [
        "elasticache.cluster",
        "autoscaling.group",
        "cloudformation.stack",
    ] {
        assert!(count(&snapshot, kind) >= 1, "{kind} not collected");
    }
    assert!(snapshot.failed("lambda.function") && !snapshot.failed("elasticache.cluster"));

    // Without the opt-in there is no flag kind to miss, and DynamoDB is never called.
    proxy.clear();
    let staging = env("staging", &proxy.endpoint(), None);
    let snapshot = collect(&staging, &ctx, &|_| {}).await;
    let missing: Vec<&str> = snapshot.missing.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(missing, ["lambda.function", "cloudwatch.alarm"]);
    assert_eq!(count(&snapshot, "dynamodb.item"), 0);
    assert!(!proxy
        .operations()
        .iter()
        .any(|o| o.starts_with("dynamodb:")));
    assert!(proxy
        .operations()
        .iter()
        .all(|o| OPERATIONS.contains(&o.as_str())));
}

/// moto (5.2) does not serve CloudWatch over Smithy RPC v2 CBOR, the only protocol the Rust SDK
/// speaks for it (the tests above go through the testkit proxy, which bridges it over JSON 1.0).
/// Straight to moto, the call answers HTTP 404: the alarms are missing with that reason and
/// everything else is collected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_moto_cannot_serve_makes_the_snapshot_partial() {
    init();
    let moto = Moto::start();
    seed(&moto, "breadth");
    let ctx = CollectContext::new("breadth-unbridged").with_fingerprint_key(vec![5; 32]);
    let prod = env("prod", &moto.endpoint(), Some("feature-flags"));
    let snapshot = collect(&prod, &ctx, &|_| {}).await;
    assert_eq!(snapshot.missing.len(), 1, "{:?}", snapshot.missing);
    let missing = &snapshot.missing[0];
    assert_eq!(missing.kind, "cloudwatch.alarm");
    assert!(
        missing.reason.starts_with("HTTP 404 from the service")
            && missing.reason.ends_with("(cloudwatch:DescribeAlarms)"),
        "{}",
        missing.reason
    );
    for kind in [
        "elasticache.cluster",
        "lambda.function",
        "autoscaling.group",
        "ec2.instance",
        "dynamodb.item",
        "cloudformation.stack",
    ] {
        assert!(count(&snapshot, kind) >= 1, "{kind} not collected");
    }
}
