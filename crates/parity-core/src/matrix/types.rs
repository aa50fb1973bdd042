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

/// A row's raw values per column, each distinct value held once: where columns agree (most rows
/// of a large matrix) the row holds one value, not one per column (issue 19, "Memory"). Read it
/// like a slice: `raw[c]`, `raw.get(c)`, `raw.iter()`, `raw.len()`.
#[derive(Clone)]
pub struct RawValues {
    distinct: Box<[Value]>,
    /// Per column, the index of its value in `distinct`.
    at: SmallVec<[u16; 8]>,
}

impl RawValues {
    /// How many distinct values are compared for sharing before a new one is simply added (a
    /// wide matrix's row is not searched quadratically).
    const SHARE_WITHIN: usize = 8;

    /// The values the row holds, in order of first use: each column's value at least once (equal
    /// values are usually shared). For a scan whose answer does not depend on the column.
    pub fn distinct(&self) -> &[Value] {
        &self.distinct
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// Column `c`'s raw value.
    pub fn get(&self, c: usize) -> Option<&Value> {
        self.at.get(c).map(|&d| &self.distinct[usize::from(d)])
    }

    /// Whether columns `a` and `b` hold the one shared value (then they are equal; values held
    /// apart may still be equal JSON: see [`RawBuilder`]).
    pub(super) fn shared(&self, a: usize, b: usize) -> bool {
        matches!((self.at.get(a), self.at.get(b)), (Some(x), Some(y)) if x == y)
    }

    /// Every column's raw value, in column order.
    pub fn iter(&self) -> RawIter<'_> {
        RawIter {
            distinct: &self.distinct,
            at: self.at.iter(),
        }
    }

    pub fn to_vec(&self) -> Vec<Value> {
        self.iter().cloned().collect()
    }

    /// The distinct values and, per column, the index of its value (for the binary form).
    pub(super) fn parts(&self) -> (&[Value], &[u16]) {
        (&self.distinct, &self.at)
    }

    /// The inverse of [`RawValues::parts`]; `None` when an index is out of range.
    pub(super) fn from_parts(distinct: Box<[Value]>, at: SmallVec<[u16; 8]>) -> Option<Self> {
        at.iter()
            .all(|&d| usize::from(d) < distinct.len())
            .then_some(RawValues { distinct, at })
    }
}

impl std::ops::Index<usize> for RawValues {
    type Output = Value;

    fn index(&self, c: usize) -> &Value {
        &self.distinct[usize::from(self.at[c])]
    }
}

impl std::fmt::Debug for RawValues {
    /// Each column's value, as a slice would show them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for RawValues {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a> IntoIterator for &'a RawValues {
    type Item = &'a Value;
    type IntoIter = RawIter<'a>;

    fn into_iter(self) -> RawIter<'a> {
        self.iter()
    }
}

/// The raw values of a row in column order ([`RawValues::iter`]).
#[derive(Clone)]
pub struct RawIter<'a> {
    distinct: &'a [Value],
    at: std::slice::Iter<'a, u16>,
}

impl<'a> Iterator for RawIter<'a> {
    type Item = &'a Value;

    fn next(&mut self) -> Option<&'a Value> {
        self.at.next().map(|&d| &self.distinct[usize::from(d)])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.at.size_hint()
    }
}

impl ExactSizeIterator for RawIter<'_> {}

impl DoubleEndedIterator for RawIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.at.next_back().map(|&d| &self.distinct[usize::from(d)])
    }
}

impl From<Vec<Value>> for RawValues {
    fn from(values: Vec<Value>) -> Self {
        let mut b = RawBuilder::with_columns(values.len());
        for v in values {
            b.push(v);
        }
        b.finish()
    }
}

/// Builds [`RawValues`] column by column, sharing a value equal to an earlier column's. One
/// builder is reused for row after row ([`RawBuilder::finish`] leaves it empty): built afresh
/// for each row, its inline values were copied about on every one.
#[derive(Default)]
pub(super) struct RawBuilder {
    distinct: SmallVec<[Value; 4]>,
    at: SmallVec<[u16; 8]>,
}

impl RawBuilder {
    pub(super) fn with_columns(n: usize) -> Self {
        let mut b = RawBuilder::default();
        b.start(n);
        b
    }

    /// Starts a row of `n` columns (the builder is empty: new, or finished).
    pub(super) fn start(&mut self, n: usize) {
        debug_assert!(self.distinct.is_empty() && self.at.is_empty());
        self.at.reserve_exact(n);
    }

    /// The index of a held value `matches` accepts, among those compared for sharing.
    fn find(&self, matches: impl Fn(&Value) -> bool) -> Option<u16> {
        let n = self.distinct.len().min(RawValues::SHARE_WITHIN);
        (0..n)
            .find(|&d| matches(&self.distinct[d]))
            .map(|d| d as u16)
    }

    fn add(&mut self, value: Value) -> u16 {
        self.distinct.push(value);
        // at most one distinct value per column, and a matrix has at most MAX_COLUMNS columns
        u16::try_from(self.distinct.len() - 1).expect("a row has at most MAX_COLUMNS columns")
    }

    /// The next column's value.
    pub(super) fn push(&mut self, value: Value) {
        let d = match self.find(|v| identical(v, &value)) {
            Some(d) => d,
            None => self.add(value),
        };
        self.at.push(d);
    }

    /// The next column's value, cloned only when no earlier column holds it.
    pub(super) fn push_ref(&mut self, value: &Value) {
        let d = match self.find(|v| identical(v, value)) {
            Some(d) => d,
            None => self.add(value.clone()),
        };
        self.at.push(d);
    }

    /// The next column's value, a string, allocated only when no earlier column holds it.
    pub(super) fn push_str(&mut self, value: &str) {
        let d = match self.find(|v| v.as_str() == Some(value)) {
            Some(d) => d,
            None => self.add(Value::String(value.to_string())),
        };
        self.at.push(d);
    }

    /// The value pushed last.
    pub(super) fn last(&self) -> &Value {
        let d = *self.at.last().expect("a value was pushed");
        &self.distinct[usize::from(d)]
    }

    /// The row's values; the builder is left empty, for the next row.
    pub(super) fn finish(&mut self) -> RawValues {
        // allocated at its exact size: collected from the drain, a vector of four values was
        // allocated, then shrunk into a second allocation (a profile showed half the kernel's
        // page zeroing under the row phase in those two)
        let mut distinct = Vec::with_capacity(self.distinct.len());
        distinct.extend(self.distinct.drain(..));
        RawValues {
            distinct: distinct.into_boxed_slice(),
            at: std::mem::take(&mut self.at),
        }
    }
}

/// Whether two values are the same JSON, object keys in the same order too (a shared value is
/// shown for each column, so it must print as each column's own would).
fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| identical(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && identical(vx, vy))
        }
        // 0.0 and -0.0 are equal numbers but print differently
        (Value::Number(x), Value::Number(y)) => {
            x == y && x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits)
        }
        _ => a == b,
    }
}

/// One row: an attribute (or `exists` / `count`) of one logical resource across the columns.
///
/// A matrix holds one row per attribute of every logical resource (hundreds of thousands for
/// large estates), so a row is kept small: its raw values hold each distinct value once
/// ([`RawValues`]), and the normalised values only exist when normalisation changed one of them.
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
    pub raw: RawValues,
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn raw_values_hold_each_distinct_value_once_and_read_per_column() {
        let raw = RawValues::from(vec![
            json!("db.t3.small"),
            json!("db.t3.small"),
            json!(5432),
        ]);
        assert_eq!(raw.distinct(), &[json!("db.t3.small"), json!(5432)]);
        assert_eq!(raw.len(), 3);
        assert_eq!(raw[0], json!("db.t3.small"));
        assert_eq!(raw[1], json!("db.t3.small"));
        assert_eq!(raw.get(2), Some(&json!(5432)));
        assert_eq!(raw.get(3), None);
        assert_eq!(
            raw.to_vec(),
            vec![json!("db.t3.small"), json!("db.t3.small"), json!(5432)]
        );
        assert_eq!(raw.iter().next_back(), Some(&json!(5432)));

        // a tag's text shares the string value an earlier column holds
        let mut b = RawBuilder::with_columns(3);
        b.push_ref(&json!("team-a"));
        b.push_str("team-a");
        b.push_str("team-b");
        let raw = b.finish();
        assert_eq!(raw.distinct().len(), 2);
        assert_eq!(
            raw.to_vec(),
            vec![json!("team-a"), json!("team-a"), json!("team-b")]
        );
    }

    #[test]
    fn raw_values_share_only_values_that_print_the_same() {
        // equal as JSON objects, but their keys come in another order: each column keeps its own
        let raw = RawValues::from(vec![json!({"a": 1, "b": 2}), json!({"b": 2, "a": 1})]);
        assert_eq!(raw.distinct().len(), 2);
        assert_eq!(serde_json::to_string(&raw[1]).unwrap(), r#"{"b":2,"a":1}"#);
        // 1 and 1.0 are different JSON, and so are 0.0 and -0.0
        let raw = RawValues::from(vec![
            json!(1),
            json!(1.0),
            json!([1, {"x": null}]),
            json!([1, {"x": null}]),
        ]);
        assert_eq!(raw.distinct().len(), 3);
        assert_eq!(serde_json::to_string(&raw[1]).unwrap(), "1.0");
        let raw = RawValues::from(vec![json!(0.0), json!(-0.0), json!(-0.0)]);
        assert_eq!(raw.distinct().len(), 2);
        assert_eq!(serde_json::to_string(&raw[1]).unwrap(), "-0.0");
        assert_eq!(
            format!("{raw:?}"),
            "[Number(0.0), Number(-0.0), Number(-0.0)]"
        );
    }

    #[test]
    fn wide_rows_stay_correct_past_the_sharing_window() {
        let values: Vec<Value> = (0..20).map(|i| json!(i % 12)).collect();
        let raw = RawValues::from(values.clone());
        assert_eq!(raw.to_vec(), values);
        assert!(raw.distinct().len() <= 20);
        assert_eq!(raw, RawValues::from(values));
    }
}
