//! `--omega auto` for a signal: the bandwidth rule on the training samples.

use super::signal::Signal;
use crate::bandwidth::OmegaChoice;
use crate::config::NetConfig;
use crate::reference::grid_index;

/// ω for fitting `signal` from its training samples (every other sample
/// along each axis, see [`super::Split::every_other`]): only those are known
/// to the fit, so their grid sets the Nyquist limit and their spectrum the
/// signal limit. Coordinates are normalized to [−1, 1] per axis as the
/// network sees them.
pub fn auto_omega(signal: &Signal, net: &NetConfig) -> OmegaChoice {
    let shape = signal.shape();
    let train_shape: Vec<usize> = shape.iter().map(|n| n.div_ceil(2)).collect();
    // Training samples sit two sample spacings apart; the whole axis spans 2.
    let spacing: Vec<f64> = shape
        .iter()
        .map(|&n| 2.0 * 2.0 / (n.max(2) - 1) as f64)
        .collect();
    let n_train: usize = train_shape.iter().product();
    let fields: Vec<Vec<f64>> = signal
        .channels
        .iter()
        .map(|c| {
            (0..n_train)
                .map(|t| {
                    let at: Vec<usize> =
                        grid_index(&train_shape, t).iter().map(|k| 2 * k).collect();
                    c[flat_index(&shape, &at)]
                })
                .collect()
        })
        .collect();
    let views: Vec<&[f64]> = fields.iter().map(Vec::as_slice).collect();
    OmegaChoice::for_grid(&signal.axis_names, &train_shape, &spacing, &views, net)
}

/// Row-major index of the per-axis indices `at` (last axis fastest).
fn flat_index(shape: &[usize], at: &[usize]) -> usize {
    shape.iter().zip(at).fold(0, |acc, (n, k)| acc * n + k)
}
