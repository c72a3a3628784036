//! Observations of an inverse problem: a CSV table of points (one column per
//! input) and observed values (a column per observed output, any subset).
//!
//! Every error points into the CSV file itself (`data.csv:17:5: error: ...`
//! with the line and a caret), as equation file errors do.

use super::build::csv_path;
use super::error::{ProblemError, Source};
use super::raw::RawObservations;
use super::{Term, DATA_TERM};
use crate::expr::Symbols;
use crate::geometry::Region;
use crate::table::{Column, ErrorKind, Options, Table, TableError};
use toml::Spanned;

/// Measured values of some outputs at scattered points.
#[derive(Clone, Debug, PartialEq)]
pub struct Observations {
    /// The CSV as named in the equation file (resolved path, or the builtin's name).
    pub file: String,
    /// One row per observation, coordinates in input order.
    pub points: Vec<Vec<f64>>,
    /// The observed outputs, by index, in the order of `values`.
    pub outputs: Vec<usize>,
    /// Per observed output, one value per point.
    pub values: Vec<Vec<f64>>,
    /// Noise level as stated in the file (recorded in metrics; not used in
    /// the loss: with one level for all data a weight 1/σ² only rescales the
    /// `data` term, which its weight already does).
    pub noise: Option<f64>,
}

/// What the table must hold: every input, and these outputs (or, when
/// `wanted` is `None`, every output column the header has, at least one).
pub(crate) struct Columns<'a> {
    pub inputs: &'a [String],
    pub outputs: &'a [String],
    pub wanted: Option<&'a [String]>,
    pub domain: &'a [[f64; 2]],
}

/// Reads the observation table (embedded for builtin equations).
pub(super) fn load(
    raw: &Spanned<RawObservations>,
    symbols: &Symbols,
    domain: &[[f64; 2]],
    terms: &[(Term, Region)],
    src: &Source,
) -> Result<Observations, ProblemError> {
    let o = raw.get_ref();
    if let Some((t, _)) = terms.iter().find(|(t, _)| t.name == DATA_TERM) {
        return Err(src.error(
            raw.span(),
            format!(
                "a term is named '{}', which is the name of the observations' loss term; rename it",
                t.name
            ),
        ));
    }
    let noise = match &o.noise {
        Some(n) if !(n.get_ref().is_finite() && *n.get_ref() >= 0.0) => {
            return Err(src.error(n.span(), "noise must be a finite number >= 0"))
        }
        Some(n) => Some(*n.get_ref()),
        None => None,
    };
    let wanted = match &o.outputs {
        None => None,
        Some(list) => {
            for name in list {
                if !symbols.outputs.contains(name.get_ref()) {
                    return Err(src.in_string(
                        name,
                        0,
                        format!(
                            "'{}' is not an output (outputs: {})",
                            name.get_ref(),
                            symbols.outputs.join(", ")
                        ),
                    ));
                }
            }
            Some(list.iter().map(|n| n.get_ref().clone()).collect::<Vec<_>>())
        }
    };
    let (file, text) = if src.name.starts_with("builtin:") {
        let Some(text) = super::builtin_data(o.csv.get_ref()) else {
            return Err(src.in_string(&o.csv, 0, "no such builtin data file"));
        };
        (format!("builtin:{}", o.csv.get_ref()), text.to_string())
    } else {
        let path = csv_path(o.csv.get_ref(), src.name);
        let text = super::load::read_data(&path, "observations", &o.csv, src)?;
        (path.display().to_string(), text)
    };
    let columns = Columns {
        inputs: &symbols.inputs,
        outputs: &symbols.outputs,
        wanted: wanted.as_deref(),
        domain,
    };
    parse(&text, &file, &columns, noise)
}

/// Parses the CSV `text` of file `file`; `noise` is the file's stated level.
pub(crate) fn parse(
    text: &str,
    file: &str,
    cols: &Columns,
    noise: Option<f64>,
) -> Result<Observations, ProblemError> {
    let src = Source { text, name: file };
    let table =
        Table::from_text(text, file, Options::default()).map_err(|e| table_error(&src, *e))?;
    let header = table.header().to_vec();
    let expected = format!(
        "a header naming every input ({}) and observed outputs ({})",
        cols.inputs.join(", "),
        cols.outputs.join(", ")
    );
    if table.require_header().is_err() {
        return Err(src.error(0..0, format!("the file is empty: expected {expected}")));
    }
    table
        .require_unique_names()
        .map_err(|e| table_error(&src, *e))?;
    let find = |name: &String| table.find(name);
    let mut columns = Vec::new();
    for name in cols.inputs {
        let Some(c) = find(name) else {
            return Err(src.error(
                0..0,
                format!(
                    "missing column '{name}': expected {expected}, found {}",
                    header.join(", ")
                ),
            ));
        };
        columns.push(c);
    }
    let observed: Vec<usize> = match cols.wanted {
        Some(wanted) => {
            let mut out = Vec::new();
            for name in wanted {
                let Some(c) = find(name) else {
                    return Err(src.error(
                        0..0,
                        format!(
                            "missing column '{name}' (listed in the equation file's observations.outputs), found {}",
                            header.join(", ")
                        ),
                    ));
                };
                columns.push(c);
                out.extend(cols.outputs.iter().position(|o| o == name));
            }
            out
        }
        None => (0..cols.outputs.len())
            .filter(|&j| match find(&cols.outputs[j]) {
                Some(c) => {
                    columns.push(c);
                    true
                }
                None => false,
            })
            .collect(),
    };
    if observed.is_empty() {
        return Err(src.error(
            0..0,
            format!(
                "no observed output: expected {expected}, found {}",
                header.join(", ")
            ),
        ));
    }
    let n_in = cols.inputs.len();
    let wanted: Vec<Column> = columns.iter().map(|&c| Column::number(c)).collect();
    let rows = table
        .rows_checked(&wanted, |k, v| {
            if k < n_in {
                in_domain(&header[columns[k]], v, cols.domain[k])
            } else {
                Ok(())
            }
        })
        .map_err(|e| table_error(&src, *e))?;
    if rows.is_empty() {
        return Err(src.error(
            text.len()..text.len(),
            "no observations: the file has a header but no rows",
        ));
    }
    let points = rows.iter().map(|r| r[..n_in].to_vec()).collect();
    let values = (n_in..columns.len())
        .map(|k| rows.iter().map(|r| r[k]).collect())
        .collect();
    Ok(Observations {
        file: file.to_string(),
        points,
        outputs: observed,
        values,
        noise,
    })
}

/// An input coordinate must lie in its interval (up to rounding).
fn in_domain(name: &str, v: f64, [lo, hi]: [f64; 2]) -> Result<(), String> {
    let slack = 1e-12 * (hi - lo);
    if v < lo - slack || v > hi + slack {
        return Err(format!(
            "{name} = {v} is outside the domain ({name} in [{lo}, {hi}])"
        ));
    }
    Ok(())
}

impl Observations {
    /// Header (inputs, then the observed outputs) and rows, as in the file.
    pub fn table(&self, inputs: &[String], outputs: &[String]) -> (Vec<String>, Vec<Vec<f64>>) {
        let mut header = inputs.to_vec();
        header.extend(self.outputs.iter().map(|&j| outputs[j].clone()));
        let rows = self
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut row = p.clone();
                row.extend(self.values.iter().map(|v| v[i]));
                row
            })
            .collect();
        (header, rows)
    }
}

/// A table error as a file error with a caret under the offending cell
/// (its whole text), or under the start of a ragged or unreadable row.
pub(super) fn table_error(src: &Source, e: TableError) -> ProblemError {
    let at = e.position.map_or(0, |p| p.byte);
    let column = e.column.as_deref().unwrap_or("");
    let (message, width) = match &e.kind {
        ErrorKind::DuplicateColumn => (format!("column '{column}' appears twice"), 1),
        ErrorKind::Ragged { expected, found } => (
            format!("row has {found} fields, expected {expected} like the header"),
            1,
        ),
        ErrorKind::Utf8 { error, .. } => (format!("invalid UTF-8: {error}"), 1),
        ErrorKind::NotNumber { cell } => (
            format!("expected a number in column '{column}', found '{cell}'"),
            cell.len(),
        ),
        ErrorKind::NotFinite { cell } => (
            format!("expected a finite number in column '{column}', found {cell}"),
            cell.len(),
        ),
        ErrorKind::Rejected { cell, message } => (message.clone(), cell.len()),
        _ => (format!("cannot read the table: {}", e.message()), 1),
    };
    src.error(at..at + width.max(1), message)
}
