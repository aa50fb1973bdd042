//! The CI gate: exit 0 for parity (or only intentional differences), 1 for unexplained drift,
//! 2 for unknown rows (unless allowed) or stale snapshots (docs/CONTRACTS.md "CLI exit codes").

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use parity_core::baseline::{Baseline, BaselineMatch};
use serde::Serialize;

use crate::compare::Comparison;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// Count `unknown` rows as passing.
    pub allow_partial: bool,
    /// Fail (exit 2) when a snapshot is older than this.
    pub max_age: Option<Duration>,
}

/// How old a snapshot may be before the desktop and `env list` flag it stale, when no
/// `--max-age` is given.
pub const STALE_AFTER_HOURS: i64 = 24;

/// The one staleness rule: a snapshot taken at `taken_at` is stale at `now` when it is older
/// than `max_age` (default [`STALE_AFTER_HOURS`]).
pub fn is_stale(taken_at: DateTime<Utc>, now: DateTime<Utc>, max_age: Option<Duration>) -> bool {
    now - taken_at > max_age.unwrap_or_else(|| Duration::hours(STALE_AFTER_HOURS))
}

/// A snapshot older than `--max-age`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleSnapshot {
    pub label: String,
    pub taken_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    pub exit_code: i32,
    /// Indices of rows that are drift, missing, violated or expired, worst first.
    pub failures: Vec<usize>,
    /// Indices of unknown rows.
    pub unknown: Vec<usize>,
    pub stale: Vec<StaleSnapshot>,
    /// Indices into `Matrix::shared_secrets` of findings no exception accepts (they fail the
    /// gate like drift).
    pub shared_secrets: Vec<usize>,
    /// With a baseline: how the comparison stands against it (failing rows it baselines are
    /// left out of `failures`).
    pub baseline: Option<BaselineMatch>,
}

/// Applies the gate to a comparison.
pub fn check(cmp: &Comparison, options: CheckOptions, now: DateTime<Utc>) -> CheckOutcome {
    check_against(cmp, options, now, None)
}

/// Applies the gate with an optional baseline (docs/CONTRACTS.md "Baseline"): rows whose every
/// failing pair is baselined pass.
pub fn check_against(
    cmp: &Comparison,
    options: CheckOptions,
    now: DateTime<Utc>,
    baseline: Option<&Baseline>,
) -> CheckOutcome {
    let rows = &cmp.matrix.rows;
    let matched = baseline.map(|b| b.apply(&cmp.matrix));
    let mut failures: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].status.is_failure())
        .filter(|&i| !matched.as_ref().is_some_and(|m| m.row_baselined(i)))
        .collect();
    failures.sort_by(|&a, &b| rows[a].status.cmp(&rows[b].status).then(a.cmp(&b)));
    let unknown: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].status == parity_core::Status::Unknown)
        .collect();
    let stale: Vec<StaleSnapshot> = match options.max_age {
        None => Vec::new(),
        Some(max) => cmp
            .matrix
            .labels
            .iter()
            .zip(&cmp.snapshots)
            .filter(|(_, s)| is_stale(s.taken_at, now, Some(max)))
            .map(|(l, s)| StaleSnapshot {
                label: l.clone(),
                taken_at: s.taken_at,
            })
            .collect(),
    };
    let shared_secrets: Vec<usize> = (0..cmp.matrix.shared_secrets.len())
        .filter(|&i| cmp.matrix.shared_secrets[i].accepted_by.is_none())
        .filter(|i| !matched.as_ref().is_some_and(|m| m.shared.contains(i)))
        .collect();
    let exit_code = if !failures.is_empty() || !shared_secrets.is_empty() {
        1
    } else if (!unknown.is_empty() && !options.allow_partial) || !stale.is_empty() {
        2
    } else {
        0
    };
    CheckOutcome {
        exit_code,
        failures,
        unknown,
        stale,
        shared_secrets,
        baseline: matched,
    }
}

/// Reads and parses a baseline file (bad input, naming the file and line, when it is not one).
pub fn read_baseline(path: &Path) -> AppResult<Baseline> {
    let name = path.display().to_string();
    let bytes = crate::files::read_input(
        path,
        "a baseline file",
        crate::files::WORKSPACE_FILE_MAX_BYTES * 4,
    )?;
    let text = String::from_utf8(bytes)
        .map_err(|_| AppError::bad_input(format!("{name}: not UTF-8 text")))?;
    Baseline::parse(&text, &name).map_err(|e| AppError::bad_input(e.to_string()))
}

/// Writes the baseline of `cmp` to `path` (atomically); returns the number of entries.
pub fn write_baseline(path: &Path, cmp: &Comparison) -> AppResult<usize> {
    let text = Baseline::write(&cmp.matrix);
    crate::files::write_atomic(path, text.as_bytes())?;
    Ok(Baseline::from_matrix(&cmp.matrix).entries.len())
}

/// Parses a duration such as `90m`, `24h`, `7d`, `2w`.
pub fn parse_duration(text: &str) -> AppResult<Duration> {
    parity_core::parse_duration_secs(text)
        .map(Duration::seconds)
        .map_err(AppError::bad_input)
}

/// The longest duration `parse_duration` accepts: longer ones would overflow date arithmetic.
pub const MAX_DURATION_DAYS: i64 = parity_core::workspace::MAX_DURATION_DAYS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h").unwrap(), Duration::hours(24));
        assert_eq!(parse_duration("7d").unwrap(), Duration::days(7));
        assert!(parse_duration("7").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("3y").unwrap_err().message.contains("3y"));
        for huge in [
            "9999999999999999d",
            "99999999999999999999999s",
            "36526d",
            "9999999w",
        ] {
            let e = parse_duration(huge).unwrap_err();
            assert!(
                e.message.contains(huge) && e.message.contains("too long"),
                "{e}"
            );
        }
        assert_eq!(parse_duration("36525d").unwrap(), Duration::days(36_525));
    }
}
