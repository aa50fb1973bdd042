//! Terraform state as an inventory source: `terraform state pull` JSON becomes a snapshot of an
//! environment, created (with default settings) when it does not exist yet.

use chrono::{DateTime, Utc};
use parity_core::EnvironmentConfig;
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::Workspace;

/// What a state import did.
#[derive(Debug, Clone, Serialize)]
pub struct TfImportSummary {
    pub environment: String,
    pub environment_created: bool,
    pub snapshot_id: i64,
    pub resources: usize,
    pub managed_instances: usize,
    pub data_sources_skipped: usize,
    pub mapped: usize,
    pub generic: usize,
    pub folded: usize,
    pub redacted_values: usize,
    pub terraform_version: Option<String>,
}

impl Workspace {
    /// Imports a state file's bytes as a snapshot of `environment`. Nothing is written unless
    /// the whole file parses.
    pub fn import_tfstate(
        &self,
        environment: &str,
        bytes: &[u8],
        file: &str,
        now: DateTime<Utc>,
    ) -> AppResult<TfImportSummary> {
        parity_core::workspace::validate_env_name(environment)?;
        let state = parity_terraform::parse_state(bytes, file)
            .map_err(|e| AppError::bad_input(e.to_string()))?;
        let mut import = parity_terraform::import_state(&state, environment, now);
        self.scrub(&mut import.snapshot)?;
        let created = self.store().environment(environment)?.is_none();
        let snapshot_id = self.store().transaction(|store| {
            if created {
                store.upsert_environment(&EnvironmentConfig::new(environment))?;
            }
            store.insert_snapshot(&import.snapshot)
        })?;
        let s = &import.summary;
        Ok(TfImportSummary {
            environment: environment.to_string(),
            environment_created: created,
            snapshot_id,
            resources: import.snapshot.resources.len(),
            managed_instances: s.managed_instances,
            data_sources_skipped: s.data_sources_skipped,
            mapped: s.mapped,
            generic: s.generic,
            folded: s.folded,
            redacted_values: s.redacted_values,
            terraform_version: state.terraform_version.clone(),
        })
    }
}
