//! The collect benchmark (issue 3 §7, issue 19 §5; not a timed test): seeds moto once with 3
//! environments × N instances + N SSM parameters (default 1,000; `ENVPARITY_BENCH_N`), then runs
//! parity-aws's `collect_many` and `sequential_boto3.py` (the same describes, one at a time), each
//! twice, behind a proxy that adds a fixed delay to every request (default 80 ms;
//! `ENVPARITY_BENCH_DELAY_MS`):
//!
//! 1. **through moto** — the proxy forwards to moto and puts every answer on a tape; moto's own
//!    CPU (a Python process) is then part of every call;
//! 2. **replayed, moto stopped** — the proxy answers each request with the answer recorded for
//!    the same request, after the same delay: a latency-bound API like AWS's, where what bounds
//!    the collection is its rate budget and its chains of dependent calls. The replayed
//!    collection must produce the same snapshots, and no request may miss the tape.
//!
//! It prints, side by side in one table: wall time, API calls (counted by the proxy) against the
//! minimum, moto's CPU, peak RSS, the chains of calls, and the collection's **bound** on the
//! replayed run:
//!
//! ```text
//! bound = max over buckets b of max(0, calls_b − burst_b) ÷ rate_b  +  dependent chain × delay
//! ```
//!
//! where a bucket is the rate budget's (account, region, service) token bucket (`limits.rs`:
//! `burst_b` and `rate_b` are the service's published burst and refill rate × `rate_share`, the
//! bucket starts full), `calls_b` the calls the proxy counted for it, and the dependent chain the
//! longest sequence of calls that each needed the previous one's answer
//! (`parity_testkit::proxy::dependent_chain`: pages, quoted ids). Buckets refill side by side, so
//! the busiest one sets the rate term; a schedule that keeps that bucket busy and starts each
//! call as soon as its answer-dependency is in finishes within the sum (the rate term alone and
//! the chain alone are each a lower bound; their sum is what a greedy schedule guarantees).
//! Target: replayed wall time ≤ 1.2 × bound.
//!
//! `cargo bench -p parity-aws --bench collect` (moto[server] and boto3 in `$ENVPARITY_VENV`).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::{Duration, Instant};

use parity_aws::limits::service_rate;
use parity_aws::{collect_many, CallTimeouts, CollectContext};
use parity_core::{EnvironmentConfig, Snapshot};
use parity_testkit::bench::load_average;
use parity_testkit::moto::{free_port, python, Moto};
use parity_testkit::proxy::{
    dependent_chain, longest_sequential_chain, BackgroundProxy, ProxyOptions, Recorded, Tape,
};

const ENVS: [&str; 3] = ["dev", "staging", "prod"];

/// DescribeParameters' page: AWS's maximum, and what moto 5.2 answers whatever MaxResults asks.
const AWS_SSM_PAGE: usize = 50;
const MOTO_SSM_PAGE: usize = 10;

fn env_var<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Resets this process's peak resident set (VmHWM) to its current size (Linux ≥ 4.0).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// VmHWM (peak resident set) of this process, in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn by_operation(requests: &[Recorded]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in requests {
        *out.entry(r.operation.clone()).or_insert(0) += 1;
    }
    out
}

/// `op ×n → op ×m → …` for consecutive runs of one operation.
fn chain_summary(chain: &[Recorded]) -> String {
    let mut parts: Vec<(String, usize)> = Vec::new();
    for r in chain {
        match parts.last_mut() {
            Some((op, n)) if *op == r.operation => *n += 1,
            _ => parts.push((r.operation.clone(), 1)),
        }
    }
    parts
        .iter()
        .map(|(op, n)| format!("{op} ×{n}"))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// One run: wall time, what the proxy saw, moto's CPU (when moto served it), peak RSS.
struct Run {
    wall: Duration,
    requests: Vec<Recorded>,
    moto_cpu: Option<f64>,
    rss_mib: f64,
}

fn environments(endpoint: &str) -> Vec<EnvironmentConfig> {
    ENVS.iter()
        .map(|name| {
            let mut env = EnvironmentConfig::new(name);
            env.regions = vec!["us-east-1".to_string()];
            env.tags.insert("Environment".to_string(), name.to_string());
            env.endpoint_url = Some(endpoint.to_string());
            env
        })
        .collect()
}

fn run_ours(
    runtime: &tokio::runtime::Runtime,
    proxy: &BackgroundProxy,
    ctx: &CollectContext,
    moto: Option<&Moto>,
) -> (Run, Vec<Snapshot>) {
    let envs = environments(&proxy.endpoint());
    let cpu = || moto.and_then(Moto::cpu_seconds);
    let cpu_before = cpu();
    reset_peak_rss();
    let started = Instant::now();
    let snapshots = runtime.block_on(collect_many(&envs, ctx, &|_| {}));
    let wall = started.elapsed();
    let run = Run {
        wall,
        requests: proxy.recorded(),
        moto_cpu: cpu().zip(cpu_before).map(|(a, b)| a - b),
        rss_mib: peak_rss_mib(),
    };
    (run, snapshots)
}

fn run_boto(proxy: &BackgroundProxy, moto: Option<&Moto>) -> (Run, serde_json::Value) {
    let cpu = || moto.and_then(Moto::cpu_seconds);
    let cpu_before = cpu();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sequential_boto3.py");
    let out = Command::new(python())
        .arg(&script)
        .arg(proxy.endpoint())
        .args(ENVS)
        .env("AWS_ACCESS_KEY_ID", "AKIABENCH")
        .env("AWS_SECRET_ACCESS_KEY", "bench-secret")
        .output()
        .expect("run sequential_boto3.py");
    assert!(
        out.status.success(),
        "sequential_boto3.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let boto: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let run = Run {
        wall: Duration::from_secs_f64(boto["wall_s"].as_f64().expect("wall_s")),
        requests: proxy.recorded(),
        moto_cpu: cpu().zip(cpu_before).map(|(a, b)| a - b),
        rss_mib: boto["peak_rss_kib"].as_f64().unwrap_or(f64::NAN) / 1024.0,
    };
    (run, boto)
}

fn check_ours(snapshots: &[Snapshot], n: usize) {
    for s in snapshots {
        assert!(s.missing.is_empty(), "{}: {:?}", s.environment, s.missing);
        let count = |kind: &str| s.resources.iter().filter(|r| r.kind == kind).count();
        assert_eq!(count("ec2.instance"), n, "{}", s.environment);
        assert_eq!(count("ssm.parameter"), n, "{}", s.environment);
    }
}

fn check_boto(boto: &serde_json::Value, n: usize) {
    for env in ENVS {
        assert_eq!(boto["found"][env]["ec2.instance"], n, "{boto}");
        assert_eq!(boto["found"][env]["ssm.parameter"], n, "{boto}");
    }
}

/// One rate-budget bucket of the replayed run.
struct BucketLoad {
    key: String,
    calls: usize,
    burst: f64,
    per_second: f64,
}

impl BucketLoad {
    /// The least time the bucket lets `calls` through: it starts full.
    fn seconds(&self) -> f64 {
        (self.calls as f64 - self.burst).max(0.0) / self.per_second
    }
}

/// The replayed run's calls per (account, region, service) bucket, sized as `limits.rs` sizes
/// them (`Bucket::new` clamps the burst to ≥ 1 and the rate to ≥ 0.01 per second).
fn buckets(requests: &[Recorded], share: f64) -> Vec<BucketLoad> {
    let mut calls: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for r in requests {
        let service = r
            .operation
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        *calls
            .entry((r.access_key_id.clone(), r.region.clone(), service))
            .or_default() += 1;
    }
    let mut out: Vec<BucketLoad> = calls
        .into_iter()
        .map(|((account, region, service), calls)| {
            let rate = service_rate(&service);
            BucketLoad {
                key: format!("{account}|{region}|{service}"),
                calls,
                burst: (rate.burst * share).max(1.0),
                per_second: (rate.per_second * share).max(0.01),
            }
        })
        .collect();
    out.sort_by(|a, b| b.seconds().total_cmp(&a.seconds()).then(a.key.cmp(&b.key)));
    out
}

fn pages(items: usize, page: usize) -> usize {
    items.div_ceil(page).max(1)
}

/// The fewest calls per operation that collect what the snapshots hold: one paginated listing
/// per kind, region and environment at the API's maximum page size, plus the per-resource calls
/// the collectors need (two DescribeVpcAttribute per VPC, GetParameters by 10 names, one
/// DescribeDBParameters listing per parameter group, DescribeImages by 200 image ids), with SSM
/// DescribeParameters pages of `ssm_page` (AWS: 50; moto 5.2 answers 10 whatever MaxResults
/// asks). `None`: not modelled.
fn minimum(op: &str, snapshots: &[Snapshot], ssm_page: usize) -> Option<usize> {
    let per_env = |f: &dyn Fn(&Snapshot) -> usize| snapshots.iter().map(f).sum::<usize>();
    let count = |s: &Snapshot, kind: &str| s.resources.iter().filter(|r| r.kind == kind).count();
    let all_dbs: usize = snapshots.iter().map(|s| count(s, "rds.db_instance")).sum();
    let all_groups: usize = snapshots
        .iter()
        .map(|s| count(s, "rds.db_parameter_group"))
        .sum();
    Some(match op {
        "ec2:DescribeVpcs" => per_env(&|s| pages(count(s, "ec2.vpc"), 1000)),
        "ec2:DescribeVpcAttribute" => per_env(&|s| 2 * count(s, "ec2.vpc")),
        "ec2:DescribeSubnets" => per_env(&|s| pages(count(s, "ec2.subnet"), 1000)),
        "ec2:DescribeNatGateways" => per_env(&|s| pages(count(s, "ec2.nat_gateway"), 1000)),
        "ec2:DescribeRouteTables" => per_env(&|s| pages(count(s, "ec2.route_table"), 100)),
        "ec2:DescribeSecurityGroups" => per_env(&|s| pages(count(s, "ec2.security_group"), 1000)),
        "ec2:DescribeInstances" => per_env(&|s| pages(count(s, "ec2.instance"), 1000)),
        "ec2:DescribeImages" => per_env(&|s| {
            let images: BTreeSet<String> = s
                .resources
                .iter()
                .filter(|r| r.kind == "ec2.instance")
                .filter_map(|r| r.attributes.get("image_id"))
                .map(|v| v.to_string())
                .collect();
            images.len().div_ceil(200)
        }),
        // Unscoped listings (RDS has no server-side tag filter): every DB and group of the
        // region, once per environment.
        "rds:DescribeDBInstances" => snapshots.len() * pages(all_dbs, 100),
        "rds:DescribeDBParameterGroups" => per_env(&|s| {
            if count(s, "rds.db_instance") > 0 {
                pages(all_groups, 100)
            } else {
                0
            }
        }),
        "rds:DescribeDBParameters" => per_env(&|s| {
            s.resources
                .iter()
                .filter(|r| r.kind == "rds.db_parameter_group")
                .filter(|r| !r.native_id.starts_with("default."))
                .map(|r| {
                    let n = r
                        .attributes
                        .keys()
                        .filter(|k| k.starts_with("parameters."))
                        .count();
                    pages(n, 100)
                })
                .sum()
        }),
        "ssm:DescribeParameters" => per_env(&|s| pages(count(s, "ssm.parameter"), ssm_page)),
        "ssm:GetParameters" => per_env(&|s| {
            let plain = s
                .resources
                .iter()
                .filter(|r| r.kind == "ssm.parameter")
                .filter(|r| {
                    r.attributes.get("type").and_then(|t| t.as_str()) != Some("SecureString")
                })
                .count();
            plain.div_ceil(10)
        }),
        // The breadth kinds' listings (nothing of theirs is seeded: one empty page each).
        "elasticache:DescribeCacheClusters"
        | "elasticache:DescribeReplicationGroups"
        | "lambda:ListFunctions"
        | "autoscaling:DescribeAutoScalingGroups"
        | "cloudformation:DescribeStacks"
        | "cloudwatch:DescribeAlarms" => snapshots.len(),
        _ => return None,
    })
}

fn main() {
    // Default-chain credentials only: no user config, no proxy variables.
    parity_testkit::default_chain_only("AKIABENCH", "bench-secret");
    std::env::set_var("AWS_CONFIG_FILE", "/dev/null");
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    let n: usize = env_var("ENVPARITY_BENCH_N", 1_000);
    let per_call: usize = env_var("ENVPARITY_BENCH_PER_CALL", 10);
    let delay = Duration::from_millis(env_var("ENVPARITY_BENCH_DELAY_MS", 80));
    let load_before = load_average();

    let moto = Moto::start();
    let started = Instant::now();
    moto.seed(&["bench", &n.to_string(), &per_call.to_string()]);
    let seed_time = started.elapsed();
    eprintln!(
        "seeded 3 × ({n} instances in {} RunInstances calls + {n} parameters) in {seed_time:.1?}",
        n.div_ceil(per_call)
    );
    let ctx = CollectContext::new("bench").with_fingerprint_key(vec![9; 32]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    // --- 1. through moto, recording every answer ---
    // moto (one Python process) answering six concurrent 1,000-instance describes on a loaded
    // machine can take longer than the 45 s per-operation timeout: generous timeouts for this
    // pass only; the replayed pass runs with the product's defaults.
    let mut recording_ctx = ctx.clone();
    recording_ctx.call_timeouts = CallTimeouts {
        connect: Duration::from_secs(10),
        read: Duration::from_secs(300),
        attempt: Duration::from_secs(300),
        operation: Duration::from_secs(600),
    };
    recording_ctx.timeout = Some(Duration::from_secs(1800));
    let ours_tape = Tape::new();
    let (ours_moto, moto_snapshots) = {
        let proxy =
            BackgroundProxy::start(moto.port, ProxyOptions::record(ours_tape.clone(), delay));
        run_ours(&runtime, &proxy, &recording_ctx, Some(&moto))
    };
    check_ours(&moto_snapshots, n);
    eprintln!("parity-aws through moto: {:.1?}", ours_moto.wall);
    let boto_tape = Tape::new();
    let (boto_moto, boto_found) = {
        let proxy =
            BackgroundProxy::start(moto.port, ProxyOptions::record(boto_tape.clone(), delay));
        run_boto(&proxy, Some(&moto))
    };
    check_boto(&boto_found, n);
    eprintln!("boto3 through moto: {:.1?}", boto_moto.wall);
    drop(moto);

    // --- 2. replayed, moto stopped: nothing listens upstream ---
    let nowhere = free_port();
    let (ours_replay, replay_snapshots) = {
        let proxy = BackgroundProxy::start(nowhere, ProxyOptions::replay(ours_tape.clone(), delay));
        run_ours(&runtime, &proxy, &ctx, None)
    };
    assert_eq!(
        ours_tape.misses(),
        Vec::<String>::new(),
        "requests not on the tape"
    );
    check_ours(&replay_snapshots, n);
    for (a, b) in moto_snapshots.iter().zip(&replay_snapshots) {
        assert_eq!(
            a.resources, b.resources,
            "{}: the replay collected something else",
            a.environment
        );
    }
    eprintln!("parity-aws replayed: {:.1?}", ours_replay.wall);
    let (boto_replay, boto_found) = {
        let proxy = BackgroundProxy::start(nowhere, ProxyOptions::replay(boto_tape.clone(), delay));
        run_boto(&proxy, None)
    };
    assert_eq!(
        boto_tape.misses(),
        Vec::<String>::new(),
        "boto3 requests not on the tape"
    );
    check_boto(&boto_found, n);
    let load_after = load_average();

    // --- the bound of the replayed collection ---
    let loads = buckets(&ours_replay.requests, ctx.rate_share);
    let busiest = &loads[0];
    let dependent = dependent_chain(&ours_replay.requests);
    let chain_s = dependent.len() as f64 * delay.as_secs_f64();
    let bound = busiest.seconds() + chain_s;
    let lower = busiest.seconds().max(chain_s);
    let wall_s = ours_replay.wall.as_secs_f64();
    let vs_bound = wall_s / bound;

    let ops = by_operation(&ours_replay.requests);
    let boto_ops = by_operation(&boto_replay.requests);
    let minimums: BTreeMap<&String, Option<usize>> = ops
        .keys()
        .map(|op| (op, minimum(op, &replay_snapshots, AWS_SSM_PAGE)))
        .collect();
    let min_total: usize = minimums.values().map(|m| m.unwrap_or(0)).sum();
    let min_moto: usize = ops
        .keys()
        .map(|op| minimum(op, &replay_snapshots, MOTO_SSM_PAGE).unwrap_or(0))
        .sum();
    let unmodelled: usize = ops
        .iter()
        .filter(|(op, _)| minimums[op].is_none())
        .map(|(_, n)| *n)
        .sum();

    // --- the table ---
    let secs = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    let cpu = |c: Option<f64>| c.map_or("-".to_string(), |c| format!("{c:.2} s"));
    let runs = [&ours_moto, &boto_moto, &ours_replay, &boto_replay];
    let row = |label: &str, cells: [String; 4]| {
        println!(
            "{label:<46} {:>14} {:>14} {:>14} {:>14}",
            cells[0], cells[1], cells[2], cells[3]
        );
    };
    println!();
    println!(
        "collect benchmark: 3 environments × {n} instances + {n} SSM parameters, {} ms added per request; {} CPUs, load average {load_before} before, {load_after} after; rate_share {}",
        delay.as_millis(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        ctx.rate_share
    );
    row(
        "",
        [
            "moto: ours".into(),
            "moto: boto3".into(),
            "replay: ours".into(),
            "replay: boto3".into(),
        ],
    );
    row("wall time", runs.map(|r| secs(r.wall)));
    row(
        "speed-up over sequential boto3",
        [
            format!(
                "{:.2}×",
                boto_moto.wall.as_secs_f64() / ours_moto.wall.as_secs_f64()
            ),
            "1×".into(),
            format!("{:.2}×", boto_replay.wall.as_secs_f64() / wall_s),
            "1×".into(),
        ],
    );
    row(
        "API calls (counted by the proxy)",
        runs.map(|r| r.requests.len().to_string()),
    );
    row(
        "  minimum at AWS's maximum page sizes",
        [
            min_total.to_string(),
            "-".into(),
            min_total.to_string(),
            "-".into(),
        ],
    );
    row(
        "  minimum at the page sizes moto answers",
        [
            min_moto.to_string(),
            "-".into(),
            min_moto.to_string(),
            "-".into(),
        ],
    );
    row(
        "moto's CPU time serving the run",
        runs.map(|r| cpu(r.moto_cpu)),
    );
    row(
        "peak RSS (VmHWM / ru_maxrss)",
        runs.map(|r| format!("{:.1} MiB", r.rss_mib)),
    );
    row(
        "longest chain of back-to-back calls",
        runs.map(|r| longest_sequential_chain(&r.requests).len().to_string()),
    );
    row(
        "longest chain of dependent calls",
        runs.map(|r| dependent_chain(&r.requests).len().to_string()),
    );
    row(
        "bound: busiest bucket's (calls − burst) ÷ rate",
        [
            "".into(),
            "".into(),
            format!("{:.2} s", busiest.seconds()),
            "".into(),
        ],
    );
    row(
        "     + dependent chain × delay",
        ["".into(), "".into(), format!("{chain_s:.2} s"), "".into()],
    );
    row(
        "     = bound (lower bound: the larger term)",
        [
            "".into(),
            "".into(),
            format!("{bound:.2} s"),
            format!("({lower:.2} s)"),
        ],
    );
    row(
        "wall ÷ bound (target ≤ 1.2)",
        ["".into(), "".into(), format!("{vs_bound:.2}"), "".into()],
    );
    println!(
        "collection: {wall_s:.2} s replayed = {vs_bound:.2}× its bound {bound:.2} s (target ≤ 1.2×: {}), {:.2}× the lower bound {lower:.2} s; {} calls, minimum {min_moto} at moto's page sizes, {min_total} at AWS's{}; {:.2}× sequential boto3 replayed, {:.2}× through moto",
        if vs_bound <= 1.2 { "met" } else { "NOT met" },
        wall_s / lower,
        ours_replay.requests.len(),
        if unmodelled > 0 {
            format!(" (+{unmodelled} calls of operations not modelled)")
        } else {
            String::new()
        },
        boto_replay.wall.as_secs_f64() / wall_s,
        boto_moto.wall.as_secs_f64() / ours_moto.wall.as_secs_f64(),
    );
    println!(
        "seeding took {seed_time:.1?} (not counted); the tapes hold {} and {} distinct requests",
        ours_tape.len(),
        boto_tape.len()
    );
    println!("rate budget per bucket (replayed run; burst and rate × rate_share):");
    for b in &loads {
        println!(
            "  {:<48} {:>5} calls, burst {:>5.1}, {:>5.1}/s → {:>6.2} s",
            b.key,
            b.calls,
            b.burst,
            b.per_second,
            b.seconds()
        );
    }
    println!("dependent chain: {}", chain_summary(&dependent));
    println!(
        "back-to-back chain: {}",
        chain_summary(&longest_sequential_chain(&ours_replay.requests))
    );
    println!(
        "calls by operation (replayed; ours | minimum at AWS's | at moto's page sizes | boto3):"
    );
    let mut all_ops: Vec<&String> = ops.keys().chain(boto_ops.keys()).collect();
    all_ops.sort();
    all_ops.dedup();
    for op in all_ops {
        let min =
            |page| minimum(op, &replay_snapshots, page).map_or("?".to_string(), |m| m.to_string());
        println!(
            "  {op:<40} {:>6} | {:>6} | {:>6} | {:>6}",
            ops.get(op).copied().unwrap_or(0),
            min(AWS_SSM_PAGE),
            min(MOTO_SSM_PAGE),
            boto_ops.get(op).copied().unwrap_or(0)
        );
    }
}
