//! Golden files: rendered output compared byte for byte with a committed file. `UPDATE_GOLDEN=1`
//! (the repository's one golden-update variable) rewrites the file instead; without it a missing
//! or different golden fails the test — it is never written silently, on CI or anywhere else.

use std::path::Path;

/// The environment variable that makes [`assert_golden`] write goldens instead of comparing.
pub const UPDATE_GOLDEN: &str = "UPDATE_GOLDEN";

/// Whether goldens are being updated: `UPDATE_GOLDEN` is set to something other than `""`/`0`.
pub fn updating() -> bool {
    std::env::var_os(UPDATE_GOLDEN).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Asserts that `actual` equals the golden file at `path`. With `UPDATE_GOLDEN=1` it writes
/// `actual` there (creating the folder) when it differs, and passes. The failure names the file,
/// the first differing line and how to accept the change.
#[track_caller]
pub fn assert_golden(path: &Path, actual: &str) {
    let expected = std::fs::read_to_string(path);
    if updating() {
        if expected.as_deref().ok() != Some(actual) {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
            }
            std::fs::write(path, actual)
                .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            eprintln!("{UPDATE_GOLDEN}: wrote {}", path.display());
        }
        return;
    }
    // a `match`, not a closure, so that the panic points at the caller (`#[track_caller]`)
    let expected = match expected {
        Ok(text) => text,
        Err(e) => panic!(
            "golden {}: {e}; run with {UPDATE_GOLDEN}=1 to create it, then review and commit it",
            path.display()
        ),
    };
    if expected == actual {
        return;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    panic!(
        "golden {} differs from the output at line {}:\n  golden: {:?}\n  actual: {:?}\n\
         if the change is intended, rerun with {UPDATE_GOLDEN}=1 and review the file's diff",
        path.display(),
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>"),
    );
}
