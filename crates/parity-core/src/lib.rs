//! EnvParity's engine: pairs resources of N environments by logical identity, normalises their
//! values and computes the environment matrix with policy and exceptions applied.
//!
//! Pure by design: no IO, no async, no clock (callers pass `now`), so every result is
//! deterministic and snapshot-testable. The semantics are specified in docs/CONTRACTS.md.

pub mod baseline;
pub mod container;
pub mod document;
pub mod elements;
pub mod exception;
pub mod hints;
pub mod identity;
pub mod incident;
pub mod matrix;
pub mod model;
pub mod name;
pub mod normalize;
pub mod schema;
pub mod secrets;
pub mod sg_rule;
pub mod status;
pub mod workspace;

pub use document::{
    DiffDocument, DocPair, DocRow, DocSnapshot, DocSummary, DocWarning, DocumentStream,
};
pub use exception::{ExceptionRule, ExceptionState};
pub use identity::{LogicalKey, TokenSet};
pub use matrix::{
    Column, CompiledFilter, Matrix, MatrixOptions, PairScore, RawValues, Row, RowFilter,
};
pub use model::{
    Attributes, Category, Identity, MissingKind, Resource, Snapshot, SnapshotStatus, SortedMap,
    Source, Tags,
};
pub use name::Name;
pub use status::Status;
pub use workspace::{
    check_endpoint_url, parse_duration_secs, parse_role_arn, AssumeRole, Credentials,
    EnvironmentConfig, FeatureFlags, GroupNumbered, IgnoreRule, RateShare, RewriteRule,
    WorkspaceConfig,
};

/// Errors from validating user-supplied engine input (globs, patterns, dates).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CoreError {
    #[error("invalid pattern `{pattern}`: {reason}")]
    InvalidPattern { pattern: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}
