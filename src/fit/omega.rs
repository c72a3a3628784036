//! `--omega auto` for a signal: the bandwidth rule on the training samples.

use super::signal::Signal;
use crate::bandwidth::rule::grid_spectra;
use crate::bandwidth::{EnergySpectrum, OmegaChoice};
use crate::config::NetConfig;
use crate::reference::grid_index;

/// ω for fitting `signal` from its training samples (every other sample
/// along each axis, see [`super::Split::every_other`]): only those are known
/// to the fit, so their grid sets the Nyquist limit and their spectrum the
/// signal limit. Coordinates are normalized to [−1, 1] per axis as the
/// network sees them.
pub fn auto_omega(signal: &Signal, net: &NetConfig) -> OmegaChoice {
    let grid = TrainingGrid::of(signal);
    let views: Vec<&[f64]> = grid.fields.iter().map(Vec::as_slice).collect();
    OmegaChoice::for_grid(&signal.axis_names, &grid.shape, &grid.spacing, &views, net)
}

/// Per axis, the mean energy spectrum of the training samples' lines along
/// it (None where no line varies): what [`auto_omega`] reads its signal
/// frequencies from, for looking at other energy shares.
pub fn training_spectra(signal: &Signal) -> Vec<Option<EnergySpectrum>> {
    let grid = TrainingGrid::of(signal);
    let views: Vec<&[f64]> = grid.fields.iter().map(Vec::as_slice).collect();
    grid_spectra(&grid.shape, &grid.spacing, &views)
}

/// The training samples of a signal as a grid of their own.
struct TrainingGrid {
    shape: Vec<usize>,
    /// Normalized units: training samples sit two sample spacings apart and
    /// the whole axis spans 2.
    spacing: Vec<f64>,
    /// Per channel, row-major over `shape`.
    fields: Vec<Vec<f64>>,
}

impl TrainingGrid {
    fn of(signal: &Signal) -> Self {
        let full = signal.shape();
        let shape: Vec<usize> = full.iter().map(|n| n.div_ceil(2)).collect();
        let spacing = full
            .iter()
            .map(|&n| 2.0 * 2.0 / (n.max(2) - 1) as f64)
            .collect();
        let n_train: usize = shape.iter().product();
        let fields = signal
            .channels
            .iter()
            .map(|c| {
                (0..n_train)
                    .map(|t| {
                        let at: Vec<usize> = grid_index(&shape, t).iter().map(|k| 2 * k).collect();
                        c[flat_index(&full, &at)]
                    })
                    .collect()
            })
            .collect();
        Self {
            shape,
            spacing,
            fields,
        }
    }
}

/// Row-major index of the per-axis indices `at` (last axis fastest).
fn flat_index(shape: &[usize], at: &[usize]) -> usize {
    shape.iter().zip(at).fold(0, |acc, (n, k)| acc * n + k)
}
