//! Training and evaluation of one problem, writing nothing: what `pinn
//! solve` runs between creating its run folder and filling it, and what a
//! Rust program calls to solve a problem in memory.

use super::resume::{CheckpointFile, Checkpointing};
use super::unknowns::{identified, initial_raw, resolve_initial};
use super::{evaluation, EvaluationPoints, QuantityValue, SolveError, Summary};
use crate::bandwidth::OmegaChoice;
use crate::config::{Balance, Omega, Precision, QuasiNewtonMethod, RunConfig};
use crate::evaluate::{align_constants, errors, time_slices, Errors};
use crate::jet::predict;
use crate::net::{save, Network, SavedNet};
use crate::problem::Problem;
use crate::scalar::Real;
use crate::train::{
    Checkpoint, Observer, Outcome, Phase, ProgressObserver, ResidualLoss, Snapshot, Trainer,
};
use dfdx::prelude::{Cpu, Device};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

pub use crate::limits::MAX_DENSE_PARAMS;

/// How to train (the problem and its configuration come separately).
#[derive(Default)]
pub struct TrainOptions {
    /// Show a progress bar on the terminal (and the ω rule's choice).
    pub progress: bool,
    /// Set (e.g. by Ctrl-C) to end training early; the result is still complete.
    pub stop: Arc<AtomicBool>,
    /// Receive every record as training goes (e.g. a history file).
    pub observers: Vec<Box<dyn Observer<Snapshot>>>,
    /// Write checkpoints of the run.
    pub checkpoints: Option<Checkpointing>,
    /// Continue the run of this checkpoint.
    pub resume: Option<CheckpointFile>,
}

/// A configuration made ready to run: the unknowns' starting values and ω
/// resolved, the sizes checked.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub config: RunConfig,
    /// How the bandwidth rule chose ω, when the configuration said `auto`.
    pub omega_choice: Option<OmegaChoice>,
    /// What else the defaults chose for this problem, one line each.
    pub choices: Vec<String>,
}

/// Resolves what a configuration leaves open and refuses what cannot run
/// (the settings `pinn check` refuses in a file, and sizes beyond memory).
/// An `auto` ω is chosen by the bandwidth rule; the result holds the number.
pub fn prepare(problem: &Problem, config: &RunConfig) -> Result<Prepared, SolveError> {
    let mut config = config.clone();
    config
        .check()
        .map_err(|bad| SolveError::Invalid(bad.to_string()))?;
    problem
        .check_size(&config)
        .map_err(|e| SolveError::Invalid(e.message))?;
    resolve_initial(problem, &mut config)?;
    let omega_choice = resolve_omega(problem, &mut config);
    let n_params = parameter_count(problem, &config);
    let asked = config.quasi_newton.method;
    config.quasi_newton.method = asked.for_parameters(n_params);
    let mut choices = Vec::new();
    if config.train.balance.is_none() {
        let balance = config.train.balance_scheme();
        config.train.balance = Some(balance);
        choices.push(format!(
            "loss weights: {} (default{})",
            balance.label(),
            if balance == Balance::Fixed {
                ": weights are given"
            } else {
                ""
            }
        ));
    }
    if config.train.causal {
        let t = &config.train;
        choices.push(match problem.pde.time_input().is_some() {
            true => format!(
                "causal training: {} chunks along t, ε = {}",
                t.causal_chunks, t.causal_epsilon
            ),
            false => "causal training: off (the problem has no input t)".into(),
        });
    }
    choices.extend(problem.exact_conditions());
    if asked == QuasiNewtonMethod::Auto && config.quasi_newton.iters > 0 {
        choices.push(format!(
            "quasi-Newton: {} (auto: {n_params} parameters, dense up to {})",
            config.quasi_newton.method.label(),
            QuasiNewtonMethod::AUTO_DENSE_LIMIT
        ));
    }
    Ok(Prepared {
        config,
        omega_choice,
        choices,
    })
}

/// Replaces an `auto` ω by the rule's choice for this problem and point density.
pub fn resolve_omega(problem: &Problem, config: &mut RunConfig) -> Option<OmegaChoice> {
    if !config.network.omega.is_auto() {
        return None;
    }
    let choice =
        OmegaChoice::for_problem(problem, &config.network, config.sampling.interior_points);
    config.network.omega = Omega::Value(choice.omega);
    Some(choice)
}

/// Weights, biases and unknowns of the network `config` builds for `problem`.
fn parameter_count(problem: &Problem, config: &RunConfig) -> usize {
    let (net, pde) = (&config.network, &problem.pde);
    let layers =
        crate::limits::parameter_count(pde.inputs.len(), pde.outputs.len(), net.width, net.depth);
    layers as usize + pde.unknowns.len()
}

/// A trained network, in the precision it was trained in.
#[derive(Clone, Debug)]
pub enum TrainedNet {
    F32(Network<f32>),
    F64(Network<f64>),
}

impl TrainedNet {
    /// The outputs at `points`, per output.
    pub fn predict(&self, points: &[Vec<f64>]) -> Vec<Vec<f64>> {
        match self {
            Self::F32(n) => predict(n, points),
            Self::F64(n) => predict(n, points),
        }
    }

    /// The on-disk form (model.json).
    pub fn save(&self) -> SavedNet {
        match self {
            Self::F32(n) => save(n),
            Self::F64(n) => save(n),
        }
    }

    pub fn n_params(&self) -> usize {
        match self {
            Self::F32(n) => n.n_params(),
            Self::F64(n) => n.n_params(),
        }
    }

    /// The derived quantities of `problem` (`[quantities]`).
    pub fn quantities(&self, problem: &Problem) -> Vec<QuantityValue> {
        match self {
            Self::F32(n) => super::quantities(n, problem),
            Self::F64(n) => super::quantities(n, problem),
        }
    }
}

/// A network's prediction at the evaluation points, masked outside the
/// shape and (outputs known up to a constant) shifted to the reference's
/// mean as it is compared, and its errors against the reference.
pub(super) fn judged(
    problem: &Problem,
    eval: &EvaluationPoints,
    mut prediction: Vec<Vec<f64>>,
) -> (Vec<Vec<f64>>, Option<Errors>) {
    super::mask_outside(problem, &eval.points, &mut prediction);
    let Some(r) = &eval.reference else {
        return (prediction, None);
    };
    let slices = time_slices(&problem.pde.inputs, &eval.points);
    let prediction = align_constants(&prediction, r, &problem.evaluation.up_to_constant, &slices);
    let errors = errors(&prediction, r);
    (prediction, Some(errors))
}

/// Everything a training run produced: the network, its history, its
/// prediction on the evaluation points and the summary.
#[derive(Clone, Debug)]
pub struct Trained {
    pub net: TrainedNet,
    pub outcome: Outcome<Snapshot>,
    /// Loss term names, in the order of the records' losses.
    pub names: Vec<String>,
    pub eval: EvaluationPoints,
    /// The prediction at `eval.points`, per output (outputs known up to a
    /// constant shifted as they are compared).
    pub prediction: Vec<Vec<f64>>,
    pub summary: Summary,
}

/// Trains a network on `problem` with `config` and evaluates it against the
/// reference; writes nothing (observers in `options` may).
pub fn train_and_evaluate(
    problem: &Problem,
    config: &RunConfig,
    options: TrainOptions,
) -> Result<Trained, SolveError> {
    let prepared = prepare(problem, config)?;
    train_prepared(problem, &prepared, options)
}

/// As [`train_and_evaluate`], for a configuration already [`prepare`]d.
pub fn train_prepared(
    problem: &Problem,
    prepared: &Prepared,
    options: TrainOptions,
) -> Result<Trained, SolveError> {
    if options.progress {
        if let Some(c) = &prepared.omega_choice {
            eprintln!("{}", c.describe());
        }
        for line in &prepared.choices {
            eprintln!("{line}");
        }
    }
    let stage = options.resume.as_ref().and_then(|f| f.f64_from_step);
    match (prepared.config.network.precision, stage) {
        (Precision::F32, None) => {
            train_with::<f32>(problem, prepared, options, TrainedNet::F32, None)
        }
        (Precision::F64, None) => {
            train_with::<f64>(problem, prepared, options, TrainedNet::F64, None)
        }
        (Precision::Mixed, _) => super::mixed::train_mixed(problem, prepared, options),
        (p, Some(_)) => Err(SolveError::Invalid(format!(
            "the checkpoint is of a mixed-precision run; this configuration trains in {}",
            p.name()
        ))),
    }
}

/// Where the f32 stage of a mixed run leaves the run's state for the f64 stage.
pub(super) type Handover = Rc<RefCell<Option<CheckpointFile>>>;

/// What training starts from: the evaluation points with the reference
/// read, the network, and the trainer with its points drawn.
fn set_up<E: Real>(
    problem: &Problem,
    prepared: &Prepared,
) -> Result<(EvaluationPoints, Network<E>, Trainer<E>), SolveError>
where
    Cpu: Device<E>,
{
    let config = &prepared.config;
    let eval = evaluation(problem)?;
    // The precision this network runs in (a mixed run's stages differ),
    // as model.json and metrics.json record it.
    let network = crate::config::NetConfig {
        precision: precision_of::<E>(),
        ..config.network.clone()
    };
    let net = Network::<E>::new(&network, &problem.pde.domain, problem.pde.outputs.len())
        .with_unknowns(&initial_raw(problem, config))
        .with_hard_constraints(problem.pde.hard.clone());
    let trainer = Trainer::new(problem, config, &net);
    Ok((eval, net, trainer))
}

/// Everything a run does before its first step (the configuration
/// prepared, the reference read, the network built, the points drawn),
/// and no step: what `pinn check`'s acceptance promises will work.
pub fn ready(problem: &Problem, config: &RunConfig) -> Result<Prepared, SolveError> {
    let prepared = prepare(problem, config)?;
    match prepared.config.network.precision {
        Precision::F32 | Precision::Mixed => set_up::<f32>(problem, &prepared).map(drop),
        Precision::F64 => set_up::<f64>(problem, &prepared).map(drop),
    }?;
    Ok(prepared)
}

/// f32 or f64, by the size of `E`.
fn precision_of<E: Real>() -> Precision {
    if std::mem::size_of::<E>() == std::mem::size_of::<f32>() {
        Precision::F32
    } else {
        Precision::F64
    }
}

/// Trains in `E`; with `handover`, as the f32 stage of a mixed run that
/// leaves its state there where f32's round-off stops it.
pub(super) fn train_with<E: Real>(
    problem: &Problem,
    prepared: &Prepared,
    options: TrainOptions,
    wrap: fn(Network<E>) -> TrainedNet,
    handover: Option<Handover>,
) -> Result<Trained, SolveError>
where
    Cpu: Device<E>,
{
    let start = Instant::now();
    let config = &prepared.config;
    let (eval, mut net, trainer) = set_up::<E>(problem, prepared)?;
    let mut trainer = trainer.stop_flag(options.stop.clone());
    if let Some(reference) = eval.reference.clone() {
        let points = eval.points.clone();
        let flags = problem.evaluation.up_to_constant.clone();
        let slices = time_slices(&problem.pde.inputs, &points);
        trainer = trainer.monitor(move |net: &Network<E>| {
            let pred = align_constants(&predict(net, &points), &reference, &flags, &slices);
            errors(&pred, &reference)
        });
    }
    let names = trainer.names();
    for o in options.observers {
        trainer = trainer.observer(o);
    }
    if let Some(slot) = handover {
        let save = move |loss: &ResidualLoss<E>, driver: &Checkpoint<Snapshot>| {
            *slot.borrow_mut() = Some(CheckpointFile {
                // Compared only when read from a run folder.
                problem: String::new(),
                config: String::new(),
                driver: driver.clone(),
                points: loss.points_state(),
                f64_from_step: None,
            });
            Ok(())
        };
        trainer = trainer.handover(Box::new(save));
    }
    if let Some(c) = options.checkpoints {
        let save = move |loss: &ResidualLoss<E>, driver: &Checkpoint<Snapshot>| {
            let file = CheckpointFile {
                problem: c.problem.clone(),
                config: c.config.clone(),
                driver: driver.clone(),
                points: loss.points_state(),
                f64_from_step: c.f64_from_step,
            };
            file.write(&c.path)
        };
        trainer = trainer.checkpoints(c.every, Box::new(save));
    }
    if let Some(file) = options.resume {
        trainer = trainer.resume(file.driver, file.points);
    }
    if options.progress {
        let steps = config.adam.steps + config.quasi_newton.iters;
        trainer = trainer.observer(ProgressObserver::new(steps));
    }
    let outcome = trainer.run(&mut net).map_err(SolveError::Invalid)?;
    let (prediction, errors) = judged(problem, &eval, predict(&net, &eval.points));
    let values: Vec<f64> = problem
        .pde
        .unknowns
        .iter()
        .zip(net.unknown_raws())
        .map(|(u, raw)| u.bounds.value(raw))
        .collect();
    let summary = Summary {
        problem: problem.name.clone(),
        outputs: problem.pde.outputs.clone(),
        errors,
        wall_seconds: start.elapsed().as_secs_f64(),
        adam_steps: outcome.steps(Phase::Adam),
        quasi_newton_iters: outcome.steps(Phase::QuasiNewton),
        quasi_newton: config.quasi_newton.method,
        stop: outcome.stop.clone(),
        kept_step: outcome.kept_step,
        omega: config.network.omega_value(),
        omega_choice: prepared.omega_choice.clone(),
        choices: prepared.choices.clone(),
        unknowns: identified(problem, &values),
        quantities: super::quantities(&net, problem),
        f64_from_step: None,
        out_dir: None,
    };
    Ok(Trained {
        net: wrap(net),
        outcome,
        names,
        eval,
        prediction,
        summary,
    })
}
