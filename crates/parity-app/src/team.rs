//! Team workspaces (docs/CONTRACTS.md "Team workspaces"): copying a workspace between a file and
//! a PostgreSQL database (either way), and a team database's password in the OS keyring.

use std::path::Path;

use chrono::{DateTime, Utc};
use parity_store::{CopySummary, Location, OpenMode, StoreError};

use crate::error::{AppError, AppResult};
use crate::Workspace;

/// Copies the workspace at `src` into `dst` (each a path or a `postgres://` URL). `dst` must
/// be empty: otherwise a bad-input error and nothing is written. The workspace UUID, snapshot
/// ids and exception versions are kept.
pub fn copy_workspace(src: &Path, dst: &Path, now: DateTime<Utc>) -> AppResult<CopySummary> {
    // both locations are read (a URL with a password is refused) before anything is opened
    Location::parse(src)?;
    Location::parse(dst)?;
    let from = Workspace::open(src, OpenMode::Existing, now)?;
    from.require_secrets_migrated()?;
    let to = Workspace::open(dst, OpenMode::CreateIfMissing, now)?;
    if from.info()?.id == to.info()?.id {
        return Err(AppError::bad_input(format!(
            "{} and {} are the same workspace",
            src.display(),
            dst.display()
        )));
    }
    from.store().copy_into(to.store()).map_err(|e| match e {
        StoreError::Conflict(m) => AppError::bad_input(m),
        e => e.into(),
    })
}

/// Whether `db` names a team database (a `postgres://` URL) rather than a file.
pub fn is_team_url(db: &Path) -> bool {
    Location::is_url(db)
}

/// Stores a team database's password in the OS keyring, for the URL `url` (which holds none).
pub fn set_database_password(url: &Path, password: &str) -> AppResult<String> {
    let Location::Postgres(text) = Location::parse(url)? else {
        return Err(AppError::bad_input(format!(
            "{}: not a postgres:// URL",
            url.display()
        )));
    };
    let id = parity_store::pg_identity(&text)?;
    let name = id.keyring_name();
    parity_aws::set_database_password(&name, password)
        .map_err(crate::credentials::keyring_error)?;
    Ok(name)
}

/// A team database's URL as typed by a user (the desktop's "Connect to a team workspace"): it
/// must be a `postgres://` or `postgresql://` URL without a password — never a file path, so a
/// typed text can not open a file the user did not choose in a dialog.
pub fn team_url(text: &str) -> AppResult<std::path::PathBuf> {
    let text = text.trim();
    let path = Path::new(text);
    if !is_team_url(path) {
        return Err(AppError::bad_input(format!(
            "`{}` is not a team database URL: type postgres://USER@HOST[:PORT]/DATABASE (to open a file, use Open workspace…)",
            parity_store::redact(text)
        )));
    }
    Location::parse(path)?;
    Ok(path.to_path_buf())
}
