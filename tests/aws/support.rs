//! The AWS end-to-end harness: a workspace in a temporary directory whose `envparity` runs see
//! only test AWS settings (default-chain keys in the environment, empty config files, no proxy
//! variables) and, when the test runs inside one, the D-Bus session's Secret Service. Every run's
//! output is kept so a test can assert that a secret never appeared in any of it.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use serde_json::Value;

pub use crate::cli_support::{binary, row, rows, Run};

pub const REGION: &str = "us-east-1";
/// The default-chain keys every run gets (environments without keyring credentials use them).
pub const CHAIN_KEY_ID: &str = "AKIADEFAULTCHAIN";
pub const CHAIN_SECRET: &str = "default-chain-secret-e2e";

/// Variables a developer's shell may carry that would change what the binary talks to.
const SCRUBBED: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "ENVPARITY_DB",
    "ENVPARITY_NOW",
    "RUST_BACKTRACE",
];

pub struct AwsSandbox {
    dir: tempfile::TempDir,
    db: PathBuf,
    /// Every run so far, for [`AwsSandbox::assert_never_printed`].
    runs: Mutex<Vec<Run>>,
}

impl AwsSandbox {
    pub fn new() -> AwsSandbox {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = dir.path().join("workspace.sqlite");
        // Empty AWS config files: the user's ~/.aws never leaks into a test.
        std::fs::write(dir.path().join("aws-config"), "").expect("write aws config");
        std::fs::write(dir.path().join("aws-credentials"), "").expect("write aws credentials");
        AwsSandbox {
            dir,
            db,
            runs: Mutex::new(Vec::new()),
        }
    }

    /// The workspace database.
    pub fn db(&self) -> &std::path::Path {
        &self.db
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `envparity --db <db> ARGS` with stdin closed.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    /// The `envparity --db <db> ARGS` command every run uses: test AWS settings only, output
    /// piped, stdin closed.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary());
        cmd.arg("--db")
            .arg(&self.db)
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("AWS_ACCESS_KEY_ID", CHAIN_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", CHAIN_SECRET)
            .env("AWS_CONFIG_FILE", self.path("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path("aws-credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::null());
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        cmd
    }

    /// Runs with `stdin` piped in (not a terminal), or closed when `None`.
    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut cmd = self.command(args);
        if stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd.spawn().expect("run envparity");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            pipe.write_all(text.as_bytes()).expect("write stdin");
        }
        let out = child.wait_with_output().expect("wait for envparity");
        let run = Run {
            command: format!("envparity {}", args.join(" ")),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        self.runs.lock().expect("lock").push(Run {
            command: run.command.clone(),
            code: run.code,
            stdout: run.stdout.clone(),
            stderr: run.stderr.clone(),
        });
        run
    }

    /// `env add NAME --region us-east-1 --tag Environment=TAG --endpoint-url URL EXTRA…`.
    pub fn add_env(&self, name: &str, tag: &str, endpoint: &str, extra: &[&str]) {
        let tag = format!("Environment={tag}");
        let mut args = vec![
            "env",
            "add",
            name,
            "--region",
            REGION,
            "--tag",
            &tag,
            "--endpoint-url",
            endpoint,
        ];
        args.extend_from_slice(extra);
        self.run(&args).ok();
    }

    /// `diff --format json ARGS`, parsed.
    pub fn diff_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["diff", "--format", "json"];
        all.extend_from_slice(args);
        self.run(&all).json()
    }

    /// Asserts that no run so far printed `secret` on stdout or stderr.
    #[track_caller]
    pub fn assert_never_printed(&self, secret: &str) {
        for run in self.runs.lock().expect("lock").iter() {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "`{}` printed `{secret}`:\n{}\n{}",
                run.command,
                run.stdout,
                run.stderr
            );
        }
    }

    /// Asserts that `secret` is nowhere in the database's bytes (main file, WAL, shared memory).
    #[track_caller]
    pub fn assert_not_in_database(&self, secret: &str) {
        let mut checked = 0;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.db.as_os_str().to_owned();
            name.push(suffix);
            let Ok(bytes) = std::fs::read(&name) else {
                continue;
            };
            checked += 1;
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "`{secret}` is in {}",
                PathBuf::from(name).display()
            );
        }
        assert!(checked > 0, "no database file at {}", self.db.display());
    }
}

/// Whether the test must fail (not skip) without a reachable keyring (scripts/test sets it).
pub fn keyring_required() -> bool {
    std::env::var("ENVPARITY_REQUIRE_KEYRING").is_ok_and(|v| v == "1")
}

/// A row's cell status for `env` (`None` when the row has no cell for it).
pub fn cell<'a>(doc: &'a Value, key: &str, attribute: &str, env: &str) -> Option<&'a str> {
    row(doc, key, attribute)["cells"][env].as_str()
}

/// The status of the pair (a, b) of a row: `same` when the pair is not listed (docs/CONTRACTS.md
/// lists every pair whose status is not `same`).
pub fn pair(doc: &Value, key: &str, attribute: &str, a: &str, b: &str) -> String {
    let r = row(doc, key, attribute);
    r["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .find(|p| (p["a"] == a && p["b"] == b) || (p["a"] == b && p["b"] == a))
        .map(|p| p["status"].as_str().expect("status").to_string())
        .unwrap_or_else(|| "same".to_string())
}
