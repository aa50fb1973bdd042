//! Creates the large benchmark workspace (`parity_app::large`): 3 environments × N resources.
//! `scripts/bench-cli` runs it in release:
//!
//! `cargo run --release -p parity-app --example large_workspace -- DB [N]` (N: 20,000 by default)

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(db) = args.first() else {
        eprintln!("usage: large_workspace DB [N]");
        return ExitCode::from(2);
    };
    let n = match args.get(1).map(|n| n.parse::<usize>()) {
        None => 20_000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("large_workspace: N must be a number of resources per environment");
            return ExitCode::from(2);
        }
    };
    match parity_app::large::create(&PathBuf::from(db), n, chrono::Utc::now()) {
        Ok(_) => {
            println!("{db}: 3 environments × {n} resources");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("large_workspace: {e}");
            ExitCode::from(2)
        }
    }
}
