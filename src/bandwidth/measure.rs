//! Measured kernel bandwidth: the NTK row Θ(x·e₀, 0) of freshly initialized
//! networks along input axis 0 (other inputs 0), its energy spectrum
//! averaged over seeds, and the angular frequency below which a share of
//! that energy lies.
//!
//! **Units.** The bandwidth is an angular frequency, rad per unit of
//! normalized input (2π times [`super::spectrum`]'s cycles per unit), so
//! that bandwidth = κ·ω has a dimensionless κ and the rule reads
//! ω = 2π·f_max/κ (README, "ω from the kernel bandwidth").
//!
//! **Grid.** The row is sampled on N = 512 points over [−L, L) with
//! L = 16·s, where s = 1/(ω σ₁) is the length over which the first layer's
//! pre-activations decorrelate (σ₁: first-layer weight std; ω = 1 for
//! tanh). The grid thus scales with 1/ω: every ω is measured with the same
//! points per kernel length, so the share of the DC bin and of the
//! finite-width fluctuations in the window is the same for all ω, and any
//! departure from bandwidth ∝ ω is the kernel's, not the grid's. The row
//! has decayed to its fluctuation floor by |x| ≈ 4s, so ±16s resolves the
//! low frequencies (Δf = 1/(32 s)); the spacing s/16 puts Nyquist at
//! 8/s cycles per unit, about 28 times the Gaussian approximation's 99%
//! frequency (0.29/s) and about 16 times the measured deep-net one (≈ 0.5/s).
//! Doubling N changes the bandwidth by < 0.1%. Changing L moves the 99%
//! bandwidth by a few percent (ω = 8, one input: 5.80, 5.96, 6.36 cycles
//! per unit for L = 8s, 16s, 32s), because the fluctuations of a
//! finite-width kernel fill the whole window (see the κ table notes).
//!
//! **Seeds.** The energy spectra of the seeds' rows are averaged (the
//! expected energy spectrum of one network's kernel), then the bandwidth is
//! read from the average: averaging bandwidths would weigh each seed's
//! noisy tail separately, averaging rows would cancel the fluctuations a
//! real network has.

use super::ntk::ntk;
use super::spectrum::EnergySpectrum;
use crate::config::{NetConfig, NetKind, Omega};
use crate::net::{first_layer_weight_std, Network};
use rayon::prelude::*;
use std::f64::consts::PI;

/// Energy share that defines the bandwidth by default.
pub const DEFAULT_SHARE: f64 = 0.99;
/// Samples per kernel row.
pub const GRID_POINTS: usize = 512;
/// Half-width of the window in kernel lengths s = 1/(ωσ₁).
pub const WINDOW_LENGTHS: f64 = 16.0;

/// Uniform samples along input axis 0: `points` values from −L in steps of
/// 2L/points (x = 0 is sample points/2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KernelGrid {
    pub half_width: f64,
    pub points: usize,
}

impl KernelGrid {
    /// The measurement grid for a network (see the module doc).
    pub fn for_net(config: &NetConfig, input_dim: usize) -> Self {
        Self {
            half_width: WINDOW_LENGTHS * kernel_length(config, input_dim),
            points: GRID_POINTS,
        }
    }

    pub fn spacing(&self) -> f64 {
        2.0 * self.half_width / self.points as f64
    }

    /// Sample coordinates along axis 0.
    pub fn coordinates(&self) -> Vec<f64> {
        let dx = self.spacing();
        (0..self.points)
            .map(|i| -self.half_width + dx * i as f64)
            .collect()
    }
}

/// s = 1/(ω σ₁): the input distance over which the first layer's
/// pre-activations decorrelate (ω = 1 for tanh, which has no frequency).
pub fn kernel_length(config: &NetConfig, input_dim: usize) -> f64 {
    let scale = match config.kind {
        NetKind::SimpleSine | NetKind::Siren => config.omega_value(),
        NetKind::Tanh => 1.0,
    };
    1.0 / (scale * first_layer_weight_std(config, input_dim))
}

/// Points x·e₀ in `input_dim` normalized inputs, one per coordinate.
pub fn axis_points(coordinates: &[f64], input_dim: usize) -> Vec<Vec<f64>> {
    coordinates
        .iter()
        .map(|&x| {
            let mut p = vec![0.0; input_dim];
            p[0] = x;
            p
        })
        .collect()
}

/// The kernel row Θ(x·e₀, 0) of `net` at the coordinates.
pub fn kernel_row(net: &Network<f64>, coordinates: &[f64]) -> Vec<f64> {
    let d = net.n_inputs();
    let theta = ntk(net, &axis_points(coordinates, d), &[vec![0.0; d]]);
    theta.column(0).iter().copied().collect()
}

/// The network of seed `config.seed + k`, built on [−1, 1]^d so that its
/// inputs are already normalized.
pub fn seeded_net(config: &NetConfig, input_dim: usize, k: usize) -> Network<f64> {
    let c = NetConfig {
        seed: config.seed.wrapping_add(k as u64),
        ..config.clone()
    };
    Network::new(&c, &vec![[-1.0, 1.0]; input_dim], 1)
}

/// The kernel rows of seeds 0..`seeds` (offsets from `config.seed`) at the
/// coordinates, computed in parallel, in seed order.
pub fn seeded_rows(
    config: &NetConfig,
    input_dim: usize,
    seeds: usize,
    coordinates: &[f64],
) -> Vec<Vec<f64>> {
    (0..seeds)
        .into_par_iter()
        .map(|k| kernel_row(&seeded_net(config, input_dim, k), coordinates))
        .collect()
}

/// One configuration's measurement.
#[derive(Clone, Debug)]
pub struct Measurement {
    pub omega: f64,
    pub grid: KernelGrid,
    /// Mean energy spectrum of the seeds' rows.
    pub spectrum: EnergySpectrum,
    /// Angular frequency (rad per unit) below which `share` of the energy lies.
    pub bandwidth: f64,
}

/// Measures the bandwidth of `config` (its ω, kind, width, depth) with
/// `input_dim` inputs over `seeds` networks.
///
/// # Panics
/// If `seeds`, `input_dim`, width or depth is 0, ω is not positive, or
/// `share` is not in (0, 1].
pub fn measure(config: &NetConfig, input_dim: usize, seeds: usize, share: f64) -> Measurement {
    assert!(seeds > 0 && input_dim > 0, "need seeds and inputs");
    assert!(config.width > 0 && config.depth > 0, "need hidden layers");
    assert!(config.omega_value() > 0.0, "ω must be positive");
    let grid = KernelGrid::for_net(config, input_dim);
    let rows = seeded_rows(config, input_dim, seeds, &grid.coordinates());
    let spectrum = EnergySpectrum::mean_of(rows.iter().map(Vec::as_slice), grid.spacing());
    let bandwidth = 2.0 * PI * spectrum.share_frequency(share);
    Measurement {
        omega: config.omega_value(),
        grid,
        spectrum,
        bandwidth,
    }
}

/// The measured bandwidth (rad per unit) of networks of one kind and shape
/// at `omega`, seeds 0..`seeds`.
pub fn measure_bandwidth(
    kind: NetKind,
    width: usize,
    depth: usize,
    input_dim: usize,
    omega: f64,
    seeds: usize,
    share: f64,
) -> f64 {
    let config = NetConfig {
        kind,
        width,
        depth,
        omega: Omega::Value(omega),
        seed: 0,
        ..NetConfig::default()
    };
    measure(&config, input_dim, seeds, share).bandwidth
}
