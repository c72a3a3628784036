//! Pretty JSON output (metrics, resolved configs), written atomically.

use super::atomic::write_atomic;
use super::error::ReportError;
use std::path::Path;

/// Writes `value` as pretty-printed JSON with a trailing newline.
pub fn write_json(path: impl AsRef<Path>, value: &serde_json::Value) -> Result<(), ReportError> {
    let path = path.as_ref();
    let text = serde_json::to_string_pretty(value).map_err(|source| ReportError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    write_atomic(path, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
}
