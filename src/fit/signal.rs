//! Signals to fit: samples on a regular grid of coordinates, loaded from a
//! CSV column, WAV audio or a PNG picture.

mod audio;
mod picture;
mod table;

pub use audio::write_wav;
pub use picture::{to_pixels, write_png};

use crate::reference::grid_index;
use std::path::{Path, PathBuf};

/// What a signal is, which decides how its reconstruction is written.
#[derive(Clone, Debug, PartialEq)]
pub enum SignalKind {
    /// A column of a CSV table; the time axis is the time column or the row
    /// number (unit spacing).
    Table {
        column: String,
        time_column: Option<String>,
    },
    /// Audio: one channel of samples in [−1, 1], time in seconds.
    Audio { sample_rate: u32 },
    /// A picture: axes (y, x) in pixels, y counted up from the bottom row so
    /// that plots show the picture upright; values in [−1, 1] per channel
    /// (0 → −1, full intensity → 1).
    Picture { colour: Colour },
}

/// Channels of a picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    /// One channel, luminance.
    Grey,
    /// Red, green and blue (alpha is dropped).
    Rgb,
}

/// Samples of one or more channels on a tensor grid of coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    /// Short name (the file stem), for titles and the default run folder.
    pub name: String,
    pub kind: SignalKind,
    /// Name of each axis, e.g. `t` or `y`, `x`.
    pub axis_names: Vec<String>,
    /// Coordinates along each axis, strictly increasing.
    pub axes: Vec<Vec<f64>>,
    /// Name of each channel, e.g. `amplitude` or `r`, `g`, `b`.
    pub channel_names: Vec<String>,
    /// Samples per channel, row-major over the axes (last axis fastest).
    pub channels: Vec<Vec<f64>>,
}

/// Which part of a file to read, for formats that need it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoadOptions {
    /// CSV: the column to fit (optional when the table has one data column).
    pub column: Option<String>,
    /// CSV: the column holding time (default: row number, unit spacing).
    pub time_column: Option<String>,
    /// WAV: first second to read.
    pub start: Option<f64>,
    /// WAV: seconds to read from `start` (default: to the end).
    pub duration: Option<f64>,
}

/// Why a signal could not be loaded; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum SignalError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: unsupported format{}: expected .csv, .wav or .png", ext_note(.extension))]
    UnsupportedFormat {
        path: PathBuf,
        extension: Option<String>,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}: line {line}, column `{column}`: {message}")]
    Cell {
        path: PathBuf,
        line: u64,
        column: String,
        message: String,
    },
    #[error("{path}: no column `{column}` (columns: {})", .available.join(", "))]
    MissingColumn {
        path: PathBuf,
        column: String,
        available: Vec<String>,
    },
    #[error("{path}: {option} does not apply to {format} files")]
    OptionNotApplicable {
        path: PathBuf,
        option: &'static str,
        format: &'static str,
    },
}

fn ext_note(ext: &Option<String>) -> String {
    ext.as_ref().map_or_else(
        || " (no file extension)".to_string(),
        |e| format!(" `.{e}`"),
    )
}

impl SignalError {
    pub(crate) fn invalid(path: &Path, message: impl Into<String>) -> Self {
        SignalError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

impl Signal {
    /// Loads a signal, choosing the format by the file extension (.csv,
    /// .wav, .png). Options that do not apply to the format are errors, so a
    /// mistyped command is not silently ignored.
    pub fn load(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Signal, SignalError> {
        let path = path.as_ref();
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let format = match extension.as_deref() {
            Some("csv") => "CSV",
            Some("wav") => "WAV",
            Some("png") => "PNG",
            _ => {
                return Err(SignalError::UnsupportedFormat {
                    path: path.to_path_buf(),
                    extension,
                })
            }
        };
        if let Some(option) = misplaced_option(options, format) {
            return Err(SignalError::OptionNotApplicable {
                path: path.to_path_buf(),
                option,
                format,
            });
        }
        let signal = match format {
            "CSV" => table::load(path, options)?,
            "WAV" => audio::load(path, options)?,
            _ => picture::load(path)?,
        };
        signal.validate(path)?;
        Ok(signal)
    }

    /// Samples per axis.
    pub fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(Vec::len).collect()
    }

    /// Number of grid points (samples per channel).
    pub fn len(&self) -> usize {
        self.axes.iter().map(Vec::len).product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The coordinates of grid point `i` (row-major, last axis fastest).
    pub fn point(&self, i: usize) -> Vec<f64> {
        grid_index(&self.shape(), i)
            .into_iter()
            .zip(&self.axes)
            .map(|(k, axis)| axis[k])
            .collect()
    }

    /// All grid points in sample order.
    pub fn points(&self) -> Vec<Vec<f64>> {
        (0..self.len()).map(|i| self.point(i)).collect()
    }

    /// [first, last] coordinate of each axis: the network's input domain.
    pub fn domain(&self) -> Vec<[f64; 2]> {
        self.axes.iter().map(|a| [a[0], a[a.len() - 1]]).collect()
    }

    /// Largest minus smallest sample over all channels: the peak of PSNR.
    pub fn peak_to_peak(&self) -> f64 {
        let mut all = self.channels.iter().flatten();
        let first = all.next().copied().unwrap_or(0.0);
        let (lo, hi) = all.fold((first, first), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        hi - lo
    }

    /// Checks the invariants every loader must meet: at least two samples
    /// per axis (the split and the normalization need a span), strictly
    /// increasing finite coordinates, finite samples.
    fn validate(&self, path: &Path) -> Result<(), SignalError> {
        for (name, axis) in self.axis_names.iter().zip(&self.axes) {
            if axis.len() < 2 {
                return Err(SignalError::invalid(
                    path,
                    format!(
                        "{} sample(s) along `{name}`; a fit needs at least 2",
                        axis.len()
                    ),
                ));
            }
            if !axis.iter().all(|v| v.is_finite()) || !axis.windows(2).all(|w| w[0] < w[1]) {
                return Err(SignalError::invalid(
                    path,
                    format!("`{name}` must be finite and strictly increasing"),
                ));
            }
        }
        let n = self.len();
        for (name, c) in self.channel_names.iter().zip(&self.channels) {
            if c.len() != n || !c.iter().all(|v| v.is_finite()) {
                return Err(SignalError::invalid(
                    path,
                    format!("channel `{name}` must hold {n} finite samples"),
                ));
            }
        }
        Ok(())
    }
}

/// The first option given that does not apply to `format`.
fn misplaced_option(options: &LoadOptions, format: &str) -> Option<&'static str> {
    let given = [
        ("--column", options.column.is_some(), "CSV"),
        ("--time-column", options.time_column.is_some(), "CSV"),
        ("--start", options.start.is_some(), "WAV"),
        ("--duration", options.duration.is_some(), "WAV"),
    ];
    given
        .iter()
        .find(|(_, set, applies_to)| *set && *applies_to != format)
        .map(|(option, _, _)| *option)
}

/// Opens a file, naming it in the error.
fn open(path: &Path) -> Result<std::fs::File, SignalError> {
    std::fs::File::open(path).map_err(|source| SignalError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The file stem, for names and titles.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(|| "signal".into(), |s| s.to_string_lossy().into_owned())
}
