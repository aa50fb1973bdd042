//! Collecting environments from AWS: `collect_plan` reads the workspace, `run` talks to AWS
//! (async, no database), `store_collected` writes the snapshots; [`collect_blocking`] does the
//! last two for both faces, cancellable, and stores into the workspace the collection started
//! in. A snapshot where every kind failed is not stored (it would hide the previous one behind
//! `unknown`); a partial one is, with its reasons. A cancelled collection stores nothing.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use parity_aws::{CollectContext, ProgressEvent};
use parity_core::{EnvironmentConfig, MissingKind, Snapshot};
use parity_store::{OpenMode, SnapshotInfo};
use serde::Serialize;
use tokio::sync::watch;

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
    /// The stored snapshot's summary (with `snapshot_id`).
    pub snapshot: Option<SnapshotInfo>,
    /// Why a collected snapshot could not be stored (the other environments' are kept).
    pub store_error: Option<String>,
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
        // The collectors fingerprint with the workspace's one key (read or created under the
        // database's lock, checked against the recorded key id). Without a key, secrets are kept
        // as presence only.
        let mut context = CollectContext::new(&info.id);
        if let Some(key) = self.fingerprint_key()? {
            self.fingerprinter()?;
            context = context.with_fingerprint_key(key);
        }
        Ok(CollectPlan {
            environments,
            context,
        })
    }

    /// Stores what `run` collected; see the module doc for what is kept. Each environment's
    /// snapshot is its own transaction: one that cannot be stored (its environment was removed
    /// meanwhile, the disk is full) is reported in its outcome and the others are kept.
    pub fn store_collected(&self, snapshots: &[Snapshot]) -> AppResult<Vec<CollectOutcome>> {
        let mut out = Vec::new();
        for s in snapshots {
            let all_failed = !s.missing.is_empty()
                && s.resources.is_empty()
                && parity_aws::KINDS
                    .iter()
                    .all(|k| s.missing.iter().any(|m| m.kind == *k));
            let stored = if all_failed {
                Ok(None)
            } else {
                self.add_snapshot(s)
                    .and_then(|id| Ok(Some(self.store().snapshot_info(id)?)))
            };
            let (snapshot, store_error) = match stored {
                Ok(info) => (info, None),
                Err(e) => (None, Some(e.message)),
            };
            out.push(CollectOutcome {
                environment: s.environment.clone(),
                snapshot_id: snapshot.as_ref().map(|i| i.id),
                snapshot,
                resources: s.resources.len(),
                missing: s.missing.clone(),
                store_error,
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

/// Every kind the AWS collectors produce, in report order (feature flags last): the catalogue
/// of `crates/parity-core/KINDS.md` that front ends offer.
pub fn collected_kinds() -> Vec<&'static str> {
    let mut kinds = parity_aws::KINDS.to_vec();
    kinds.push(parity_aws::FEATURE_FLAG_KIND);
    kinds
}

/// Cancels a collection. Clones share one signal; a cancel given before the collection starts
/// waiting for it is not lost.
#[derive(Debug, Clone)]
pub struct CancelToken(Arc<watch::Sender<bool>>);

impl Default for CancelToken {
    fn default() -> Self {
        CancelToken(Arc::new(watch::channel(false).0))
    }
}

impl CancelToken {
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once `cancel` has been called (at once if it already was).
    pub async fn cancelled(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, so `wait_for` only returns once the value is true.
        let _ = rx.wait_for(|c| *c).await;
    }
}

/// Collects `plan` and stores the snapshots in the workspace at `path` (reopened, so a front end
/// that switched workspaces meanwhile still stores where the collection started). Blocks the
/// calling thread, which must not be an async task (desktop: `spawn_blocking`). Cancelling
/// stores nothing and leaves earlier snapshots as they were.
pub fn collect_blocking(
    path: &Path,
    plan: &CollectPlan,
    progress: &(dyn Fn(ProgressEvent) + Send + Sync),
    cancel: &CancelToken,
) -> AppResult<Vec<CollectOutcome>> {
    // parity-aws's futures are not `Send`: one current-thread runtime runs them all.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("cannot start collecting: {e}")))?;
    let collected = runtime.block_on(async {
        tokio::select! {
            s = run(plan, progress) => Some(s),
            _ = cancel.cancelled() => None,
        }
    });
    drop(runtime);
    let Some(snapshots) = collected else {
        return Err(AppError::conflict(
            "collection cancelled: nothing was stored, earlier snapshots are kept",
        ));
    };
    let ws = Workspace::open(path, OpenMode::Existing, Utc::now())?;
    ws.store_collected(&snapshots)
}

/// Maps a collection that stored nothing to an error naming the environments and reasons.
pub fn failures_as_error(outcomes: &[CollectOutcome]) -> Option<AppError> {
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| o.failed())
        .map(|o| {
            let reason = o
                .store_error
                .as_deref()
                .or(o.missing.first().map(|m| m.reason.as_str()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use parity_core::{Resource, Source};

    fn snapshot(env: &str) -> Snapshot {
        Snapshot {
            id: None,
            environment: env.into(),
            taken_at: Utc::now(),
            source: Source::Aws,
            missing: vec![],
            resources: vec![Resource::named(
                "ec2.instance",
                "i-1",
                &format!("{env}-api"),
            )],
        }
    }

    #[test]
    fn one_environment_that_cannot_be_stored_does_not_drop_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(
            &dir.path().join("ws.sqlite"),
            OpenMode::CreateIfMissing,
            Utc::now(),
        )
        .unwrap();
        for env in ["dev", "prod"] {
            ws.add_environment(&EnvironmentConfig::new(env), false)
                .unwrap();
        }
        // `staging` was removed while its collection ran
        let outcomes = ws
            .store_collected(&[snapshot("dev"), snapshot("staging"), snapshot("prod")])
            .unwrap();
        assert!(outcomes[0].snapshot_id.is_some() && outcomes[2].snapshot_id.is_some());
        assert!(outcomes[1].failed());
        let why = outcomes[1].store_error.as_deref().unwrap();
        assert!(why.contains("staging"), "{why}");
        assert_eq!(ws.snapshots(None).unwrap().len(), 2);
        let e = failures_as_error(&outcomes).unwrap();
        assert!(e.message.contains("`staging`"), "{e}");
    }
}
