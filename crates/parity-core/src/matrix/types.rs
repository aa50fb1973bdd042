//! The matrix's data types: columns and options going in; rows, pair statuses, pairings,
//! ambiguous keys, scores and the [`Matrix`] itself coming out, with its read accessors.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use smallvec::SmallVec;

use crate::exception::ExceptionRule;
use crate::model::{Category, Snapshot};
use crate::status::Status;
use crate::workspace::{EnvironmentConfig, GroupNumbered, IgnoreRule, RewriteRule};

/// One column of the matrix: a label (`prod`, or `prod@12` in a change view), the environment's
/// configuration and the snapshot shown.
#[derive(Debug, Clone)]
pub struct Column<'a> {
    pub label: String,
    pub env: &'a EnvironmentConfig,
    pub snapshot: &'a Snapshot,
}

/// What the matrix is computed with besides the columns.
#[derive(Debug, Clone, Copy)]
pub struct MatrixOptions<'a> {
    pub rules: &'a [RewriteRule],
    pub ignores: &'a [IgnoreRule],
    pub exceptions: &'a [ExceptionRule],
    /// Which kinds' numbered replicas form groups (the workspace's `group_numbered`).
    pub group_numbered: &'a GroupNumbered,
    /// Today (UTC), for exception expiry.
    pub today: NaiveDate,
}

/// The status of one pair of columns on one row. Column indices are `u16` (a matrix has at
/// most [`MAX_COLUMNS`] columns) so that a row's pairs fit in the row: a large matrix holds
/// millions of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PairStatus {
    pub a: u16,
    pub b: u16,
    pub status: Status,
}

impl PairStatus {
    /// The first column's index.
    pub fn a(&self) -> usize {
        usize::from(self.a)
    }

    /// The second column's index.
    pub fn b(&self) -> usize {
        usize::from(self.b)
    }
}

/// The most columns a matrix has ([`Matrix::compute`] refuses more).
pub const MAX_COLUMNS: usize = u16::MAX as usize;

/// Per-column values of a row, inline for up to four columns (the common case: no allocation).
pub type Cells<T> = SmallVec<[T; 4]>;

/// One row: an attribute (or `exists` / `count`) of one logical resource across the columns.
///
/// A matrix holds one row per attribute of every logical resource (hundreds of thousands for
/// large estates), so a row is kept small: values live in one boxed slice per row, and the
/// normalised values only exist when normalisation changed one of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub kind: Arc<str>,
    pub key: Arc<str>,
    pub attribute: Arc<str>,
    pub category: Category,
    pub status: Status,
    /// Normalised values per column where normalisation changed the raw value (`None`: the
    /// normalised value is the raw one); empty when it changed none. Read them with
    /// [`Row::value`].
    pub(super) normalized: Box<[Option<Value>]>,
    /// Raw values per column.
    pub raw: Box<[Value]>,
    /// Cell status per column; `None` where the column's source never produces this kind.
    pub cells: Cells<Option<Status>>,
    /// Every compared pair (including `same`).
    pub pairs: SmallVec<[PairStatus; 3]>,
    /// Ids of the exceptions covering any compared pair of this row.
    pub exceptions: Vec<String>,
}

impl Row {
    /// The normalised (compared) value of column `c` (`Null` where absent, unknown or not
    /// covered).
    pub fn value(&self, c: usize) -> &Value {
        match self.normalized.get(c) {
            Some(Some(v)) => v,
            _ => &self.raw[c],
        }
    }

    /// The normalised values of every column.
    pub fn values(&self) -> impl Iterator<Item = &Value> + '_ {
        (0..self.raw.len()).map(|c| self.value(c))
    }

    /// The status of pair (a, b), if that pair was compared on this row.
    pub fn pair_status(&self, a: usize, b: usize) -> Option<Status> {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        self.pairs
            .iter()
            .find(|p| p.a() == a && p.b() == b)
            .map(|p| p.status)
    }
}

/// Why one resource of one column got its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pairing {
    pub column: usize,
    pub native_id: String,
    pub explanation: String,
}

/// A key that should be unique but holds several resources in one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AmbiguousKey {
    pub key: String,
    pub column: usize,
    pub native_ids: Vec<String>,
}

/// Parity of one pair of columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairScore {
    pub a: usize,
    pub b: usize,
    pub compared: usize,
    pub parity: usize,
}

impl PairScore {
    /// (same + allowed + intentional) / rows compared; 1.0 when nothing was compared.
    pub fn score(&self) -> f64 {
        if self.compared == 0 {
            1.0
        } else {
            self.parity as f64 / self.compared as f64
        }
    }
}

/// The computed matrix.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub labels: Vec<String>,
    pub environments: Vec<String>,
    /// True when all columns are snapshots of one environment: statuses are only same, drift,
    /// missing (and unknown); policy and exceptions do not apply.
    pub change_view: bool,
    pub rows: Vec<Row>,
    /// Each column's resources' keys (index-aligned with its snapshot's resources).
    pub(super) keys: Vec<Vec<Arc<str>>>,
    /// Why each resource got its key, index-aligned like `keys`.
    pub(super) explanations: Vec<Vec<String>>,
    pub ambiguous: Vec<AmbiguousKey>,
    pub scores: Vec<PairScore>,
    /// The same secret in two environments (docs/CONTRACTS.md "Secrets").
    pub shared_secrets: Vec<super::SharedSecret>,
}

impl Matrix {
    /// The key of every resource of column `c` (index-aligned with its snapshot's resources).
    pub fn resource_keys(&self, c: usize) -> &[Arc<str>] {
        self.keys.get(c).map_or(&[], Vec::as_slice)
    }

    /// Why each resource of `key` got that key, per column. `snapshots` are the columns'
    /// snapshots (for native ids).
    pub fn pairings(&self, key: &str, snapshots: &[&Snapshot]) -> Vec<Pairing> {
        let mut out = Vec::new();
        for (c, keys) in self.keys.iter().enumerate() {
            for (i, k) in keys.iter().enumerate() {
                if &**k == key {
                    out.push(Pairing {
                        column: c,
                        native_id: snapshots
                            .get(c)
                            .and_then(|s| s.resources.get(i))
                            .map(|r| r.native_id.clone())
                            .unwrap_or_default(),
                        explanation: self.explanations[c][i].clone(),
                    });
                }
            }
        }
        out
    }

    /// The score of pair (a, b).
    pub fn score(&self, a: usize, b: usize) -> Option<&PairScore> {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        self.scores.iter().find(|s| s.a == a && s.b == b)
    }

    pub fn column(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }

    /// Row counts by status.
    pub fn counts(&self) -> BTreeMap<Status, usize> {
        let mut out = BTreeMap::new();
        for r in &self.rows {
            *out.entry(r.status).or_insert(0) += 1;
        }
        out
    }
}
