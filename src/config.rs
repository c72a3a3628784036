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
///
/// In files `omega` is a number or `"auto"`; `auto_omega` marks the latter
/// until the bandwidth rule (`bandwidth::rule`) replaces it with a number,
/// which is what a run's written configuration then holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "NetConfigFile", into = "NetConfigFile")]
pub struct NetConfig {
    pub kind: NetKind,
    /// Neurons per hidden layer.
    pub width: usize,
    /// Number of hidden (sine or tanh) layers.
    pub depth: usize,
    /// First-layer frequency ω (ω₀ for SIREN; unused by tanh).
    pub omega: f64,
    /// ω is to be chosen by the bandwidth rule (`omega = "auto"`).
    pub auto_omega: bool,
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
            auto_omega: false,
            seed: 0,
            precision: Precision::F64,
        }
    }
}

/// ω as written in files: a number or "auto".
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a positive number or \"auto\"")]
pub enum OmegaSetting {
    Value(f64),
    Auto(AutoWord),
}

/// The word `auto`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoWord {
    Auto,
}

/// [`NetConfig`] as it appears in files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct NetConfigFile {
    kind: NetKind,
    width: usize,
    depth: usize,
    omega: OmegaSetting,
    seed: u64,
    precision: Precision,
}

impl Default for NetConfigFile {
    fn default() -> Self {
        NetConfig::default().into()
    }
}

impl From<NetConfigFile> for NetConfig {
    fn from(f: NetConfigFile) -> Self {
        let (omega, auto_omega) = match f.omega {
            OmegaSetting::Value(v) => (v, false),
            OmegaSetting::Auto(_) => (NetConfig::default().omega, true),
        };
        Self {
            kind: f.kind,
            width: f.width,
            depth: f.depth,
            omega,
            auto_omega,
            seed: f.seed,
            precision: f.precision,
        }
    }
}

impl From<NetConfig> for NetConfigFile {
    fn from(c: NetConfig) -> Self {
        Self {
            kind: c.kind,
            width: c.width,
            depth: c.depth,
            omega: if c.auto_omega {
                OmegaSetting::Auto(AutoWord::Auto)
            } else {
                OmegaSetting::Value(c.omega)
            },
            seed: c.seed,
            precision: c.precision,
        }
    }
}

/// How fresh interior collocation points are placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Sampling {
    /// Scrambled Sobol points, uniform in the box.
    #[default]
    Uniform,
    /// Residual-based adaptive distribution (RAD, Wu et al. 2023): drawn from
    /// candidates with probability ∝ ε^k / mean(ε^k) + c, ε the residual norm.
    Residual,
}

/// The quasi-Newton method that follows Adam.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum QuasiNewtonKind {
    /// Limited-memory BFGS with `lbfgs_memory` curvature pairs: memory and
    /// time linear in the number of parameters.
    #[default]
    Lbfgs,
    /// BFGS with a dense inverse Hessian: n² memory and time per iteration,
    /// for networks up to a few thousand parameters.
    Bfgs,
    /// Dense BFGS with self-scaled updates (Al-Baali's factor; Urbán et al. 2025).
    SsBfgs,
}

impl QuasiNewtonKind {
    /// The name in reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::Lbfgs => "L-BFGS",
            Self::Bfgs => "BFGS",
            Self::SsBfgs => "SS-BFGS",
        }
    }

    /// Whether the method stores an n×n matrix.
    pub fn is_dense(self) -> bool {
        !matches!(self, Self::Lbfgs)
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
    /// The quasi-Newton method after Adam (the `lbfgs_*` settings apply to
    /// each: iterations, point changes).
    pub quasi_newton: QuasiNewtonKind,
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
    /// Where fresh interior points go: uniformly, or by residual (RAD).
    pub sampling: Sampling,
    /// RAD's exponent k and offset c: density ∝ ε^k / mean(ε^k) + c.
    pub sampling_k: f64,
    pub sampling_c: f64,
    /// Candidate points whose residual is measured when points are placed by
    /// residual (refinement, RAD).
    pub residual_candidates: usize,
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
            quasi_newton: QuasiNewtonKind::Lbfgs,
            interior_points: 4096,
            condition_points: 256,
            resample_every: 1000,
            keep_best: true,
            lbfgs_resample_every: 0,
            refine_every: 0,
            refine_points: 256,
            sampling: Sampling::Uniform,
            sampling_k: 1.0,
            sampling_c: 1.0,
            residual_candidates: 16384,
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
    /// Initial values of the unknown coefficients (inverse problems), by
    /// name; a run's config.toml holds every one, resolved from the file.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unknowns: BTreeMap<String, f64>,
}

#[cfg(test)]
mod omega_setting_tests {
    use super::*;

    fn parse(text: &str) -> Result<NetConfig, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn omega_is_a_number_or_auto_and_round_trips() {
        let fixed = parse("omega = 2").expect("integer ω");
        assert_eq!((fixed.omega, fixed.auto_omega), (2.0, false));
        let auto = parse("omega = \"auto\"").expect("auto ω");
        assert!(auto.auto_omega);
        let written = toml::to_string(&auto).expect("serializes");
        assert!(written.contains("omega = \"auto\""), "{written}");
        assert_eq!(parse(&written).expect("reads back"), auto);
        let err = parse("omega = \"fast\"")
            .expect_err("not a setting")
            .to_string();
        assert!(err.contains("a positive number or \"auto\""), "{err}");
        assert!(
            parse("omegas = 1").is_err(),
            "unknown fields are still rejected"
        );
    }
}
