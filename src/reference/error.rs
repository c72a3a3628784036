//! Errors of reference solutions: every message names the file and, where
//! there is one, the line and column a user has to fix.

use std::path::PathBuf;

/// Why a reference table could not be loaded or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("cannot read reference table {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}, line {line}: malformed CSV: {message}")]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: reference table is empty (no header)")]
    NoHeader { path: PathBuf },
    #[error("{path}: reference table has a header but no data rows")]
    NoRows { path: PathBuf },
    #[error("{path}, line 1: missing column `{column}` (header has: {found})")]
    MissingColumn {
        path: PathBuf,
        column: String,
        found: String,
    },
    #[error("{path}, line 1: column `{column}` appears more than once")]
    DuplicateColumn { path: PathBuf, column: String },
    #[error("{path}, line {line}, column {index} (`{column}`): `{cell}` is not a number")]
    NotNumber {
        path: PathBuf,
        line: u64,
        index: usize,
        column: String,
        cell: String,
    },
    #[error("{path}, line {line}, column {index} (`{column}`): value `{cell}` is not finite")]
    NotFinite {
        path: PathBuf,
        line: u64,
        index: usize,
        column: String,
        cell: String,
    },
    #[error("point {point:?} is not one of the reference table's points")]
    PointNotInTable { point: Vec<f64> },
}
