//! The desktop's side of AWS: progress events as DTOs and a keyring lookup. The use cases
//! themselves (collect plan, run, store; keys; connection test) are parity-app's, shared with the
//! CLI; `commands::collect` runs them off the session lock with cancel.

use parity_app::AppResult;
use parity_aws::{Phase, ProgressEvent};

use crate::dto::ProgressDto;

/// A progress event as the UI receives it.
pub fn progress_dto(e: ProgressEvent) -> ProgressDto {
    let (phase, count, reason) = match e.phase {
        Phase::Started => ("started", None, None),
        Phase::Progress { count } => ("progress", Some(count), None),
        Phase::Done { count } => ("done", Some(count), None),
        Phase::Failed { reason } => ("failed", None, Some(reason)),
    };
    ProgressDto {
        environment: e.environment,
        region: e.region,
        service: e.service,
        kind: e.kind,
        phase: phase.to_string(),
        count,
        reason,
    }
}

/// Whether static keys are stored for `env` of workspace `uuid` (reads the OS keyring).
pub fn has_keys(uuid: &str, env: &str) -> AppResult<bool> {
    parity_aws::KeyringStore::new()
        .get(uuid, env)
        .map(|k| k.is_some())
        .map_err(|e| parity_app::AppError::new(parity_app::ErrorCode::Keyring, e.to_string()))
}
