//! A 1-D signal from a column of a CSV table with a header row.

use super::{open, stem, LoadOptions, Signal, SignalError, SignalKind};
use crate::table::{Column, ErrorKind, Options, Table, TableError};
use std::path::Path;

pub(super) fn load(path: &Path, options: &LoadOptions) -> Result<Signal, SignalError> {
    let table = Table::from_reader(open(path)?, &path.display().to_string(), Options::default())
        .map_err(|e| table_error(path, *e))?;
    let header = table.header().to_vec();
    let find = |name: &str| {
        table.find(name).ok_or_else(|| SignalError::MissingColumn {
            path: path.to_path_buf(),
            column: name.to_string(),
            available: header.clone(),
        })
    };
    let time = options.time_column.as_deref().map(find).transpose()?;
    let column = match &options.column {
        Some(name) => find(name)?,
        None => only_data_column(path, &header, time)?,
    };
    let (times, values) = read_columns(path, table, column, time)?;
    if values.is_empty() {
        return Err(SignalError::invalid(path, "no data rows after the header"));
    }
    let t = times.unwrap_or_else(|| (0..values.len()).map(|i| i as f64).collect());
    Ok(Signal {
        name: stem(path),
        kind: SignalKind::Table {
            column: header[column].clone(),
            time_column: time.map(|i| header[i].clone()),
        },
        axis_names: vec![time.map_or_else(|| "row".to_string(), |i| header[i].clone())],
        axes: vec![t],
        channel_names: vec![header[column].clone()],
        channels: vec![values],
    })
}

/// The one column that is not the time column, when there is exactly one.
fn only_data_column(
    path: &Path,
    header: &[String],
    time: Option<usize>,
) -> Result<usize, SignalError> {
    let data: Vec<usize> = (0..header.len()).filter(|&i| Some(i) != time).collect();
    match data.as_slice() {
        [one] => Ok(*one),
        [] => Err(SignalError::invalid(path, "no data column")),
        _ => Err(SignalError::invalid(
            path,
            format!(
                "several columns ({}): choose one with --column",
                header.join(", ")
            ),
        )),
    }
}

/// Reads the value column and, if given, the time column, as numbers.
fn read_columns(
    path: &Path,
    table: Table,
    column: usize,
    time: Option<usize>,
) -> Result<(Option<Vec<f64>>, Vec<f64>), SignalError> {
    let mut wanted = vec![Column::number(column)];
    wanted.extend(time.map(Column::number));
    let rows = table.rows(&wanted).map_err(|e| table_error(path, *e))?;
    let values = rows.iter().map(|r| r[0]).collect();
    let times = time.map(|_| rows.iter().map(|r| r[1]).collect());
    Ok((times, values))
}

/// The table reader's error in the words of signal errors: a bad cell by
/// line and column name, a ragged row or invalid UTF-8 by line.
fn table_error(path: &Path, e: TableError) -> SignalError {
    let (line, byte) = e.position.map_or((0, 0), |p| (p.line, p.byte));
    let message = e.message();
    let cell = |message: String| SignalError::Cell {
        path: path.to_path_buf(),
        line,
        column: e.column.clone().unwrap_or_default(),
        message,
    };
    match e.kind {
        ErrorKind::Io(source) => SignalError::Io {
            path: path.to_path_buf(),
            source,
        },
        ErrorKind::NotNumber { cell: text } if text.is_empty() => cell("empty cell".into()),
        ErrorKind::NotNumber { cell: text } => cell(format!("`{text}` is not a number")),
        ErrorKind::NotFinite { cell: text } => cell(format!("`{text}` is not a finite number")),
        ErrorKind::Ragged { expected, found } => SignalError::invalid(
            path,
            format!("line {line}: {found} fields where the header has {expected}"),
        ),
        ErrorKind::Utf8 { record, error } => SignalError::invalid(
            path,
            format!(
                "CSV parse error: record {record} (line {line}, field: {}, byte: {byte}): {error}",
                error.field()
            ),
        ),
        // Columns are found by the caller, and no check refuses cells.
        _ => SignalError::invalid(path, message),
    }
}
