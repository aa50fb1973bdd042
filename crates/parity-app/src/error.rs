//! Errors as every front end sees them: a closed set of codes plus a readable message that names
//! the input and the problem. The UI matches on `code`, never on the text.

use serde::Serialize;

/// The closed set of error codes crossing to the CLI and the desktop app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A file, argument or field is malformed or inconsistent.
    BadInput,
    /// A named thing (environment, snapshot, exception, database) does not exist.
    NotFound,
    /// The request conflicts with the workspace's state.
    Conflict,
    /// The change was made from a copy another writer has changed since: reload and retry.
    Stale,
    /// The database cannot be used (foreign, corrupt, newer, IO).
    Store,
    /// AWS refused or could not be reached.
    Aws,
    /// The OS keyring is unavailable or refused.
    Keyring,
    /// A bug: should not happen.
    Internal,
}

/// An error with its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
        }
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadInput, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }
}

impl From<parity_store::StoreError> for AppError {
    fn from(e: parity_store::StoreError) -> Self {
        use parity_store::StoreError as S;
        let code = match &e {
            S::NotFound { .. }
            | S::NoSuchEnvironment(_)
            | S::NoSuchSnapshot(_)
            | S::NoSuchException(_) => ErrorCode::NotFound,
            S::Conflict(_) => ErrorCode::Conflict,
            S::Stale(_) => ErrorCode::Stale,
            S::Encode(_) => ErrorCode::Internal,
            S::BadLocation(_) => ErrorCode::BadInput,
            _ => ErrorCode::Store,
        };
        AppError::new(code, e.to_string())
    }
}

impl From<parity_core::CoreError> for AppError {
    fn from(e: parity_core::CoreError) -> Self {
        AppError::bad_input(e.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;
