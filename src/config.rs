//! Run configuration: network and training settings with defaults.
//!
//! An equation file may override any field in its `[network]` and `[train]`
//! tables; the command line overrides those. The resolved configuration is
//! written next to every result so that a run can be repeated exactly.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which network family to train.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NetKind {
    /// sin(ω(W₁x+b₁)) then sin(Wx+b), Kaiming normal everywhere (Belbute-Peres & Kolter 2023).
    #[default]
    SimpleSine,
    /// SIREN (Sitzmann et al. 2020): sin(ω₀(Wx+b)) in every layer with its uniform init.
    Siren,
    /// tanh MLP with Glorot normal weights and zero biases (Raissi et al. 2019).
    Tanh,
}

impl NetKind {
    /// Every family, in the order reports list them.
    pub const ALL: [NetKind; 3] = [NetKind::SimpleSine, NetKind::Siren, NetKind::Tanh];

    /// The name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            NetKind::SimpleSine => "simple-sine",
            NetKind::Siren => "siren",
            NetKind::Tanh => "tanh",
        }
    }
}

/// Floating-point precision of the network and its jets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    F32,
    #[default]
    F64,
}

/// Network architecture and initialization.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetConfig {
    pub kind: NetKind,
    /// Neurons per hidden layer.
    pub width: usize,
    /// Number of hidden (sine or tanh) layers.
    pub depth: usize,
    /// First-layer frequency ω (ω₀ for SIREN; unused by tanh).
    pub omega: f64,
    pub seed: u64,
    pub precision: Precision,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            kind: NetKind::SimpleSine,
            width: 64,
            depth: 3,
            omega: 1.0,
            seed: 0,
            precision: Precision::F64,
        }
    }
}

/// Optimization schedule and collocation sampling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Adam steps before L-BFGS.
    pub adam_steps: usize,
    /// Initial Adam learning rate.
    pub lr: f64,
    /// Learning rate at the last Adam step, as a fraction of `lr` (exponential decay).
    pub lr_final_fraction: f64,
    /// Maximum L-BFGS iterations after Adam (0 skips L-BFGS).
    pub lbfgs_iters: usize,
    /// L-BFGS history length.
    pub lbfgs_memory: usize,
    /// Interior collocation points.
    pub interior_points: usize,
    /// Points on the boundary faces of each condition, in total per condition.
    pub condition_points: usize,
    /// Redraw the collocation points every this many Adam steps (0: never).
    pub resample_every: usize,
    /// Redraw the collocation points every this many L-BFGS iterations (0:
    /// one fixed set). L-BFGS keeps its memory across the change.
    pub lbfgs_resample_every: usize,
    /// Every this many L-BFGS iterations, residual-based refinement adds
    /// `refine_points` interior points (0: never). L-BFGS keeps its memory.
    pub refine_every: usize,
    /// Interior points added per refinement, where the residual is largest.
    pub refine_points: usize,
    /// Candidate points whose residual is measured per refinement.
    pub refine_candidates: usize,
    /// Keep the parameters of the record with the lowest loss on held-out
    /// collocation points (early stopping against overfitting the points).
    pub keep_best: bool,
    /// Evaluate the error against the reference every this many steps.
    pub eval_every: usize,
    /// Stop (and still evaluate and write everything) after this many seconds.
    pub max_seconds: Option<f64>,
    /// Loss weight per residual or condition name (default 1).
    pub weights: BTreeMap<String, f64>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            adam_steps: 1000,
            lr: 1e-3,
            lr_final_fraction: 0.1,
            lbfgs_iters: 3000,
            lbfgs_memory: 100,
            interior_points: 4096,
            condition_points: 256,
            resample_every: 1000,
            keep_best: true,
            lbfgs_resample_every: 0,
            refine_every: 0,
            refine_points: 256,
            refine_candidates: 16384,
            eval_every: 100,
            max_seconds: None,
            weights: BTreeMap::new(),
        }
    }
}

/// Everything that determines a run besides the equation file itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunConfig {
    pub network: NetConfig,
    pub train: TrainConfig,
}
