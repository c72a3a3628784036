//! A 1-D signal from a column of a CSV table with a header row.

use super::{open, stem, LoadOptions, Signal, SignalError, SignalKind};
use std::path::Path;

pub(super) fn load(path: &Path, options: &LoadOptions) -> Result<Signal, SignalError> {
    let mut reader = ::csv::ReaderBuilder::new()
        .trim(::csv::Trim::All)
        .from_reader(open(path)?);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, &e))?
        .iter()
        .map(str::to_string)
        .collect();
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| SignalError::MissingColumn {
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
    let (times, values) = read_columns(path, &mut reader, &header, column, time)?;
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
    reader: &mut ::csv::Reader<std::fs::File>,
    header: &[String],
    column: usize,
    time: Option<usize>,
) -> Result<(Option<Vec<f64>>, Vec<f64>), SignalError> {
    let mut times = time.map(|_| Vec::new());
    let mut values = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| number(path, line, &header[i], record.get(i).unwrap_or(""));
        values.push(cell(column)?);
        if let (Some(ts), Some(i)) = (times.as_mut(), time) {
            ts.push(cell(i)?);
        }
    }
    Ok((times, values))
}

fn number(path: &Path, line: u64, column: &str, text: &str) -> Result<f64, SignalError> {
    let message = match text.parse::<f64>() {
        Ok(v) if v.is_finite() => return Ok(v),
        Ok(_) => format!("`{text}` is not a finite number"),
        Err(_) if text.is_empty() => "empty cell".to_string(),
        Err(_) => format!("`{text}` is not a number"),
    };
    Err(SignalError::Cell {
        path: path.to_path_buf(),
        line,
        column: column.to_string(),
        message,
    })
}

/// A CSV syntax error (e.g. a row with the wrong number of fields) with its line.
fn csv_error(path: &Path, e: &::csv::Error) -> SignalError {
    if let ::csv::ErrorKind::Io(io) = e.kind() {
        return SignalError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        };
    }
    let message = match e.kind() {
        ::csv::ErrorKind::UnequalLengths {
            pos: Some(pos),
            expected_len,
            len,
        } => format!(
            "line {}: {len} fields where the header has {expected_len}",
            pos.line()
        ),
        _ => e.to_string(),
    };
    SignalError::invalid(path, message)
}
