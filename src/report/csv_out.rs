//! CSV tables: solutions on evaluation points and generic tables (training
//! history, sweeps). Numbers use Rust's shortest round-trip formatting, so
//! reading a file back gives the exact f64 that was written.

use super::atomic::write_atomic;
use super::error::ReportError;
use std::io::{self, Write};
use std::path::Path;

/// One output's columns in a solution table.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputColumns {
    /// Output name, e.g. `u`.
    pub name: String,
    /// Network prediction, one value per point.
    pub pred: Vec<f64>,
    /// Reference values, one per point, when the problem has a reference.
    pub reference: Option<Vec<f64>>,
}

/// Writes one row per point: the inputs by name, then per output `name`,
/// and with a reference also `name_ref` and `name_err` (= pred − ref).
pub fn write_solution_csv(
    path: impl AsRef<Path>,
    input_names: &[String],
    points: &[Vec<f64>],
    outputs: &[OutputColumns],
) -> Result<(), ReportError> {
    let path = path.as_ref();
    let n = points.len();
    if let Some(p) = points.iter().find(|p| p.len() != input_names.len()) {
        return Err(ReportError::shape(
            path,
            format!(
                "a point has {} coordinates, expected {}",
                p.len(),
                input_names.len()
            ),
        ));
    }
    for o in outputs {
        let ref_len = o.reference.as_ref().map_or(n, Vec::len);
        if o.pred.len() != n || ref_len != n {
            return Err(ReportError::shape(
                path,
                format!(
                    "output `{}` has {} values for {n} points",
                    o.name,
                    o.pred.len().max(ref_len)
                ),
            ));
        }
    }
    let mut header: Vec<String> = input_names.to_vec();
    for o in outputs {
        header.push(o.name.clone());
        if o.reference.is_some() {
            header.push(format!("{}_ref", o.name));
            header.push(format!("{}_err", o.name));
        }
    }
    let rows = points.iter().enumerate().map(|(i, p)| {
        let mut row = p.clone();
        for o in outputs {
            row.push(o.pred[i]);
            if let Some(r) = &o.reference {
                row.extend([r[i], o.pred[i] - r[i]]);
            }
        }
        row.into_iter().map(number_text)
    });
    write_atomic(path, |w| write_records(w, &header, rows))
}

/// Writes a header and rows of numbers; every row must match the header.
pub fn write_table_csv(
    path: impl AsRef<Path>,
    header: &[String],
    rows: &[Vec<f64>],
) -> Result<(), ReportError> {
    let path = path.as_ref();
    check_rows(path, header.len(), rows.iter().map(Vec::len))?;
    let rows = rows.iter().map(|r| r.iter().map(|&v| number_text(v)));
    write_atomic(path, |w| write_records(w, header, rows))
}

/// One cell of a table with text columns.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Quoted when it holds a comma, quote or line break.
    Text(String),
    Number(f64),
}

/// Writes a header and rows of text and numbers (long tables: a row per
/// network and frequency, say); every row must match the header.
pub fn write_cells_csv(
    path: impl AsRef<Path>,
    header: &[String],
    rows: &[Vec<Cell>],
) -> Result<(), ReportError> {
    let path = path.as_ref();
    check_rows(path, header.len(), rows.iter().map(Vec::len))?;
    let rows = rows.iter().map(|row| {
        row.iter().map(|cell| match cell {
            Cell::Text(t) => t.clone(),
            Cell::Number(v) => number_text(*v),
        })
    });
    write_atomic(path, |w| write_records(w, header, rows))
}

/// Every row must have as many cells as the header.
fn check_rows(
    path: &Path,
    width: usize,
    row_lengths: impl Iterator<Item = usize>,
) -> Result<(), ReportError> {
    match row_lengths.enumerate().find(|&(_, n)| n != width) {
        Some((i, n)) => Err(ReportError::shape(
            path,
            format!("row {i} has {n} cells, header has {width}"),
        )),
        None => Ok(()),
    }
}

/// Writes the header and the rows through the csv crate: RFC 4180 quoting
/// only where a cell holds a comma, quote or line break, `\n` line ends. (A
/// line with no text at all, a single empty cell, is written `""` so that
/// readers do not skip it as blank.)
fn write_records<R, C>(w: &mut dyn Write, header: &[String], rows: R) -> io::Result<()>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w);
    out.write_record(header)?;
    for row in rows {
        out.write_record(row)?;
    }
    out.flush()
}

/// Shortest round-trip digits. Display never uses an exponent (1e-300 would
/// print 300 zeros), so very small or large magnitudes switch to `{:e}`.
pub fn number_text(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() || (1e-5..1e16).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}
