//! Training and held-out samples, and the PSNR that scores a fit on each.

use crate::reference::grid_index;

/// Sample indices (row-major over the grid) used for training and held out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Samples whose index along every axis is even.
    pub train: Vec<usize>,
    /// All other samples: the fit must interpolate these.
    pub heldout: Vec<usize>,
}

impl Split {
    /// Every other sample along each axis trains (even indices), the rest is
    /// held out: the network sees a grid of twice the spacing, and the
    /// held-out PSNR measures how well it interpolates between its samples.
    pub fn every_other(shape: &[usize]) -> Split {
        let n: usize = shape.iter().product();
        let (mut train, mut heldout) = (Vec::new(), Vec::new());
        for i in 0..n {
            if grid_index(shape, i).iter().all(|k| k % 2 == 0) {
                train.push(i);
            } else {
                heldout.push(i);
            }
        }
        Split { train, heldout }
    }
}

/// Peak signal-to-noise ratio in dB over the samples `at` of every channel:
/// 20·log10(peak / RMSE), where `peak` is the signal's peak-to-peak range
/// (largest minus smallest sample over the whole signal, see
/// [`crate::fit::Signal::peak_to_peak`]) and RMSE the root-mean-square of
/// prediction − truth over those samples and all channels. An exact fit
/// gives +∞; no samples give NaN.
pub fn psnr(truth: &[Vec<f64>], pred: &[Vec<f64>], at: &[usize], peak: f64) -> f64 {
    let count = at.len() * truth.len();
    if count == 0 {
        return f64::NAN;
    }
    let sum_sq: f64 = truth
        .iter()
        .zip(pred)
        .map(|(t, p)| at.iter().map(|&i| (p[i] - t[i]).powi(2)).sum::<f64>())
        .sum();
    let rmse = (sum_sq / count as f64).sqrt();
    20.0 * (peak / rmse).log10()
}

/// The values of every channel at the samples `at`.
pub fn pick(channels: &[Vec<f64>], at: &[usize]) -> Vec<Vec<f64>> {
    channels
        .iter()
        .map(|c| at.iter().map(|&i| c[i]).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_indices_train_in_2d() {
        // 3 × 2 grid: (0,0) (0,1) (1,0) (1,1) (2,0) (2,1).
        let s = Split::every_other(&[3, 2]);
        assert_eq!(s.train, vec![0, 4]);
        assert_eq!(s.heldout, vec![1, 2, 3, 5]);
    }
}
