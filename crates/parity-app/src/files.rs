//! Every file the product writes (reports, workspace files, diff output, the desktop's state)
//! goes through [`write_atomic`]: a temporary file in the target's folder, flushed to disk, then
//! renamed over the target, so a failed or interrupted write leaves any earlier file intact.

use std::io::Write;
use std::path::Path;

use crate::error::{AppError, AppResult};

/// Writes `bytes` to `path` atomically. Errors name the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> AppResult<()> {
    let fail = |e: &dyn std::fmt::Display| {
        AppError::bad_input(format!("{}: cannot write: {e}", path.display()))
    };
    if path.is_dir() {
        return Err(fail(&"is a directory"));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".envparity-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| fail(&e))?;
    tmp.write_all(bytes).map_err(|e| fail(&e))?;
    tmp.as_file().sync_all().map_err(|e| fail(&e))?;
    // The temporary file is removed when `persist` fails (it is dropped with the error).
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_target_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_failed_write_names_the_path_and_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(dir.path(), b"x").unwrap_err();
        assert!(err.message.contains("is a directory"), "{}", err.message);
        let missing = dir.path().join("no/such/folder/r.md");
        let err = write_atomic(&missing, b"x").unwrap_err();
        assert!(
            err.message.contains("no/such/folder/r.md"),
            "{}",
            err.message
        );
    }
}
