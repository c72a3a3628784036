//! The fit bandwidth = κ·ω, the measured κ table of the simple sine
//! network, and the ω rule ω = 2π·f_max/κ.

use super::measure::{measure, Measurement, DEFAULT_SHARE};
use crate::config::{NetConfig, NetKind};
use std::f64::consts::PI;

/// Least-squares fit of bandwidth = κ·ω through the origin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KappaFit {
    /// κ = Σ ω b / Σ ω².
    pub kappa: f64,
    /// 1 − Σ(b − κω)² / Σ(b − b̄)²: against the mean of the bandwidths, so a
    /// line through the origin must beat a constant (NaN for fewer than two
    /// distinct bandwidths).
    pub r2: f64,
    /// Smallest and largest b/ω: how far the points are from one slope,
    /// which R² over a decade of ω hides (a 20% spread still gives ~0.99).
    pub ratio_range: (f64, f64),
}

/// Fits bandwidth = κ·ω (any consistent units; κ is dimensionless when the
/// bandwidth is in rad per unit).
///
/// # Panics
/// If the slices differ in length or are empty.
pub fn fit_kappa(omegas: &[f64], bandwidths: &[f64]) -> KappaFit {
    assert_eq!(omegas.len(), bandwidths.len(), "one bandwidth per ω");
    assert!(!omegas.is_empty(), "need at least one ω");
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let kappa = dot(omegas, bandwidths) / dot(omegas, omegas);
    let mean = bandwidths.iter().sum::<f64>() / bandwidths.len() as f64;
    let ss_res: f64 = omegas
        .iter()
        .zip(bandwidths)
        .map(|(w, b)| (b - kappa * w).powi(2))
        .sum();
    let ss_tot: f64 = bandwidths.iter().map(|b| (b - mean).powi(2)).sum();
    let r2 = if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else {
        f64::NAN
    };
    let ratios = omegas.iter().zip(bandwidths).map(|(w, b)| b / w);
    let ratio_range = ratios.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
        (lo.min(r), hi.max(r))
    });
    KappaFit {
        kappa,
        r2,
        ratio_range,
    }
}

/// `count` frequencies log-spaced from `lo` to `hi` (both included).
pub fn log_spaced(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if count == 1 {
        return vec![lo];
    }
    let step = (hi / lo).ln() / (count - 1) as f64;
    (0..count).map(|k| lo * (step * k as f64).exp()).collect()
}

/// The ω sweep of the κ table: 9 values log-spaced over 0.5 … 8 (factor √2,
/// more than a decade).
pub fn default_omegas() -> Vec<f64> {
    log_spaced(0.5, 8.0, 9)
}

/// Measurements of `config` at each ω (ω replaced, everything else kept).
pub fn sweep(
    config: &NetConfig,
    input_dim: usize,
    omegas: &[f64],
    seeds: usize,
    share: f64,
) -> Vec<Measurement> {
    omegas
        .iter()
        .map(|&omega| {
            let c = NetConfig {
                omega,
                ..config.clone()
            };
            measure(&c, input_dim, seeds, share)
        })
        .collect()
}

/// Sweeps ω and fits κ.
pub fn measure_kappa(
    config: &NetConfig,
    input_dim: usize,
    omegas: &[f64],
    seeds: usize,
    share: f64,
) -> KappaFit {
    let bandwidths: Vec<f64> = sweep(config, input_dim, omegas, seeds, share)
        .iter()
        .map(|m| m.bandwidth)
        .collect();
    fit_kappa(omegas, &bandwidths)
}

/// One measured κ of the simple sine network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KappaEntry {
    pub input_dim: usize,
    pub width: usize,
    pub depth: usize,
    pub kappa: f64,
    pub r2: f64,
}

/// Seeds per ω behind [`KAPPA_TABLE`].
pub const TABLE_SEEDS: usize = 16;

const fn entry(input_dim: usize, width: usize, depth: usize, kappa: f64, r2: f64) -> KappaEntry {
    KappaEntry {
        input_dim,
        width,
        depth,
        kappa,
        r2,
    }
}

/// κ of the simple sine network (99% energy share, seeds 0..16, ω from
/// [`default_omegas`], bandwidth in rad per unit), measured by this module.
/// Regenerate with `cargo run --release --example kappa_table`.
///
/// What the numbers show: b/ω is not constant but U-shaped in ω; for
/// (2, 64, 3) it is 3.93 at ω = 0.5, 3.00 at ω = 1.41 and 3.50 at ω = 8,
/// and over all rows max/min of b/ω over the sweep is 1.14–1.45 (the
/// comment of each row). So the line through the origin is a fair summary
/// (R² ≥ 0.98 for width ≥ 64, 0.970–0.983 at width 32) rather than an
/// exact law. At small ω the first layer's random bias ωb₁ is small, which
/// changes how the layers compose the kernel; at large ω the first layer's
/// gradient (∝ ω²) dominates the NTK and brings its harmonics. κ falls with
/// width (5.6, 4.6, 4.0 at widths 32, 64, 128 for one input) because the
/// last 1% of the energy is mostly the finite-width fluctuation of the
/// kernel row; with a 90% share b/ω of (2, 64, 3) stays within 1.63–1.84
/// over the sweep. Depth raises κ (deeper layers compose the kernel into
/// narrower bumps); more inputs lower it (σ₁² = 2/fan_in).
pub const KAPPA_TABLE: &[KappaEntry] = &[
    entry(1, 64, 3, 4.5794, 0.9957),  // b/ω in [4.131, 4.853]
    entry(1, 64, 2, 3.8296, 0.9989),  // b/ω in [3.618, 4.113]
    entry(1, 64, 4, 5.7254, 0.9814),  // b/ω in [4.738, 6.177]
    entry(1, 32, 3, 5.6442, 0.9828),  // b/ω in [4.621, 6.112]
    entry(1, 128, 3, 4.0206, 0.9983), // b/ω in [3.787, 4.386]
    entry(2, 64, 3, 3.3772, 0.9942),  // b/ω in [3.003, 3.933]
    entry(2, 64, 2, 2.7297, 0.9953),  // b/ω in [2.485, 3.191]
    entry(2, 64, 4, 3.9677, 0.9871),  // b/ω in [3.308, 4.760]
    entry(2, 32, 3, 4.2714, 0.9698),  // b/ω in [3.435, 4.741]
    entry(2, 128, 3, 2.8894, 0.9975), // b/ω in [2.643, 3.547]
    entry(3, 64, 3, 2.7190, 0.9874),  // b/ω in [2.334, 3.114]
    entry(3, 64, 2, 2.3437, 0.9849),  // b/ω in [2.116, 2.579]
    entry(3, 64, 4, 3.0788, 0.9940),  // b/ω in [2.742, 3.875]
    entry(3, 32, 3, 3.4181, 0.9752),  // b/ω in [2.616, 3.793]
    entry(3, 128, 3, 2.3024, 0.9990), // b/ω in [2.217, 2.875]
];

/// κ for `config`'s kind, width and depth with `input_dim` inputs: the
/// table value for the simple sine network where there is one, else
/// measured now like the table (ω of `config` is not used).
pub fn kappa_for(config: &NetConfig, input_dim: usize) -> f64 {
    let listed = KAPPA_TABLE.iter().find(|e| {
        config.kind == NetKind::SimpleSine
            && (e.input_dim, e.width, e.depth) == (input_dim, config.width, config.depth)
    });
    match listed {
        Some(e) => e.kappa,
        None => {
            measure_kappa(
                config,
                input_dim,
                &default_omegas(),
                TABLE_SEEDS,
                DEFAULT_SHARE,
            )
            .kappa
        }
    }
}

/// The ω whose kernel bandwidth reaches `f_max` cycles per unit of
/// normalized input: ω = 2π·f_max/κ.
pub fn omega_for_frequency(f_max: f64, config: &NetConfig, input_dim: usize) -> f64 {
    2.0 * PI * f_max / kappa_for(config, input_dim)
}
