//! The collect benchmark (issue 3 §7; not a timed test): seeds moto once with 3 environments ×
//! N instances + N SSM parameters (default 1,000; `ENVPARITY_BENCH_N`), puts a proxy in front of
//! it that adds a fixed delay to every request (default 80 ms; `ENVPARITY_BENCH_DELAY_MS`), then
//! runs, through that same proxy, parity-aws's `collect_many` and `sequential_boto3.py` (the same
//! describes, one at a time) and prints both side by side: wall time, API calls (counted by the
//! proxy), the ratio, peak RSS, and the longest chain of calls that ran one after another.
//!
//! `cargo bench -p parity-aws --bench collect` (moto[server] and boto3 in `$ENVPARITY_VENV`).

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use parity_aws::{collect_many, CollectContext};
use parity_core::EnvironmentConfig;
use parity_testkit::moto::{python, Moto};
use parity_testkit::proxy::{longest_sequential_chain, BackgroundProxy, ProxyOptions, Recorded};

const ENVS: [&str; 3] = ["dev", "staging", "prod"];

fn env_var<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
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

fn main() {
    // Default-chain credentials only: no user config, no proxy variables.
    parity_testkit::default_chain_only("AKIABENCH", "bench-secret");
    std::env::set_var("AWS_CONFIG_FILE", "/dev/null");
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    let n: usize = env_var("ENVPARITY_BENCH_N", 1_000);
    let per_call: usize = env_var("ENVPARITY_BENCH_PER_CALL", 10);
    let delay = Duration::from_millis(env_var("ENVPARITY_BENCH_DELAY_MS", 80));

    let moto = Moto::start();
    let started = Instant::now();
    moto.seed(&["bench", &n.to_string(), &per_call.to_string()]);
    let seed_time = started.elapsed();
    eprintln!(
        "seeded 3 × ({n} instances in {} RunInstances calls + {n} parameters) in {seed_time:.1?}",
        n.div_ceil(per_call)
    );
    let proxy = BackgroundProxy::start(moto.port, ProxyOptions::delay(delay));

    // --- ours: parity-aws's collect_many, the same code `envparity collect` runs ---
    let envs: Vec<EnvironmentConfig> = ENVS
        .iter()
        .map(|name| {
            let mut env = EnvironmentConfig::new(name);
            env.regions = vec!["us-east-1".to_string()];
            env.tags.insert("Environment".to_string(), name.to_string());
            env.endpoint_url = Some(proxy.endpoint());
            env
        })
        .collect();
    let ctx = CollectContext::new("bench").with_fingerprint_key(vec![9; 32]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let rss_before = peak_rss_mib();
    let moto_cpu = || moto.cpu_seconds().unwrap_or(f64::NAN);
    let cpu_before = moto_cpu();
    let started = Instant::now();
    let snapshots = runtime.block_on(collect_many(&envs, &ctx, &|_| {}));
    let ours_wall = started.elapsed();
    let ours_rss = peak_rss_mib();
    let ours_moto_cpu = moto_cpu() - cpu_before;
    let ours_requests = proxy.recorded();
    for s in &snapshots {
        assert!(s.missing.is_empty(), "{}: {:?}", s.environment, s.missing);
        let count = |kind: &str| s.resources.iter().filter(|r| r.kind == kind).count();
        assert_eq!(count("ec2.instance"), n, "{}", s.environment);
        assert_eq!(count("ssm.parameter"), n, "{}", s.environment);
    }
    let ours_chain = longest_sequential_chain(&ours_requests);

    // --- the sequential boto3 baseline, through the same proxy ---
    proxy.clear();
    let cpu_before = moto_cpu();
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
    let boto_wall = Duration::from_secs_f64(boto["wall_s"].as_f64().expect("wall_s"));
    let boto_moto_cpu = moto_cpu() - cpu_before;
    let boto_requests = proxy.recorded();
    for env in ENVS {
        assert_eq!(boto["found"][env]["ec2.instance"], n, "{boto}");
        assert_eq!(boto["found"][env]["ssm.parameter"], n, "{boto}");
    }
    let boto_chain = longest_sequential_chain(&boto_requests);

    // --- the table ---
    let ratio = boto_wall.as_secs_f64() / ours_wall.as_secs_f64();
    println!();
    println!(
        "collect benchmark: 3 environments × {n} instances + {n} SSM parameters, moto behind a proxy adding {} ms per request",
        delay.as_millis()
    );
    println!("{:<44} {:>16} {:>22}", "", "parity-aws", "sequential boto3");
    println!(
        "{:<44} {:>15.2}s {:>21.2}s",
        "wall time",
        ours_wall.as_secs_f64(),
        boto_wall.as_secs_f64()
    );
    println!(
        "{:<44} {:>16} {:>22}",
        "API calls (counted by the proxy)",
        ours_requests.len(),
        boto_requests.len()
    );
    println!(
        "{:<44} {:>16} {:>22}",
        "API calls (counted by the client)", "-", boto["calls"]
    );
    println!(
        "{:<44} {:>13.1}MiB {:>19.1}MiB",
        "peak RSS (VmHWM / ru_maxrss)",
        ours_rss,
        boto["peak_rss_kib"].as_f64().unwrap_or(f64::NAN) / 1024.0
    );
    println!(
        "{:<44} {:>15.2}s {:>21.2}s",
        "moto's CPU time serving the run", ours_moto_cpu, boto_moto_cpu
    );
    println!(
        "{:<44} {:>16} {:>22}",
        "longest chain of back-to-back calls",
        ours_chain.len(),
        boto_chain.len()
    );
    println!(
        "{:<44} {:>15.2}s {:>21.2}s",
        "  × the added delay (a floor on wall time)",
        (ours_chain.len() as f64) * delay.as_secs_f64(),
        (boto_chain.len() as f64) * delay.as_secs_f64()
    );
    println!(
        "speed-up: {ratio:.2}× (target ≥ 3× with no more calls: {})",
        if ratio >= 3.0 && ours_requests.len() <= boto_requests.len() {
            "met"
        } else {
            "NOT met"
        }
    );
    println!(
        "peak RSS before collecting (proxy + runtime): {rss_before:.1} MiB; seeding took {seed_time:.1?} (not counted)"
    );
    println!("our longest chain: {}", chain_summary(&ours_chain));
    println!("calls by operation (ours | boto3):");
    let ours_ops = by_operation(&ours_requests);
    let boto_ops = by_operation(&boto_requests);
    let mut ops: Vec<&String> = ours_ops.keys().chain(boto_ops.keys()).collect();
    ops.sort();
    ops.dedup();
    for op in ops {
        println!(
            "  {op:<40} {:>6} | {:>6}",
            ours_ops.get(op).copied().unwrap_or(0),
            boto_ops.get(op).copied().unwrap_or(0)
        );
    }
}
