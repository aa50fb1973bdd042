//! Collecting environments from AWS, in three steps so front ends can run the slow part wherever
//! they like: `plan` reads the workspace, `run` talks to AWS (async, no database), `store` writes
//! the snapshots. A snapshot where every kind failed is not stored (it would hide the previous
//! one behind `unknown`); a partial one is, with its reasons.

use parity_aws::{CollectContext, ProgressEvent};
use parity_core::{EnvironmentConfig, MissingKind, Snapshot};
use serde::Serialize;

use crate::error::{AppError, AppResult, ErrorCode};
use crate::Workspace;

/// What to collect and how.
#[derive(Debug, Clone)]
pub struct CollectPlan {
    pub environments: Vec<EnvironmentConfig>,
    pub context: CollectContext,
}

/// The result for one environment.
#[derive(Debug, Clone, Serialize)]
pub struct CollectOutcome {
    pub environment: String,
    /// The stored snapshot; `None` when nothing could be collected (nothing stored).
    pub snapshot_id: Option<i64>,
    pub resources: usize,
    pub missing: Vec<MissingKind>,
}

impl CollectOutcome {
    pub fn failed(&self) -> bool {
        self.snapshot_id.is_none()
    }
}

impl Workspace {
    /// Resolves the environments to collect (all when `names` is empty).
    pub fn collect_plan(&self, names: &[String]) -> AppResult<CollectPlan> {
        let environments = if names.is_empty() {
            self.environments()?
        } else {
            names
                .iter()
                .map(|n| self.environment(n))
                .collect::<AppResult<Vec<_>>>()?
        };
        if environments.is_empty() {
            return Err(AppError::not_found(
                "the workspace has no environments yet (add one with `envparity env add NAME --profile PROFILE --region REGION`)",
            ));
        }
        for env in &environments {
            if env.regions.is_empty() {
                return Err(AppError::bad_input(format!(
                    "environment `{}` has no regions: add one with `envparity env add {} --replace --region REGION …`",
                    env.name, env.name
                )));
            }
        }
        let info = self.info()?;
        Ok(CollectPlan {
            environments,
            context: CollectContext::new(&info.id),
        })
    }

    /// Stores what `run` collected; see the module doc for what is kept.
    pub fn store_collected(&self, snapshots: &[Snapshot]) -> AppResult<Vec<CollectOutcome>> {
        let mut out = Vec::new();
        for s in snapshots {
            let all_failed = !s.missing.is_empty()
                && s.resources.is_empty()
                && parity_aws::KINDS
                    .iter()
                    .all(|k| s.missing.iter().any(|m| m.kind == *k));
            let snapshot_id = if all_failed {
                None
            } else {
                Some(self.add_snapshot(s)?)
            };
            out.push(CollectOutcome {
                environment: s.environment.clone(),
                snapshot_id,
                resources: s.resources.len(),
                missing: s.missing.clone(),
            });
        }
        Ok(out)
    }
}

/// Collects the plan's environments concurrently. Never touches the database.
pub async fn run(
    plan: &CollectPlan,
    progress: &(dyn Fn(ProgressEvent) + Send + Sync),
) -> Vec<Snapshot> {
    parity_aws::collect_many(&plan.environments, &plan.context, progress).await
}

/// Maps a collection that stored nothing to an error naming the environments and reasons.
pub fn failures_as_error(outcomes: &[CollectOutcome]) -> Option<AppError> {
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| o.failed())
        .map(|o| {
            let reason = o
                .missing
                .first()
                .map(|m| m.reason.as_str())
                .unwrap_or("unknown reason");
            format!("`{}`: {reason}", o.environment)
        })
        .collect();
    (!failed.is_empty()).then(|| {
        AppError::new(
            ErrorCode::Aws,
            format!(
                "nothing collected (previous snapshots kept) for {}",
                failed.join("; ")
            ),
        )
    })
}
