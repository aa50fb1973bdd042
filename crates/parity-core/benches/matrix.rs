//! Benchmark: the diff of 3 environments × 20,000 resources × ~15 attributes with a few percent
//! drift, printed side by side with the time to merely deserialize the same snapshots from JSON.
//! Target (issue 19): diff ≤ 0.3 s in release and ≤ 2× the deserialize time. Each phase runs
//! several times; the best and the median are printed with the CPU time per run (wall times
//! stretch when other processes share the CPU, CPU time much less), and the last line sums it
//! up: `diff X s, Y× deserialize` (best runs).
//!
//! Run: `cargo bench -p parity-core --bench matrix` (add `-- N` for N resources per environment).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc; // as in the envparity binaries

use parity_testkit::bench::{load_average, timed};
use std::hint::black_box;

use chrono::{NaiveDate, TimeZone, Utc};
use parity_core::{
    Column, EnvironmentConfig, Identity, Matrix, MatrixOptions, Resource, Snapshot, Source, Status,
};
use serde_json::json;

const KINDS: [&str; 4] = [
    "ec2.instance",
    "rds.db_instance",
    "ssm.parameter",
    "lambda.function",
];

/// One environment's snapshot; `drift_every` resources get a differing value.
fn generate(env: &str, env_index: usize, n: usize, drift_every: usize) -> Snapshot {
    let mut resources = Vec::with_capacity(n);
    for i in 0..n {
        let kind = KINDS[i % KINDS.len()];
        let identity = if kind == "ssm.parameter" {
            Identity::Path {
                path: format!("/{env}/service-{i}/config"),
            }
        } else {
            // not `service-{i}`: a numbered replica, which would fold every instance into one
            // group (docs/CONTRACTS.md "Groups"), leaving a fraction of the rows to compare
            Identity::Name {
                name: format!("{env}-svc{i}-app"),
            }
        };
        let drift = i % drift_every == 0 && env_index == 2;
        let mut r = Resource::new(kind, &format!("id-{env_index}-{i:08}"), identity)
            .with_region("us-east-1")
            .with_tag("Environment", env)
            .with_tag("Team", if i % 7 == 0 { "payments" } else { "platform" })
            .with_tag("Service", &format!("service-{}", i % 50));
        let attrs = [
            (
                "instance_type",
                json!(if drift { "t3.xlarge" } else { "t3.large" }),
            ),
            ("engine_version", json!("15.6")),
            ("multi_az", json!(i % 3 == 0)),
            ("backup_retention_period", json!(7)),
            ("allocated_storage", json!(100)),
            ("storage_type", json!("gp3")),
            (
                "endpoint",
                json!(format!("{env}-service-{i}.internal:5432")),
            ),
            (
                "security_groups",
                json!([format!("{env}-web-sg"), format!("{env}-db-sg")]),
            ),
            ("architecture", json!("x86_64")),
            ("platform", json!("linux")),
            ("deletion_protection", json!(true)),
            (
                "private_ip_address",
                json!(format!("10.{env_index}.{}.{}", i / 250, i % 250)),
            ),
        ];
        for (k, v) in attrs {
            r = r.with_attr(k, v);
        }
        resources.push(r);
    }
    Snapshot {
        id: Some(env_index as i64),
        environment: env.to_string(),
        taken_at: Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap(),
        source: Source::Aws,
        missing: vec![],
        resources,
    }
}

/// Runs per phase; the best and the median are printed.
const RUNS: usize = 7;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    let names = ["dev", "staging", "prod"];
    let envs: Vec<EnvironmentConfig> = names.iter().map(|n| EnvironmentConfig::new(n)).collect();
    let snapshots: Vec<Snapshot> = names
        .iter()
        .enumerate()
        .map(|(i, e)| generate(e, i, n, 25))
        .collect();
    let json: Vec<String> = snapshots
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
    let bytes: usize = json.iter().map(String::len).sum();

    let (deserialize, parsed) = timed(RUNS, || {
        json.iter()
            .map(|j| serde_json::from_str::<Snapshot>(j).unwrap())
            .collect::<Vec<_>>()
    });
    assert_eq!(parsed, snapshots);

    let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let (diff, matrix) = timed(RUNS, || {
        let columns: Vec<Column> = envs
            .iter()
            .zip(&snapshots)
            .map(|(env, snapshot)| Column {
                label: env.name.clone(),
                env,
                snapshot,
            })
            .collect();
        black_box(
            Matrix::compute(
                &columns,
                MatrixOptions {
                    group_numbered: &parity_core::GroupNumbered::Default,
                    rules: &[],
                    ignores: &[],
                    exceptions: &[],
                    today,
                },
            )
            .unwrap(),
        )
    });
    let drift = matrix
        .rows
        .iter()
        .filter(|r| r.status == Status::Drift)
        .count();
    let attrs: usize = snapshots
        .iter()
        .map(|s| {
            s.resources
                .iter()
                .map(|r| r.attributes.len() + r.tags.len())
                .sum::<usize>()
        })
        .sum();

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "matrix bench: 3 environments × {n} resources, {attrs} attribute values, {:.1} MB of JSON",
        bytes as f64 / 1e6
    );
    println!(
        "  machine: {threads} hardware threads, load average {} (other processes share the CPU: compare ratios)",
        load_average()
    );
    println!("  rows: {} ({} drift)", matrix.rows.len(), drift);
    println!(
        "  {:<32} {:>10} {:>10} {:>12}",
        format!("phase ({RUNS} runs)"),
        "best",
        "median",
        "CPU per run"
    );
    for (name, runs) in [
        ("deserialize snapshots (JSON)", &deserialize),
        ("diff (Matrix::compute)", &diff),
    ] {
        println!(
            "  {:<32} {:>10} {:>10} {:>12}",
            name,
            format!("{:.3} s", runs.best().as_secs_f64()),
            format!("{:.3} s", runs.median().as_secs_f64()),
            runs.cpu_per_run()
                .map_or("-".into(), |c| format!("{c:.3} s")),
        );
    }
    let ratio = diff.best().as_secs_f64() / deserialize.best().as_secs_f64();
    println!(
        "  {:<32} {:>10} {:>10}   (target ≤ 2.0×; diff target ≤ 0.300 s)",
        "diff / deserialize",
        format!("{ratio:.2}×"),
        format!(
            "{:.2}×",
            diff.median().as_secs_f64() / deserialize.median().as_secs_f64()
        ),
    );
    println!(
        "diff {:.3} s, {ratio:.2}× deserialize",
        diff.best().as_secs_f64()
    );
}
