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
