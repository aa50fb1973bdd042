//! The matrix cache (issue 19, "Opening a workspace at the floor"): the matrix of a workspace's
//! default comparison (every environment's newest snapshot), kept in a file of its own and read
//! back instead of computed when nothing it was computed from changed. The desktop keeps one per
//! workspace under its data directory; opening a large workspace again is then one read, not a
//! load of every snapshot and a comparison.
//!
//! The database stays the source of truth, and the cache can never show a stale matrix: a file
//! is keyed by a digest of everything the computation reads — the program itself (its file's
//! size and modification time, so another build never reads it), the workspace's id and
//! location, each column's label, environment settings and snapshot (id, time, source, gaps,
//! resource count, collector), the secret detector's version and key id (the one rewrite of stored
//! snapshots changes them), rewrite rules, ignores, exceptions, grouping, and which exceptions
//! have expired by today (the only way the date enters a matrix, so a file stays valid from day
//! to day until an expiry passes). A change to any of them is a miss, and a miss computes. A file
//! that does not read back (damaged, truncated, another format) is a miss too, never an error.
//! A file that misses is removed at once: it may hold values of snapshots since deleted, or
//! values a newer secret detector scrubs.
//!
//! The file holds what the matrix holds: values of stored snapshots, which the secret detector
//! has been through (no secret reaches it). It is written like every file (`files::write_atomic`:
//! a new file, readable by its owner only, renamed into place). A file read back is marked used
//! (its modification time); the [`KEEP`] most recently used are kept, and none unused for
//! [`MAX_AGE`].

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use parity_core::Matrix;
use sha2::{Digest, Sha256};

use crate::compare::{Comparison, Inputs, Plan};
use crate::error::AppResult;
use crate::files::write_atomic_with;
use crate::Workspace;

/// Bumped when what goes into the key changes.
const FORMAT: &str = "envparity matrix cache 2";
/// The file name's extension.
const EXTENSION: &str = "matrix";
/// How many cache files (workspaces) a directory keeps; older ones are removed on writing.
pub const KEEP: usize = 4;
/// How long a cache file neither written nor read is kept (its workspace's values with it).
pub const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);
/// How old a temporary file of an interrupted write must be before it is removed.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(3600);

/// Where a computed matrix is to be stored, under the key of its inputs.
#[derive(Debug, Clone)]
pub struct CacheEntry {
    path: PathBuf,
    key: [u8; 32],
}

/// A comparison from [`Workspace::compare_with_cache`].
#[derive(Debug)]
pub struct Cached {
    pub comparison: Comparison,
    /// Whether the matrix was read from the cache (then the comparison's snapshots are not
    /// loaded yet: [`Comparison::load_snapshots`]).
    pub hit: bool,
    /// Where to store the matrix after a miss (`None` after a hit, or when the program's own
    /// file cannot be examined, so no key can be made).
    pub store: Option<CacheEntry>,
}

impl Workspace {
    /// The comparison of every environment's newest snapshot (what [`Workspace::compare`] gives
    /// for no columns), its matrix read from the cache in `dir` when one is stored there for
    /// exactly these inputs, otherwise computed.
    pub fn compare_with_cache(&self, dir: &Path, today: NaiveDate) -> AppResult<Cached> {
        let plan = self.plan(&[])?;
        let inputs = self.inputs()?;
        let entry = self.cache_entry(dir, &plan, &inputs, today)?;
        if let Some(matrix) = entry.as_ref().and_then(|e| e.read(&plan)) {
            return Ok(Cached {
                comparison: plan.comparison(None, matrix, inputs, today),
                hit: true,
                store: None,
            });
        }
        let ids: Vec<i64> = plan.chosen.iter().map(|(_, _, info)| info.id).collect();
        let snapshots = self.store().load_snapshots(&ids)?;
        let matrix = plan.compute(&snapshots, &inputs, today)?;
        Ok(Cached {
            comparison: plan.comparison(Some(snapshots), matrix, inputs, today),
            hit: false,
            store: entry,
        })
    }

    /// The cache file of this workspace in `dir` and the key of these inputs; `None` when the
    /// program's own file cannot be examined.
    fn cache_entry(
        &self,
        dir: &Path,
        plan: &Plan,
        inputs: &Inputs,
        today: NaiveDate,
    ) -> AppResult<Option<CacheEntry>> {
        let Some(program) = program_identity() else {
            return Ok(None);
        };
        let info = self.info()?;
        let location = self.path().display().to_string();
        let mut key = Hasher::default();
        key.part(FORMAT);
        key.part(&program);
        key.part(&info.id);
        key.part(&info.created_at);
        key.part(&location);
        key.part(&self.store().secrets_version()?.to_string());
        key.part(&format!("{:?}", self.store().fingerprint_key_id()?));
        for (label, env, snapshot) in &plan.chosen {
            key.part(label);
            key.part(&format!("{env:?}"));
            key.part(&format!("{snapshot:?}"));
        }
        key.part(&format!("{:?}", inputs.rules));
        key.part(&format!("{:?}", inputs.ignores));
        key.part(&format!("{:?}", inputs.exceptions));
        key.part(&format!("{:?}", inputs.group_numbered));
        key.part(&expiry_states(&inputs.exceptions, today));
        Ok(Some(CacheEntry {
            path: cache_file(dir, &info.id, &location),
            key: key.finish(),
        }))
    }

    /// This workspace's cache file in `dir` (whether it exists or not).
    pub fn matrix_cache_file(&self, dir: &Path) -> AppResult<PathBuf> {
        Ok(cache_file(
            dir,
            &self.info()?.id,
            &self.path().display().to_string(),
        ))
    }
}

/// The cache file in `dir` of the workspace with this id and location: named by both, so one
/// file per workspace.
fn cache_file(dir: &Path, id: &str, location: &str) -> PathBuf {
    let mut name = Hasher::default();
    name.part(id);
    name.part(location);
    dir.join(format!("{}.{EXTENSION}", hex(&name.finish()[..12])))
}

impl CacheEntry {
    /// The stored matrix, if the file holds one for this key with the planned columns.
    /// A file that holds anything else (other inputs, another build's, damaged) is removed: it
    /// can never be read again, and it may hold values the secret detector has since learnt to
    /// scrub, or of snapshots since deleted.
    fn read(&self, plan: &Plan) -> Option<Matrix> {
        let mut file = std::fs::File::open(&self.path).ok()?;
        let matrix = self
            .read_matching(&mut file)
            .and_then(|rest| Matrix::from_bytes(&rest).ok())
            .filter(|m| {
                let labels = plan.chosen.iter().map(|(label, _, _)| label);
                m.labels.len() == plan.chosen.len() && m.labels.iter().eq(labels)
            });
        if matrix.is_none() {
            drop(file);
            let _ = std::fs::remove_file(&self.path);
        } else {
            // used: eviction goes by last use, not by write
            let _ = file.set_modified(std::time::SystemTime::now());
        }
        matrix
    }

    /// The bytes after the key, read only when the file starts with this entry's key: a file of
    /// other inputs (hundreds of megabytes for a large workspace) is told apart by its first
    /// 32 bytes, not read whole.
    fn read_matching(&self, file: &mut std::fs::File) -> Option<Vec<u8>> {
        use std::io::Read;
        let mut key = [0u8; 32];
        file.read_exact(&mut key).ok()?;
        if key != self.key {
            return None;
        }
        let len = file.metadata().ok()?.len();
        let mut rest = Vec::with_capacity(usize::try_from(len.saturating_sub(32)).ok()?);
        file.read_to_end(&mut rest).ok()?;
        Some(rest)
    }

    /// Stores `matrix` under this entry's key (the key, then the matrix's binary form, written
    /// as it is encoded), creating the directory if needed, then prunes the directory
    /// ([`KEEP`], [`MAX_AGE`]).
    pub fn write(&self, matrix: &Matrix) -> AppResult<()> {
        self.write_paced(matrix, &|| {})
    }

    /// [`CacheEntry::write`], calling `pace` before each piece of the encoded matrix is written
    /// and now and then while its table of names is built: a writer that shares the cores with
    /// a screen waits there while the screen waits for a command (the encoding stops with the
    /// writing).
    pub fn write_paced(&self, matrix: &Matrix, pace: &dyn Fn()) -> AppResult<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| {
            crate::AppError::bad_input(format!("{}: cannot create: {e}", dir.display()))
        })?;
        write_atomic_with(&self.path, |w| {
            let mut w = Paced { inner: w, pace };
            w.write_all(&self.key)?;
            matrix.encode_paced(&mut w, pace)
        })?;
        prune(dir, &self.path);
        Ok(())
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A writer calling `pace` before each write.
struct Paced<'a> {
    inner: &'a mut dyn Write,
    pace: &'a dyn Fn(),
}

impl Write for Paced<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        (self.pace)();
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Removes all but the [`KEEP`] most recently used cache files of `dir` and those unused for
/// [`MAX_AGE`] (never `keep`, just written), and
/// temporary files an interrupted write left behind (older than [`STALE_TEMP`]: a younger one may
/// be another instance's write in progress).
fn prune(dir: &Path, keep: &Path) {
    let now = std::time::SystemTime::now();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale = || {
            let modified = entry.metadata().ok()?.modified().ok()?;
            Some(now.duration_since(modified).ok()? > STALE_TEMP)
        };
        if name.starts_with(".envparity-") && name.ends_with(".tmp") && stale() == Some(true) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == EXTENSION))
                .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
                .collect()
        })
        .unwrap_or_default();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (i, (modified, old)) in files.iter().enumerate() {
        let unused = now.duration_since(*modified).is_ok_and(|age| age > MAX_AGE);
        if old != keep && (i >= KEEP || unused) {
            let _ = std::fs::remove_file(old);
        }
    }
}

/// The running program's path, size and modification time: another build is another program.
fn program_identity() -> Option<String> {
    let path = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&path).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "{} {} {}",
        path.display(),
        meta.len(),
        modified.as_nanos()
    ))
}

/// Which exceptions have expired by `today`, one character each in their order: the only way
/// the date enters a matrix (`Matrix::compute` reads it for `ExceptionRule::is_expired` alone).
/// Keying on this rather than on the date keeps a file valid from one day to the next until an
/// exception's expiry passes.
fn expiry_states(exceptions: &[parity_core::ExceptionRule], today: NaiveDate) -> String {
    exceptions
        .iter()
        .map(|e| if e.is_expired(today) { 'x' } else { '-' })
        .collect()
}

/// SHA-256 over length-prefixed parts (so no two lists of parts give the same input).
#[derive(Default)]
struct Hasher(Sha256);

impl Hasher {
    fn part(&mut self, s: &str) {
        self.0.update((s.len() as u64).to_le_bytes());
        self.0.update(s.as_bytes());
    }

    fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DbOpenMode;
    use chrono::Utc;

    /// The demo workspace in a temporary directory (kept while the first value lives), the
    /// cache directory beside it, and today.
    fn demo() -> (tempfile::TempDir, Workspace, PathBuf, NaiveDate) {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let ws = Workspace::open(
            &dir.path().join("demo.sqlite"),
            DbOpenMode::CreateIfMissing,
            now,
        )
        .unwrap();
        ws.load_demo(now).unwrap();
        let cache = dir.path().join("cache");
        (dir, ws, cache, now.date_naive())
    }

    /// The diff document of a comparison, as `envparity diff --format json` prints it.
    fn document(ws: &Workspace, cmp: &mut Comparison) -> String {
        cmp.load_snapshots(ws).unwrap();
        let at = chrono::DateTime::UNIX_EPOCH;
        serde_json::to_string(&cmp.document(at, None)).unwrap()
    }

    /// Computes, stores and returns the stored entry's path.
    fn miss_and_store(ws: &Workspace, cache: &Path, today: NaiveDate) -> PathBuf {
        let c = ws.compare_with_cache(cache, today).unwrap();
        assert!(!c.hit);
        let entry = c.store.expect("a key");
        entry.write(&c.comparison.matrix).unwrap();
        entry.path().to_path_buf()
    }

    #[test]
    fn a_stored_matrix_is_read_back_and_gives_the_same_comparison() {
        let (_dir, ws, cache, today) = demo();
        let path = miss_and_store(&ws, &cache, today);
        assert!(path.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only its owner reads the cache file");
        }

        let mut cached = ws.compare_with_cache(&cache, today).unwrap();
        assert!(cached.hit);
        assert!(cached.store.is_none());
        assert!(!cached.comparison.snapshots_loaded());
        assert!(cached.comparison.snapshots.is_empty());
        let mut computed = ws.compare(&[], today).unwrap();
        assert_eq!(
            cached.comparison.snapshot_ids(),
            computed.snapshot_ids(),
            "the snapshot ids are known before the snapshots are loaded"
        );
        assert_eq!(cached.comparison.matrix.rows, computed.matrix.rows);
        assert_eq!(
            cached.comparison.matrix.shared_secrets,
            computed.matrix.shared_secrets
        );
        let a = document(&ws, &mut cached.comparison);
        assert!(cached.comparison.snapshots_loaded());
        assert_eq!(a, document(&ws, &mut computed));
        assert_eq!(
            cached.comparison.environments, computed.environments,
            "the environments come from the store, not the cache"
        );
    }

    #[test]
    fn any_change_to_the_inputs_is_a_miss() {
        let (_dir, ws, cache, today) = demo();
        miss_and_store(&ws, &cache, today);
        assert!(ws.compare_with_cache(&cache, today).unwrap().hit);

        // another day: still a hit until an exception's expiry passes, then a miss, and the file
        // of other inputs is removed
        let exceptions = ws.store().exceptions().unwrap();
        let states =
            |d: NaiveDate| -> Vec<bool> { exceptions.iter().map(|e| e.is_expired(d)).collect() };
        let days = || (1..=800).map(|k| today + chrono::Days::new(k));
        let later = days()
            .find(|d| states(*d) == states(today))
            .expect("a later day on which no expiry has passed");
        let passed = days()
            .find(|d| states(*d) != states(today))
            .expect("the demo has an exception that expires");
        assert!(ws.compare_with_cache(&cache, later).unwrap().hit);
        assert!(ws.compare_with_cache(&cache, today).unwrap().hit);
        let after_expiry = ws.compare_with_cache(&cache, passed).unwrap();
        assert!(!after_expiry.hit);
        assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 0);
        assert_ne!(
            after_expiry.comparison.matrix.rows,
            ws.compare(&[], today).unwrap().matrix.rows,
            "an expiry that passed changes the matrix: the key must change with it"
        );
        miss_and_store(&ws, &cache, today);

        // an ignore rule added
        let before = ws.compare(&[], today).unwrap().matrix.rows.len();
        ws.store()
            .add_ignore(&parity_core::IgnoreRule {
                kind: "*".into(),
                attribute: "tags.*".into(),
            })
            .unwrap();
        let after = ws.compare_with_cache(&cache, today).unwrap();
        assert!(!after.hit, "an ignore rule changes the key");
        assert!(after.comparison.matrix.rows.len() < before);
        // stored again, then an exception removed
        let entry = after.store.as_ref().unwrap();
        entry.write(&after.comparison.matrix).unwrap();
        assert!(ws.compare_with_cache(&cache, today).unwrap().hit);
        let first = ws.store().exceptions().unwrap()[0].effective_id();
        ws.remove_exception(&first, crate::Via::Cli, Utc::now())
            .unwrap();
        assert!(!ws.compare_with_cache(&cache, today).unwrap().hit);
    }

    #[test]
    fn a_damaged_or_foreign_file_is_a_miss_not_an_error() {
        let (_dir, ws, cache, today) = demo();
        let path = miss_and_store(&ws, &cache, today);
        let good = std::fs::read(&path).unwrap();
        for damaged in [
            good[..good.len() / 2].to_vec(),
            {
                let mut b = good.clone();
                let last = b.len() - 1;
                b[last] ^= 1;
                b
            },
            b"something else entirely".to_vec(),
            Vec::new(),
        ] {
            std::fs::write(&path, &damaged).unwrap();
            let c = ws.compare_with_cache(&cache, today).unwrap();
            assert!(!c.hit);
            assert!(!path.exists(), "a file that cannot be read is removed");
            assert!(c.comparison.snapshots_loaded());
            assert!(!c.comparison.matrix.rows.is_empty());
        }
    }

    /// Sets `path`'s modification time to `ago` before now.
    fn make_old(path: &Path, ago: std::time::Duration) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - ago)
            .unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut left: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        left
    }

    const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);

    #[test]
    fn a_directory_keeps_the_most_recently_used_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        std::fs::create_dir_all(&cache).unwrap();
        let other = cache.join("notes.txt");
        std::fs::write(&other, "not a cache file").unwrap();
        for i in 0..KEEP + 2 {
            let path = cache.join(format!("{i}.{EXTENSION}"));
            std::fs::write(&path, "x").unwrap();
            // distinct modification times within the last hours, oldest first
            make_old(&path, HOUR * (10 - i as u32));
        }
        // what an interrupted write leaves: removed once old, kept while it may be in progress
        let old_temp = cache.join(".envparity-old.tmp");
        let young_temp = cache.join(".envparity-young.tmp");
        std::fs::write(&old_temp, "x").unwrap();
        std::fs::write(&young_temp, "x").unwrap();
        make_old(&old_temp, 2 * STALE_TEMP);
        let new = cache.join(format!("new.{EXTENSION}"));
        std::fs::write(&new, "x").unwrap();
        prune(&cache, &new);
        assert_eq!(
            names(&cache),
            [
                ".envparity-young.tmp",
                "3.matrix",
                "4.matrix",
                "5.matrix",
                "new.matrix",
                "notes.txt"
            ]
        );
    }

    #[test]
    fn a_file_unused_for_longer_than_max_age_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        std::fs::create_dir_all(&cache).unwrap();
        let recent = cache.join(format!("recent.{EXTENSION}"));
        let unused = cache.join(format!("unused.{EXTENSION}"));
        std::fs::write(&recent, "x").unwrap();
        std::fs::write(&unused, "x").unwrap();
        make_old(&recent, MAX_AGE - HOUR);
        make_old(&unused, MAX_AGE + HOUR);
        let new = cache.join(format!("new.{EXTENSION}"));
        std::fs::write(&new, "x").unwrap();
        prune(&cache, &new);
        assert_eq!(names(&cache), ["new.matrix", "recent.matrix"]);
    }

    #[test]
    fn a_paced_write_calls_its_pace_between_pieces_and_writes_the_same_file() {
        let (_dir, ws, cache, today) = demo();
        let path = miss_and_store(&ws, &cache, today);
        let plain = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let c = ws.compare_with_cache(&cache, today).unwrap();
        assert!(!c.hit);
        let entry = c.store.expect("a key");
        let calls = std::cell::Cell::new(0);
        entry
            .write_paced(&c.comparison.matrix, &|| calls.set(calls.get() + 1))
            .unwrap();
        assert!(calls.get() > 1, "paced {} times", calls.get());
        assert_eq!(std::fs::read(entry.path()).unwrap(), plain);
    }

    #[test]
    fn a_file_read_back_counts_as_used() {
        let (_dir, ws, cache, today) = demo();
        let path = miss_and_store(&ws, &cache, today);
        make_old(&path, MAX_AGE - HOUR);
        assert!(ws.compare_with_cache(&cache, today).unwrap().hit);
        let age = std::fs::metadata(&path)
            .unwrap()
            .modified()
            .unwrap()
            .elapsed()
            .unwrap_or_default();
        assert!(age < HOUR, "read back {age:?} ago: marked used");
    }
}
