//! Every file the product writes (reports, workspace files, diff output, the desktop's state)
//! goes through [`write_atomic`]: a temporary file in the target's folder, flushed to disk, then
//! renamed over the target, so a failed or interrupted write leaves any earlier file intact.

use std::io::{Read, Write};
use std::path::Path;

use crate::error::{AppError, AppResult};

/// Writes `bytes` to `path` atomically. Errors name the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> AppResult<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes what `write` writes to `path` atomically, through a buffer: for contents too large to
/// hold in memory twice. Errors name the path.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> AppResult<()> {
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
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        write(&mut out).map_err(|e| fail(&e))?;
        out.flush().map_err(|e| fail(&e))?;
    }
    tmp.as_file().sync_all().map_err(|e| fail(&e))?;
    // The temporary file is removed when `persist` fails (it is dropped with the error).
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

/// The largest Terraform state file read by default (`tfstate import --max-size` changes it).
pub const TFSTATE_MAX_BYTES: u64 = 256 * 1024 * 1024;
/// The largest workspace file read.
pub const WORKSPACE_FILE_MAX_BYTES: u64 = 16 * 1024 * 1024;

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes.div_ceil(1024 * 1024))
}

/// Reads an input file of at most `limit` bytes. Only regular files: a FIFO, socket or device
/// (which could block forever or never end) is refused before it is opened, and so is a
/// directory. Errors name the path (`what` says what the file should be).
pub fn read_input(path: &Path, what: &str, limit: u64) -> AppResult<Vec<u8>> {
    let bad = |msg: String| AppError::bad_input(format!("{}: {msg}", path.display()));
    let meta = std::fs::metadata(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let not_regular = |meta: &std::fs::Metadata| -> Option<String> {
        let kind = if meta.is_dir() {
            "a directory"
        } else if meta.is_file() {
            return None;
        } else {
            "not a regular file (a pipe, socket or device)"
        };
        Some(format!("cannot read it as {what}: it is {kind}"))
    };
    if let Some(msg) = not_regular(&meta) {
        return Err(bad(msg));
    }
    let too_big = |size: String| {
        bad(format!(
            "{what} too large ({size}; the limit is {})",
            mib(limit)
        ))
    };
    if meta.len() > limit {
        return Err(too_big(mib(meta.len())));
    }
    let file = std::fs::File::open(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    // The path may have been swapped between the check and the open.
    let meta = file
        .metadata()
        .map_err(|e| bad(format!("cannot read: {e}")))?;
    if let Some(msg) = not_regular(&meta) {
        return Err(bad(msg));
    }
    read_limited(file, limit).map_err(|e| match e {
        Limited::TooBig => too_big(format!("more than {}", mib(limit))),
        Limited::Io(e) => bad(format!("cannot read: {e}")),
    })
}

/// Reads standard input, at most `limit` bytes.
pub fn read_stdin(what: &str, limit: u64) -> AppResult<Vec<u8>> {
    read_limited(std::io::stdin().lock(), limit).map_err(|e| match e {
        Limited::TooBig => AppError::bad_input(format!(
            "stdin: {what} too large (the limit is {})",
            mib(limit)
        )),
        Limited::Io(e) => AppError::bad_input(format!("stdin: cannot read: {e}")),
    })
}

enum Limited {
    TooBig,
    Io(std::io::Error),
}

fn read_limited(reader: impl Read, limit: u64) -> Result<Vec<u8>, Limited> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Limited::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Limited::TooBig);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_over_the_limit_fifos_and_directories_are_refused_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, vec![b'x'; 2048]).unwrap();
        assert_eq!(read_input(&path, "a state file", 2048).unwrap().len(), 2048);
        let e = read_input(&path, "a state file", 1024).unwrap_err();
        assert!(
            e.message.contains("state.json") && e.message.contains("too large"),
            "{e}"
        );
        let e = read_input(dir.path(), "a state file", 1024).unwrap_err();
        assert!(e.message.contains("a directory"), "{e}");
        #[cfg(unix)]
        {
            let fifo = dir.path().join("fifo");
            let ok = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                // would block forever if it were opened
                let e = read_input(&fifo, "a state file", 1024).unwrap_err();
                assert!(e.message.contains("not a regular file"), "{e}");
            }
            let e = read_input(Path::new("/dev/zero"), "a state file", 1024).unwrap_err();
            assert!(e.message.contains("not a regular file"), "{e}");
        }
    }

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
