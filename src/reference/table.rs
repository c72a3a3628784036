//! Reference tables from CSV files: one row per point, columns found by
//! header name in any order (extra columns are ignored). A blank output cell
//! means no reference value there (read as NaN, left out of the errors).
//! Lines starting with `#` are comments (the source of the values).

use super::error::ReferenceError;
use crate::limits::{read_limited, ReadError, MAX_DATA_BYTES};
use crate::table::{self, Column, ErrorKind, Options, TableError};
use std::path::Path;

/// Reference values at scattered (or gridded) points.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Input names, in the order of each point's coordinates.
    pub input_names: Vec<String>,
    /// Output names, in the order of `values`.
    pub output_names: Vec<String>,
    /// One row per point, coordinates in input order.
    pub points: Vec<Vec<f64>>,
    /// Per output, one value per point.
    pub values: Vec<Vec<f64>>,
}

/// Loads the columns `input_names` and `output_names` of the CSV at `path`.
/// Errors name the file, the line and the column: missing or duplicated
/// columns, ragged rows, cells that are not numbers, NaN or infinity.
pub fn load_table(
    path: impl AsRef<Path>,
    input_names: &[String],
    output_names: &[String],
) -> Result<Table, ReferenceError> {
    let path = path.as_ref();
    let bytes = read_limited(path, MAX_DATA_BYTES).map_err(|e| ReferenceError::Io {
        path: path.to_path_buf(),
        source: match e {
            ReadError::Io(source) => source,
            other => std::io::Error::other(other.to_string()),
        },
    })?;
    read_table(bytes.as_slice(), path, input_names, output_names)
}

/// Why a text is not a reference table.
#[derive(Debug)]
pub enum TableProblem {
    /// What the table reader found (with its position).
    Table(Box<TableError>),
    /// A header and no data rows.
    NoRows,
}

/// The reference table in CSV `text` (`name` stands for its file in
/// errors), as [`load_table`] reads it, with the reader's own error.
pub fn parse_table(
    text: &str,
    name: &str,
    input_names: &[String],
    output_names: &[String],
) -> Result<Table, TableProblem> {
    let options = Options { comments: true };
    let table = table::Table::from_text(text, name, options).map_err(TableProblem::Table)?;
    columns(table, input_names, output_names)
}

/// As [`load_table`], from CSV text embedded in the binary; `name` stands
/// for the path in errors.
pub fn table_from_text(
    text: &str,
    name: &str,
    input_names: &[String],
    output_names: &[String],
) -> Result<Table, ReferenceError> {
    read_table(text.as_bytes(), Path::new(name), input_names, output_names)
}

fn read_table(
    source: impl std::io::Read,
    path: &Path,
    input_names: &[String],
    output_names: &[String],
) -> Result<Table, ReferenceError> {
    let options = Options { comments: true };
    let table = table::Table::from_reader(source, &path.display().to_string(), options)
        .map_err(|e| table_error(path, *e))?;
    columns(table, input_names, output_names).map_err(|e| match e {
        TableProblem::Table(e) => table_error(path, *e),
        TableProblem::NoRows => ReferenceError::NoRows {
            path: path.to_path_buf(),
        },
    })
}

/// The named columns of `table`, one row per point.
fn columns(
    table: table::Table,
    input_names: &[String],
    output_names: &[String],
) -> Result<Table, TableProblem> {
    let error = TableProblem::Table;
    table.require_header().map_err(error)?;
    // A blank output cell: no reference value for that output there (a
    // table of centre-line values gives u on one line, v on another).
    let inputs = input_names
        .iter()
        .map(|n| table.column(n).map(Column::number));
    let outputs = output_names
        .iter()
        .map(|n| table.column(n).map(Column::blank_as_nan));
    let columns = inputs.chain(outputs).collect::<Result<Vec<_>, _>>();
    let rows = table.rows(&columns.map_err(error)?).map_err(error)?;
    if rows.is_empty() {
        return Err(TableProblem::NoRows);
    }
    let n_in = input_names.len();
    Ok(Table {
        input_names: input_names.to_vec(),
        output_names: output_names.to_vec(),
        points: rows.iter().map(|r| r[..n_in].to_vec()).collect(),
        values: (0..output_names.len())
            .map(|j| rows.iter().map(|r| r[n_in + j]).collect())
            .collect(),
    })
}

/// The table reader's error in the words of reference errors.
fn table_error(path: &Path, e: TableError) -> ReferenceError {
    let path = path.to_path_buf();
    let line = e.position.map_or(0, |p| p.line);
    let index = e.field.map_or(0, |i| i + 1);
    let column = e.column.clone().unwrap_or_default();
    let message = e.message();
    match e.kind {
        ErrorKind::Io(source) => ReferenceError::Io { path, source },
        ErrorKind::NoHeader => ReferenceError::NoHeader { path },
        ErrorKind::MissingColumn { header } => ReferenceError::MissingColumn {
            path,
            column,
            found: header.join(", "),
        },
        ErrorKind::DuplicateColumn => ReferenceError::DuplicateColumn { path, column },
        ErrorKind::NotNumber { cell } => ReferenceError::NotNumber {
            path,
            line,
            index,
            column,
            cell,
        },
        ErrorKind::NotFinite { cell } => ReferenceError::NotFinite {
            path,
            line,
            index,
            column,
            cell,
        },
        ErrorKind::Ragged { expected, found } => ReferenceError::Csv {
            path,
            line,
            message: format!("row has {found} fields, expected {expected} like the header"),
        },
        ErrorKind::Utf8 { error, .. } => ReferenceError::Csv {
            path,
            line,
            message: format!("invalid UTF-8: {error}"),
        },
        // No check refuses cells here.
        ErrorKind::Rejected { .. } => ReferenceError::Csv {
            path,
            line,
            message,
        },
    }
}
