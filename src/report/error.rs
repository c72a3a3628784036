//! Errors of report output; each names the file it was writing.

use std::path::PathBuf;

/// Why an output file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot serialise JSON for {path}: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot draw {path}: {message}")]
    Plot { path: PathBuf, message: String },
    #[error("inconsistent data for {path}: {message}")]
    Shape { path: PathBuf, message: String },
}

impl ReportError {
    pub(crate) fn shape(path: &std::path::Path, message: impl Into<String>) -> Self {
        ReportError::Shape {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}
