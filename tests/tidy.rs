//! Tidy: the repository's invariants as tests (in the spirit of rust-analyzer's `tidy.rs`), so a
//! broken one fails CI instead of waiting for a reviewer. Each failure names the offending file
//! and the rule:
//! - every Rust file under `crates/`, `src-tauri/` and `tests/` starts with a `//!` module doc;
//! - per-crate dependency rules, read from each member's `Cargo.toml` (ARCHITECTURE.md
//!   "Invariants"): parity-core does no IO, only parity-store knows SQLite, only parity-aws knows
//!   the AWS SDK, only the root package knows Tauri;
//! - one golden-update variable (`UPDATE_GOLDEN`), and no test's verdict depends on `CI`;
//! - no test reads outside the repository (the shared corpus is vendored in `tests/fixtures`).

use std::fs;
use std::path::{Path, PathBuf};

/// The workspace root (this crate lives in `tests/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `path` relative to the workspace root, with `/` separators, for messages.
fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every file under `dir` (relative to the root) whose name ends with one of `extensions`,
/// skipping build output, dependencies and hidden folders; sorted, so messages are stable.
fn files(dir: &str, extensions: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !(name.starts_with('.')
                    || matches!(name.as_str(), "target" | "node_modules" | "dist"))
                {
                    walk(&path, extensions, out);
                }
            } else if extensions.iter().any(|e| name.ends_with(e)) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join(dir), extensions, &mut out);
    out.sort();
    out
}

/// The Rust sources the rules below cover.
fn rust_files() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = ["crates", "src-tauri", "tests"]
        .iter()
        .flat_map(|d| files(d, &[".rs"]))
        .collect();
    all.sort();
    assert!(
        all.len() > 50,
        "tidy found only {} Rust files under {}: wrong root?",
        all.len(),
        root().display()
    );
    all
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", rel(path)))
}

/// Fails with every violation, one `file: rule` line each.
fn report(rule: &str, violations: Vec<String>) {
    assert!(
        violations.is_empty(),
        "tidy: {} violation(s) of \"{rule}\":\n  {}\n",
        violations.len(),
        violations.join("\n  ")
    );
}

// ---- module docs ------------------------------------------------------------------------------

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let violations = rust_files()
        .into_iter()
        .filter(|f| !read(f).starts_with("//!"))
        .map(|f| {
            format!(
                "{}: the first line is not a `//!` line saying what the module is for",
                rel(&f)
            )
        })
        .collect();
    report("every module starts with a `//!` doc line", violations);
}

// ---- dependency rules -------------------------------------------------------------------------

/// One dependency of one workspace member, as its manifest declares it.
#[derive(Debug)]
struct Dependency {
    /// The crate's package name (`package = "…"` when renamed).
    name: String,
    /// `dependencies`, `dev-dependencies` or `build-dependencies`.
    section: &'static str,
}

/// A workspace member: its package name, manifest and dependencies.
#[derive(Debug)]
struct Member {
    package: String,
    manifest: PathBuf,
    dependencies: Vec<Dependency>,
}

impl Member {
    /// Dependencies of shipped code: normal and build dependencies.
    fn shipped(&self) -> impl Iterator<Item = &Dependency> {
        self.dependencies
            .iter()
            .filter(|d| d.section != "dev-dependencies")
    }
}

const SECTIONS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

fn dependencies_of(table: &toml::Table, out: &mut Vec<Dependency>) {
    for section in SECTIONS {
        let Some(deps) = table.get(section).and_then(toml::Value::as_table) else {
            continue;
        };
        for (key, spec) in deps {
            let name = spec
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(key);
            out.push(Dependency {
                name: name.to_string(),
                section,
            });
        }
    }
}

/// Every member listed in the root manifest's `[workspace] members`, with its dependencies
/// (target-specific sections included).
fn members() -> Vec<Member> {
    let root_manifest = root().join("Cargo.toml");
    let workspace: toml::Table = toml::from_str(&read(&root_manifest))
        .unwrap_or_else(|e| panic!("{}: {e}", rel(&root_manifest)));
    let paths = workspace["workspace"]["members"]
        .as_array()
        .expect("[workspace] members is a list");
    let members: Vec<Member> = paths
        .iter()
        .map(|p| {
            let manifest = root()
                .join(p.as_str().expect("a member is a path"))
                .join("Cargo.toml");
            let table: toml::Table = toml::from_str(&read(&manifest))
                .unwrap_or_else(|e| panic!("{}: {e}", rel(&manifest)));
            let package = table["package"]["name"]
                .as_str()
                .expect("[package] name")
                .to_string();
            let mut dependencies = Vec::new();
            dependencies_of(&table, &mut dependencies);
            if let Some(targets) = table.get("target").and_then(toml::Value::as_table) {
                for target in targets.values().filter_map(toml::Value::as_table) {
                    dependencies_of(target, &mut dependencies);
                }
            }
            Member {
                package,
                manifest,
                dependencies,
            }
        })
        .collect();
    for expected in [
        "parity-core",
        "parity-store",
        "parity-aws",
        "envparity-desktop",
    ] {
        assert!(
            members.iter().any(|m| m.package == expected),
            "tidy: the workspace has no member `{expected}`: update the dependency rules"
        );
    }
    members
}

fn is_sqlite(name: &str) -> bool {
    name.starts_with("rusqlite")
}

fn is_postgres(name: &str) -> bool {
    name == "postgres" || name.starts_with("postgres-") || name.starts_with("tokio-postgres")
}

fn is_aws(name: &str) -> bool {
    name.starts_with("aws-")
}

fn is_tauri(name: &str) -> bool {
    name == "tauri" || name.starts_with("tauri-")
}

/// Crates that do IO, run async tasks or read the environment: parity-core must not depend on
/// them (callers pass `now`, readers and writers).
fn is_io(name: &str) -> bool {
    is_sqlite(name)
        || is_postgres(name)
        || is_aws(name)
        || is_tauri(name)
        || matches!(
            name,
            "tokio" | "futures" | "keyring" | "reqwest" | "hyper" | "directories" | "tempfile"
        )
}

#[test]
fn dependency_rules_hold_for_every_crate() {
    let mut violations = Vec::new();
    for m in members() {
        let manifest = rel(&m.manifest);
        let package = m.package.as_str();
        if package == "parity-core" {
            for d in m.shipped().filter(|d| is_io(&d.name)) {
                violations.push(format!(
                    "{manifest}: parity-core does no IO, but [{}] has `{}`",
                    d.section, d.name
                ));
            }
        }
        for d in &m.dependencies {
            let dev_only = d.section == "dev-dependencies";
            if is_sqlite(&d.name)
                // the end-to-end tests open the databases the binary wrote, to check what it stored
                && !(package == "parity-store" || (package == "parity-tests" && dev_only))
            {
                violations.push(format!(
                    "{manifest}: only parity-store depends on rusqlite, but [{}] has `{}`",
                    d.section, d.name
                ));
            }
            if is_postgres(&d.name) && !matches!(package, "parity-store" | "parity-testkit") {
                violations.push(format!(
                    "{manifest}: only parity-store (and the dev-only parity-testkit) depends on the PostgreSQL driver, but [{}] has `{}`",
                    d.section, d.name
                ));
            }
            if is_aws(&d.name) && !matches!(package, "parity-aws" | "parity-testkit") {
                violations.push(format!(
                    "{manifest}: only parity-aws (and the dev-only parity-testkit) depends on aws-* crates, but [{}] has `{}`",
                    d.section, d.name
                ));
            }
            // The two faces go through parity-app (and parity-api): one definition per rule.
            if matches!(package, "parity-cli" | "envparity-desktop" | "parity-api")
                && matches!(d.name.as_str(), "parity-store" | "parity-aws")
            {
                violations.push(format!(
                    "{manifest}: the CLI and the desktop reach storage and AWS only through parity-app, but [{}] has `{}`",
                    d.section, d.name
                ));
            }
            if is_tauri(&d.name) && package != "envparity-desktop" {
                violations.push(format!(
                    "{manifest}: only the root package (envparity-desktop) depends on Tauri, but [{}] has `{}`",
                    d.section, d.name
                ));
            }
        }
    }
    report("per-crate dependency rules", violations);
}

/// Code in parity-core that would do IO, spawn processes or read a clock or the environment.
const CORE_FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "SystemTime::now",
    "Instant::now",
    "Utc::now",
    "Local::now",
    "tokio::",
];

/// The items a `use std::{…}` group brings in at its top level (`fs`, `io::Write`, …).
fn std_group_items(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("std::{") {
        let body = &rest[start + "std::{".len()..];
        let mut depth = 0;
        let mut item = String::new();
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    end = i;
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(std::mem::take(&mut item));
                    continue;
                }
                _ => {}
            }
            if depth == 0 {
                item.push(c);
            }
        }
        items.push(item);
        rest = &body[end..];
    }
    items
        .into_iter()
        .map(|i| i.trim().split("::").next().unwrap_or("").trim().to_string())
        .filter(|i| !i.is_empty())
        .collect()
}

#[test]
fn parity_core_sources_do_no_io_and_read_no_clock() {
    let mut violations = Vec::new();
    for file in files("crates/parity-core/src", &[".rs"]) {
        let text = read(&file);
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for pattern in CORE_FORBIDDEN {
                if line.contains(pattern) {
                    violations.push(format!(
                        "{}:{}: parity-core does no IO and reads no clock, but uses `{pattern}`",
                        rel(&file),
                        n + 1
                    ));
                }
            }
        }
        for item in std_group_items(&text) {
            if matches!(item.as_str(), "fs" | "net" | "process" | "env") {
                violations.push(format!(
                    "{}: parity-core does no IO, but imports `std::{item}`",
                    rel(&file)
                ));
            }
        }
    }
    report("parity-core does no IO, reads no clock", violations);
}

// ---- golden files and CI ----------------------------------------------------------------------

#[test]
fn one_golden_update_variable_and_no_verdict_depends_on_ci() {
    // built from pieces so that this file does not match its own rules
    let retired = concat!("ENVPARITY_", "UPDATE_SNAPSHOTS");
    let ci_reads = [
        concat!("var(", "\"CI\")"),
        concat!("var_os(", "\"CI\")"),
        concat!("env!(", "\"CI\")"),
        concat!("option_env!(", "\"CI\")"),
    ];
    let mut violations = Vec::new();
    for file in rust_files() {
        let text = read(&file);
        for (n, line) in text.lines().enumerate() {
            if line.contains(retired) {
                violations.push(format!(
                    "{}:{}: golden files are updated with UPDATE_GOLDEN=1 only (parity_testkit::golden), not `{retired}`",
                    rel(&file),
                    n + 1
                ));
            }
            if let Some(read) = ci_reads.iter().find(|p| line.contains(*p)) {
                violations.push(format!(
                    "{}:{}: `{read}`: a test's verdict must not depend on whether it runs on CI",
                    rel(&file),
                    n + 1
                ));
            }
        }
    }
    report("one golden-update variable; nothing reads `CI`", violations);
}

// ---- reads outside the repository -------------------------------------------------------------

#[test]
fn no_test_reads_outside_the_repository() {
    let shared = concat!("../", "shared");
    let mut sources = rust_files();
    for dir in ["scripts", "ui/e2e", "ui/test", ".ci"] {
        sources.extend(files(dir, &[""]));
    }
    let mut violations = Vec::new();
    for file in sources {
        let Ok(text) = fs::read_to_string(&file) else {
            continue; // binary files
        };
        for (n, line) in text.lines().enumerate() {
            if line.contains(shared) {
                violations.push(format!(
                    "{}:{}: reads `{shared}` outside the repository; vendor the data under tests/fixtures/",
                    rel(&file),
                    n + 1
                ));
            }
        }
    }
    report("tests read nothing outside the repository", violations);
}
