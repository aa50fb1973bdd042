//! The incident view (docs/CONTRACTS.md "Fix hints and the incident view"): what differs
//! between two columns for one service, with fix hints — the use case behind `envparity
//! incident` and the desktop's "compare for a service".

use chrono::{DateTime, Utc};
use parity_core::incident::{incident, IncidentResource};
use parity_core::DiffDocument;
use serde::Serialize;

use crate::compare::Comparison;
use crate::error::{AppError, AppResult};
use crate::Workspace;

/// The `incident_version` of the JSON form.
pub const INCIDENT_VERSION: u32 = 1;

/// One service's differences between columns `a` and `b`.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    pub incident_version: u32,
    pub service: String,
    pub a: String,
    pub b: String,
    pub service_tag: String,
    pub resources: Vec<IncidentResource>,
    /// The diff document of the rows that differ, in incident order, with hints.
    pub diff: DiffDocument,
    /// The matrix indices of `diff.rows`, in the same order (not part of the JSON form).
    #[serde(skip)]
    pub indices: Vec<usize>,
}

impl IncidentView {
    /// The JSON form (docs/CONTRACTS.md "Fix hints and the incident view").
    pub fn json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        out.push('\n');
        out
    }
}

impl Comparison {
    /// The values of the service tag across this comparison's snapshots, sorted and distinct
    /// (what the desktop offers when asking for a service).
    pub fn services(&self) -> Vec<String> {
        let tag = self.service_tag();
        let found: std::collections::BTreeSet<&str> = self
            .snapshots
            .iter()
            .flat_map(|s| &s.resources)
            .filter_map(|r| r.tags.get(tag))
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        found.into_iter().map(str::to_string).collect()
    }

    /// The label of the column fixes converge towards (docs/CONTRACTS.md "Fix hints and the
    /// incident view"), if any.
    pub fn reference_label(&self) -> Option<&str> {
        let m = &self.matrix;
        parity_core::hints::reference_column(&m.environments, self.hints.reference.as_deref())
            .and_then(|c| m.labels.get(c))
            .map(String::as_str)
    }

    /// The incident view of `service` between this comparison's two columns `a` and `b`.
    pub fn incident(
        &self,
        a: &str,
        b: &str,
        service: &str,
        generated_at: DateTime<Utc>,
    ) -> AppResult<IncidentView> {
        let service = service.trim();
        if service.is_empty() {
            return Err(AppError::bad_input(
                "--service: give the service's name (its tag value or a segment of its resources' names)",
            ));
        }
        let (ca, cb) = self.pair_columns(&(a.to_string(), b.to_string()))?;
        let snapshots = self.snapshot_refs();
        let found = incident(
            &self.matrix,
            &snapshots,
            ca,
            cb,
            service,
            self.service_tag(),
        );
        Ok(IncidentView {
            incident_version: INCIDENT_VERSION,
            service: service.to_string(),
            a: a.to_string(),
            b: b.to_string(),
            service_tag: self.service_tag().to_string(),
            resources: found.resources,
            diff: self.document(generated_at, Some(&found.rows)),
            indices: found.rows,
        })
    }
}

impl Workspace {
    /// Compares `a` and `b` (column specs as for `diff`) and returns the incident view of
    /// `service`.
    pub fn incident(
        &self,
        a: &str,
        b: &str,
        service: &str,
        now: DateTime<Utc>,
    ) -> AppResult<IncidentView> {
        if service.trim().is_empty() {
            return Err(AppError::bad_input(
                "--service: give the service's name (its tag value or a segment of its resources' names)",
            ));
        }
        let cmp = self.compare(&[a.to_string(), b.to_string()], now.date_naive())?;
        cmp.incident(a, b, service, now)
    }
}
