//! The desktop's session: which workspace (database file) is open, the recently opened ones, the
//! cached matrix view of the open workspace, and the files chosen in native dialogs (`picker`):
//! the one path granted per purpose and the folder each dialog starts in. First run opens the
//! built-in demo in the data dir.

use std::collections::{BTreeMap, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::ThreadId;
use std::time::Instant;

use chrono::Utc;
use parity_app::matrix_cache::CacheEntry;
use parity_app::view::MatrixView;
use parity_app::{AppError, AppResult, DbOpenMode, Workspace};
use parity_core::baseline::{Baseline, BaselineMatch};
use parity_core::Matrix;
use serde::{Deserialize, Serialize};

use crate::picker::{not_chosen, FilePurpose};

/// Environment variable naming the data directory (tests and demos point it at a temp dir).
pub const DATA_DIR_ENV: &str = "ENVPARITY_DATA_DIR";
/// Environment variable naming a workspace database to open at launch.
pub const WORKSPACE_ENV: &str = "ENVPARITY_WORKSPACE";

const DEMO_FILE: &str = "demo.sqlite";
/// The data directory's folder of matrix caches (`parity_app::matrix_cache`).
const MATRIX_CACHE_DIR: &str = "matrix-cache";
const STATE_FILE: &str = "desktop-state.json";
const RECENT_LIMIT: usize = 10;

/// What the app remembers between launches.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Remembered {
    current: Option<PathBuf>,
    #[serde(default)]
    recent: Vec<PathBuf>,
    /// The folder of the file last chosen for each purpose.
    #[serde(default)]
    last_dirs: BTreeMap<FilePurpose, PathBuf>,
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
    /// The baseline file chosen for this workspace (its path as given), for the session
    /// (docs/CONTRACTS.md "Baseline").
    pub baseline: Option<(String, Baseline)>,
    /// How the cached view stands against the baseline (`None` without a baseline or view).
    pub baseline_match: Option<BaselineMatch>,
    /// Where the matrix of the default columns is cached between launches.
    matrix_cache: PathBuf,
    /// Whether the view's matrix was read from the matrix cache.
    pub from_cache: bool,
    /// Where to store the view's matrix, computed after a cache miss and not handed to the
    /// session's cache writer yet.
    unsaved: Option<CacheEntry>,
}

impl Open {
    /// The cached view for `columns`, computing it when missing or for other columns, with its
    /// snapshots loaded.
    pub fn view(&mut self, columns: &[String]) -> AppResult<&mut MatrixView> {
        self.rows_view(columns)?;
        // the matrix may come from the cache, its snapshots not loaded yet; should they be gone
        // since (deleted by another writer), the view is dropped, so the next use recomputes
        let workspace = &self.workspace;
        let view = self.view.as_mut().ok_or_else(missing_view)?;
        if let Err(e) = view.load_snapshots(workspace) {
            self.invalidate();
            return Err(e);
        }
        self.view.as_mut().ok_or_else(missing_view)
    }

    /// The cached view for `columns`, computing it when missing or for other columns; its
    /// snapshots are not loaded when the matrix came from the matrix cache. For the commands
    /// that show rows only (the matrix's page and summary: what a launch waits for).
    pub fn rows_view(&mut self, columns: &[String]) -> AppResult<&mut MatrixView> {
        if self.view.is_none() || self.columns != columns {
            let started = Instant::now();
            let today = Utc::now().date_naive();
            let (comparison, from_cache, unsaved) = if columns.is_empty() {
                let c = self
                    .workspace
                    .compare_with_cache(&self.matrix_cache, today)?;
                (c.comparison, c.hit, c.store)
            } else {
                (self.workspace.compare(columns, today)?, false, None)
            };
            let exceptions = self.workspace.store().exceptions()?;
            self.baseline_match = self
                .baseline
                .as_ref()
                .map(|(_, b)| b.apply(&comparison.matrix));
            self.view = Some(MatrixView::new(comparison, exceptions));
            self.columns = columns.to_vec();
            self.compute_ms = started.elapsed().as_millis() as u64;
            self.from_cache = from_cache;
            self.unsaved = unsaved;
        }
        self.view.as_mut().ok_or_else(missing_view)
    }

    /// The view's matrix and where to store it in the matrix cache, if it was computed after a
    /// miss and is not stored yet.
    fn unsaved_cache(&mut self) -> Option<(CacheEntry, Arc<Matrix>)> {
        let entry = self.unsaved.take()?;
        let view = self.view.as_ref()?;
        Some((entry, Arc::clone(&view.comparison().matrix)))
    }

    /// Drops the cached matrix after a change (exceptions, snapshots, environments).
    pub fn invalidate(&mut self) {
        self.view = None;
        self.baseline_match = None;
        self.unsaved = None;
    }

    /// The view for `columns` (snapshots loaded) beside its baseline match.
    pub fn view_and_baseline(
        &mut self,
        columns: &[String],
    ) -> AppResult<(&mut MatrixView, Option<&BaselineMatch>)> {
        self.view(columns)?;
        let view = self.view.as_mut().ok_or_else(missing_view)?;
        Ok((view, self.baseline_match.as_ref()))
    }

    /// [`Open::rows_view`] beside its baseline match.
    pub fn rows_view_and_baseline(
        &mut self,
        columns: &[String],
    ) -> AppResult<(&mut MatrixView, Option<&BaselineMatch>)> {
        self.rows_view(columns)?;
        let view = self.view.as_mut().ok_or_else(missing_view)?;
        Ok((view, self.baseline_match.as_ref()))
    }

    /// Chooses (or clears) the baseline; the cached view is matched against it anew.
    pub fn set_baseline(&mut self, baseline: Option<(String, Baseline)>) {
        self.baseline = baseline;
        self.baseline_match = match (&self.baseline, &self.view) {
            (Some((_, b)), Some(v)) => Some(b.apply(&v.comparison().matrix)),
            _ => None,
        };
    }
}

fn missing_view() -> AppError {
    AppError::new(parity_app::ErrorCode::Internal, "matrix view missing")
}

/// The whole session, behind one lock.
#[derive(Debug)]
pub struct Session {
    data_dir: PathBuf,
    open: Mutex<Option<Open>>,
    recent: Mutex<Vec<PathBuf>>,
    last_dirs: Mutex<BTreeMap<FilePurpose, PathBuf>>,
    /// The path chosen in the native dialog for each purpose, until a command uses it.
    grants: Mutex<HashMap<FilePurpose, PathBuf>>,
    /// Why the launch did not open the workspace it meant to (shown once by the UI).
    launch_error: Mutex<Option<String>>,
    /// Where the launch's first matrix stands; other threads wait until it is done.
    launch: Mutex<Launch>,
    launched: Condvar,
    /// Stores computed matrices in the matrix cache, off the session's lock.
    cache_writer: Arc<CacheWriter>,
}

impl Drop for Session {
    /// A session ends once the matrix it computed last is stored (or failed to be): the next
    /// launch then reads it, and no write is cut off half-way by the session's end.
    fn drop(&mut self) {
        self.cache_writer.wait_idle();
    }
}

/// Writes matrices into the matrix cache on a thread of its own, one at a time, so that no
/// command waits for a write of hundreds of megabytes (3 × 100,000 resources: 185 MB). Matrices
/// handed over while another is being written wait, one per cache file: a newer one for the same
/// file replaces the waiting one (each file is keyed by its inputs, so the older one could only
/// ever miss), and one for another workspace's file waits beside it. While a command runs, and
/// for [`QUIET`] after the last one ended, the writer waits between the pieces it writes (a
/// screen waits for the command, then renders its answer or asks the next command of a burst;
/// on two cores the write's encoding would take one of them: a filter at 3 × 100,000 took
/// 120–170 ms in Rust beside a write, 19–32 ms without).
#[derive(Debug, Default)]
struct CacheWriter {
    state: Mutex<WriterState>,
    idle: Condvar,
    /// Commands running now; the writer waits while there is one.
    commands: AtomicUsize,
    resumed: Condvar,
}

/// A command running (see [`CacheWriter::command`]).
struct CommandRunning<'a>(&'a CacheWriter);

impl Drop for CommandRunning<'_> {
    fn drop(&mut self) {
        // under the lock the writer checks the count with: it cannot miss the wake-up
        let mut state = relock(&self.0.state);
        state.last_command = Some(Instant::now());
        self.0.commands.fetch_sub(1, Ordering::SeqCst);
        self.0.resumed.notify_all();
    }
}

/// How long the cache writer keeps waiting after the last command ended: the screen renders
/// the command's answer meanwhile, and the next command of a burst (a filter's page, then its
/// details) comes within it. A user who pauses longer lets the write go on.
const QUIET: std::time::Duration = std::time::Duration::from_millis(250);

#[derive(Debug, Default)]
struct WriterState {
    /// The matrices to store, by cache file.
    pending: BTreeMap<PathBuf, (CacheEntry, Arc<Matrix>)>,
    /// The file being written, and whether its data changed meanwhile (then it is removed once
    /// written: it may hold values of a snapshot just deleted).
    writing: Option<(PathBuf, bool)>,
    /// Whether the writing thread runs.
    busy: bool,
    /// When the last command ended (see [`QUIET`]).
    last_command: Option<Instant>,
}

/// Marks the writer idle, and wakes those waiting for it, however its thread ends (a panic
/// included): a writer left busy would make the session's end wait forever.
struct WriterDone<'a>(&'a CacheWriter);

impl Drop for WriterDone<'_> {
    fn drop(&mut self) {
        let mut state = relock(&self.0.state);
        state.busy = false;
        state.writing = None;
        self.0.idle.notify_all();
    }
}

impl CacheWriter {
    /// Hands a computed matrix over to be stored, starting the writing thread if it is idle.
    fn submit(self: &Arc<Self>, entry: CacheEntry, matrix: Arc<Matrix>) {
        let mut state = relock(&self.state);
        state
            .pending
            .insert(entry.path().to_path_buf(), (entry, matrix));
        if state.busy {
            return;
        }
        let writer = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("matrix-cache".into())
            .spawn(move || writer.run());
        match spawned {
            Ok(_) => state.busy = true,
            Err(e) => {
                state.pending.clear();
                report(&format!("the matrix cache is not stored: no thread: {e}"));
            }
        }
    }

    /// The data of the workspace whose cache file is `file` changed: a matrix waiting for it is
    /// dropped, the file is removed, and one being written is removed once written. (A file of
    /// other inputs could only miss, but it would keep values of a snapshot just deleted until
    /// the next launch's read removed it — or for good, should that launch have nothing to
    /// compare.)
    fn discard(&self, file: &Path) {
        let mut state = relock(&self.state);
        state.pending.remove(file);
        if let Some((writing, changed)) = state.writing.as_mut() {
            if writing == file {
                *changed = true;
            }
        }
        let _ = std::fs::remove_file(file);
    }

    /// Marks a command running until the returned guard drops: the writer waits meanwhile.
    fn command(&self) -> CommandRunning<'_> {
        self.commands.fetch_add(1, Ordering::SeqCst);
        CommandRunning(self)
    }

    /// Called by the writing thread between pieces: waits while a command runs, and until
    /// [`QUIET`] has passed since the last one ended.
    fn pace(&self) {
        let mut state = relock(&self.state);
        loop {
            if self.commands.load(Ordering::SeqCst) > 0 {
                state = self
                    .resumed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            let since = state.last_command.map_or(QUIET, |t| t.elapsed());
            if since >= QUIET {
                return;
            }
            state = self
                .resumed
                .wait_timeout(state, QUIET - since)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Stores matrices until none is waiting. A failure costs only the next launch's speed, so
    /// it is reported on stderr, not to the UI; so is a panic (a bug).
    fn run(&self) {
        let _done = WriterDone(self);
        loop {
            let (entry, matrix) = {
                let mut state = relock(&self.state);
                let Some((file, next)) = state.pending.pop_first() else {
                    return;
                };
                state.writing = Some((file, false));
                next
            };
            let written = guarded("storing the matrix cache", || {
                entry.write_paced(&matrix, &|| self.pace())
            });
            drop(matrix);
            if let Err(e) = written {
                report(&format!("the matrix cache is not stored: {}", e.message));
            }
            let mut state = relock(&self.state);
            if let Some((file, true)) = state.writing.take() {
                let _ = std::fs::remove_file(file);
            }
        }
    }

    /// Waits until every matrix handed over is stored (or failed to be).
    fn wait_idle(&self) {
        let mut state = relock(&self.state);
        while state.busy {
            state = self
                .idle
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// The launch's first matrix (see [`Session::open_at_launch`]): until it is done, every use of
/// the session from another thread waits, so the first command sees the workspace the launch
/// settled on (the demo, when the last workspace could not be compared) and its matrix.
#[derive(Debug)]
enum Launch {
    /// Opened; the first matrix is still to be computed (by [`Session::finish_launch`]).
    /// `workspace`: the workspace that was asked for, when it is not the demo.
    Pending {
        workspace: Option<PathBuf>,
    },
    /// Being computed on this thread.
    Running(ThreadId),
    Done,
}

/// Marks the launch done, and wakes those waiting for it, however its computation ends.
struct LaunchDone<'a>(&'a Session);

impl Drop for LaunchDone<'_> {
    fn drop(&mut self) {
        *relock(&self.0.launch) = Launch::Done;
        self.0.launched.notify_all();
    }
}

/// Reports on stderr what only costs speed, never failing (a closed stderr is not an error).
fn report(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "envparity-desktop: {message}");
}

/// Turns a panic's payload into text.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Runs `f`, turning a panic (a bug) into an `internal` error instead of unwinding into the
/// session's lock.
fn guarded<T>(what: &str, f: impl FnOnce() -> AppResult<T>) -> AppResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(AppError::new(
            parity_app::ErrorCode::Internal,
            format!(
                "{what} failed with an internal error ({}); nothing was half-written, the workspace is still open",
                panic_message(payload.as_ref())
            ),
        ))
    })
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

    /// Starts a session: `$ENVPARITY_WORKSPACE`, else the last workspace, else the demo; the
    /// first matrix is computed before it returns ([`Session::open_at_launch`] then
    /// [`Session::finish_launch`]).
    pub fn start(data_dir: PathBuf) -> AppResult<Session> {
        let session = Session::open_at_launch(data_dir)?;
        session.finish_launch()?;
        Ok(session)
    }

    /// Opens the workspace a launch shows (`$ENVPARITY_WORKSPACE`, else the last workspace,
    /// else the demo) without computing its matrix. The caller then calls
    /// [`Session::finish_launch`], on a thread of its own if it likes — the desktop does, so its
    /// window loads while the matrix is computed; until that returns, every use of the session
    /// from another thread waits for it.
    pub fn open_at_launch(data_dir: PathBuf) -> AppResult<Session> {
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
            last_dirs: Mutex::new(remembered.last_dirs.clone()),
            grants: Mutex::new(HashMap::new()),
            launch_error: Mutex::new(None),
            // this thread opens the workspace
            launch: Mutex::new(Launch::Running(std::thread::current().id())),
            launched: Condvar::new(),
            cache_writer: Arc::default(),
        };
        let explicit = std::env::var_os(WORKSPACE_ENV)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        let first = explicit.or(remembered
            .current
            .filter(|p| p.exists() || parity_app::team::is_team_url(p)));
        let workspace = match first {
            Some(path) => {
                match guarded("opening the workspace", || {
                    session.switch(&path, DbOpenMode::Existing)
                }) {
                    Ok(()) => Some(path),
                    Err(e) => {
                        session.fall_back_to_demo(&path, e)?;
                        None
                    }
                }
            }
            None => {
                session.open_demo()?;
                None
            }
        };
        *relock(&session.launch) = Launch::Pending { workspace };
        Ok(session)
    }

    /// Computes the launch's first matrix. If it fails (or panics) on the workspace that was
    /// asked for, the demo opens instead and the UI shows why, so a launch never fails the same
    /// way twice (the demo becomes the remembered workspace). A workspace without snapshots yet
    /// is fine to open; the demo's errors are reported when the UI asks. Called once; a second
    /// call does nothing.
    pub fn finish_launch(&self) -> AppResult<()> {
        let workspace = {
            let mut launch = relock(&self.launch);
            match std::mem::replace(&mut *launch, Launch::Running(std::thread::current().id())) {
                Launch::Pending { workspace } => workspace,
                other => {
                    *launch = other;
                    return Ok(());
                }
            }
        };
        {
            let _done = LaunchDone(self);
            let computed = guarded("opening the workspace", || {
                self.with(|o| o.rows_view(&[]).map(|_| ())).or_else(|e| {
                    if e.code == parity_app::ErrorCode::NotFound {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })
            });
            if let (Err(e), Some(path)) = (computed, workspace) {
                return self.fall_back_to_demo(&path, e);
            }
        }
        Ok(())
    }

    /// Waits until every matrix computed so far is stored in the matrix cache (or failed to be).
    pub fn wait_for_matrix_cache(&self) {
        self.cache_writer.wait_idle();
    }

    /// Opens the demo because the workspace at `path` failed with `e`, and keeps why.
    fn fall_back_to_demo(&self, path: &Path, e: AppError) -> AppResult<()> {
        eprintln!("envparity-desktop: {e}; opening the demo instead");
        self.open_demo()?;
        *self
            .launch_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(format!(
            "{} could not be opened, so the demo workspace is open instead: {}",
            path.display(),
            e.message
        ));
        Ok(())
    }

    /// Waits until the launch's first matrix is done, unless this thread is computing it.
    fn wait_launched(&self) {
        let me = std::thread::current().id();
        let mut launch = relock(&self.launch);
        while match *launch {
            Launch::Pending { .. } => true,
            Launch::Running(id) => id != me,
            Launch::Done => false,
        } {
            launch = self
                .launched
                .wait(launch)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Why the launch opened the demo instead of the last workspace (until another workspace
    /// is opened).
    pub fn launch_error(&self) -> Option<String> {
        self.wait_launched();
        self.launch_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
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
        off_runtime(|| self.switch_here(path, mode))
    }

    fn switch_here(&self, path: &Path, mode: DbOpenMode) -> AppResult<()> {
        let workspace = Workspace::open(path, mode, Utc::now())?;
        // The desktop writes: snapshots an earlier EnvParity stored lose their secrets first.
        workspace.migrate_secrets()?;
        *self
            .launch_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        let path = workspace.path().to_path_buf();
        *self.lock_open()? = Some(Open {
            workspace,
            view: None,
            columns: Vec::new(),
            compute_ms: 0,
            baseline: None,
            baseline_match: None,
            matrix_cache: self.data_dir.join(MATRIX_CACHE_DIR),
            from_cache: false,
            unsaved: None,
        });
        {
            let mut recent = self.lock_recent()?;
            recent.retain(|p| p != &path);
            recent.insert(0, path);
            recent.truncate(RECENT_LIMIT);
        }
        self.remember();
        Ok(())
    }

    /// Writes what the app remembers between launches (the current workspace is the newest
    /// recent one).
    fn remember(&self) {
        let recent = self.lock_recent().map(|r| r.clone()).unwrap_or_default();
        let last_dirs = relock(&self.last_dirs).clone();
        write_state(
            &self.data_dir,
            &Remembered {
                current: recent.first().cloned(),
                recent,
                last_dirs,
            },
        );
    }

    /// The folder the dialog for `purpose` starts in: the folder of the file last chosen for it
    /// (while it exists), else the home folder.
    pub fn start_dir(&self, purpose: FilePurpose) -> Option<PathBuf> {
        relock(&self.last_dirs)
            .get(&purpose)
            .filter(|d| d.is_dir())
            .cloned()
            .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
    }

    /// Records `path`, chosen by the user in the native dialog for `purpose`: the next command
    /// for that purpose may use it (once), and the next dialog starts in its folder.
    pub fn grant(&self, purpose: FilePurpose, path: PathBuf) {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            relock(&self.last_dirs).insert(purpose, dir.to_path_buf());
        }
        relock(&self.grants).insert(purpose, path);
        self.remember();
    }

    /// The path chosen in the dialog for `purpose`, if `path` is it; used up by this call.
    /// Any other path is refused with an error naming it.
    pub fn take_grant(&self, purpose: FilePurpose, path: &str) -> AppResult<PathBuf> {
        let mut grants = relock(&self.grants);
        match grants.get(&purpose) {
            Some(granted) if granted.as_os_str() == path => Ok(grants
                .remove(&purpose)
                .unwrap_or_else(|| PathBuf::from(path))),
            _ => Err(not_chosen(purpose, path)),
        }
    }

    /// A workspace the page may open: the one chosen in the Open dialog, or one of the Recent
    /// list (which the session keeps itself).
    pub fn openable(&self, path: &str) -> AppResult<PathBuf> {
        if let Ok(granted) = self.take_grant(FilePurpose::OpenWorkspace, path) {
            return Ok(granted);
        }
        self.lock_recent()?
            .iter()
            .find(|p| p.as_os_str() == path)
            .cloned()
            .ok_or_else(|| not_chosen(FilePurpose::OpenWorkspace, path))
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

    /// Runs `f` on the open workspace. A panic in `f` (a bug) becomes an `internal` error and
    /// drops the cached matrix; the lock stays usable, so the next command works (a store
    /// transaction interrupted by the panic was rolled back).
    pub fn with<T>(&self, f: impl FnOnce(&mut Open) -> AppResult<T>) -> AppResult<T> {
        off_runtime(|| self.with_here(f))
    }

    fn with_here<T>(&self, f: impl FnOnce(&mut Open) -> AppResult<T>) -> AppResult<T> {
        let running = self.cache_writer.command();
        let mut guard = self.lock_open()?;
        let open = guard
            .as_mut()
            .ok_or_else(|| AppError::not_found("no workspace is open"))?;
        let mut panicked = true;
        let out = guarded("the command", || {
            let out = f(open);
            panicked = false;
            out
        });
        if panicked {
            open.invalidate();
        }
        // a matrix the command computed after a cache miss (the launch's, or a recompute after a
        // change) is stored for the next launch, written by another thread
        drop(running);
        if let Some((entry, matrix)) = open.unsaved_cache() {
            self.cache_writer.submit(entry, matrix);
        }
        out
    }

    /// Runs `f` on the open workspace, then drops the cached matrix (the data changed).
    /// The workspace's matrix cache file is discarded too (see [`CacheWriter::discard`]).
    pub fn change<T>(&self, f: impl FnOnce(&Workspace) -> AppResult<T>) -> AppResult<T> {
        self.with(|open| {
            let out = f(&open.workspace);
            open.invalidate();
            if let Ok(file) = open.workspace.matrix_cache_file(&open.matrix_cache) {
                self.cache_writer.discard(&file);
            }
            out
        })
    }

    /// The lock is never a dead end: should a panic ever unwind while it is held, the next
    /// caller takes it over and drops the cached matrix, which may have been half-built.
    fn lock_open(&self) -> AppResult<MutexGuard<'_, Option<Open>>> {
        self.wait_launched();
        Ok(self.open.lock().unwrap_or_else(|poisoned| {
            self.open.clear_poison();
            let mut guard = poisoned.into_inner();
            if let Some(open) = guard.as_mut() {
                open.invalidate();
            }
            guard
        }))
    }

    fn lock_recent(&self) -> AppResult<MutexGuard<'_, Vec<PathBuf>>> {
        self.wait_launched();
        Ok(self.recent.lock().unwrap_or_else(|poisoned| {
            self.recent.clear_poison();
            poisoned.into_inner()
        }))
    }
}

/// Locks a mutex whose data stays valid whatever a panicking holder did (plain maps).
fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| {
        m.clear_poison();
        poisoned.into_inner()
    })
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

/// Runs `f` where the synchronous PostgreSQL client may drive its own runtime: Tauri runs the
/// commands inside its multi-thread tokio runtime, where starting another runtime panics, so the
/// worker thread is handed over to blocking work first (`block_in_place` leaves the runtime
/// context). Outside a runtime (the CLI, tests) `f` simply runs.
fn off_runtime<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_writer_waits_while_a_command_runs() {
        let writer = Arc::new(CacheWriter::default());
        let running = writer.command();
        let (paced, done) = std::sync::mpsc::channel();
        let w = Arc::clone(&writer);
        let thread = std::thread::spawn(move || {
            w.pace();
            paced.send(()).unwrap();
        });
        // the writer must not go on while the command runs (a wrong pace would send at once)
        let waited = std::time::Duration::from_millis(300);
        assert!(done.recv_timeout(waited).is_err(), "the writer went on");
        drop(running);
        done.recv_timeout(std::time::Duration::from_secs(30))
            .expect("the writer goes on once the command ends");
        thread.join().unwrap();
    }

    #[test]
    fn the_cache_writer_waits_for_a_quiet_moment_after_a_command() {
        // a writer no command ever ran beside goes on
        let writer = CacheWriter::default();
        writer.pace();
        // after a command, it waits until QUIET has passed since its end; a command started
        // meanwhile makes it wait again
        let running = writer.command();
        let first_ended = Instant::now();
        drop(running);
        let (went_on, second_started) = std::thread::scope(|s| {
            let (sender, paced) = std::sync::mpsc::channel();
            let writer = &writer;
            s.spawn(move || {
                writer.pace();
                sender.send(Instant::now()).unwrap();
            });
            let again = writer.command();
            let second_started = Instant::now();
            drop(again);
            let went_on = paced
                .recv_timeout(std::time::Duration::from_secs(30))
                .expect("the writer goes on once it is quiet");
            (went_on, second_started)
        });
        // it never goes on before QUIET after the first command's end (taken before it ended)
        assert!(went_on.duration_since(first_ended) >= QUIET);
        // nor, when the second command started within that time, before QUIET after the second
        // started: it cannot have gone on yet when the second began (however slowly this thread
        // ran, the case is only asserted when it holds)
        if second_started < first_ended + QUIET {
            assert!(
                went_on.duration_since(second_started) >= QUIET,
                "the writer went on {:?} after the second command started",
                went_on.duration_since(second_started)
            );
        }
    }

    #[test]
    fn a_panicking_command_is_an_error_and_the_next_command_works() {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::start(dir.path().to_path_buf()).unwrap();
        let err = session
            .with(|_| -> AppResult<()> { panic!("a bug") })
            .unwrap_err();
        assert_eq!(err.code, parity_app::ErrorCode::Internal);
        assert!(err.message.contains("a bug"), "{}", err.message);
        let err = session
            .change(|ws| -> AppResult<()> {
                ws.store().transaction(|s| {
                    s.upsert_environment(&parity_core::EnvironmentConfig::new("ghost"))?;
                    panic!("mid-transaction")
                })?;
                Ok(())
            })
            .unwrap_err();
        assert!(err.message.contains("mid-transaction"), "{}", err.message);
        // not poisoned, and the interrupted write was rolled back
        let envs = session.with(|o| o.workspace.environments()).unwrap();
        assert!(envs.iter().all(|e| e.name != "ghost"));
        assert!(
            session
                .with(|o| Ok(o.view(&[])?.comparison().matrix.rows.len()))
                .unwrap()
                > 0
        );
        // even a lock poisoned by a panic outside `with` is taken over
        let _ = std::thread::scope(|s| {
            s.spawn(|| {
                let _guard = session.open.lock().unwrap();
                panic!("poison");
            })
            .join()
        });
        assert!(session.open.is_poisoned());
        assert!(session.with(|o| o.workspace.info()).is_ok());
    }

    #[test]
    fn a_last_workspace_that_fails_to_open_gives_the_demo_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        remember_a_damaged_workspace(
            Session::start(dir.path().to_path_buf()).unwrap(),
            dir.path(),
        );
        let session = Session::start(dir.path().to_path_buf()).unwrap();
        let name = session.with(|o| Ok(o.workspace.info()?.name)).unwrap();
        assert_eq!(name, parity_app::demo::DEMO_NAME);
        let why = session.launch_error().unwrap();
        assert!(
            why.contains("damaged.sqlite") && why.contains("demo"),
            "{why}"
        );
        // and the next launch opens the demo straight away
        drop(session);
        let again = Session::start(dir.path().to_path_buf()).unwrap();
        assert!(again.launch_error().is_none());
        let name = again.with(|o| Ok(o.workspace.info()?.name)).unwrap();
        assert_eq!(name, parity_app::demo::DEMO_NAME);
    }

    #[test]
    fn commands_during_the_launch_wait_for_its_first_matrix() {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::open_at_launch(dir.path().to_path_buf()).unwrap();
        std::thread::scope(|s| {
            s.spawn(|| session.finish_launch().unwrap());
            // this thread's first command waits until the launch's thread has the matrix
            assert!(session.with(|o| Ok(o.view.is_some())).unwrap());
        });
        // a second call changes nothing
        session.finish_launch().unwrap();
        assert!(session.with(|o| Ok(o.view.is_some())).unwrap());

        // a workspace that cannot be compared: the first command sees the demo, and why
        remember_a_damaged_workspace(session, dir.path());
        let session = Session::open_at_launch(dir.path().to_path_buf()).unwrap();
        std::thread::scope(|s| {
            s.spawn(|| session.finish_launch().unwrap());
            let why = session.launch_error().unwrap();
            assert!(why.contains("damaged.sqlite"), "{why}");
            let name = session.with(|o| Ok(o.workspace.info()?.name)).unwrap();
            assert_eq!(name, parity_app::demo::DEMO_NAME);
        });
    }

    #[test]
    fn a_second_launch_reads_the_matrix_from_the_cache_and_loads_snapshots_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join(MATRIX_CACHE_DIR);
        let first = Session::start(dir.path().to_path_buf()).unwrap();
        let computed = first
            .with(|o| {
                assert!(!o.from_cache);
                let v = o.view(&[])?;
                Ok((
                    v.comparison().matrix.rows.clone(),
                    v.matching(&Default::default())?,
                ))
            })
            .unwrap();
        // stored once the launch was done
        first.wait_for_matrix_cache();
        let files: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
        assert_eq!(files.len(), 1);
        drop(first);

        let second = Session::start(dir.path().to_path_buf()).unwrap();
        second
            .with(|o| {
                assert!(
                    o.from_cache,
                    "the unchanged workspace reopens from the cache"
                );
                let v = o.rows_view(&[])?;
                assert!(!v.comparison().snapshots_loaded());
                assert_eq!(v.comparison().matrix.rows, computed.0);
                assert_eq!(v.matching(&Default::default())?, computed.1);
                // a command that needs the snapshots loads them
                let v = o.view(&[])?;
                assert!(v.comparison().snapshots_loaded());
                assert_eq!(
                    v.comparison().snapshots.len(),
                    v.comparison().matrix.labels.len()
                );
                assert!(!v.detail(0)?.pairings.is_empty());
                Ok(())
            })
            .unwrap();
        // a change recomputes, and the cache is not read for it
        second
            .change(|ws| {
                let id = ws.store().exceptions()?[0].effective_id();
                ws.remove_exception(&id, parity_app::Via::Desktop, Utc::now())
            })
            .unwrap();
        let recomputed = second
            .with(|o| {
                let v = o.rows_view(&[])?;
                assert!(v.comparison().snapshots_loaded());
                let rows = v.comparison().matrix.rows.clone();
                assert!(!o.from_cache);
                Ok(rows)
            })
            .unwrap();
        assert_ne!(recomputed, computed.0, "the removed exception shows");
        // the recompute is stored too: the next launch reads the matrix after the change
        drop(second);
        assert_relaunch_reads(dir.path(), &recomputed);
    }

    /// A launch in `data_dir` reads its matrix from the matrix cache, and it has these rows.
    fn assert_relaunch_reads(data_dir: &Path, rows: &[parity_core::Row]) {
        Session::start(data_dir.to_path_buf())
            .unwrap()
            .with(|o| {
                assert!(o.from_cache, "the relaunch reads the matrix cache");
                assert_eq!(o.rows_view(&[])?.comparison().matrix.rows, rows);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_change_removes_the_workspace_s_cache_file_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::start(dir.path().to_path_buf()).unwrap();
        session.wait_for_matrix_cache();
        let file = session
            .with(|o| o.workspace.matrix_cache_file(&o.matrix_cache))
            .unwrap();
        assert!(file.exists(), "the launch stored its matrix");
        // a snapshot deleted in the app: the file holds its values, and no recompute follows
        session
            .change(|ws| {
                let id = ws.store().snapshots(None)?[0].id;
                ws.delete_snapshot(id)
            })
            .unwrap();
        assert!(!file.exists(), "the file went with the change");
        drop(session);
        assert!(!file.exists(), "nothing stored it again");
    }

    #[test]
    fn after_several_recomputes_the_newest_matrix_is_the_one_stored() {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::start(dir.path().to_path_buf()).unwrap();
        let cache = dir.path().join(MATRIX_CACHE_DIR);
        // three changes in a row, each recomputed: the writer is handed three matrices
        let mut last = Vec::new();
        for _ in 0..3 {
            session
                .change(|ws| {
                    let id = ws.store().exceptions()?[0].effective_id();
                    ws.remove_exception(&id, parity_app::Via::Desktop, Utc::now())
                })
                .unwrap();
            last = session
                .with(|o| Ok(o.rows_view(&[])?.comparison().matrix.rows.clone()))
                .unwrap();
        }
        session.wait_for_matrix_cache();
        let files: Vec<_> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            files.len(),
            1,
            "one file per workspace, no temporary left: {files:?}"
        );
        drop(session);
        // the newest matrix is the one stored
        assert_relaunch_reads(dir.path(), &last);
    }

    #[test]
    fn a_snapshot_deleted_by_another_writer_before_it_loads_drops_the_view_once() {
        let dir = tempfile::tempdir().unwrap();
        drop(Session::start(dir.path().to_path_buf()).unwrap());
        let second = Session::start(dir.path().to_path_buf()).unwrap();
        let (path, id) = second
            .with(|o| {
                assert!(o.from_cache);
                let ids = o.rows_view(&[])?.comparison().snapshot_ids();
                Ok((o.workspace.path().to_path_buf(), ids[0]))
            })
            .unwrap();
        // another process deletes one of the snapshots the cached matrix was computed from
        Workspace::open(&path, DbOpenMode::Existing, Utc::now())
            .unwrap()
            .delete_snapshot(id)
            .unwrap();
        let err = second.with(|o| o.view(&[]).map(|_| ())).unwrap_err();
        assert!(err.message.contains(&id.to_string()), "{}", err.message);
        // the view was dropped: the next command recomputes without that snapshot
        let ids = second
            .with(|o| Ok(o.view(&[])?.comparison().snapshot_ids()))
            .unwrap();
        assert!(!ids.contains(&id));
    }

    /// Makes `session` switch to a new workspace in `dir` holding a snapshot (so the next launch
    /// reopens it), ends the session, then damages the workspace's file.
    fn remember_a_damaged_workspace(session: Session, dir: &Path) {
        let bad = dir.join("damaged.sqlite");
        session.switch(&bad, DbOpenMode::CreateIfMissing).unwrap();
        session
            .change(|ws| {
                ws.add_environment(&parity_core::EnvironmentConfig::new("prod"), false)?;
                ws.add_snapshot(&parity_core::Snapshot {
                    id: None,
                    environment: "prod".into(),
                    taken_at: Utc::now(),
                    source: parity_core::Source::Aws,
                    missing: vec![],
                    resources: vec![],
                })
            })
            .unwrap();
        drop(session);
        damage(&bad);
    }

    /// Damages the file from byte 100 on: the header survives, the schema does not.
    fn damage(path: &Path) {
        let mut bytes = std::fs::read(path).unwrap();
        for b in bytes.iter_mut().skip(100).take(4000) {
            *b = 0x5a;
        }
        std::fs::write(path, bytes).unwrap();
        let _ = std::fs::remove_file(path.with_extension("sqlite-wal"));
        let _ = std::fs::remove_file(path.with_extension("sqlite-shm"));
    }

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
