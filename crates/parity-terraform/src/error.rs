//! Errors of reading a Terraform state file: each names the file and the problem.

/// Why a file could not be read as a Terraform state. Every message starts with the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TfStateError {
    /// The file is empty (or only whitespace).
    #[error("{file}: the file is empty; expected the JSON that `terraform state pull` prints")]
    Empty { file: String },

    /// The JSON ends before it is complete: the file was cut off.
    #[error("{file}: the JSON ends unexpectedly at line {line}, column {column}: the file looks truncated")]
    Truncated {
        file: String,
        line: usize,
        column: usize,
    },

    /// The bytes are not valid JSON.
    #[error("{file}: invalid JSON at line {line}, column {column}: {reason}")]
    InvalidJson {
        file: String,
        line: usize,
        column: usize,
        reason: String,
    },

    /// Valid JSON, but not a Terraform state (no `version`, no `resources`, not an object).
    #[error("{file}: not a Terraform state: {reason}")]
    NotAState { file: String, reason: String },

    /// State format version 3 or older (Terraform before 0.12).
    #[error(
        "{file}: state format version {version} was written by Terraform {terraform_version} (pre-0.12); \
         run `terraform state pull` with Terraform ≥ 0.12 and import that"
    )]
    LegacyVersion {
        file: String,
        version: u64,
        /// As the file states it, or `an unknown version`.
        terraform_version: String,
    },

    /// A state format newer than version 4.
    #[error(
        "{file}: state format version {version} (written by Terraform {terraform_version}) is not supported; \
         this importer reads format version 4 (Terraform 0.12 to 1.x)"
    )]
    UnsupportedVersion {
        file: String,
        version: u64,
        terraform_version: String,
    },

    /// A version-4 state whose resource list does not have the documented shape.
    #[error("{file}: resource #{index} is malformed: {reason}")]
    MalformedResource {
        file: String,
        /// Position in the state's `resources` list, from 1.
        index: usize,
        reason: String,
    },
}
