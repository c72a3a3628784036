//! Run configuration: the network, the Adam and quasi-Newton phases, the
//! collocation points and the run as a whole, each a table with defaults.
//!
//! An equation file may set any field in its `[network]`, `[adam]`,
//! `[quasi_newton]`, `[sampling]` and `[train]` tables; the command line
//! overrides those. The resolved configuration is written next to every
//! result (config.toml, the same tables) so that a run can be repeated
//! exactly.

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
    /// f32 until its round-off stops the quasi-Newton phase (a line search
    /// that fails), then f64 from the same state: the points, the curvature
    /// model, the best point and the budget carry over. f32 steps take about
    /// half the time of f64 ones, and f64 goes on where f32 cannot.
    Mixed,
}

impl Precision {
    /// The name in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::F64 => "f64",
            Self::Mixed => "mixed",
        }
    }

    /// Bytes per number of the widest stage.
    pub fn bytes(self) -> usize {
        match self {
            Self::F32 => 4,
            Self::F64 | Self::Mixed => 8,
        }
    }
}

/// The first layer's frequency ω: a number, or `"auto"` for the bandwidth
/// rule's choice (`bandwidth::OmegaChoice`), which replaces it before a
/// network is built (a run's config.toml holds the number).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a positive number or \"auto\"")]
pub enum Omega {
    Value(f64),
    Auto(AutoWord),
}

/// The word `auto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoWord {
    Auto,
}

impl Omega {
    /// `"auto"`.
    pub const AUTO: Omega = Omega::Auto(AutoWord::Auto);

    pub fn is_auto(self) -> bool {
        matches!(self, Omega::Auto(_))
    }
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
    pub omega: Omega,
    pub seed: u64,
    pub precision: Precision,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            kind: NetKind::SimpleSine,
            width: 32,
            depth: 3,
            omega: Omega::AUTO,
            seed: 0,
            precision: Precision::F64,
        }
    }
}

impl NetConfig {
    /// ω as a number.
    ///
    /// # Panics
    /// When ω is still `auto`: the bandwidth rule resolves it before any
    /// network is built, so reaching this is a bug in the caller.
    pub fn omega_value(&self) -> f64 {
        match self.omega {
            Omega::Value(v) => v,
            Omega::Auto(_) => {
                panic!(
                    "ω = \"auto\" must be resolved by the bandwidth rule before a network is built"
                )
            }
        }
    }
}

/// How fresh interior collocation points are placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
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
pub enum QuasiNewtonMethod {
    /// Chosen by the network's parameter count: self-scaled dense BFGS up
    /// to [`QuasiNewtonMethod::AUTO_DENSE_LIMIT`], L-BFGS above
    /// ([`QuasiNewtonMethod::for_parameters`]).
    #[default]
    Auto,
    /// Limited-memory BFGS with `memory` curvature pairs: memory and time
    /// linear in the number of parameters.
    Lbfgs,
    /// BFGS with a dense inverse Hessian: n² memory and time per iteration,
    /// for networks up to a few thousand parameters.
    Bfgs,
    /// Dense BFGS with self-scaled updates (Al-Baali's factor; Urbán et al. 2025).
    SsBfgs,
    /// Dense self-scaled Broyden: the member of the Broyden family and the
    /// scaling chosen per step (Urbán et al. 2025; Kiyani et al. 2025).
    SsBroyden,
}

impl QuasiNewtonMethod {
    /// The most parameters `auto` gives a dense inverse Hessian. Its pass
    /// over the n×n matrix costs ~5 ms per iteration at 2241 parameters
    /// (`cargo bench --bench lbfgs`), so ~25 ms at 5000 (200 MB): about one
    /// loss-and-gradient evaluation of such a network on 4096 points, the
    /// point where the matrix starts to cost more iterations than its
    /// better steps save.
    pub const AUTO_DENSE_LIMIT: usize = 5000;

    /// The method itself; `auto` resolved for a network of `n_params`.
    pub fn for_parameters(self, n_params: usize) -> Self {
        match self {
            Self::Auto if n_params <= Self::AUTO_DENSE_LIMIT => Self::SsBfgs,
            Self::Auto => Self::Lbfgs,
            m => m,
        }
    }

    /// The name in reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Lbfgs => "L-BFGS",
            Self::Bfgs => "BFGS",
            Self::SsBfgs => "SS-BFGS",
            Self::SsBroyden => "SS-Broyden",
        }
    }

    /// Whether the method stores an n×n matrix (`auto`: once resolved).
    pub fn is_dense(self) -> bool {
        matches!(self, Self::Bfgs | Self::SsBfgs | Self::SsBroyden)
    }
}

/// `[adam]`: the first phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamConfig {
    /// Adam steps before the quasi-Newton phase.
    pub steps: usize,
    /// Initial learning rate.
    pub lr: f64,
    /// Learning rate at the last step, as a fraction of `lr` (exponential decay).
    pub lr_final_fraction: f64,
    /// Redraw the collocation points every this many steps (0: never).
    pub resample_every: usize,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            steps: 1000,
            lr: 1e-3,
            lr_final_fraction: 0.1,
            resample_every: 1000,
        }
    }
}

/// `[quasi_newton]`: the phase after Adam.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuasiNewtonConfig {
    pub method: QuasiNewtonMethod,
    /// Maximum iterations (0 skips the phase).
    pub iters: usize,
    /// Curvature pairs kept by L-BFGS.
    pub memory: usize,
    /// Redraw the collocation points every this many iterations (0: one
    /// fixed set). The solver keeps its curvature model across the change.
    pub resample_every: usize,
    /// Every this many iterations, residual-based refinement adds
    /// `refine_points` interior points for good (0: never).
    pub refine_every: usize,
    /// Interior points added per refinement, where the residual is largest.
    pub refine_points: usize,
    /// Every this many iterations the interior point count doubles, from
    /// `[sampling] interior_points` up to `grow_to`, at the next redraw
    /// (0: never). Few points make the early iterations cheap; more points
    /// later set a lower error floor where the solution is steep.
    pub grow_every: usize,
    /// The most interior points growth reaches (0: no limit but the
    /// doubling's).
    pub grow_to: usize,
}

impl QuasiNewtonConfig {
    /// The interior point count after `iters` iterations of growth from `start`.
    pub fn interior_points_at(&self, start: usize, iters: usize) -> usize {
        if self.grow_every == 0 {
            return start;
        }
        let doublings = (iters / self.grow_every).min(usize::BITS as usize - 1) as u32;
        let grown = start.saturating_mul(1usize.checked_shl(doublings).unwrap_or(usize::MAX));
        grown.min(self.grow_to.max(start))
    }

    /// The most interior points a run with this phase draws.
    pub fn max_interior_points(&self, start: usize) -> usize {
        self.interior_points_at(start, self.iters)
    }
}

impl Default for QuasiNewtonConfig {
    fn default() -> Self {
        Self {
            method: QuasiNewtonMethod::Auto,
            iters: 30000,
            memory: 100,
            resample_every: 500,
            refine_every: 0,
            refine_points: 256,
            grow_every: 0,
            grow_to: 0,
        }
    }
}

/// `[sampling]`: the collocation points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SamplingConfig {
    /// Interior collocation points.
    pub interior_points: usize,
    /// Points on the boundary faces of each condition, in total per condition.
    pub condition_points: usize,
    /// Where fresh interior points go: uniformly, or by residual (RAD).
    pub placement: Placement,
    /// RAD's exponent k and offset c: density ∝ ε^k / mean(ε^k) + c.
    pub residual_exponent: f64,
    pub residual_offset: f64,
    /// Candidate points whose residual is measured when points are placed by
    /// residual (refinement, RAD).
    pub candidates: usize,
}

impl Default for SamplingConfig {
    fn default() -> Self {
        Self {
            interior_points: 4096,
            condition_points: 256,
            placement: Placement::Residual,
            residual_exponent: 1.0,
            residual_offset: 1.0,
            candidates: 16384,
        }
    }
}

/// `[train]`: what concerns the run as a whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Keep the parameters of the record with the lowest loss on held-out
    /// collocation points (early stopping against overfitting the points).
    pub keep_best: bool,
    /// Record (and evaluate the error against the reference) every this many steps.
    pub eval_every: usize,
    /// Stop (and still evaluate and write everything) after this many seconds.
    pub max_seconds: Option<f64>,
    /// End the run early once the held-out loss has not fallen by 1% for
    /// this share of `max_seconds` (0: run to the budget): an easy problem
    /// ends when it has converged, a hard one uses its budget.
    pub stall_share: f64,
    /// Write a checkpoint (`pinn resume` continues from it) every this many
    /// seconds of training, and when the run is interrupted; 0: after every
    /// step; `"never"`: no checkpoints.
    pub checkpoint_every: CheckpointEvery,
    /// Loss weight per residual or condition name (default 1): the weights
    /// of `balance = "fixed"`, the starting weights of the others.
    pub weights: BTreeMap<String, f64>,
    /// How the terms' weights are set: none given means `grad-norm`, or
    /// `fixed` when `weights` are given (a run's config.toml holds the choice).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<Balance>,
    /// Adam steps between two weight updates of an automatic balance (the
    /// quasi-Newton phase updates them where its segments start).
    pub balance_every: usize,
    /// Causal training along an input named `t` (`train::causal`): the
    /// residual counts at a time only once it is small at every earlier one.
    pub causal: bool,
    /// Chunks of the time axis, and the tolerance ε of the causal weights.
    pub causal_chunks: usize,
    pub causal_epsilon: f64,
}

/// How the loss terms are weighted (`[train] balance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Balance {
    /// The weights of `[train] weights` (default 1), never changed.
    Fixed,
    /// Gradient-norm balancing (Wang, Wang & Perdikaris 2023, "An expert's
    /// guide to training PINNs"; jaxpi's `grad_norm`): every term's weighted
    /// gradient gets the same norm, λ_i = Σ_j ‖∇L_j‖ / ‖∇L_i‖.
    GradNorm,
    /// Learning-rate annealing (Wang, Teng & Perdikaris 2021, Algorithm 1):
    /// residuals keep weight 1, every other term gets
    /// λ_i = max|∇L_r| / mean|∇(L_i)|.
    Annealing,
}

impl TrainConfig {
    /// The balance asked for, or the default: `grad-norm`, `fixed` when
    /// weights are given.
    /// Seconds without progress that end the run, when there is a budget
    /// and a share.
    pub fn stall_seconds(&self) -> Option<f64> {
        self.max_seconds
            .filter(|_| self.stall_share > 0.0)
            .map(|s| s * self.stall_share)
    }

    pub fn balance_scheme(&self) -> Balance {
        self.balance.unwrap_or(if self.weights.is_empty() {
            Balance::GradNorm
        } else {
            Balance::Fixed
        })
    }
}

impl Balance {
    pub fn label(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::GradNorm => "grad-norm",
            Self::Annealing => "annealing",
        }
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            keep_best: true,
            eval_every: 100,
            // Two minutes: what the problem set needs at these defaults
            // (README, "Defaults"); an easy problem stops earlier when it
            // converges.
            max_seconds: Some(120.0),
            // 30 s of a 120 s budget: longer than any plateau the problem
            // set showed before a further fall (README, "Defaults").
            stall_share: 0.25,
            // A dense 2241-parameter model is 40 MB: a write a minute costs
            // a fraction of a second.
            checkpoint_every: CheckpointEvery::Seconds(60.0),
            weights: BTreeMap::new(),
            balance: None,
            balance_every: 100,
            causal: false,
            // The paper's wave and Allen–Cahn settings (32 chunks, ε = 1).
            causal_chunks: 32,
            causal_epsilon: 1.0,
        }
    }
}

/// How often a run writes its checkpoint: seconds, or the word `never`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a number of seconds or \"never\"")]
pub enum CheckpointEvery {
    Seconds(f64),
    Never(NeverWord),
}

/// The word `never`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NeverWord {
    Never,
}

impl CheckpointEvery {
    /// Seconds between checkpoints, none for `never`.
    pub fn seconds(self) -> Option<f64> {
        match self {
            CheckpointEvery::Seconds(s) => Some(s),
            CheckpointEvery::Never(_) => None,
        }
    }
}

/// Everything that determines a run besides the equation file itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunConfig {
    pub network: NetConfig,
    pub adam: AdamConfig,
    pub quasi_newton: QuasiNewtonConfig,
    pub sampling: SamplingConfig,
    pub train: TrainConfig,
    /// Initial values of the unknown coefficients (inverse problems), by
    /// name; a run's config.toml holds every one, resolved from the file.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unknowns: BTreeMap<String, f64>,
}

/// The longest wall-clock budget or checkpoint interval accepted, in
/// seconds (about 31 years): a time point that far ahead still fits the
/// clock's range, which `1e20` does not.
pub const MAX_SECONDS: f64 = 1e9;

/// Chunks of the time axis a causal loss may cut: each needs points of its
/// own, and the paper's runs use 16 to 32.
pub const MAX_CAUSAL_CHUNKS: usize = 4096;

/// A setting that no run can use: where it is (`[table]` and key) and why.
#[derive(Clone, Debug, PartialEq)]
pub struct BadSetting {
    pub table: &'static str,
    pub key: String,
    /// What the value must be, e.g. "must be at least 1, found 0".
    pub message: String,
}

impl std::fmt::Display for BadSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` in [{}] {}", self.key, self.table, self.message)
    }
}

/// `value` must satisfy `ok`, else a [`BadSetting`] saying `must`.
fn require<T: std::fmt::Display>(
    (table, key): (&'static str, &str),
    value: T,
    ok: bool,
    must: &str,
) -> Result<(), BadSetting> {
    if ok {
        return Ok(());
    }
    Err(BadSetting {
        table,
        key: key.to_string(),
        message: format!("{must}, found {value}"),
    })
}

/// A number of seconds: finite, not negative, at most [`MAX_SECONDS`].
fn seconds(at: (&'static str, &str), s: f64) -> Result<(), BadSetting> {
    let must = format!("must be a number of seconds from 0 to {MAX_SECONDS:e}");
    require(at, s, (0.0..=MAX_SECONDS).contains(&s), &must)
}

impl RunConfig {
    /// The first setting a run would refuse or fail on, in table order.
    /// Sizes that fit in memory are checked with the problem
    /// ([`crate::limits::estimate_bytes`]).
    pub fn check(&self) -> Result<(), BadSetting> {
        const AT_LEAST_1: &str = "must be at least 1";
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let net = &self.network;
        require(("network", "width"), net.width, net.width >= 1, AT_LEAST_1)?;
        require(("network", "depth"), net.depth, net.depth >= 1, AT_LEAST_1)?;
        if let Omega::Value(w) = net.omega {
            require(
                ("network", "omega"),
                w,
                positive(w),
                "must be a positive number or \"auto\"",
            )?;
        }
        let adam = &self.adam;
        require(
            ("adam", "lr"),
            adam.lr,
            positive(adam.lr),
            "must be a positive number",
        )?;
        let f = adam.lr_final_fraction;
        require(
            ("adam", "lr_final_fraction"),
            f,
            positive(f),
            "must be a positive number",
        )?;
        let qn = &self.quasi_newton;
        require(
            ("quasi_newton", "memory"),
            qn.memory,
            qn.memory >= 1,
            AT_LEAST_1,
        )?;
        let sampling = &self.sampling;
        let n = sampling.interior_points;
        require(("sampling", "interior_points"), n, n >= 1, AT_LEAST_1)?;
        if qn.grow_every > 0 {
            require(
                ("quasi_newton", "grow_to"),
                qn.grow_to,
                qn.grow_to >= n,
                "must be at least [sampling] interior_points (the count growth starts from)",
            )?;
        }
        let n = sampling.condition_points;
        require(("sampling", "condition_points"), n, n >= 1, AT_LEAST_1)?;
        let n = sampling.candidates;
        require(("sampling", "candidates"), n, n >= 1, AT_LEAST_1)?;
        let k = sampling.residual_exponent;
        require(
            ("sampling", "residual_exponent"),
            k,
            k.is_finite() && k >= 0.0,
            "must be a finite number >= 0",
        )?;
        let c = sampling.residual_offset;
        require(
            ("sampling", "residual_offset"),
            c,
            c.is_finite() && c >= 0.0,
            "must be a finite number >= 0",
        )?;
        let train = &self.train;
        if let Some(s) = train.max_seconds {
            seconds(("train", "max_seconds"), s)?;
        }
        if let Some(s) = train.checkpoint_every.seconds() {
            seconds(("train", "checkpoint_every"), s)?;
        }
        let share = train.stall_share;
        require(
            ("train", "stall_share"),
            share,
            (0.0..=1.0).contains(&share),
            "must be a share of the budget from 0 (never) to 1",
        )?;
        let n = train.causal_chunks;
        require(
            ("train", "causal_chunks"),
            n,
            (1..=MAX_CAUSAL_CHUNKS).contains(&n),
            &format!("must be from 1 to {MAX_CAUSAL_CHUNKS}"),
        )?;
        let eps = train.causal_epsilon;
        require(
            ("train", "causal_epsilon"),
            eps,
            eps.is_finite() && eps >= 0.0,
            "must be a finite number >= 0",
        )?;
        for (name, &w) in &train.weights {
            let ok = w.is_finite() && w >= 0.0;
            require(
                ("train", "weights"),
                w,
                ok,
                &format!("must give '{name}' a finite weight >= 0"),
            )?;
        }
        for (name, &v) in &self.unknowns {
            require(
                ("unknowns", name),
                v,
                v.is_finite(),
                "must be a finite number",
            )?;
        }
        Ok(())
    }
}

/// Settings of earlier versions, by their old key, with where they are now.
const RENAMED: [(&str, &str); 16] = [
    ("adam_steps", "`steps` in [adam]"),
    ("lr", "`lr` in [adam]"),
    ("lr_final_fraction", "`lr_final_fraction` in [adam]"),
    ("resample_every", "`resample_every` in [adam]"),
    ("lbfgs_iters", "`iters` in [quasi_newton]"),
    ("quasi_newton", "`method` in [quasi_newton]"),
    ("lbfgs_memory", "`memory` in [quasi_newton]"),
    ("lbfgs_resample_every", "`resample_every` in [quasi_newton]"),
    ("refine_every", "`refine_every` in [quasi_newton]"),
    ("refine_points", "`refine_points` in [quasi_newton]"),
    ("interior_points", "`interior_points` in [sampling]"),
    ("condition_points", "`condition_points` in [sampling]"),
    ("sampling", "`placement` in [sampling]"),
    ("sampling_k", "`residual_exponent` in [sampling]"),
    ("sampling_c", "`residual_offset` in [sampling]"),
    ("residual_candidates", "`candidates` in [sampling]"),
];

/// Where a setting that was renamed or moved is now, e.g. `lbfgs_iters` →
/// "`iters` in [quasi_newton]".
pub fn renamed(key: &str) -> Option<&'static str> {
    RENAMED
        .iter()
        .find(|(old, _)| *old == key)
        .map(|(_, new)| *new)
}

/// A TOML error message, with an unknown field that is an old setting's
/// name explained by where that setting is now.
pub fn explain_toml_message(message: &str) -> String {
    let old = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    match old.and_then(|k| renamed(k).map(|new| (k, new))) {
        Some((key, new)) => format!("`{key}` is a setting of an earlier version: it is now {new}"),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NetConfig, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn omega_is_a_number_or_auto_and_round_trips() {
        let fixed = parse("omega = 2").expect("integer ω");
        assert_eq!(fixed.omega, Omega::Value(2.0));
        let auto = parse("omega = \"auto\"").expect("auto ω");
        assert!(auto.omega.is_auto());
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

    #[test]
    fn checkpoint_every_is_seconds_or_never_and_round_trips() {
        for (text, want) in [
            ("checkpoint_every = 0", Some(0.0)),
            ("checkpoint_every = 12.5", Some(12.5)),
            ("checkpoint_every = \"never\"", None),
            ("", Some(60.0)),
        ] {
            let train: TrainConfig = toml::from_str(text).expect(text);
            assert_eq!(train.checkpoint_every.seconds(), want, "{text}");
            let written = toml::to_string(&train).expect("serializes");
            let back: TrainConfig = toml::from_str(&written).expect("reads back");
            assert_eq!(back, train, "{written}");
        }
        let err = toml::from_str::<TrainConfig>("checkpoint_every = \"hourly\"")
            .expect_err("not a setting")
            .to_string();
        assert!(err.contains("a number of seconds or \"never\""), "{err}");
    }

    #[test]
    fn a_run_config_round_trips_through_its_tables() {
        let mut config = RunConfig::default();
        config.quasi_newton.method = QuasiNewtonMethod::SsBfgs;
        config.sampling.placement = Placement::Residual;
        config.train.weights.insert("ic".into(), 100.0);
        let text = toml::to_string(&config).expect("serializes");
        for table in [
            "[network]",
            "[adam]",
            "[quasi_newton]",
            "[sampling]",
            "[train]",
        ] {
            assert!(text.contains(table), "{table} in\n{text}");
        }
        assert_eq!(
            toml::from_str::<RunConfig>(&text).expect("reads back"),
            config
        );
    }

    #[test]
    fn interior_points_double_every_grow_every_iterations_up_to_grow_to() {
        let mut qn = QuasiNewtonConfig {
            iters: 20000,
            ..QuasiNewtonConfig::default()
        };
        // Without growth the count stays where it starts.
        assert_eq!(qn.interior_points_at(4096, 0), 4096);
        assert_eq!(qn.interior_points_at(4096, 19999), 4096);
        assert_eq!(qn.max_interior_points(4096), 4096);
        (qn.grow_every, qn.grow_to) = (6000, 16384);
        let at = |qn: &QuasiNewtonConfig, i| qn.interior_points_at(4096, i);
        let counts = [0, 5999, 6000, 11999, 12000, 18000, usize::MAX].map(|i| at(&qn, i));
        assert_eq!(counts, [4096, 4096, 8192, 8192, 16384, 16384, 16384]);
        assert_eq!(qn.max_interior_points(4096), 16384);
        // A limit that is not a power-of-two multiple is reached, not passed.
        qn.grow_to = 10000;
        assert_eq!([at(&qn, 6000), at(&qn, 12000)], [8192, 10000]);
        // No overflow for any iteration count or start.
        qn.grow_to = usize::MAX;
        assert_eq!(
            qn.interior_points_at(usize::MAX / 2, usize::MAX),
            usize::MAX
        );
    }

    #[test]
    fn growth_needs_a_limit_at_least_the_starting_count() {
        let mut config = RunConfig::default();
        config.quasi_newton.grow_every = 1000;
        let bad = config.check().expect_err("grow_to left at 0");
        assert_eq!((bad.table, bad.key.as_str()), ("quasi_newton", "grow_to"));
        assert!(bad.to_string().contains("interior_points"), "{bad}");
        config.quasi_newton.grow_to = config.sampling.interior_points * 4;
        config.check().expect("a limit above the start");
    }

    #[test]
    fn an_old_key_is_explained_by_its_replacement() {
        let err = toml::from_str::<RunConfig>("[train]\nlbfgs_iters = 10\n").expect_err("old key");
        let text = explain_toml_message(err.message());
        assert_eq!(
            text,
            "`lbfgs_iters` is a setting of an earlier version: it is now `iters` in [quasi_newton]"
        );
        for (old, _) in RENAMED {
            assert!(renamed(old).is_some());
            let e = toml::from_str::<TrainConfig>(&format!("{old} = 1")).expect_err(old);
            assert!(
                explain_toml_message(e.message()).contains("earlier version"),
                "{old}: {e}"
            );
        }
        let other = explain_toml_message("unknown field `widht`, expected one of ...");
        assert_eq!(other, "unknown field `widht`, expected one of ...");
    }
}
