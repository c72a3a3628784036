//! The `pinn ntk` study: for each network family, the kernel bandwidth over
//! an ω sweep and its κ fit, kernel rows on the domain, Gram eigenvalues,
//! and the init statistics of all families side by side. [`files`] writes
//! what this computes.
//!
//! [`files`]: super::files

use super::gaussian::GaussianKernel;
use super::init_stats::{layer_values, Bins, LayerSummary};
use super::kappa::{default_omegas, fit_kappa, sweep, KappaFit, TABLE_SEEDS};
use super::measure::{seeded_net, seeded_rows, Measurement, DEFAULT_SHARE};
use super::ntk::{gram_eigenvalues, ntk};
use crate::config::{NetConfig, NetKind, Omega};
use crate::report::ReportError;
use rayon::prelude::*;
use std::path::PathBuf;

/// Kernel rows are shown for x ∈ [−2, 2]: every difference of two points of
/// the normalized domain [−1, 1].
pub const DISPLAY_HALF_WIDTH: f64 = 2.0;
const DISPLAY_POINTS: usize = 401;
/// Gram matrices use about this many points of [−1, 1]^d.
const GRAM_POINTS: usize = 144;
/// 2D kernel slices: points per axis, and seeds averaged (the first ones).
const SLICE_POINTS: usize = 61;
const SLICE_SEEDS: usize = 8;
/// Init statistics: hidden layers, random inputs, histogram bins.
pub const INIT_DEPTH: usize = 8;
const INIT_POINTS: usize = 2048;
const INIT_BINS: usize = 60;
const INIT_POINT_SEED: u64 = 7;
/// SIREN's standard first-layer frequency ω₀, used for its init statistics.
const SIREN_OMEGA: f64 = 30.0;
/// ω of the simple sine families in the init study: 1, the frequency at
/// which their later layers' Kaiming statistics are stated.
const SINE_INIT_OMEGA: f64 = 1.0;

/// What `pinn ntk` measures and where it writes.
#[derive(Clone, Debug, PartialEq)]
pub struct NtkOptions {
    pub out_dir: PathBuf,
    pub width: usize,
    pub depth: usize,
    /// 1 or 2 normalized inputs.
    pub input_dim: usize,
    pub omegas: Vec<f64>,
    pub seeds: usize,
    pub share: f64,
    pub kinds: Vec<NetKind>,
}

impl Default for NtkOptions {
    fn default() -> Self {
        let net = NetConfig::default();
        Self {
            out_dir: PathBuf::from("results/ntk"),
            width: net.width,
            depth: net.depth,
            input_dim: 1,
            omegas: default_omegas(),
            seeds: TABLE_SEEDS,
            share: DEFAULT_SHARE,
            kinds: vec![NetKind::SimpleSine],
        }
    }
}

/// Why the study could not run or write its files.
#[derive(Debug, thiserror::Error)]
pub enum NtkError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Report(#[from] ReportError),
}

impl NtkOptions {
    /// Rejects options the study cannot run with.
    pub fn validate(&self) -> Result<(), NtkError> {
        let bad = |m: &str| Err(NtkError::Invalid(m.to_string()));
        if self.width == 0 || self.depth == 0 {
            return bad("--width and --depth must be at least 1");
        }
        if !(1..=2).contains(&self.input_dim) {
            return bad("--input-dim must be 1 or 2");
        }
        if self.omegas.is_empty() {
            return bad("--omegas needs at least one value");
        }
        if self.omegas.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
            return bad("every ω in --omegas must be a positive number");
        }
        if self.seeds == 0 {
            return bad("--seeds must be at least 1");
        }
        if !(self.share > 0.0 && self.share < 1.0) {
            return bad("--share must be between 0 and 1 (exclusive)");
        }
        if self.kinds.is_empty() {
            return bad("no network family to measure");
        }
        Ok(())
    }

    fn config(&self, kind: NetKind, omega: f64) -> NetConfig {
        NetConfig {
            kind,
            width: self.width,
            depth: self.depth,
            omega: Omega::Value(omega),
            ..NetConfig::default()
        }
    }
}

/// Θ(x, 0) on the 2D grid [−2, 2]² (x fastest-varying second, as the
/// heatmaps want: index ix · n + iy), mean over the first seeds.
#[derive(Clone, Debug)]
pub struct KernelSlice {
    pub omega: f64,
    pub values: Vec<f64>,
}

/// One family's sweep.
#[derive(Clone, Debug)]
pub struct NetStudy {
    pub kind: NetKind,
    pub measurements: Vec<Measurement>,
    /// bandwidth = κ·ω; none for tanh, whose kernel does not depend on ω.
    pub fit: Option<KappaFit>,
    /// The one-layer Gaussian approximation per ω (sine families only).
    pub gaussian: Option<Vec<GaussianKernel>>,
    /// Θ(x·e₀, 0) on [`NtkStudy::display_x`] per ω, mean over seeds.
    pub rows: Vec<Vec<f64>>,
    /// Gram eigenvalues on [−1, 1]^d per ω, largest first, mean over seeds.
    pub eigenvalues: Vec<Vec<f64>>,
    /// 2D slices (two inputs only) at the first, middle and last ω.
    pub slices: Vec<KernelSlice>,
}

/// One family's init statistics at depth [`INIT_DEPTH`].
#[derive(Clone, Debug)]
pub struct InitStudy {
    pub kind: NetKind,
    pub omega: f64,
    /// Per hidden layer: pre-activations and activations.
    pub layers: Vec<(LayerSummary, LayerSummary)>,
}

/// Everything `pinn ntk` computes.
#[derive(Clone, Debug)]
pub struct NtkStudy {
    pub options: NtkOptions,
    pub display_x: Vec<f64>,
    pub nets: Vec<NetStudy>,
    pub init: Vec<InitStudy>,
}

/// `n` points from −h to h.
fn linspace(h: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| -h + 2.0 * h * i as f64 / (n - 1) as f64)
        .collect()
}

/// Runs the study (no files written).
pub fn run_study(options: &NtkOptions) -> Result<NtkStudy, NtkError> {
    options.validate()?;
    let display_x = linspace(DISPLAY_HALF_WIDTH, DISPLAY_POINTS);
    let nets = options
        .kinds
        .iter()
        .map(|&kind| study_net(options, kind, &display_x))
        .collect();
    Ok(NtkStudy {
        options: options.clone(),
        display_x,
        nets,
        init: study_init(options),
    })
}

fn study_net(options: &NtkOptions, kind: NetKind, display_x: &[f64]) -> NetStudy {
    let (d, seeds) = (options.input_dim, options.seeds);
    let base = options.config(kind, 1.0);
    let measurements = sweep(&base, d, &options.omegas, seeds, options.share);
    let bandwidths: Vec<f64> = measurements.iter().map(|m| m.bandwidth).collect();
    let configs: Vec<NetConfig> = options
        .omegas
        .iter()
        .map(|&w| options.config(kind, w))
        .collect();
    let gaussian = configs
        .iter()
        .map(|c| GaussianKernel::for_net(c, d))
        .collect();
    let rows = configs
        .iter()
        .map(|c| mean_rows(&seeded_rows(c, d, seeds, display_x)))
        .collect();
    let eigenvalues = configs
        .iter()
        .map(|c| mean_eigenvalues(c, d, seeds))
        .collect();
    let slices = if d == 2 {
        slice_omegas(&options.omegas)
            .into_iter()
            .map(|w| kernel_slice(&options.config(kind, w), seeds.min(SLICE_SEEDS)))
            .collect()
    } else {
        Vec::new()
    };
    NetStudy {
        kind,
        fit: (kind != NetKind::Tanh).then(|| fit_kappa(&options.omegas, &bandwidths)),
        measurements,
        gaussian,
        rows,
        eigenvalues,
        slices,
    }
}

/// Elementwise mean of equally long vectors.
fn mean_rows(rows: &[Vec<f64>]) -> Vec<f64> {
    let n = rows.len() as f64;
    (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i]).sum::<f64>() / n)
        .collect()
}

/// A tensor grid of about [`GRAM_POINTS`] points on [−1, 1]^d.
fn gram_points(input_dim: usize) -> Vec<Vec<f64>> {
    let per_axis = (GRAM_POINTS as f64).powf(1.0 / input_dim as f64).round() as usize;
    let axis = linspace(1.0, per_axis);
    (0..per_axis.pow(input_dim as u32))
        .map(|mut k| {
            (0..input_dim)
                .map(|_| {
                    let v = axis[k % per_axis];
                    k /= per_axis;
                    v
                })
                .collect()
        })
        .collect()
}

fn mean_eigenvalues(config: &NetConfig, input_dim: usize, seeds: usize) -> Vec<f64> {
    let points = gram_points(input_dim);
    let all: Vec<Vec<f64>> = (0..seeds)
        .into_par_iter()
        .map(|k| gram_eigenvalues(&seeded_net(config, input_dim, k), &points))
        .collect();
    mean_rows(&all)
}

/// The first, middle and last ω of the sweep (without repeats).
fn slice_omegas(omegas: &[f64]) -> Vec<f64> {
    let mut picked = vec![
        omegas[0],
        omegas[omegas.len() / 2],
        omegas[omegas.len() - 1],
    ];
    picked.dedup();
    picked
}

/// The coordinates of the 2D slices along each axis.
pub fn slice_axis() -> Vec<f64> {
    linspace(DISPLAY_HALF_WIDTH, SLICE_POINTS)
}

fn kernel_slice(config: &NetConfig, seeds: usize) -> KernelSlice {
    let axis = slice_axis();
    let points: Vec<Vec<f64>> = axis
        .iter()
        .flat_map(|&x| axis.iter().map(move |&y| vec![x, y]))
        .collect();
    let rows: Vec<Vec<f64>> = (0..seeds)
        .into_par_iter()
        .map(|k| {
            let net = seeded_net(config, 2, k);
            ntk(&net, &points, &[vec![0.0, 0.0]]).as_slice().to_vec()
        })
        .collect();
    KernelSlice {
        omega: config.omega_value(),
        values: mean_rows(&rows),
    }
}

/// Init statistics of all three families at their usual frequencies. Each
/// layer's pre-activations get bins of their own (SIREN's first layer
/// spans ±60, the simple sine network's later layers about ±3).
fn study_init(options: &NtkOptions) -> Vec<InitStudy> {
    NetKind::ALL
        .iter()
        .map(|&kind| {
            let omega = match kind {
                NetKind::Siren => SIREN_OMEGA,
                _ => SINE_INIT_OMEGA,
            };
            let config = NetConfig {
                depth: INIT_DEPTH,
                ..options.config(kind, omega)
            };
            let v = layer_values(&config, options.input_dim, INIT_POINTS, INIT_POINT_SEED);
            let layers = v
                .preactivations
                .iter()
                .zip(&v.activations)
                .map(|(z, a)| {
                    let pre = Bins::symmetric_cover(z, INIT_BINS).summarize(z);
                    (pre, Bins::activations(INIT_BINS).summarize(a))
                })
                .collect();
            InitStudy {
                kind,
                omega,
                layers,
            }
        })
        .collect()
}

impl NtkStudy {
    /// A short summary: κ and R² per family, then the bandwidth per ω.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let o = &self.options;
        out += &format!(
            "NTK bandwidth ({}% energy, rad per unit of normalized input), width {}, depth {}, {} input(s), {} seeds\n",
            o.share * 100.0,
            o.width,
            o.depth,
            o.input_dim,
            o.seeds
        );
        for net in &self.nets {
            out += &match &net.fit {
                Some(fit) => format!(
                    "{:12} κ = {:.4}  R² = {:.4}  bandwidth/ω in [{:.3}, {:.3}]\n",
                    net.kind.name(),
                    fit.kappa,
                    fit.r2,
                    fit.ratio_range.0,
                    fit.ratio_range.1
                ),
                None => format!(
                    "{:12} (no ω: the same network at every ω)\n",
                    net.kind.name()
                ),
            };
            for m in &net.measurements {
                out += &format!(
                    "    ω = {:8.4}  bandwidth = {:10.4}\n",
                    m.omega, m.bandwidth
                );
            }
        }
        out
    }
}
