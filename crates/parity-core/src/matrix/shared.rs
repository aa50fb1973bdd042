//! The shared-secret finding (docs/CONTRACTS.md "Secrets"): the same secret fingerprint in two
//! distinct environments on one row (staging and prod sharing a database password or an API
//! key). Reported whatever the row's status; an exception that covers the row and names both
//! environments (and has not expired) accepts it for that pair. The row phase lists the rows
//! holding a fingerprint ([`holds_fingerprint`]); only those are compared, in parallel, the
//! findings kept in row order.

use rayon::prelude::*;
use serde::Serialize;

use super::types::{Column, Row};
use crate::exception::CompiledException;
use crate::secrets::fingerprints_in;

/// Two environments holding the same secret on one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedSecret {
    /// Index into `Matrix::rows`.
    pub row: usize,
    /// The two columns (a < b).
    pub a: usize,
    pub b: usize,
    /// The exception that accepts it for this pair, if any.
    pub accepted_by: Option<String>,
}

pub(super) fn shared_secrets(
    columns: &[Column<'_>],
    rows: &[Row],
    secret_rows: &[usize],
    exceptions: &[CompiledException<'_>],
    today: chrono::NaiveDate,
) -> Vec<SharedSecret> {
    secret_rows
        .par_iter()
        .map(|&i| (i, &rows[i]))
        .flat_map_iter(|(i, row)| {
            let fps: Vec<Vec<String>> = row
                .raw
                .iter()
                .map(|raw| {
                    let mut v = Vec::new();
                    fingerprints_in(raw, &mut v);
                    v
                })
                .collect();
            let mut out = Vec::new();
            for a in 0..columns.len() {
                for b in a + 1..columns.len() {
                    if columns[a].env.name == columns[b].env.name
                        || !fps[a].iter().any(|f| fps[b].contains(f))
                    {
                        continue;
                    }
                    let accepted_by = exceptions
                        .iter()
                        .find(|e| {
                            e.matches_row(&row.key, &row.attribute)
                                && e.names_env(&columns[a].env.name)
                                && e.names_env(&columns[b].env.name)
                                && !e.rule.is_expired(today)
                        })
                        .map(|e| e.rule.effective_id());
                    out.push(SharedSecret {
                        row: i,
                        a,
                        b,
                        accepted_by,
                    });
                }
            }
            out
        })
        .collect()
}

/// Whether some raw value of `row` holds a secret fingerprint token: a cheap check, so that
/// only those rows' fingerprints are extracted and compared.
pub(super) fn holds_fingerprint(row: &Row) -> bool {
    row.raw.distinct().iter().any(has_fingerprint)
}

fn has_fingerprint(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains("<secret:hmac-sha256:"),
        serde_json::Value::Array(items) => items.iter().any(has_fingerprint),
        serde_json::Value::Object(m) => m.values().any(has_fingerprint),
        _ => false,
    }
}
