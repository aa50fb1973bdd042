//! The only crate that knows the databases: SQLite (a file, the default) and PostgreSQL (a team
//! database, selected by a `postgres://` URL; see `db` for the boundary). One database is one
//! workspace: its environments, snapshots, rewrite and ignore rules, exceptions and the
//! exceptions' audit trail.
//!
//! Opening validates before it writes anything: a file that is not SQLite, belongs to another
//! application, is corrupt or was written by a newer EnvParity is refused untouched. Migrations are
//! embedded and append-only; the database runs in WAL mode; a snapshot is written in one
//! transaction, so a failed or killed write leaves the previous state intact.

mod copy;
mod db;
mod error;
mod exceptions;
mod pg;
mod secrets;
mod snapshots;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use db::{Arg, Conn, DbError, PgConn};
use parity_core::{EnvironmentConfig, GroupNumbered, IgnoreRule, RewriteRule};
use pg::PgTarget;
use rusqlite::{Connection, OpenFlags};
#[cfg(test)]
use rusqlite_migration::{Migrations, M};

pub use copy::CopySummary;
pub use error::StoreError;
pub use exceptions::{AuditAction, AuditEntry, Via};
pub use pg::{pg_identity, redact, Location, PgIdentity};
pub use snapshots::SnapshotInfo;

/// The secret detector's version: a new workspace's snapshots have all been through it.
pub const SECRETS_VERSION: i64 = 1;

/// Creates an empty database file readable and writable by its owner only (SQLite gives the
/// WAL and shared-memory files the same permissions).
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        // another process created it a moment ago (SQLite then opens it as it is)
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// `PRAGMA application_id` of EnvParity databases ("EPRY").
pub const APPLICATION_ID: i32 = 0x4550_5259;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/001_initial.sql"),
    include_str!("../migrations/002_secrets.sql"),
    include_str!("../migrations/003_group_numbered.sql"),
    include_str!("../migrations/004_hint_settings.sql"),
    include_str!("../migrations/005_who.sql"),
];

/// The same schema versions for PostgreSQL (its types; one file per SQLite file, same number).
const PG_MIGRATIONS: &[&str] = &[
    include_str!("../migrations/postgres/001_initial.sql"),
    include_str!("../migrations/postgres/002_secrets.sql"),
    include_str!("../migrations/postgres/003_group_numbered.sql"),
    include_str!("../migrations/postgres/004_hint_settings.sql"),
    include_str!("../migrations/postgres/005_who.sql"),
];

/// How long a write waits for another process's write to finish before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The same migrations in rusqlite_migration's form, to validate them (the store applies them
/// itself, under its write lock, see `Store::migrate`).
#[cfg(test)]
fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Whether `open` may create a missing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the database (and its directory) when missing.
    CreateIfMissing,
    /// Fail when the file does not exist (read-only commands must not create files).
    Existing,
}

/// The workspace a database holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WorkspaceInfo {
    pub id: String,
    pub name: String,
    pub created_at: String,
}

/// An open workspace database.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Conn,
    path: PathBuf,
    /// How many `transaction` calls are running (0: none, 1: the outermost, which holds the
    /// write lock).
    depth: Cell<u32>,
    /// Who writes through this store: recorded with exception changes and snapshots.
    writer: Writer,
}

/// Who writes through a store (docs/CONTRACTS.md "Who changed an exception, who collected a
/// snapshot"): the person recorded in the exceptions' audit trail and the machine or pipeline
/// recorded with each snapshot. The faces resolve them (parity-app's `who`); `None` records
/// nothing (NULL, as for rows written before schema v5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Writer {
    pub actor: Option<String>,
    pub collected_by: Option<String>,
}

pub(crate) fn ts(t: &DateTime<Utc>) -> String {
    parity_core::document::timestamp(t)
}

/// The PostgreSQL advisory lock that is a workspace's write lock (SQLite's `BEGIN IMMEDIATE`).
const PG_WRITE_LOCK: i64 = APPLICATION_ID as i64;

/// How many tables named `name` the schema EnvParity writes in holds (0 or 1).
fn pg_has_table(name: &str) -> String {
    format!("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = '{name}'")
}

fn no_password(_: &PgIdentity) -> Option<String> {
    None
}

impl Store {
    /// Opens (or creates) the workspace at `path` — a SQLite file, or a PostgreSQL database
    /// when it is a `postgres://` URL (see [`Location::parse`]) — validating it before any
    /// write. A PostgreSQL password comes from the password file only; see [`Store::open_with`].
    pub fn open(path: &Path, mode: OpenMode, now: DateTime<Utc>) -> Result<Store, StoreError> {
        Store::open_with(path, mode, now, &no_password)
    }

    /// [`Store::open`], with `password` consulted for a PostgreSQL database the password file
    /// has no line for (the OS keyring).
    pub fn open_with(
        path: &Path,
        mode: OpenMode,
        now: DateTime<Utc>,
        password: &dyn Fn(&PgIdentity) -> Option<String>,
    ) -> Result<Store, StoreError> {
        match Location::parse(path)? {
            Location::File(file) => Store::open_sqlite(&file, mode, now),
            Location::Postgres(url) => Store::open_postgres(&url, mode, now, password),
        }
    }

    fn open_postgres(
        url: &str,
        mode: OpenMode,
        now: DateTime<Utc>,
        password: &dyn Fn(&PgIdentity) -> Option<String>,
    ) -> Result<Store, StoreError> {
        let display = PathBuf::from(url);
        let client = PgTarget::parse(url)?.connect(&display, password)?;
        let store = Store {
            conn: Conn::Postgres(Box::new(PgConn::new(client))),
            path: display,
            depth: Cell::new(0),
            writer: Writer::default(),
        };
        store
            .conn
            .batch("SET lock_timeout = '30s'; SET idle_in_transaction_session_timeout = '10min'")
            .map_err(|e| store.err(e))?;
        // Validated before anything is written, like a file.
        match store.pg_schema_version()? {
            None if mode == OpenMode::Existing => {
                return Err(StoreError::NotFound { path: store.path })
            }
            None => {
                // both tables in one statement (one snapshot): another process's migration may
                // commit between two queries, making its `workspace` look foreign
                let (ours, theirs) = store
                    .conn
                    .query_one(
                        &format!(
                            "SELECT ({}), ({})",
                            pg_has_table("envparity_schema"),
                            pg_has_table("workspace")
                        ),
                        &[],
                    )
                    .and_then(|r| Ok((r.int(0)?, r.int(1)?)))
                    .map_err(|e| store.err(e))?;
                if ours == 0 && theirs != 0 {
                    return Err(StoreError::NotADatabase {
                        path: store.path.clone(),
                        detail: "its schema holds a table `workspace` that is not EnvParity's (use an empty database, or another schema via `?options=-csearch_path%3DNAME`)".into(),
                    });
                }
            }
            Some(v) if v > schema_version() => {
                return Err(StoreError::TooNew {
                    path: store.path.clone(),
                    found: v,
                    known: schema_version(),
                })
            }
            Some(_) => {}
        }
        store.transaction(|s| {
            s.migrate()?;
            s.ensure_workspace(now)
        })?;
        Ok(store)
    }

    /// The schema version a PostgreSQL database records (`None`: not an EnvParity database yet).
    fn pg_schema_version(&self) -> Result<Option<i64>, StoreError> {
        let has = self
            .conn
            // a query on the catalog (not `to_regclass`, whose cache may predate the lock)
            .query_one(&pg_has_table("envparity_schema"), &[])
            .and_then(|r| r.int(0))
            .map_err(|e| self.err(e))?;
        if has == 0 {
            return Ok(None);
        }
        let v = self
            .conn
            .query_one(
                "SELECT coalesce(max(version), 0) FROM envparity_schema",
                &[],
            )
            .and_then(|r| r.int(0))
            .map_err(|e| self.err(e))?;
        Ok(Some(v))
    }

    fn open_sqlite(path: &Path, mode: OpenMode, now: DateTime<Utc>) -> Result<Store, StoreError> {
        let display = path.to_path_buf();
        let exists = path.exists();
        if !exists && mode == OpenMode::Existing {
            return Err(StoreError::NotFound { path: display });
        }
        if exists && path.is_dir() {
            return Err(StoreError::NotADatabase {
                path: display,
                detail: "it is a directory".into(),
            });
        }
        if !exists {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Io {
                    path: parent.to_path_buf(),
                    detail: e.to_string(),
                })?;
            }
            create_private(path).map_err(|e| StoreError::Io {
                path: display.clone(),
                detail: e.to_string(),
            })?;
        }
        let flags = if exists {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| StoreError::NotADatabase {
                path: display.clone(),
                detail: e.to_string(),
            })?;
        // First, before any statement: another process may hold the write lock right now.
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| StoreError::sqlite(&display, e))?;
        if exists {
            validate(&conn, &display)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| StoreError::sqlite(&display, e))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| StoreError::sqlite(&display, e))?;
        // Deleted content is overwritten, never left in free pages (docs/CONTRACTS.md "Secrets").
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(|e| StoreError::sqlite(&display, e))?;
        let store = Store {
            conn: Conn::Sqlite(conn),
            path: display,
            depth: Cell::new(0),
            writer: Writer::default(),
        };
        // Migrating and creating the workspace row happen under the write lock, deciding from
        // what is read under it: two processes opening a new file at once migrate it once and
        // create one workspace (one UUID). A transaction that writes nothing leaves the file
        // byte-identical.
        store.transaction(|s| {
            s.migrate()?;
            let Conn::Sqlite(conn) = &s.conn else {
                unreachable!("a SQLite store")
            };
            // Written only when missing: every write bumps the file's change counter.
            let app_id: i32 = conn
                .query_row("PRAGMA application_id", [], |r| r.get(0))
                .map_err(|e| s.err(e.into()))?;
            if app_id != APPLICATION_ID {
                conn.pragma_update(None, "application_id", APPLICATION_ID)
                    .map_err(|e| s.err(e.into()))?;
            }
            s.ensure_workspace(now)
        })?;
        Ok(store)
    }

    /// Whether this workspace is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.conn.is_postgres()
    }

    /// Applies the migrations this database lacks; call under the write lock.
    fn migrate(&self) -> Result<(), StoreError> {
        let migration = |detail: String| StoreError::Migration {
            path: self.path.clone(),
            detail,
        };
        let version: i64 = match &self.conn {
            Conn::Sqlite(c) => c
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| self.err(e.into()))?,
            Conn::Postgres(_) => self.pg_schema_version()?.unwrap_or(0),
        };
        if version > schema_version() {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: schema_version(),
            });
        }
        let from =
            usize::try_from(version).map_err(|_| migration(format!("user_version {version}")))?;
        if from == MIGRATIONS.len() {
            return Ok(());
        }
        match &self.conn {
            Conn::Sqlite(_) => {
                for (i, sql) in MIGRATIONS.iter().enumerate().skip(from) {
                    self.conn
                        .batch(sql)
                        .map_err(|e| migration(format!("migration {}: {}", i + 1, self.err(e))))?;
                }
                let Conn::Sqlite(c) = &self.conn else {
                    unreachable!("a SQLite store")
                };
                c.pragma_update(None, "user_version", schema_version())
                    .map_err(|e| self.err(e.into()))?;
            }
            Conn::Postgres(_) => {
                if self.pg_schema_version()?.is_none() {
                    self.conn
                        .batch("CREATE TABLE envparity_schema (version BIGINT NOT NULL)")
                        .map_err(|e| migration(self.err(e).to_string()))?;
                }
                for (i, sql) in PG_MIGRATIONS.iter().enumerate().skip(from) {
                    self.conn
                        .batch(sql)
                        .map_err(|e| migration(format!("migration {}: {}", i + 1, self.err(e))))?;
                }
                self.conn
                    .execute("DELETE FROM envparity_schema", &[])
                    .and_then(|_| {
                        self.conn.execute(
                            "INSERT INTO envparity_schema (version) VALUES (?1)",
                            &[Arg::Int(schema_version())],
                        )
                    })
                    .map_err(|e| self.err(e))?;
            }
        }
        Ok(())
    }

    /// The database: a file path, or a PostgreSQL URL (without a password).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn err(&self, e: DbError) -> StoreError {
        StoreError::db(&self.path, e)
    }

    fn ensure_workspace(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let has = self
            .conn
            .query_opt("SELECT id FROM workspace", &[])
            .map_err(|e| self.err(e))?;
        if has.is_none() {
            self.conn
                .execute(
                    "INSERT INTO workspace (id, name, created_at, secrets_version) VALUES (?1, '', ?2, ?3)",
                    &[
                        Arg::Text(&uuid::Uuid::new_v4().to_string()),
                        Arg::Text(&ts(&now)),
                        Arg::Int(SECRETS_VERSION),
                    ],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    pub fn workspace(&self) -> Result<WorkspaceInfo, StoreError> {
        let r = self
            .conn
            .query_one("SELECT id, name, created_at FROM workspace", &[])
            .map_err(|e| self.err(e))?;
        (|| {
            Ok(WorkspaceInfo {
                id: r.text(0)?,
                name: r.text(1)?,
                created_at: r.text(2)?,
            })
        })()
        .map_err(|e| self.err(e))
    }

    /// Sets who writes through this store from now on.
    pub fn set_writer(&mut self, writer: Writer) {
        self.writer = writer;
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    pub fn set_workspace_name(&self, name: &str) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE workspace SET name = ?1", &[Arg::Text(name)])
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The workspace's `group_numbered` setting (docs/CONTRACTS.md "Groups: numbered replicas
    /// and Auto Scaling instances").
    pub fn group_numbered(&self) -> Result<GroupNumbered, StoreError> {
        let text = self
            .conn
            .query_one("SELECT group_numbered FROM workspace", &[])
            .and_then(|r| r.opt_text(0))
            .map_err(|e| self.err(e))?;
        match text {
            None => Ok(GroupNumbered::Default),
            Some(t) => serde_json::from_str(&t).map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                detail: format!("workspace.group_numbered `{t}`: {e}"),
            }),
        }
    }

    pub fn set_group_numbered(&self, setting: &GroupNumbered) -> Result<(), StoreError> {
        let text = (!setting.is_default())
            .then(|| serde_json::to_string(setting))
            .transpose()
            .map_err(|e| StoreError::Encode(e.to_string()))?;
        self.conn
            .execute(
                "UPDATE workspace SET group_numbered = ?1",
                &[Arg::OptText(text.as_deref())],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The workspace's hint settings: its `reference` environment and `service_tag` (`None`:
    /// the defaults; docs/CONTRACTS.md "Fix hints and the incident view").
    pub fn hint_settings(&self) -> Result<(Option<String>, Option<String>), StoreError> {
        self.conn
            .query_one("SELECT reference, service_tag FROM workspace", &[])
            .and_then(|r| Ok((r.opt_text(0)?, r.opt_text(1)?)))
            .map_err(|e| self.err(e))
    }

    /// Sets the workspace's `reference` environment and `service_tag` (`None`: the default).
    pub fn set_hint_settings(
        &self,
        reference: Option<&str>,
        service_tag: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE workspace SET reference = ?1, service_tag = ?2",
                &[Arg::OptText(reference), Arg::OptText(service_tag)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Whether the workspace holds nothing yet (no environments, snapshots or exceptions).
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        let n = self
            .conn
            .query_one(
                "SELECT (SELECT count(*) FROM environment) + (SELECT count(*) FROM exception)
                      + (SELECT count(*) FROM rewrite_rule) + (SELECT count(*) FROM ignore_rule)",
                &[],
            )
            .and_then(|r| r.int(0))
            .map_err(|e| self.err(e))?;
        Ok(n == 0)
    }

    /// Runs `f` in one write transaction: all of its writes land, or none do. The outermost
    /// call takes the workspace's write lock up front (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
    /// a transaction-scoped advisory lock), waiting up to [`BUSY_TIMEOUT`] for another writer,
    /// so everything `f` reads is current until it commits and no other process can write in
    /// between; nested calls are savepoints.
    pub fn transaction<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let outer = self.depth.get() == 0;
        let pg_begin = format!("BEGIN; SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})");
        let (begin, commit, rollback) = if outer {
            let begin = if self.conn.is_postgres() {
                pg_begin.as_str()
            } else {
                "BEGIN IMMEDIATE"
            };
            (begin, "COMMIT", "ROLLBACK")
        } else {
            (
                "SAVEPOINT envparity",
                "RELEASE envparity",
                "ROLLBACK TO envparity; RELEASE envparity",
            )
        };
        self.conn.batch(begin).map_err(|e| self.err(e))?;
        // Rolls back when `f` panics, so the connection is usable afterwards.
        struct Guard<'a> {
            store: &'a Store,
            rollback: &'static str,
            done: bool,
        }
        impl Drop for Guard<'_> {
            fn drop(&mut self) {
                self.store
                    .depth
                    .set(self.store.depth.get().saturating_sub(1));
                if !self.done {
                    let _ = self.store.conn.batch(self.rollback);
                }
            }
        }
        self.depth.set(self.depth.get() + 1);
        let mut guard = Guard {
            store: self,
            rollback,
            done: false,
        };
        let changes_before = self.conn.total_changes();
        let result = f(self);
        if outer && result.is_ok() && self.conn.total_changes() != changes_before {
            hold_before_commit_for_tests();
        }
        let result = match result {
            Ok(v) => match self.conn.batch(commit) {
                Ok(()) => Ok(v),
                Err(e) => Err(self.err(e)),
            },
            Err(e) => Err(e),
        };
        // On error (of `f` or of the commit) the guard undoes everything since `begin`.
        guard.done = result.is_ok();
        drop(guard);
        result
    }

    // ---- environments -------------------------------------------------------------------------

    pub fn environments(&self) -> Result<Vec<EnvironmentConfig>, StoreError> {
        let rows = self
            .conn
            .query(
                "SELECT name, config FROM environment ORDER BY position, name",
                &[],
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            let (name, config) = (|| Ok((r.text(0)?, r.text(1)?)))().map_err(|e| self.err(e))?;
            out.push(self.decode(&format!("environment `{name}`"), &config)?);
        }
        Ok(out)
    }

    pub fn environment(&self, name: &str) -> Result<Option<EnvironmentConfig>, StoreError> {
        let config = self
            .conn
            .query_opt(
                "SELECT config FROM environment WHERE name = ?1",
                &[Arg::Text(name)],
            )
            .and_then(|r| r.map(|r| r.text(0)).transpose())
            .map_err(|e| self.err(e))?;
        config
            .map(|c| self.decode(&format!("environment `{name}`"), &c))
            .transpose()
    }

    /// Inserts the environment, or replaces the configuration of the one with that name.
    pub fn upsert_environment(&self, env: &EnvironmentConfig) -> Result<(), StoreError> {
        let config = serde_json::to_string(env).map_err(|e| StoreError::Encode(e.to_string()))?;
        self.conn
            .execute(
                "INSERT INTO environment (name, position, config)
                 VALUES (?1, (SELECT coalesce(max(position), 0) + 1 FROM environment), ?2)
                 ON CONFLICT(name) DO UPDATE SET config = excluded.config",
                &[Arg::Text(&env.name), Arg::Text(&config)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Removes an environment and its snapshots.
    pub fn remove_environment(&self, name: &str) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute(
                "DELETE FROM environment WHERE name = ?1",
                &[Arg::Text(name)],
            )
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(StoreError::NoSuchEnvironment(name.to_string()));
        }
        Ok(())
    }

    // ---- rules and ignores --------------------------------------------------------------------

    pub fn rules(&self) -> Result<Vec<RewriteRule>, StoreError> {
        let rows = self
            .conn
            .query(
                "SELECT kind, pattern, replace FROM rewrite_rule ORDER BY position",
                &[],
            )
            .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| {
                Ok(RewriteRule {
                    kind: r.text(0)?,
                    pattern: r.text(1)?,
                    replace: r.text(2)?,
                })
            })
            .collect::<Result<_, DbError>>()
            .map_err(|e| self.err(e))
    }

    /// Adds a rule unless an identical one exists. Returns whether it was added.
    pub fn add_rule(&self, rule: &RewriteRule) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "INSERT INTO rewrite_rule (position, kind, pattern, replace)
                 VALUES ((SELECT coalesce(max(position), 0) + 1 FROM rewrite_rule), ?1, ?2, ?3)
                 ON CONFLICT (kind, pattern, replace) DO NOTHING",
                &[
                    Arg::Text(&rule.kind),
                    Arg::Text(&rule.pattern),
                    Arg::Text(&rule.replace),
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    pub fn ignores(&self) -> Result<Vec<IgnoreRule>, StoreError> {
        let rows = self
            .conn
            .query(
                "SELECT kind, attribute FROM ignore_rule ORDER BY position",
                &[],
            )
            .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| {
                Ok(IgnoreRule {
                    kind: r.text(0)?,
                    attribute: r.text(1)?,
                })
            })
            .collect::<Result<_, DbError>>()
            .map_err(|e| self.err(e))
    }

    /// Adds an ignore rule unless an identical one exists. Returns whether it was added.
    pub fn add_ignore(&self, ignore: &IgnoreRule) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "INSERT INTO ignore_rule (position, kind, attribute)
                 VALUES ((SELECT coalesce(max(position), 0) + 1 FROM ignore_rule), ?1, ?2)
                 ON CONFLICT (kind, attribute) DO NOTHING",
                &[Arg::Text(&ignore.kind), Arg::Text(&ignore.attribute)],
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        json: &str,
    ) -> Result<T, StoreError> {
        decode_at(&self.path, what, json)
    }
}

/// Decodes a stored JSON `what` of the database at `path` (usable off the connection's thread).
pub(crate) fn decode_at<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
    json: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail: format!("{what} cannot be read: {e}"),
    })
}

/// Environment variable for crash tests only: when set to N (a number ≥ 1; any other value means
/// 1), a process about to commit its Nth write transaction that changed rows prints `HOLD_MARKER`
/// on stderr and stops there for good, so a test can kill it (`kill -9`) at exactly that point.
/// Never set in normal use.
pub const HOLD_ENV: &str = "ENVPARITY_TEST_HOLD_BEFORE_COMMIT";
/// What a held process prints.
pub const HOLD_MARKER: &str = "envparity-test: holding before commit";

fn hold_before_commit_for_tests() {
    static COMMITS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let Some(value) = std::env::var_os(HOLD_ENV) else {
        return;
    };
    let nth = value
        .to_str()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1);
    let this = COMMITS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    if this == nth {
        eprintln!("{HOLD_MARKER}");
        loop {
            std::thread::park();
        }
    }
}

/// Checks an existing file before anything is written to it.
fn validate(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let not_db = |e: rusqlite::Error| StoreError::NotADatabase {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(not_db)?;
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(not_db)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(not_db)?;
    if tables == 0 && app_id == 0 && version == 0 {
        return Ok(()); // an empty SQLite file: becomes a new workspace
    }
    if app_id != APPLICATION_ID {
        return Err(StoreError::Foreign {
            path: path.to_path_buf(),
            application_id: app_id,
        });
    }
    if version > schema_version() {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            known: schema_version(),
        });
    }
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    if check != "ok" {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: check,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
