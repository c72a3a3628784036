//! Atomic file output: write a temporary file in the target's folder, then
//! rename it over the target. Readers (and a crash mid-write) see either the
//! old file or the complete new one, never a truncated result.

use super::error::ReportError;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use tempfile::NamedTempFile;

/// A fresh temporary file beside `target`, hidden, named after it and ending
/// in `suffix` (plot encoders pick the format from it); dropping it removes
/// it, so a failed write leaves nothing behind.
///
/// Opened as `create_new` opens files rather than as tempfile does: the
/// result gets the permissions a new file gets (tempfile's would be 0600,
/// unreadable to others), and errors stay the system's own, without the
/// temporary name.
pub(crate) fn temp_file(target: &Path, suffix: &str) -> io::Result<NamedTempFile> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map_or_else(|| "out".into(), |s| s.to_string_lossy().into_owned());
    let prefix = format!(".{name}.");
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(suffix)
        .make_in(dir, |path| {
            OpenOptions::new().write(true).create_new(true).open(path)
        })
}

/// Flushes the finished temporary file to disk and renames it over
/// `target`; on error the temporary file is removed.
pub(crate) fn commit(tmp: NamedTempFile, target: &Path) -> io::Result<()> {
    tmp.as_file().sync_all()?;
    tmp.persist(target).map(drop).map_err(|e| e.error)
}

/// Writes `path` atomically with the bytes `fill` produces.
pub fn write_atomic<F>(path: impl AsRef<Path>, fill: F) -> Result<(), ReportError>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let path = path.as_ref();
    let written = (|| {
        let mut w = BufWriter::new(temp_file(path, ".part")?);
        fill(&mut w)?;
        let tmp: NamedTempFile<File> = w.into_inner().map_err(|e| e.into_error())?;
        commit(tmp, path)
    })();
    written.map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to `path` atomically.
pub fn write_bytes_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<(), ReportError> {
    write_atomic(path, |w| w.write_all(bytes))
}
