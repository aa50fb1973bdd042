//! Benchmark: opening a workspace (issue 19, "Opening a workspace at the floor"): the three
//! newest snapshots of a generated 3 × N workspace (`parity_app::large`) loaded from SQLite, then
//! the matrix computed — what `envparity check` and the desktop's first matrix wait for — printed
//! side by side: load, compute, and the whole `Workspace::compare`. Target: the whole ≤ 0.5 s
//! for 3 × 20,000 resources. Each phase runs several times; the best and the median are printed
//! with the CPU time per run (wall times stretch when other processes share the CPU), then one
//! summary line: `open X s (load Y s + diff Z s)` (best runs). Not a test.
//!
//! Run: `cargo bench -p parity-app --bench open` (add `-- N` for N resources per environment;
//! the workspace is generated once per N under the system's temporary directory, or taken from
//! `ENVPARITY_BENCH_DB`).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc; // as in the envparity binaries

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use parity_app::{DbOpenMode, Workspace};
use parity_core::{Column, Matrix, MatrixOptions, Snapshot};

/// Timings of several runs of one phase: wall-clock times and the process's CPU time in all.
struct Runs {
    wall: Vec<Duration>,
    cpu: Option<Duration>,
}

impl Runs {
    fn best(&self) -> f64 {
        self.wall
            .iter()
            .copied()
            .min()
            .unwrap_or_default()
            .as_secs_f64()
    }

    fn median(&self) -> f64 {
        let mut w = self.wall.clone();
        w.sort();
        w[w.len() / 2].as_secs_f64()
    }

    fn cpu_per_run(&self) -> Option<f64> {
        self.cpu.map(|c| c.as_secs_f64() / self.wall.len() as f64)
    }
}

/// The process's CPU time so far (user + system), from `/proc/self/stat` (Linux).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (Runs, T) {
    let mut wall = Vec::with_capacity(runs);
    let mut last = None;
    let mut cpu = Some(Duration::ZERO);
    for _ in 0..runs {
        // the previous result is dropped before the next run (untimed), as a process would
        drop(last.take());
        let cpu_start = cpu_time();
        let start = Instant::now();
        let out = f();
        wall.push(start.elapsed());
        cpu = cpu
            .zip(cpu_start.zip(cpu_time()))
            .map(|(sum, (s, e))| sum + e.saturating_sub(s));
        last = Some(out);
    }
    (Runs { wall, cpu }, last.expect("at least one run"))
}

fn proc_field(file: &str, key: &str) -> String {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .map(|l| l[key.len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() {
    // runs per phase (5 unless `ENVPARITY_BENCH_RUNS` says otherwise)
    let runs: usize = std::env::var("ENVPARITY_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(5);
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    let db = std::env::var_os("ENVPARITY_BENCH_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("envparity-bench-open-{n}.sqlite")));
    if !db.exists() {
        eprintln!(
            "generating {} (3 environments × {n} resources)",
            db.display()
        );
        let tmp = db.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        drop(parity_app::large::create(&tmp, n, Utc::now()).expect("generate the workspace"));
        std::fs::rename(&tmp, &db).expect("rename the generated workspace");
    }
    let now = Utc::now();
    let today = now.date_naive();
    let ws = Workspace::open(&db, DbOpenMode::Existing, now).expect("open the workspace");
    let envs = ws.environments().expect("environments");
    let ids: Vec<i64> = envs
        .iter()
        .map(|e| {
            ws.store()
                .latest_snapshot_info(&e.name)
                .expect("snapshot info")
                .expect("a snapshot")
                .id
        })
        .collect();

    let (load, snapshots) = timed(runs, || {
        ids.iter()
            .map(|&id| ws.store().load_snapshot(id).expect("load"))
            .collect::<Vec<Snapshot>>()
    });
    let (diff, matrix) = timed(runs, || {
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
            .expect("compute"),
        )
    });
    let rows = matrix.rows.len();
    drop(matrix);
    drop(snapshots);
    let (open, cmp) = timed(runs, || {
        let ws = Workspace::open(&db, DbOpenMode::Existing, now).expect("open");
        black_box(ws.compare(&[], today).expect("compare"))
    });
    assert_eq!(cmp.matrix.rows.len(), rows);

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let size = std::fs::metadata(&db).map_or(0, |m| m.len());
    println!(
        "open bench: 3 environments × {n} resources from SQLite ({:.1} MB database), {rows} rows",
        size as f64 / 1e6
    );
    println!(
        "  machine: {threads} hardware threads, load average {}",
        proc_field("/proc/loadavg", "")
            .split(' ')
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "  {:<40} {:>10} {:>10} {:>12}",
        format!("phase ({runs} runs)"),
        "best",
        "median",
        "CPU per run"
    );
    for (name, runs) in [
        ("load 3 snapshots (Store::load_snapshot)", &load),
        ("diff (Matrix::compute)", &diff),
        ("open + compare (Workspace::compare)", &open),
    ] {
        println!(
            "  {:<40} {:>10} {:>10} {:>12}",
            name,
            format!("{:.3} s", runs.best()),
            format!("{:.3} s", runs.median()),
            runs.cpu_per_run()
                .map_or("-".into(), |c| format!("{c:.3} s")),
        );
    }
    println!(
        "  peak resident set of the bench process: {} (target for open + compare ≤ 0.500 s)",
        proc_field("/proc/self/status", "VmHWM:")
    );
    println!(
        "open {:.3} s (load {:.3} s + diff {:.3} s)",
        open.best(),
        load.best(),
        diff.best()
    );
}
