//! `envparity-seed`: developer and test tooling for the desktop app, not shipped to users.
//!   bindings            rewrite ui/src/bindings/{index,commands}.ts from parity-api
//!   large DB [N]        a workspace with 3 environments × N resources (default 20,000), ~15
//!                       attributes each and a few percent drift, for performance measurements
//!   xss DB              add a staging snapshot to a demo database (loaded first when DB is new)
//!                       whose first instance carries
//!                       the tag `Owner = <img src=x onerror=alert(1)>` (E2E: rendered inert)

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{Duration, Utc};
use parity_app::{AppError, AppResult, DbOpenMode, Workspace};
use parity_core::Snapshot;

/// The tag value the E2E test expects to see as text.
const XSS: &str = "<img src=x onerror=alert(1)>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bindings") => bindings(),
        Some("large") => match args.get(1) {
            Some(db) => {
                let n = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(20_000);
                large(PathBuf::from(db), n)
            }
            None => Err(usage()),
        },
        Some("xss") => match args.get(1) {
            Some(db) => xss(PathBuf::from(db)),
            None => Err(usage()),
        },
        _ => Err(usage()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("envparity-seed: {e}");
            ExitCode::from(2)
        }
    }
}

fn usage() -> AppError {
    AppError::bad_input("usage: envparity-seed bindings | large DB [N] | xss DB")
}

fn bindings() -> AppResult<()> {
    use parity_api::bindings;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for (rel, text) in [
        (bindings::BINDINGS_PATH, bindings::render()),
        (bindings::COMMANDS_PATH, bindings::render_commands()),
    ] {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| AppError::bad_input(format!("{}: {e}", dir.display())))?;
        }
        parity_app::files::write_atomic(&path, text.as_bytes())?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn large(db: PathBuf, n: usize) -> AppResult<()> {
    let now = Utc::now();
    let ws = parity_app::large::create(&db, n, now)?;
    for name in ["dev", "staging", "prod"] {
        println!("{name}: {n} resources");
    }
    let cmp = ws.compare(&[], now.date_naive())?;
    println!(
        "{}: {} matrix rows ({} failing)",
        db.display(),
        cmp.matrix.rows.len(),
        cmp.matrix
            .rows
            .iter()
            .filter(|r| r.status.is_failure())
            .count()
    );
    Ok(())
}

fn xss(db: PathBuf) -> AppResult<()> {
    let ws = Workspace::open(&db, DbOpenMode::CreateIfMissing, Utc::now())?;
    if ws.store().is_empty()? {
        ws.load_demo(Utc::now() - Duration::minutes(1))?;
    }
    let info = ws
        .store()
        .latest_snapshot_info("staging")?
        .ok_or_else(|| AppError::not_found("no staging snapshot: load the demo first"))?;
    let mut snapshot = ws.store().load_snapshot(info.id)?;
    let target = snapshot
        .resources
        .iter_mut()
        .find(|r| r.kind == "ec2.instance")
        .ok_or_else(|| AppError::not_found("the staging snapshot has no instance"))?;
    target.tags.insert("Owner", XSS.into());
    snapshot.id = None;
    snapshot.taken_at = Utc::now();
    let id = ws.add_snapshot(&snapshot)?;
    println!(
        "snapshot {id}: staging instance {} tagged Owner={XSS}",
        target_name(&snapshot)
    );
    Ok(())
}

fn target_name(s: &Snapshot) -> String {
    s.resources
        .iter()
        .find(|r| r.tags.get("Owner").is_some_and(|v| v == XSS))
        .map(|r| r.native_id.clone())
        .unwrap_or_default()
}
