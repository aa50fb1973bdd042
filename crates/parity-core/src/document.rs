//! The diff JSON document (docs/CONTRACTS.md "Diff JSON"): the stable, versioned form of a
//! matrix that `diff --format json` prints and every report embeds.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use indexmap::IndexMap;
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::matrix::{Matrix, Row};
use crate::model::{Category, MissingKind, Snapshot, SnapshotStatus, Source};
use crate::status::Status;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocSnapshot {
    pub id: Option<i64>,
    pub taken_at: String,
    pub source: Source,
    pub status: SnapshotStatus,
    pub missing: Vec<MissingKind>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocPair {
    pub a: String,
    pub b: String,
    pub status: Status,
    /// On set-valued rows only: `a`'s elements not in `b`'s (docs/CONTRACTS.md "Element
    /// differences").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_a: Option<Vec<Value>>,
    /// On set-valued rows only: `b`'s elements not in `a`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_b: Option<Vec<Value>>,
    /// This failing pair matches a baseline entry (docs/CONTRACTS.md "Baseline").
    #[serde(default, skip_serializing_if = "is_false")]
    pub baselined: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocRow {
    pub kind: String,
    pub key: String,
    pub attribute: String,
    pub category: Category,
    pub status: Status,
    pub values: IndexMap<String, Value>,
    pub raw: IndexMap<String, Value>,
    /// Cell status per column; a column whose source never produces this kind has no entry.
    pub cells: IndexMap<String, Status>,
    /// Every pair whose status is not `same`.
    pub pairs: Vec<DocPair>,
    pub exceptions: Vec<String>,
    /// Every failing pair of this row is baselined (docs/CONTRACTS.md "Baseline").
    #[serde(default, skip_serializing_if = "is_false")]
    pub baselined: bool,
    /// What would make this failing row converge (docs/CONTRACTS.md "Fix hints and the
    /// incident view"); filled by `hints::add_hints`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hint: Vec<crate::hints::Hint>,
}

impl DocRow {
    /// Whether the row is set-valued (docs/CONTRACTS.md "Element differences").
    pub fn is_set_valued(&self) -> bool {
        crate::elements::is_set_valued(&self.kind, &self.attribute, self.values.values())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocWarning {
    #[serde(rename = "type")]
    pub kind: String,
    pub key: String,
    pub environment: String,
    pub native_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocPairScore {
    pub a: String,
    pub b: String,
    pub score: f64,
    pub compared: usize,
    pub parity: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocSummary {
    pub rows: usize,
    pub by_status: BTreeMap<Status, usize>,
    pub pairs: Vec<DocPairScore>,
}

/// The same secret in two environments (docs/CONTRACTS.md "Secrets").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocSharedSecret {
    pub key: String,
    pub attribute: String,
    /// The two column labels.
    pub environments: Vec<String>,
    /// The exception accepting it for this pair; `null`: it fails `check`.
    pub accepted_by: Option<String>,
}

/// The diff document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffDocument {
    pub schema_version: u32,
    pub generated_at: String,
    pub environments: Vec<String>,
    pub snapshots: IndexMap<String, DocSnapshot>,
    pub rows: Vec<DocRow>,
    pub warnings: Vec<DocWarning>,
    /// Present when at least one secret is shared by two environments (whole comparison, not
    /// only the rows kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_secrets: Vec<DocSharedSecret>,
    pub summary: DocSummary,
}

/// RFC 3339 with seconds, `Z` for UTC: the one timestamp format of every output.
pub fn timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl DiffDocument {
    /// Builds the document from a matrix and its snapshots (index-aligned with the columns),
    /// keeping the rows at the indices `keep` lists (all rows when `None`; indices in matrix
    /// order, as a query returns them). `summary.rows`/`by_status` count the rows kept;
    /// `summary.pairs` scores the whole comparison.
    pub fn new(
        matrix: &Matrix,
        snapshots: &[&Snapshot],
        generated_at: DateTime<Utc>,
        keep: Option<&[usize]>,
    ) -> DiffDocument {
        let mut doc = DiffDocument::head(matrix, snapshots, generated_at, keep);
        doc.rows = kept_rows(matrix, keep)
            .map(|r| doc_row(&matrix.labels, r))
            .collect();
        doc
    }

    /// The document without its rows (`rows` empty; `summary` counts the rows kept, as in
    /// [`DiffDocument::new`]).
    fn head(
        matrix: &Matrix,
        snapshots: &[&Snapshot],
        generated_at: DateTime<Utc>,
        keep: Option<&[usize]>,
    ) -> DiffDocument {
        let labels = &matrix.labels;
        let mut by_status = BTreeMap::new();
        let mut kept = 0;
        for r in kept_rows(matrix, keep) {
            *by_status.entry(r.status).or_insert(0) += 1;
            kept += 1;
        }
        // Scores are a property of the whole comparison, not of the rows a filter keeps.
        let pairs = matrix
            .scores
            .iter()
            .map(|s| DocPairScore {
                a: labels[s.a].clone(),
                b: labels[s.b].clone(),
                score: round4(s.score()),
                compared: s.compared,
                parity: s.parity,
            })
            .collect();
        DiffDocument {
            schema_version: SCHEMA_VERSION,
            generated_at: timestamp(&generated_at),
            environments: labels.clone(),
            snapshots: labels
                .iter()
                .zip(snapshots)
                .map(|(l, s)| {
                    (
                        l.clone(),
                        DocSnapshot {
                            id: s.id,
                            taken_at: timestamp(&s.taken_at),
                            source: s.source,
                            status: s.status(),
                            missing: s.missing.clone(),
                        },
                    )
                })
                .collect(),
            rows: Vec::new(),
            warnings: matrix
                .ambiguous
                .iter()
                .map(|a| DocWarning {
                    kind: "ambiguous_key".into(),
                    key: a.key.clone(),
                    environment: labels[a.column].clone(),
                    native_ids: a.native_ids.clone(),
                })
                .collect(),
            shared_secrets: matrix
                .shared_secrets
                .iter()
                .map(|f| {
                    let row = &matrix.rows[f.row];
                    DocSharedSecret {
                        key: row.key.to_string(),
                        attribute: row.attribute.to_string(),
                        environments: vec![labels[f.a].clone(), labels[f.b].clone()],
                        accepted_by: f.accepted_by.clone(),
                    }
                })
                .collect(),
            summary: DocSummary {
                rows: kept,
                by_status,
                pairs,
            },
        }
    }
}

/// The matrix's rows at the indices `keep` lists (all when `None`; indices past the end are
/// left out).
fn kept_rows<'m>(
    matrix: &'m Matrix,
    keep: Option<&'m [usize]>,
) -> impl Iterator<Item = &'m Row> + 'm {
    let all = keep.is_none().then(|| matrix.rows.iter());
    let some = keep.map(|k| k.iter().filter_map(|&i| matrix.rows.get(i)));
    all.into_iter().flatten().chain(some.into_iter().flatten())
}

/// The diff document of a matrix, serialised one row at a time: the same bytes as the
/// [`DiffDocument`] that [`DiffDocument::new`] (plus [`crate::hints::add_hints`] when hints are
/// given) builds, without holding every row's [`DocRow`] in memory at once — a large diff's rows
/// take several times the matrix's memory as documents.
pub struct DocumentStream<'a> {
    head: DiffDocument,
    matrix: &'a Matrix,
    keep: Option<&'a [usize]>,
    hints: Option<&'a crate::hints::HintContext<'a>>,
}

impl<'a> DocumentStream<'a> {
    pub fn new(
        matrix: &'a Matrix,
        snapshots: &[&Snapshot],
        generated_at: DateTime<Utc>,
        keep: Option<&'a [usize]>,
        hints: Option<&'a crate::hints::HintContext<'a>>,
    ) -> Self {
        DocumentStream {
            head: DiffDocument::head(matrix, snapshots, generated_at, keep),
            matrix,
            keep,
            hints,
        }
    }
}

/// The rows of a [`DocumentStream`], each built when it is written.
struct StreamRows<'s, 'a>(&'s DocumentStream<'a>);

impl Serialize for StreamRows<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let labels = &d.matrix.labels;
        let mut seq = serializer.serialize_seq(Some(d.head.summary.rows))?;
        for r in kept_rows(d.matrix, d.keep) {
            let mut row = doc_row(labels, r);
            if let Some(ctx) = d.hints {
                row.hint = ctx.row_hints(r);
            }
            seq.serialize_element(&row)?;
        }
        seq.end()
    }
}

impl Serialize for DocumentStream<'_> {
    /// Field for field as [`DiffDocument`]'s derived serialisation.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let h = &self.head;
        let mut s = serializer.serialize_struct("DiffDocument", 8)?;
        s.serialize_field("schema_version", &h.schema_version)?;
        s.serialize_field("generated_at", &h.generated_at)?;
        s.serialize_field("environments", &h.environments)?;
        s.serialize_field("snapshots", &h.snapshots)?;
        s.serialize_field("rows", &StreamRows(self))?;
        s.serialize_field("warnings", &h.warnings)?;
        if h.shared_secrets.is_empty() {
            s.skip_field("shared_secrets")?;
        } else {
            s.serialize_field("shared_secrets", &h.shared_secrets)?;
        }
        s.serialize_field("summary", &h.summary)?;
        s.end()
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn doc_row(labels: &[String], r: &Row) -> DocRow {
    let set_valued = crate::elements::is_set_valued(&r.kind, &r.attribute, r.values());
    DocRow {
        kind: r.kind.to_string(),
        key: r.key.to_string(),
        attribute: r.attribute.to_string(),
        category: r.category,
        status: r.status,
        values: labels.iter().cloned().zip(r.values().cloned()).collect(),
        raw: labels.iter().cloned().zip(r.raw.iter().cloned()).collect(),
        cells: labels
            .iter()
            .zip(&r.cells)
            .filter_map(|(l, c)| c.map(|c| (l.clone(), c)))
            .collect(),
        pairs: r
            .pairs
            .iter()
            .filter(|p| p.status != Status::Same)
            .map(|p| {
                let extra = set_valued
                    .then(|| crate::elements::pair_elements(r.value(p.a()), r.value(p.b())));
                let (only_a, only_b) = match extra {
                    Some(e) => (Some(e.only_a), Some(e.only_b)),
                    None => (None, None),
                };
                DocPair {
                    a: labels[p.a()].clone(),
                    b: labels[p.b()].clone(),
                    status: p.status,
                    only_a,
                    only_b,
                    baselined: false,
                }
            })
            .collect(),
        exceptions: r.exceptions.clone(),
        baselined: false,
        hint: Vec::new(),
    }
}
