//! Helpers shared by the collector tests against moto (`breadth`, `kinds`): each directory's
//! `seed.py`, finding resources in a snapshot and rows in a matrix, and the matrix of the
//! collected snapshots with default options.

use std::path::PathBuf;
use std::process::Command;

use chrono::NaiveDate;
use parity_core::{Column, EnvironmentConfig, Matrix, MatrixOptions, Resource, Row, Snapshot};
use parity_testkit::moto::{python, Moto};
use serde_json::Value;

/// Runs `tests/<dir>/seed.py` against `moto` and returns its JSON output.
pub fn seed(moto: &Moto, dir: &str) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/{dir}/seed.py"));
    let out = Command::new(python())
        .arg(&script)
        .arg(moto.endpoint())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("seed.py prints JSON")
}

pub fn find<'a>(snapshot: &'a Snapshot, kind: &str, native_id: &str) -> &'a Resource {
    snapshot
        .resources
        .iter()
        .find(|r| r.kind == kind && r.native_id == native_id)
        .unwrap_or_else(|| {
            let have: Vec<String> = snapshot
                .resources
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| r.native_id.clone())
                .collect();
            panic!(
                "{}: no {kind} {native_id}; have {have:?}",
                snapshot.environment
            )
        })
}

pub fn count(snapshot: &Snapshot, kind: &str) -> usize {
    snapshot.resources.iter().filter(|r| r.kind == kind).count()
}

pub fn row<'a>(matrix: &'a Matrix, key: &str, attribute: &str) -> &'a Row {
    matrix
        .rows
        .iter()
        .find(|r| &*r.key == key && &*r.attribute == attribute)
        .unwrap_or_else(|| {
            let keys: Vec<String> = matrix
                .rows
                .iter()
                .filter(|r| r.key.starts_with(key.split('/').next().unwrap_or_default()))
                .map(|r| format!("{} {}", r.key, r.attribute))
                .collect();
            panic!("no row {key} {attribute}; rows of that kind: {keys:#?}")
        })
}

pub fn matrix(envs: &[EnvironmentConfig], snapshots: &[Snapshot]) -> Matrix {
    let columns: Vec<Column> = envs
        .iter()
        .zip(snapshots)
        .map(|(env, snapshot)| Column {
            label: env.name.clone(),
            env,
            snapshot,
        })
        .collect();
    Matrix::compute(
        &columns,
        MatrixOptions {
            group_numbered: &parity_core::GroupNumbered::Default,
            rules: &[],
            ignores: &[],
            exceptions: &[],
            today: NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date"),
        },
    )
    .expect("matrix")
}
