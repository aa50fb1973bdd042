//! Benchmark: opening a workspace (issue 19, "Opening a workspace at the floor"): the three
//! newest snapshots of a generated 3 × N workspace (`parity_app::large`) loaded from SQLite, then
//! the matrix computed — what `envparity check` and the desktop's first matrix wait for — printed
//! side by side: load, compute, the whole `Workspace::compare`, and that plus the desktop's
//! `MatrixView` (tag index, kinds), and the desktop's reopening of an unchanged workspace from the
//! matrix cache (`parity_app::matrix_cache`), then two of the desktop's filters (every row, one
//! kind) on the view of a computed matrix and of one read back. Target: `Workspace::compare` ≤ 0.5 s for 3 × 20,000
//! resources. Each phase runs several times; the best and the median are printed with the CPU
//! time per run (wall times stretch when other processes share the CPU), then one
//! summary line: `open X s (load Y s + diff Z s)` (best runs). Not a test.
//!
//! Run: `cargo bench -p parity-app --bench open` (add `-- N` for N resources per environment;
//! the workspace is generated once per N under the system's temporary directory, or taken from
//! `ENVPARITY_BENCH_DB`).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc; // as in the envparity binaries

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use chrono::Utc;
use parity_app::query::RowQuery;
use parity_app::view::MatrixView;
use parity_app::{DbOpenMode, Workspace};
use parity_core::{Column, Matrix, MatrixOptions};
use parity_testkit::bench::{timed, Runs};

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

    let (load, snapshots) = timed(runs, || ws.store().load_snapshots(&ids).expect("load"));
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
    drop(cmp);
    // what the desktop's first matrix waits for: the comparison and its view (tag index, kinds)
    let (view, _) = timed(runs, || {
        let ws = Workspace::open(&db, DbOpenMode::Existing, now).expect("open");
        let exceptions = ws.store().exceptions().expect("exceptions");
        black_box(MatrixView::new(
            ws.compare(&[], today).expect("compare"),
            exceptions,
        ))
    });

    // the desktop's reopening of an unchanged workspace: its matrix read from the matrix cache
    // (stored once here, as a launch after a miss does), then the view
    let cache_dir =
        std::env::temp_dir().join(format!("envparity-bench-cache-{}", std::process::id()));
    let miss = ws.compare_with_cache(&cache_dir, today).expect("compare");
    let entry = miss.store.expect("a cache key");
    entry
        .write(&miss.comparison.matrix)
        .expect("store the matrix");
    let stored = std::fs::metadata(entry.path()).map_or(0, |m| m.len());
    drop(miss.comparison);
    // the desktop's filters (a screen waits for each): every row, and one kind, timed on the
    // view of a computed matrix (after a miss: its snapshots loaded), then on one read from the
    // cache; only one view is held at a time
    let every_row = RowQuery::default();
    let instances = RowQuery {
        kinds: vec!["ec2.instance".into()],
        ..RowQuery::default()
    };
    let filters = [("every row", &every_row), ("kind ec2.instance", &instances)];
    // each timed twice: the query alone (`MatrixView::matching`, a fresh list), and as a screen's
    // filter change (`MatrixView::page`, the first page after a page of the desktop's default
    // query, unexplained-only, paged untimed before each run)
    let unexplained = RowQuery {
        unexplained_only: true,
        ..RowQuery::default()
    };
    let time_filters = |view: &mut MatrixView| {
        filters.map(|(_, query)| {
            let (alone, n) = timed(runs, || view.matching(query).expect("query").len());
            let mut wall = Vec::with_capacity(runs);
            for _ in 0..runs.max(1) {
                view.page(&unexplained, 0, 200).expect("query");
                let start = Instant::now();
                let page = black_box(view.page(query, 0, 200).expect("query"));
                wall.push(start.elapsed());
                assert_eq!(page.total, n, "the same rows either way");
            }
            (alone, Runs { wall, cpu: None }, n)
        })
    };
    // a launch after a change: the key made and the file probed, then the same load and diff
    let elsewhere = cache_dir.join("none-stored-here");
    let (missed, mut computed_view) = timed(runs, || {
        let ws = Workspace::open(&db, DbOpenMode::Existing, now).expect("open");
        let exceptions = ws.store().exceptions().expect("exceptions");
        let cached = ws.compare_with_cache(&elsewhere, today).expect("compare");
        assert!(!cached.hit, "nothing is stored there");
        black_box(MatrixView::new(cached.comparison, exceptions))
    });
    let on_computed = time_filters(&mut computed_view);
    drop(computed_view);
    let (reopen, mut read_view) = timed(runs, || {
        let ws = Workspace::open(&db, DbOpenMode::Existing, now).expect("open");
        let exceptions = ws.store().exceptions().expect("exceptions");
        let cached = ws.compare_with_cache(&cache_dir, today).expect("compare");
        assert!(cached.hit, "the matrix is read from the cache");
        black_box(MatrixView::new(cached.comparison, exceptions))
    });
    let on_read = time_filters(&mut read_view);
    drop(read_view);
    let _ = std::fs::remove_dir_all(&cache_dir);
    let queries: Vec<_> = filters
        .iter()
        .zip(on_computed)
        .zip(on_read)
        .map(|(((name, _), computed), read)| {
            assert_eq!(computed.2, read.2, "{name}: the same rows either way");
            (name, computed, read)
        })
        .collect();

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
        ("load 3 snapshots (Store::load_snapshots)", &load),
        ("diff (Matrix::compute)", &diff),
        ("open + compare (Workspace::compare)", &open),
        ("open + compare + view (MatrixView::new)", &view),
        ("the same after a cache miss", &missed),
        ("reopen from the matrix cache + view", &reopen),
    ] {
        println!(
            "  {:<40} {:>10} {:>10} {:>12}",
            name,
            format!("{:.3} s", runs.best().as_secs_f64()),
            format!("{:.3} s", runs.median().as_secs_f64()),
            runs.cpu_per_run()
                .map_or("-".into(), |c| format!("{c:.3} s")),
        );
    }
    for (name, computed, read) in &queries {
        for (view, (alone, change, n)) in [("computed", computed), ("read back", read)] {
            for (what, runs) in [("query", alone), ("filter change to", change)] {
                println!(
                    "  {:<40} {:>10} {:>10} {:>12}",
                    format!("{what} {name}, {view} ({n} rows)"),
                    format!("{:.4} s", runs.best().as_secs_f64()),
                    format!("{:.4} s", runs.median().as_secs_f64()),
                    runs.cpu_per_run()
                        .map_or("-".into(), |c| format!("{c:.3} s")),
                );
            }
        }
    }
    println!(
        "  matrix cache file: {:.1} MB; reopening from it takes {:.2}× the open + compare + view",
        stored as f64 / 1e6,
        reopen.best().as_secs_f64() / view.best().as_secs_f64()
    );
    println!(
        "  peak resident set of the bench process: {} (target for open + compare ≤ 0.500 s)",
        proc_field("/proc/self/status", "VmHWM:")
    );
    println!(
        "open {:.3} s (load {:.3} s + diff {:.3} s)",
        open.best().as_secs_f64(),
        load.best().as_secs_f64(),
        diff.best().as_secs_f64()
    );
}
