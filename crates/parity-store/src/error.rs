//! Store errors: each names the database (a file, or a PostgreSQL URL without its password) and
//! says what is wrong with it.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: no such database (create one with `envparity demo`, `envparity import FILE` or `envparity env add`)", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: not an EnvParity database: {detail}", path.display())]
    NotADatabase { path: PathBuf, detail: String },
    #[error("{}: a SQLite database of another application (application_id {application_id:#x}), not an EnvParity workspace", path.display())]
    Foreign { path: PathBuf, application_id: i32 },
    #[error("{}: written by a newer EnvParity (schema version {found}; this build knows up to {known}); upgrade EnvParity to open it", path.display())]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{}: the database is corrupt: {detail}", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("{}: migration failed: {detail}", path.display())]
    Migration { path: PathBuf, detail: String },
    #[error("{}: {detail}", path.display())]
    Io { path: PathBuf, detail: String },
    #[error("{}: SQLite error: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{}: PostgreSQL: {detail}", path.display())]
    Postgres { path: PathBuf, detail: String },
    /// A `--db` value that is neither a path nor a usable PostgreSQL URL.
    #[error("{0}")]
    BadLocation(String),
    #[error("cannot encode: {0}")]
    Encode(String),
    #[error("no environment named `{0}`")]
    NoSuchEnvironment(String),
    #[error("no snapshot {0}")]
    NoSuchSnapshot(String),
    #[error("no exception with id `{0}`")]
    NoSuchException(String),
    #[error("{0}")]
    Conflict(String),
    /// A change made from a copy that another writer has changed since.
    #[error("{0}")]
    Stale(String),
}

impl StoreError {
    pub(crate) fn db(path: &Path, e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::Sqlite(e) => StoreError::sqlite(path, e),
            crate::db::DbError::Postgres(e) => StoreError::postgres(path, &e),
            crate::db::DbError::Type(detail) => StoreError::Corrupt {
                path: path.to_path_buf(),
                detail,
            },
        }
    }

    pub(crate) fn postgres(path: &Path, e: &postgres::Error) -> Self {
        let detail = match e.as_db_error() {
            Some(db) => {
                let mut d = format!("{} ({})", db.message(), db.code().code());
                if let Some(detail) = db.detail() {
                    d.push_str(&format!(": {detail}"));
                }
                d
            }
            None => {
                let mut d = e.to_string();
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    d.push_str(&format!(": {s}"));
                    source = s.source();
                }
                d
            }
        };
        StoreError::Postgres {
            path: path.to_path_buf(),
            detail,
        }
    }

    pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &source {
            if f.code == rusqlite::ErrorCode::NotADatabase {
                return StoreError::NotADatabase {
                    path: path.to_path_buf(),
                    detail: source.to_string(),
                };
            }
            if f.code == rusqlite::ErrorCode::DatabaseCorrupt {
                return StoreError::Corrupt {
                    path: path.to_path_buf(),
                    detail: source.to_string(),
                };
            }
        }
        StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
}
