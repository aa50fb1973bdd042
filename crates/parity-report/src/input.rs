//! What a report is rendered from: the diff document plus what it does not hold — the workspace
//! name, the policy, the exceptions with their justifications and per-category scores. Plain
//! data, built by parity-app; rendering it does no IO and reads no clock.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use parity_core::{Category, DiffDocument};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The version of the JSON report (`report_version`); the embedded `diff` carries its own
/// `schema_version`.
pub const REPORT_VERSION: u32 = 1;

/// One compared environment's policy: the categories in which it may differ from the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvPolicy {
    pub environment: String,
    pub may_differ_in: Vec<Category>,
}

/// How an exception stands today against the compared snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    /// Valid, and its expected values (if any) are observed.
    Active,
    /// Valid, but expires within 30 days.
    Expiring,
    /// Past its expiry date: the differences it covered are drift again.
    Expired,
    /// Valid, but an expected value is no longer observed.
    Violated,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Active => "active",
            Standing::Expiring => "expiring",
            Standing::Expired => "expired",
            Standing::Violated => "violated",
        }
    }

    /// Expired or violated: the report lists it among the problems.
    pub fn is_problem(self) -> bool {
        matches!(self, Standing::Expired | Standing::Violated)
    }
}

/// A documented intentional difference as a report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportException {
    pub id: String,
    /// Glob on the logical key.
    pub resource: String,
    /// Glob on the attribute.
    pub attribute: String,
    pub environments: Vec<String>,
    #[serde(default)]
    pub expected: BTreeMap<String, Value>,
    pub justification: String,
    pub owner: String,
    pub created: Option<NaiveDate>,
    /// Valid through this day (UTC); `null` for no expiry.
    pub expires: Option<NaiveDate>,
    pub ticket: Option<String>,
    pub standing: Standing,
    /// Rows of this comparison that the exception covers.
    pub rows_covered: usize,
}

/// Parity of one pair of columns within one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryScore {
    pub a: String,
    pub b: String,
    pub category: Category,
    /// Rows of this category compared for the pair.
    pub compared: usize,
    /// Of those, rows that are same, allowed or intentional.
    pub parity: usize,
    /// parity / compared, rounded to 4 places; 1.0 when nothing was compared.
    pub score: f64,
}

/// Everything a report shows. `diff` is the unfiltered diff document (docs/CONTRACTS.md
/// "Diff JSON").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    /// The workspace name.
    pub workspace: String,
    /// RFC 3339 UTC; equals `diff.generated_at`.
    pub generated_at: String,
    /// All columns are snapshots of one environment: policy and exceptions do not apply.
    pub change_view: bool,
    /// One entry per compared environment, in column order.
    pub policy: Vec<EnvPolicy>,
    /// Every exception of the workspace, with its standing against this comparison.
    pub exceptions: Vec<ReportException>,
    /// Per pair of columns and category; categories with no compared row are left out.
    pub category_scores: Vec<CategoryScore>,
    pub diff: DiffDocument,
}

impl ReportInput {
    pub fn exception(&self, id: &str) -> Option<&ReportException> {
        self.exceptions.iter().find(|e| e.id == id)
    }
}

/// The JSON report: `report_version` followed by the fields of [`ReportInput`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonReport {
    pub report_version: u32,
    #[serde(flatten)]
    pub report: ReportInput,
}
