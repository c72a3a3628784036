//! Atomic file output: write a temporary file in the target's folder, then
//! rename it over the target. Readers (and a crash mid-write) see either the
//! old file or the complete new one, never a truncated result.

use super::error::ReportError;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh temporary path next to `target`, hidden and unique per process
/// and call, ending in `.{ext}` (plot encoders pick the format from it).
pub(crate) fn temp_path(target: &Path, ext: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = target
        .file_name()
        .map_or_else(|| "out".into(), |s| s.to_string_lossy().into_owned());
    let tmp = format!(".{name}.{}.{n}.tmp.{ext}", std::process::id());
    target.with_file_name(tmp)
}

/// Moves a finished temporary file over `target`, or removes it on error.
pub(crate) fn commit(tmp: &Path, target: &Path, result: io::Result<()>) -> Result<(), ReportError> {
    let result = result.and_then(|()| fs::rename(tmp, target));
    result.map_err(|source| {
        // Best effort: the temp file may not exist if creation failed.
        let _ = fs::remove_file(tmp);
        ReportError::Io {
            path: target.to_path_buf(),
            source,
        }
    })
}

/// Writes `path` atomically with the bytes `fill` produces.
pub fn write_atomic<F>(path: impl AsRef<Path>, fill: F) -> Result<(), ReportError>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let path = path.as_ref();
    let tmp = temp_path(path, "part");
    let result = (|| {
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut w = BufWriter::new(file);
        fill(&mut w)?;
        let file: File = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    })();
    commit(&tmp, path, result)
}

/// Writes `bytes` to `path` atomically.
pub fn write_bytes_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<(), ReportError> {
    write_atomic(path, |w| w.write_all(bytes))
}
