//! The fit bandwidth = κ·ω, the measured κ table of the simple sine
//! network, and the ω rule ω = 2π·f_max/κ.

use super::measure::{measure, Measurement, DEFAULT_SHARE};
use crate::config::{NetConfig, NetKind, Omega};
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
    // powf keeps exact values exact (0.5 · 16^(4/8) = 2).
    let ratio = hi / lo;
    (0..count)
        .map(|k| lo * ratio.powf(k as f64 / (count - 1) as f64))
        .collect()
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
                omega: Omega::Value(omega),
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
pub const TABLE_SEEDS: usize = 64;

const fn entry(input_dim: usize, width: usize, depth: usize, kappa: f64, r2: f64) -> KappaEntry {
    KappaEntry {
        input_dim,
        width,
        depth,
        kappa,
        r2,
    }
}

/// κ of the simple sine network (99% energy share, seeds 0..64, ω from
/// [`default_omegas`], bandwidth in rad per unit), measured by this module.
/// Regenerate with `cargo run --release --example kappa_table`.
///
/// What the numbers show: b/ω is not constant but U-shaped in ω; for
/// (2, 64, 3) it is 3.67 at ω = 0.5, 2.86 at ω = 1.41 and 3.32 at ω = 8
/// (locally b ≈ 0.6 + 2.4ω below ω ≈ 1.4 and b ≈ −0.8 + 3.4ω above), and
/// over all rows max/min of b/ω over the sweep is 1.12–1.35 (the comment
/// of each row). So the line through the origin is a fair summary
/// (R² ≥ 0.976, ≥ 0.987 for width ≥ 64) rather than an exact law. At small
/// ω the first layer's random bias ωb₁ is small, which changes how the
/// layers compose the kernel; at large ω the first layer's gradient (∝ ω²)
/// dominates the NTK and brings its harmonics. κ falls with width (5.5,
/// 4.5, 4.0 at widths 32, 64, 128 for one input) because the last 1% of the
/// energy is mostly the finite-width fluctuation of the kernel row; with a
/// 90% share b/ω of (2, 64, 3) stays within 1.61–1.83 over the sweep
/// (κ = 1.67, R² = 0.9996). Depth raises κ (deeper layers compose the
/// kernel into narrower bumps); more inputs lower it (σ₁² = 2/fan_in).
/// Five disjoint sets of 64 seeds gave κ = 3.04–3.20 for (2, 64, 3).
pub const KAPPA_TABLE: &[KappaEntry] = &[
    entry(1, 64, 3, 4.5171, 0.9943),  // b/ω in [4.039, 4.723]
    entry(1, 64, 2, 3.7586, 0.9971),  // b/ω in [3.522, 3.956]
    entry(1, 64, 4, 5.2853, 0.9872),  // b/ω in [4.709, 5.674]
    entry(1, 32, 3, 5.4891, 0.9875),  // b/ω in [4.595, 5.800]
    entry(1, 128, 3, 3.9756, 0.9984), // b/ω in [3.707, 4.377]
    entry(2, 64, 3, 3.1878, 0.9943),  // b/ω in [2.861, 3.666]
    entry(2, 64, 2, 2.6535, 0.9949),  // b/ω in [2.459, 2.974]
    entry(2, 64, 4, 3.8349, 0.9885),  // b/ω in [3.305, 4.429]
    entry(2, 32, 3, 4.1649, 0.9760),  // b/ω in [3.458, 4.578]
    entry(2, 128, 3, 2.7929, 0.9980), // b/ω in [2.662, 3.447]
    entry(3, 64, 3, 2.5988, 0.9955),  // b/ω in [2.442, 3.160]
    entry(3, 64, 2, 2.1907, 0.9962),  // b/ω in [2.077, 2.617]
    entry(3, 64, 4, 3.0555, 0.9955),  // b/ω in [2.788, 3.761]
    entry(3, 32, 3, 3.3025, 0.9844),  // b/ω in [2.716, 3.617]
    entry(3, 128, 3, 2.2563, 0.9989), // b/ω in [2.206, 2.926]
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
    omega_at(f_max, kappa_for(config, input_dim))
}

/// ω = 2π·f_max/κ for a known κ (f_max in cycles, κ in rad per unit per ω).
pub fn omega_at(f_max: f64, kappa: f64) -> f64 {
    2.0 * PI * f_max / kappa
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_line_fits_exactly() {
        let omegas = log_spaced(0.5, 8.0, 5);
        let b: Vec<f64> = omegas.iter().map(|w| 2.5 * w).collect();
        let fit = fit_kappa(&omegas, &b);
        assert!((fit.kappa - 2.5).abs() < 1e-12);
        assert!((fit.r2 - 1.0).abs() < 1e-12);
        assert!((fit.ratio_range.0 - 2.5).abs() < 1e-12 && (fit.ratio_range.1 - 2.5).abs() < 1e-12);
    }

    #[test]
    fn a_constant_floor_lowers_r2() {
        // b = 1 + ω: the line through the origin misses the floor.
        let omegas = [0.5, 1.0, 2.0, 4.0, 8.0];
        let b: Vec<f64> = omegas.iter().map(|w| 1.0 + w).collect();
        let fit = fit_kappa(&omegas, &b);
        // κ = Σω(1+ω)/Σω² = (15.5 + 85.25)/85.25.
        assert!((fit.kappa - 100.75 / 85.25).abs() < 1e-12);
        assert!(fit.r2 < 0.97, "{}", fit.r2);
        assert!((fit.ratio_range.1 - 3.0).abs() < 1e-12);
    }

    #[test]
    fn log_spacing_covers_the_ends() {
        let w = default_omegas();
        assert_eq!(w.len(), 9);
        assert!((w[0] - 0.5).abs() < 1e-12 && (w[8] - 8.0).abs() < 1e-12);
        assert!((w[1] / w[0] - 2f64.sqrt()).abs() < 1e-12);
    }
}
