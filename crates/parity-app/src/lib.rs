//! EnvParity's use cases, shared by the `envparity` CLI and the desktop app: open a workspace,
//! import and export its file, load the demo, manage environments and exceptions, compare
//! snapshots and gate on the result. Front ends parse arguments and print; everything they do
//! goes through here, so CLI, desktop and tests exercise the same code.

pub mod check;
pub mod collect;
pub mod compare;
pub mod credentials;
pub mod demo;
mod error;
pub mod exceptions;
pub mod files;
pub mod incident;
pub mod large;
pub mod matrix_cache;
pub mod org;
pub mod query;
pub mod report;
pub mod secrets;
pub mod team;
pub mod tfstate;
pub mod view;
pub mod who;

pub mod workspace_file;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use parity_core::{EnvironmentConfig, Snapshot};
use parity_store::{OpenMode, PgIdentity, Store, WorkspaceInfo};
use serde::Serialize;

pub use error::{AppError, AppResult, ErrorCode};
pub use parity_aws::{Phase, ProgressEvent, StaticKeys};
pub use parity_store::{AuditEntry, OpenMode as DbOpenMode, SnapshotInfo, Via, Writer};
pub use workspace_file::WorkspaceFile;

/// The default database: `<platform data dir>/envparity/workspace.sqlite`.
pub fn default_db_path() -> AppResult<PathBuf> {
    directories::ProjectDirs::from("dev", "envparity", "envparity")
        .map(|d| d.data_dir().join("workspace.sqlite"))
        .ok_or_else(|| {
            AppError::bad_input(
                "cannot find a data directory (no HOME?); pass --db PATH or set ENVPARITY_DB",
            )
        })
}

/// An open workspace.
#[derive(Debug)]
pub struct Workspace {
    store: Store,
}

/// The changes `file` would make to what existing environments connect to: credentials, the role
/// they assume (a credential change too) and endpoint URL, one line each
/// (`staging: credentials profile shop-staging → keyring`).
fn sensitive_changes(existing: &[EnvironmentConfig], file: &WorkspaceFile) -> Vec<String> {
    fn credentials(c: &Option<parity_core::Credentials>) -> String {
        match c {
            None => "the default chain".to_string(),
            Some(c) => serde_json::to_value(c)
                .ok()
                .and_then(|v| {
                    v.as_object().map(|o| {
                        o.iter()
                            .map(|(k, v)| match v {
                                serde_json::Value::String(s) => format!("{k} `{s}`"),
                                other => format!("{k} = {other}"),
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                })
                .unwrap_or_else(|| format!("{c:?}")),
        }
    }
    fn assume_role(r: &Option<parity_core::AssumeRole>) -> String {
        match r {
            None => "none".to_string(),
            Some(r) => {
                let mut text = format!("`{}`", r.role_arn);
                if let Some(id) = &r.external_id {
                    text.push_str(&format!(" (external id `{id}`)"));
                }
                if let Some(name) = &r.session_name {
                    text.push_str(&format!(" (session `{name}`)"));
                }
                text
            }
        }
    }
    fn endpoint(e: &Option<String>) -> String {
        e.as_deref()
            .map(|u| format!("`{u}`"))
            .unwrap_or_else(|| "AWS".to_string())
    }
    let mut out = Vec::new();
    for new in &file.environments {
        let Some(old) = existing.iter().find(|e| e.name == new.name) else {
            continue;
        };
        if old.credentials != new.credentials {
            out.push(format!(
                "environment `{}`: credentials {} → {}",
                new.name,
                credentials(&old.credentials),
                credentials(&new.credentials)
            ));
        }
        if old.assume_role != new.assume_role {
            out.push(format!(
                "environment `{}`: assume_role {} → {}",
                new.name,
                assume_role(&old.assume_role),
                assume_role(&new.assume_role)
            ));
        }
        if old.endpoint_url != new.endpoint_url {
            out.push(format!(
                "environment `{}`: endpoint {} → {}",
                new.name,
                endpoint(&old.endpoint_url),
                endpoint(&new.endpoint_url)
            ));
        }
    }
    out
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub environments_added: Vec<String>,
    pub environments_updated: Vec<String>,
    pub rules_added: usize,
    pub ignores_added: usize,
    pub exceptions_added: Vec<String>,
    pub exceptions_updated: Vec<String>,
    pub notes: Vec<String>,
}

impl ImportSummary {
    pub fn changed_nothing(&self) -> bool {
        self.environments_added.is_empty()
            && self.environments_updated.is_empty()
            && self.rules_added == 0
            && self.ignores_added == 0
            && self.exceptions_added.is_empty()
            && self.exceptions_updated.is_empty()
    }
}

/// An environment with its newest snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentStatus {
    pub config: EnvironmentConfig,
    pub latest: Option<SnapshotInfo>,
    pub snapshots: usize,
}

/// What removing an environment did with its static keys in the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum KeysRemoved {
    /// The environment did not use keyring credentials.
    NotKeyring,
    Removed,
    NoneStored,
    /// The environment was removed but its keys could not be deleted (the reason).
    Failed(String),
}

/// What `remove_environment` did besides removing the environment and its snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvironmentRemoved {
    pub keys: KeysRemoved,
}

/// What loading the demo did.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub path: PathBuf,
    pub environments: Vec<String>,
    pub resources: usize,
    pub exceptions: usize,
    pub expired_exceptions: Vec<String>,
    pub snapshot_ids: Vec<i64>,
}

impl Workspace {
    /// Opens the workspace at `path`: a SQLite file, or a PostgreSQL database when it is a
    /// `postgres://` URL (its password from the password file, else the OS keyring).
    pub fn open(path: &Path, mode: OpenMode, now: DateTime<Utc>) -> AppResult<Workspace> {
        let keyring = |id: &PgIdentity| {
            parity_aws::database_password(&id.keyring_name())
                .ok()
                .flatten()
        };
        let mut store = Store::open_with(path, mode, now, &keyring)?;
        store.set_writer(who::writer()?);
        Ok(Workspace { store })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    pub fn info(&self) -> AppResult<WorkspaceInfo> {
        Ok(self.store.workspace()?)
    }

    // ---- environments -------------------------------------------------------------------------

    pub fn environments(&self) -> AppResult<Vec<EnvironmentConfig>> {
        Ok(self.store.environments()?)
    }

    pub fn environment(&self, name: &str) -> AppResult<EnvironmentConfig> {
        self.store
            .environment(name)?
            .ok_or_else(|| self.unknown_env(name))
    }

    pub(crate) fn unknown_env(&self, name: &str) -> AppError {
        let known: Vec<String> = self
            .store
            .environments()
            .map(|e| e.into_iter().map(|e| e.name).collect())
            .unwrap_or_default();
        AppError::not_found(if known.is_empty() {
            format!("unknown environment `{name}`: the workspace has no environments yet")
        } else {
            format!("unknown environment `{name}` (known: {})", known.join(", "))
        })
    }

    pub fn environment_statuses(&self) -> AppResult<Vec<EnvironmentStatus>> {
        let mut out = Vec::new();
        for config in self.store.environments()? {
            let snaps = self.store.snapshots(Some(&config.name))?;
            out.push(EnvironmentStatus {
                latest: snaps.first().cloned(),
                snapshots: snaps.len(),
                config,
            });
        }
        Ok(out)
    }

    /// Adds an environment; with `replace`, an existing one's configuration is replaced — but
    /// its `collect_timeout` and `rate_share`, which only the workspace file sets, are kept when
    /// `env` leaves them unset (`env add --replace` and the desktop form have no such fields).
    pub fn add_environment(&self, env: &EnvironmentConfig, replace: bool) -> AppResult<()> {
        env.validate()?;
        let existing = self.store.environment(&env.name)?;
        if !replace && existing.is_some() {
            return Err(AppError::conflict(format!(
                "environment `{}` already exists (use `env add --replace` to change it)",
                env.name
            )));
        }
        let mut env = env.clone();
        if let Some(old) = existing {
            env.collect_timeout = env.collect_timeout.or(old.collect_timeout);
            env.rate_share = env.rate_share.or(old.rate_share);
        }
        Ok(self.store.upsert_environment(&env)?)
    }

    /// Removes an environment and its snapshots; refused while exceptions name it. Its static
    /// keys leave the OS keyring only after the removal succeeded, so a refused removal keeps
    /// both. Returns what happened to the keys.
    pub fn remove_environment(&self, name: &str) -> AppResult<EnvironmentRemoved> {
        let config = self.environment(name)?;
        let naming: Vec<String> = self
            .store
            .exceptions()?
            .into_iter()
            .filter(|e| e.environments.iter().any(|n| n == name) || e.expected.contains_key(name))
            .map(|e| e.id)
            .collect();
        if !naming.is_empty() {
            return Err(AppError::conflict(format!(
                "environment `{name}` is named by exceptions {}; remove or edit them first",
                naming.join(", ")
            )));
        }
        let uuid = self.info()?.id;
        self.store.remove_environment(name)?;
        let keyring = matches!(
            config.credentials,
            Some(parity_core::Credentials::Keyring { keyring: true })
        );
        // The environment is gone: a keyring failure now is reported, not undone.
        let keys = if keyring {
            match credentials::delete_keys(&uuid, name) {
                Ok(true) => KeysRemoved::Removed,
                Ok(false) => KeysRemoved::NoneStored,
                Err(e) => KeysRemoved::Failed(e.message),
            }
        } else {
            KeysRemoved::NotKeyring
        };
        Ok(EnvironmentRemoved { keys })
    }

    // ---- snapshots ----------------------------------------------------------------------------

    pub fn snapshots(&self, env: Option<&str>) -> AppResult<Vec<SnapshotInfo>> {
        if let Some(name) = env {
            self.environment(name)?;
        }
        Ok(self.store.snapshots(env)?)
    }

    /// Stores a snapshot of a known environment; returns its id.
    /// Stores a snapshot of a known environment after the secret detector ran over it;
    /// returns its id.
    pub fn add_snapshot(&self, snapshot: &Snapshot) -> AppResult<i64> {
        self.environment(&snapshot.environment)?;
        let mut snapshot = snapshot.clone();
        self.scrub(&mut snapshot)?;
        Ok(self.store.insert_snapshot(&snapshot)?)
    }

    pub fn delete_snapshot(&self, id: i64) -> AppResult<()> {
        Ok(self.store.delete_snapshot(id)?)
    }

    // ---- workspace file -----------------------------------------------------------------------

    /// The workspace as a file: environments, rules, ignores and exceptions, without secrets
    /// or snapshots.
    pub fn export(&self) -> AppResult<WorkspaceFile> {
        let info = self.store.workspace()?;
        let (reference, service_tag) = self.store.hint_settings()?;
        Ok(WorkspaceFile {
            name: (!info.name.is_empty()).then_some(info.name),
            group_numbered: Some(self.store.group_numbered()?).filter(|g| !g.is_default()),
            environments: self.store.environments()?,
            rules: self.store.rules()?,
            ignores: self.store.ignores()?,
            exceptions: self.store.exceptions()?,
            reference,
            service_tag,
        })
    }

    /// Merges a workspace file in (docs/CONTRACTS.md "Workspace"): environments by name, exceptions by
    /// id, rules and ignores by content; nothing the file does not name is deleted. All or
    /// nothing: any problem leaves the database unchanged. A file that would change an existing
    /// environment's credentials or endpoint is refused, listing the changes (see
    /// [`Workspace::import_allowing`]).
    pub fn import(
        &self,
        file: &WorkspaceFile,
        label: &str,
        via: Via,
        now: DateTime<Utc>,
    ) -> AppResult<ImportSummary> {
        self.import_allowing(file, label, via, now, false)
    }

    /// [`Workspace::import`]; with `allow_changes`, changes to existing environments'
    /// credentials and endpoints are applied (and listed in the summary's notes). Everything is
    /// decided from the workspace as it is under the write lock, so a concurrent writer cannot
    /// slip a change between the check and the write.
    pub fn import_allowing(
        &self,
        file: &WorkspaceFile,
        label: &str,
        via: Via,
        now: DateTime<Utc>,
        allow_changes: bool,
    ) -> AppResult<ImportSummary> {
        file.validate(label)?;
        let today = now.date_naive();
        let mut summary = ImportSummary::default();
        let mut refused: AppResult<()> = Ok(());
        self.store.transaction(|store| {
            let existing = store.environments()?;
            let names: Vec<&str> = existing.iter().map(|e| e.name.as_str()).collect();
            if let Err(e) = file.check_references(&names, label) {
                refused = Err(e);
                return Ok(());
            }
            let sensitive = sensitive_changes(&existing, file);
            if !sensitive.is_empty() {
                if !allow_changes {
                    refused = Err(AppError::bad_input(format!(
                        "{label}: importing would change what existing environments connect to; nothing was imported:\n  {}\nCheck the file, then run the import again with --allow-changes to apply these changes.",
                        sensitive.join("\n  ")
                    )));
                    return Ok(());
                }
                summary.notes.extend(sensitive);
            }
            let info = store.workspace()?;
            if let Some(name) = &file.name {
                if info.name.is_empty() {
                    store.set_workspace_name(name)?;
                } else if &info.name != name {
                    summary.notes.push(format!(
                        "kept the workspace name `{}` (the file says `{name}`)",
                        info.name
                    ));
                }
            }
            if let Some(setting) = &file.group_numbered {
                store.set_group_numbered(setting)?;
            }
            if file.reference.is_some() || file.service_tag.is_some() {
                let (reference, service_tag) = store.hint_settings()?;
                let reference = file.reference.clone().or(reference);
                let service_tag = file.service_tag.clone().or(service_tag);
                store.set_hint_settings(reference.as_deref(), service_tag.as_deref())?;
            }
            for env in &file.environments {
                match existing.iter().find(|e| e.name == env.name) {
                    None => summary.environments_added.push(env.name.clone()),
                    Some(old) if old != env => summary.environments_updated.push(env.name.clone()),
                    Some(_) => continue,
                }
                store.upsert_environment(env)?;
            }
            for rule in &file.rules {
                if store.add_rule(rule)? {
                    summary.rules_added += 1;
                }
            }
            for ignore in &file.ignores {
                if store.add_ignore(ignore)? {
                    summary.ignores_added += 1;
                }
            }
            for exception in &file.exceptions {
                let mut rule = exception.clone();
                rule.id = exception.effective_id();
                let old = store.exception(&rule.id)?;
                if rule.created.is_none() {
                    rule.created = Some(old.as_ref().and_then(|o| o.created).unwrap_or(today));
                }
                let changed =
                    store.save_exception(&rule, parity_store::AuditAction::Update, via, now)?;
                if changed {
                    if old.is_some() {
                        summary.exceptions_updated.push(rule.id);
                    } else {
                        summary.exceptions_added.push(rule.id);
                    }
                }
            }
            Ok(())
        })?;
        refused?;
        Ok(summary)
    }

    // ---- demo ---------------------------------------------------------------------------------

    /// Loads the built-in demo into this database: refused unless it is empty or already the
    /// demo (then fresh demo snapshots are added).
    pub fn load_demo(&self, now: DateTime<Utc>) -> AppResult<DemoSummary> {
        let info = self.store.workspace()?;
        if !self.store.is_empty()? && info.name != demo::DEMO_NAME {
            return Err(AppError::conflict(format!(
                "{}: holds the workspace `{}`, not the demo; choose another file with --db",
                self.path().display(),
                info.name
            )));
        }
        let file = demo::demo_file(now);
        let snapshots = demo::demo_snapshots(now);
        let today = now.date_naive();
        let mut ids = Vec::new();
        self.store.transaction(|store| {
            // the demo's own exceptions are (re)written with their demo dates
            for env in &file.environments {
                store.upsert_environment(env)?;
            }
            store.set_workspace_name(demo::DEMO_NAME)?;
            for ignore in &file.ignores {
                store.add_ignore(ignore)?;
            }
            for exception in &file.exceptions {
                store.save_exception(
                    exception,
                    parity_store::AuditAction::Update,
                    Via::Demo,
                    now,
                )?;
            }
            for s in &snapshots {
                // The demo goes through the detector too (no key: it needs none).
                let mut s = s.clone();
                parity_core::secrets::scrub_snapshot(&mut s, None);
                ids.push(store.insert_snapshot(&s)?);
            }
            Ok(())
        })?;
        Ok(DemoSummary {
            path: self.path().to_path_buf(),
            environments: file.environments.iter().map(|e| e.name.clone()).collect(),
            resources: snapshots.iter().map(|s| s.resources.len()).sum(),
            exceptions: file.exceptions.len(),
            expired_exceptions: file
                .exceptions
                .iter()
                .filter(|e| e.is_expired(today))
                .map(|e| e.id.clone())
                .collect(),
            snapshot_ids: ids,
        })
    }
}
