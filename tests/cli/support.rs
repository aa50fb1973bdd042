//! The harness: find (and build) the real `envparity` binary, run it against a database file in
//! a fresh temporary directory with a pinned clock, and fingerprint database files so a test can
//! prove that a refused command changed nothing.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The instant every test runs at unless it says otherwise (the demo's dates are relative to it).
pub const NOW: &str = "2026-11-26T12:00:00Z";

/// The `envparity` binary of this build.
///
/// Cargo sets `CARGO_BIN_EXE_<name>` only for tests of the binary's own package, so the binary is
/// located beside this test executable (`<target>/<profile>/deps/cli-…` →
/// `<target>/<profile>/envparity`) and built once per test run with the same cargo, target
/// directory and profile. That makes `cargo test -p parity-tests` correct from a clean target
/// directory and never runs a stale binary. `ENVPARITY_BIN` overrides both (a prebuilt binary,
/// cross-compiled builds).
pub fn binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("ENVPARITY_BIN") {
            return PathBuf::from(bin);
        }
        let exe = std::env::current_exe().expect("the test executable's path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test executable lives in <target>/<profile>/deps");
        let target_dir = profile_dir.parent().expect("<target>/<profile>");
        let bin = profile_dir.join(format!("envparity{}", std::env::consts::EXE_SUFFIX));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet", "-p", "parity-cli", "--bin", "envparity"])
            .arg("--target-dir")
            .arg(target_dir);
        match profile_dir.file_name().and_then(OsStr::to_str) {
            Some("debug") | None => {}
            Some("release") => {
                build.arg("--release");
            }
            Some(other) => {
                build.args(["--profile", other]);
            }
        }
        let status = build.status().expect("cannot run cargo to build envparity");
        assert!(status.success(), "building envparity failed: {status}");
        assert!(bin.exists(), "{} was not built", bin.display());
        bin
    })
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub command: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn context(&self) -> String {
        format!(
            "`{}` exited {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.code, self.stdout, self.stderr
        )
    }

    /// Asserts the exit code; returns the run for more assertions.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Run {
        assert_eq!(self.code, expected, "{}", self.context());
        self
    }

    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        self.code(0);
        &self.stdout
    }

    /// Asserts that stderr contains every fragment (case-sensitive).
    #[track_caller]
    pub fn stderr_has(&self, fragments: &[&str]) -> &Run {
        for f in fragments {
            assert!(
                self.stderr.contains(f),
                "stderr lacks `{f}`\n{}",
                self.context()
            );
        }
        self
    }

    /// Asserts that stdout contains every fragment.
    #[track_caller]
    pub fn stdout_has(&self, fragments: &[&str]) -> &Run {
        for f in fragments {
            assert!(
                self.stdout.contains(f),
                "stdout lacks `{f}`\n{}",
                self.context()
            );
        }
        self
    }

    /// Stdout parsed as JSON (after asserting success).
    #[track_caller]
    pub fn json(&self) -> Value {
        self.code(0);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", self.context()))
    }
}

/// A workspace file adding one environment and `n` exceptions for it, ids prefixed `prefix`.
pub fn workspace_file(env: &str, prefix: &str, n: usize) -> String {
    let mut text = format!("[[environment]]\nname = \"{env}\"\nregions = [\"us-east-1\"]\n");
    for i in 0..n {
        text.push_str(&format!(
            "\n[[exception]]\nid = \"{prefix}-{i}\"\nresource = \"ec2.instance/x{i}\"\nattribute = \"instance_type\"\nenvironments = [\"{env}\"]\njustification = \"load test {i}\"\nowner = \"perf\"\n"
        ));
    }
    text
}

/// A temporary directory with one workspace database (`workspace.sqlite`, not created until a
/// command creates it) and the clock pinned to [`NOW`].
pub struct Sandbox {
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = dir.path().join("workspace.sqlite");
        Sandbox { dir, db }
    }

    /// A sandbox with the demo workspace loaded.
    pub fn demo() -> Sandbox {
        let s = Sandbox::new();
        s.run(&["demo"]).ok();
        s
    }

    pub fn db(&self) -> &Path {
        &self.db
    }

    /// A path inside the sandbox.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file into the sandbox and returns its path as a string argument.
    pub fn file(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write a sandbox file");
        p.display().to_string()
    }

    /// Adds `n` exceptions one `exception add` process after another, ids `<writer>-<i>` on
    /// `rds.db_instance/<id>`, owned by `writer` (the concurrency tests' writers).
    pub fn add_exceptions(&self, db: &Path, writer: &str, n: usize) {
        for i in 0..n {
            let id = format!("{writer}-{i}");
            let resource = format!("rds.db_instance/{id}");
            self.run_on(
                db,
                &[
                    "exception",
                    "add",
                    "--id",
                    &id,
                    "--resource",
                    &resource,
                    "--attribute",
                    "multi_az",
                    "--env",
                    "prod",
                    "--justification",
                    "written concurrently",
                    "--owner",
                    writer,
                ],
            )
            .code(0);
        }
    }

    /// Runs `envparity --db <db> ARGS` at [`NOW`].
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(&self.db, NOW, args)
    }

    /// Runs at another instant.
    pub fn run_at(&self, now: &str, args: &[&str]) -> Run {
        self.run_with(&self.db, now, args)
    }

    /// Runs against another database file.
    pub fn run_on(&self, db: &Path, args: &[&str]) -> Run {
        self.run_with(db, NOW, args)
    }

    /// Runs with extra environment variables.
    pub fn run_env(&self, vars: &[(&str, &str)], args: &[&str]) -> Run {
        self.run_full(&self.db, NOW, vars, args)
    }

    /// Runs against another database with extra environment variables.
    pub fn run_env_on(&self, db: &Path, vars: &[(&str, &str)], args: &[&str]) -> Run {
        self.run_full(db, NOW, vars, args)
    }

    fn run_with(&self, db: &Path, now: &str, args: &[&str]) -> Run {
        self.run_full(db, now, &[], args)
    }

    fn run_full(&self, db: &Path, now: &str, vars: &[(&str, &str)], args: &[&str]) -> Run {
        let out = Command::new(binary())
            .arg("--db")
            .arg(db)
            .args(args)
            .current_dir(self.dir.path())
            .env("ENVPARITY_NOW", now)
            .env("NO_COLOR", "1")
            .env_remove("ENVPARITY_DB")
            .env_remove("ENVPARITY_FINGERPRINT_KEY")
            .envs(vars.iter().copied())
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null())
            .output()
            .expect("run envparity");
        Run {
            command: format!("envparity --db {} {}", db.display(), args.join(" ")),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `diff --format json ARGS`, parsed.
    pub fn diff_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["diff", "--format", "json"];
        all.extend_from_slice(args);
        self.run(&all).json()
    }

    /// Everything a user can observe about the workspace without looking at bytes: the workspace
    /// file, the environment and snapshot lists, the exceptions and every exception's audit trail.
    pub fn observable_state(&self) -> String {
        let mut out = String::new();
        for args in [
            &["export"][..],
            &["env", "list"],
            &["snapshots"],
            &["exception", "list"],
        ] {
            let run = self.run(args);
            let _ = writeln!(out, "$ {}\n{}", args.join(" "), run.ok());
        }
        for id in self.exception_ids() {
            let run = self.run(&["exception", "history", &id]);
            let _ = writeln!(out, "$ exception history {id}\n{}", run.ok());
        }
        out
    }

    /// The ids of the workspace's exceptions, from its exported file.
    pub fn exception_ids(&self) -> Vec<String> {
        let export = self.run(&["export"]);
        export
            .ok()
            .lines()
            .filter_map(|l| l.strip_prefix("id = \""))
            .map(|l| l.trim_end_matches('"').to_string())
            .collect()
    }
}

/// A database file's state on disk, taken after the process that used it has exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbFiles {
    /// SHA-256 of the main file's bytes (`None`: no such file).
    pub main: Option<String>,
    /// SHA-256 of the main file with SQLite's file change counter (header bytes 24–27 and 92–95)
    /// zeroed: equal when the content is equal, even if a no-op write transaction committed.
    pub content: Option<String>,
    /// SHA-256 of the write-ahead log, when one is left beside the file.
    pub wal: Option<String>,
    pub shm: bool,
}

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

impl DbFiles {
    pub fn of(path: &Path) -> DbFiles {
        let main = std::fs::read(path).ok();
        let content = main.as_ref().map(|bytes| {
            let mut masked = bytes.clone();
            for range in [24..28, 92..96] {
                if masked.len() >= range.end {
                    masked[range].fill(0);
                }
            }
            sha(&masked)
        });
        DbFiles {
            main: main.as_deref().map(sha),
            content,
            wal: std::fs::read(sibling(path, "-wal")).ok().map(|b| sha(&b)),
            shm: sibling(path, "-shm").exists(),
        }
    }

    pub fn exists(&self) -> bool {
        self.main.is_some()
    }
}

/// Asserts that a refused command left the database's content and everything observable through
/// the CLI unchanged (the raw bytes are checked by
/// `bad_input::failed_commands_leave_the_database_file_byte_identical`).
pub struct Untouched<'a> {
    sandbox: &'a Sandbox,
    files: DbFiles,
    state: String,
}

impl<'a> Untouched<'a> {
    pub fn capture(sandbox: &'a Sandbox) -> Untouched<'a> {
        let state = sandbox.observable_state();
        Untouched {
            files: DbFiles::of(sandbox.db()),
            sandbox,
            state,
        }
    }

    #[track_caller]
    pub fn assert(&self) {
        let now = DbFiles::of(self.sandbox.db());
        assert_eq!(
            now.content, self.files.content,
            "the database content changed"
        );
        assert_eq!(
            now.wal, self.files.wal,
            "the write-ahead log changed (uncheckpointed writes)"
        );
        assert_eq!(
            self.sandbox.observable_state(),
            self.state,
            "the workspace changed"
        );
    }
}

// ---- the diff document --------------------------------------------------------------------------

pub fn rows(doc: &Value) -> &Vec<Value> {
    doc["rows"].as_array().expect("`rows` is an array")
}

/// The row of `key` and `attribute`; panics when absent.
#[track_caller]
pub fn row<'a>(doc: &'a Value, key: &str, attribute: &str) -> &'a Value {
    rows(doc)
        .iter()
        .find(|r| r["key"] == key && r["attribute"] == attribute)
        .unwrap_or_else(|| panic!("no row {key} {attribute}"))
}

#[track_caller]
pub fn status_of(doc: &Value, key: &str, attribute: &str) -> String {
    row(doc, key, attribute)["status"]
        .as_str()
        .expect("status is a string")
        .to_string()
}

/// Statuses from worst to best (docs/CONTRACTS.md "Statuses"); drift and missing rank equal.
pub fn severity(status: &str) -> u8 {
    match status {
        "drift" | "missing" => 0,
        "violated" => 1,
        "expired" => 2,
        "unknown" => 3,
        "intentional" => 4,
        "allowed" => 5,
        "same" => 6,
        other => panic!("unknown status `{other}`"),
    }
}

pub const FAILING: [&str; 4] = ["drift", "missing", "violated", "expired"];

/// The crash tests' switch (`parity_store::HOLD_ENV`): set to N, a process about to make its Nth
/// committing write prints [`HOLD_MARKER`] on stderr and stops there.
pub const HOLD_ENV: &str = "ENVPARITY_TEST_HOLD_BEFORE_COMMIT";
pub const HOLD_MARKER: &str = "envparity-test: holding before commit";

/// Runs `cmd` (an `envparity` command with stderr piped) until it is about to make its `nth`
/// commit, then kills it with SIGKILL. The process says when it is there, so no sleep times it.
pub fn kill_at_commit(mut cmd: Command, nth: usize) {
    use std::io::{BufRead, BufReader};
    let mut child = cmd
        .env(HOLD_ENV, nth.to_string())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start envparity");
    let stderr = child.stderr.take().expect("stderr");
    // Bounded: the lines end when the process exits.
    let mut seen = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("read stderr");
        if line == HOLD_MARKER {
            break;
        }
        seen.push(line);
    }
    assert!(
        child.try_wait().expect("poll").is_none(),
        "{cmd:?} exited before its commit #{nth}: {seen:?}"
    );
    child.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
    assert!(!child.wait().expect("reap").success());
}

/// Asserts that the database at `db` opens and passes `PRAGMA integrity_check`.
pub fn integrity_ok(db: &Path) {
    let conn = rusqlite::Connection::open(db).expect("the database opens");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check runs");
    assert_eq!(check, "ok");
}
