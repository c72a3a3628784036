//! Reference tables from CSV files: one row per point, columns found by
//! header name in any order (extra columns are ignored). A blank output cell
//! means no reference value there (read as NaN, left out of the errors).
//! Lines starting with `#` are comments (the source of the values).

use super::error::ReferenceError;
use std::path::{Path, PathBuf};

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
    let file = std::fs::File::open(path).map_err(|source| ReferenceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_table(file, path, input_names, output_names)
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
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(source);
    let header = reader
        .headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    if header.iter().all(String::is_empty) {
        return Err(ReferenceError::NoHeader {
            path: path.to_path_buf(),
        });
    }
    let wanted: Vec<&String> = input_names.iter().chain(output_names).collect();
    let columns = wanted
        .iter()
        .map(|name| find_column(path, &header, name))
        .collect::<Result<Vec<usize>, _>>()?;

    let n_in = input_names.len();
    let mut points = Vec::new();
    let mut values = vec![Vec::new(); output_names.len()];
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let line = record.position().map_or(0, |p| p.line());
        let mut point = Vec::with_capacity(n_in);
        for (k, &col) in columns.iter().enumerate() {
            // A blank output cell: no reference value for that output here
            // (a table of centre-line values gives u on one line, v on another).
            let blank_output = k >= n_in && record[col].is_empty();
            let v = if blank_output {
                f64::NAN
            } else {
                parse_cell(path, line, col, &header[col], &record[col])?
            };
            if k < n_in {
                point.push(v);
            } else {
                values[k - n_in].push(v);
            }
        }
        points.push(point);
    }
    if points.is_empty() {
        return Err(ReferenceError::NoRows {
            path: path.to_path_buf(),
        });
    }
    Ok(Table {
        input_names: input_names.to_vec(),
        output_names: output_names.to_vec(),
        points,
        values,
    })
}

fn find_column(path: &Path, header: &[String], name: &str) -> Result<usize, ReferenceError> {
    let mut hits = header.iter().enumerate().filter(|(_, h)| *h == name);
    match (hits.next(), hits.next()) {
        (Some((i, _)), None) => Ok(i),
        (Some(_), Some(_)) => Err(ReferenceError::DuplicateColumn {
            path: path.to_path_buf(),
            column: name.to_string(),
        }),
        (None, _) => Err(ReferenceError::MissingColumn {
            path: path.to_path_buf(),
            column: name.to_string(),
            found: header.join(", "),
        }),
    }
}

fn parse_cell(
    path: &Path,
    line: u64,
    col: usize,
    name: &str,
    cell: &str,
) -> Result<f64, ReferenceError> {
    let path = || -> PathBuf { path.to_path_buf() };
    let v: f64 = cell.parse().map_err(|_| ReferenceError::NotNumber {
        path: path(),
        line,
        index: col + 1,
        column: name.to_string(),
        cell: cell.to_string(),
    })?;
    if !v.is_finite() {
        return Err(ReferenceError::NotFinite {
            path: path(),
            line,
            index: col + 1,
            column: name.to_string(),
            cell: cell.to_string(),
        });
    }
    Ok(v)
}

/// csv reports ragged rows and bad UTF-8 with a position; keep its line.
fn csv_error(path: &Path, e: csv::Error) -> ReferenceError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(source) => ReferenceError::Io {
            path: path.to_path_buf(),
            source,
        },
        kind => ReferenceError::Csv {
            path: path.to_path_buf(),
            line,
            message: csv_kind_message(&kind),
        },
    }
}

fn csv_kind_message(kind: &csv::ErrorKind) -> String {
    match kind {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("row has {len} fields, expected {expected_len} like the header"),
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8: {err}"),
        other => format!("{other:?}"),
    }
}
