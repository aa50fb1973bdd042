//! The desktop's session: which workspace (database file) is open, the recently opened ones, and the
//! cached matrix view of the open workspace. First run opens the built-in demo in the data dir.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use chrono::Utc;
use parity_app::view::MatrixView;
use parity_app::{AppError, AppResult, DbOpenMode, Workspace};
use serde::{Deserialize, Serialize};

/// Environment variable naming the data directory (tests and demos point it at a temp dir).
pub const DATA_DIR_ENV: &str = "ENVPARITY_DATA_DIR";
/// Environment variable naming a workspace database to open at launch.
pub const WORKSPACE_ENV: &str = "ENVPARITY_WORKSPACE";

const DEMO_FILE: &str = "demo.sqlite";
const STATE_FILE: &str = "desktop-state.json";
const RECENT_LIMIT: usize = 10;

/// What the app remembers between launches.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Remembered {
    current: Option<PathBuf>,
    #[serde(default)]
    recent: Vec<PathBuf>,
}

/// The open workspace and its cached matrix.
#[derive(Debug)]
pub struct Open {
    pub workspace: Workspace,
    /// The comparison of the current columns (`None` until asked for, or after a change).
    pub view: Option<MatrixView>,
    /// The columns the view compares (empty: every environment's newest snapshot).
    pub columns: Vec<String>,
    pub compute_ms: u64,
}

impl Open {
    /// The cached view for `columns`, computing it when missing or for other columns.
    pub fn view(&mut self, columns: &[String]) -> AppResult<&mut MatrixView> {
        if self.view.is_none() || self.columns != columns {
            let started = Instant::now();
            let today = Utc::now().date_naive();
            let comparison = self.workspace.compare(columns, today)?;
            let exceptions = self.workspace.store().exceptions()?;
            self.view = Some(MatrixView::new(comparison, exceptions));
            self.columns = columns.to_vec();
            self.compute_ms = started.elapsed().as_millis() as u64;
        }
        self.view
            .as_mut()
            .ok_or_else(|| AppError::new(parity_app::ErrorCode::Internal, "matrix view missing"))
    }

    /// Drops the cached matrix after a change (exceptions, snapshots, environments).
    pub fn invalidate(&mut self) {
        self.view = None;
    }
}

/// The whole session, behind one lock.
#[derive(Debug)]
pub struct Session {
    data_dir: PathBuf,
    open: Mutex<Option<Open>>,
    recent: Mutex<Vec<PathBuf>>,
}

impl Session {
    /// Resolves the data directory: `$ENVPARITY_DATA_DIR`, else the platform's app data dir.
    pub fn data_dir(app_data_dir: Option<PathBuf>) -> AppResult<PathBuf> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
        app_data_dir.ok_or_else(|| {
            AppError::bad_input(format!(
                "cannot find an app data directory; set {DATA_DIR_ENV}"
            ))
        })
    }

    /// Starts a session: `$ENVPARITY_WORKSPACE`, else the last workspace, else the demo.
    pub fn start(data_dir: PathBuf) -> AppResult<Session> {
        std::fs::create_dir_all(&data_dir).map_err(|e| {
            AppError::new(
                parity_app::ErrorCode::Store,
                format!(
                    "{}: cannot create the data directory: {e}",
                    data_dir.display()
                ),
            )
        })?;
        let remembered = read_state(&data_dir);
        let session = Session {
            data_dir,
            open: Mutex::new(None),
            recent: Mutex::new(remembered.recent.clone()),
        };
        let explicit = std::env::var_os(WORKSPACE_ENV)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        let first = explicit.or(remembered.current.filter(|p| p.exists()));
        match first {
            Some(path) => {
                if let Err(e) = session.switch(&path, DbOpenMode::Existing) {
                    eprintln!("envparity-desktop: {e}; opening the demo instead");
                    session.open_demo()?;
                }
            }
            None => session.open_demo()?,
        }
        Ok(session)
    }

    pub fn demo_path(&self) -> PathBuf {
        self.data_dir.join(DEMO_FILE)
    }

    /// Opens (creating and loading it when new) the built-in demo workspace.
    pub fn open_demo(&self) -> AppResult<()> {
        let path = self.demo_path();
        let now = Utc::now();
        let ws = Workspace::open(&path, DbOpenMode::CreateIfMissing, now)?;
        if ws.store().is_empty()? {
            ws.load_demo(now)?;
        }
        drop(ws);
        self.switch(&path, DbOpenMode::Existing)
    }

    /// Opens the workspace at `path` and makes it the current one.
    pub fn switch(&self, path: &Path, mode: DbOpenMode) -> AppResult<()> {
        let workspace = Workspace::open(path, mode, Utc::now())?;
        // The desktop writes: snapshots an earlier EnvParity stored lose their secrets first.
        workspace.migrate_secrets()?;
        let path = workspace.path().to_path_buf();
        *self.lock_open()? = Some(Open {
            workspace,
            view: None,
            columns: Vec::new(),
            compute_ms: 0,
        });
        let mut recent = self.lock_recent()?;
        recent.retain(|p| p != &path);
        recent.insert(0, path.clone());
        recent.truncate(RECENT_LIMIT);
        write_state(
            &self.data_dir,
            &Remembered {
                current: Some(path),
                recent: recent.clone(),
            },
        );
        Ok(())
    }

    /// Recently opened workspaces, newest first, without the current one.
    pub fn recent(&self) -> AppResult<Vec<PathBuf>> {
        let current = self.with(|o| Ok(o.workspace.path().to_path_buf()))?;
        Ok(self
            .lock_recent()?
            .iter()
            .filter(|p| **p != current)
            .cloned()
            .collect())
    }

    /// Runs `f` on the open workspace.
    pub fn with<T>(&self, f: impl FnOnce(&mut Open) -> AppResult<T>) -> AppResult<T> {
        let mut guard = self.lock_open()?;
        let open = guard
            .as_mut()
            .ok_or_else(|| AppError::not_found("no workspace is open"))?;
        f(open)
    }

    /// Runs `f` on the open workspace, then drops the cached matrix (the data changed).
    pub fn change<T>(&self, f: impl FnOnce(&Workspace) -> AppResult<T>) -> AppResult<T> {
        self.with(|open| {
            let out = f(&open.workspace);
            open.invalidate();
            out
        })
    }

    fn lock_open(&self) -> AppResult<MutexGuard<'_, Option<Open>>> {
        self.open
            .lock()
            .map_err(|_| AppError::new(parity_app::ErrorCode::Internal, "session lock poisoned"))
    }

    fn lock_recent(&self) -> AppResult<MutexGuard<'_, Vec<PathBuf>>> {
        self.recent
            .lock()
            .map_err(|_| AppError::new(parity_app::ErrorCode::Internal, "session lock poisoned"))
    }
}

fn read_state(dir: &Path) -> Remembered {
    std::fs::read(dir.join(STATE_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn write_state(dir: &Path, state: &Remembered) {
    if let Ok(json) = serde_json::to_vec_pretty(state) {
        // Remembering is a convenience: failing to write it never fails the switch.
        let _ = parity_app::files::write_atomic(&dir.join(STATE_FILE), &json);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_run_opens_the_demo_and_remembers_switches() {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::start(dir.path().to_path_buf()).unwrap();
        let name = session.with(|o| Ok(o.workspace.info()?.name)).unwrap();
        assert_eq!(name, parity_app::demo::DEMO_NAME);
        let rows = session
            .with(|o| Ok(o.view(&[])?.comparison().matrix.rows.len()))
            .unwrap();
        assert!(rows > 0);

        let other = dir.path().join("other.sqlite");
        session.switch(&other, DbOpenMode::CreateIfMissing).unwrap();
        assert_eq!(session.recent().unwrap(), vec![session.demo_path()]);
        drop(session);
        // the next launch reopens the last workspace
        let again = Session::start(dir.path().to_path_buf()).unwrap();
        let path = again
            .with(|o| Ok(o.workspace.path().to_path_buf()))
            .unwrap();
        assert_eq!(path.file_name(), other.file_name());
    }
}
