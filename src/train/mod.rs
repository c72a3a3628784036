//! Training: one [`Driver`] runs optimizer phases ([`AdamPhase`], then a
//! [`QuasiNewtonPhase`]) on an [`Objective`]; [`Trainer`] sets that up for
//! a problem's residual loss.
//!
//! ```text
//! Trainer::new(&problem, &config, &net)
//!     .monitor(move |net| errors(...))       // error against the reference
//!     .observer(ProgressObserver::new(n))
//!     .run(&mut net)                          // → Outcome { history, stop, … }
//! ```

mod adam;
pub mod balance;
mod causal;
mod checkpoint;
mod data;
mod driver;
mod objective;
mod observe;
mod quasi_newton;
mod residual_loss;
mod stop;

pub use adam::{Adam, AdamPhase, Decay};
pub use causal::Causal;
pub use checkpoint::{AdamState, Checkpoint, PhaseState, QuasiNewtonState, SegmentState};
pub use driver::{
    Budget, Driver, DriverSettings, Monitor, Outcome, PhaseEnd, PhaseReport, Progress, RunLog,
    Saver, TrainingPhase, STALL_MARGIN, STALL_RECORDS,
};
pub use objective::Objective;
pub use observe::{progress_bar, Measure, Observer, Phase, ProgressObserver, Record};
pub use quasi_newton::{Bfgs, Lbfgs, QuasiNewtonPhase, Refresh};
pub use residual_loss::{PointsState, ResidualLoss};
pub use stop::{Stop, StopReason};

use crate::config::RunConfig;
use crate::evaluate::Errors;
use crate::net::Network;
use crate::problem::Problem;
use crate::scalar::Real;
use crate::unknowns::Bounds;
use dfdx::prelude::*;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Share of `max_seconds` that Adam may use when a quasi-Newton phase follows.
pub const ADAM_BUDGET_SHARE: f64 = 0.3;

/// What a PINN run records of the solution besides its loss.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// Values of the unknown coefficients (inverse problems), in file order.
    pub unknowns: Vec<f64>,
    /// Error against the reference, when there is one.
    pub errors: Option<Errors>,
}

impl Measure for Snapshot {
    fn progress(&self) -> String {
        match &self.errors {
            Some(e) => {
                let rel: Vec<String> = e.rel_l2.iter().map(|v| format!("{v:.2e}")).collect();
                format!("rel L2 {}", rel.join(" "))
            }
            None => String::new(),
        }
    }
}

/// The error of a network against the problem's reference.
pub type ErrorMonitor<E> = Box<dyn Fn(&Network<E>) -> Errors>;

/// A record of a PINN run.
pub type PinnRecord = Record<Snapshot>;

/// Greatest common divisor, with gcd(0, n) = n.
fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Trains a network on a problem's residual loss: Adam, then the
/// configured quasi-Newton method, through one [`Driver`].
pub struct Trainer<E: Real> {
    config: RunConfig,
    objective: ResidualLoss<E>,
    held_out: ResidualLoss<E>,
    bounds: Vec<Bounds>,
    errors: Option<ErrorMonitor<E>>,
    observers: Vec<Box<dyn Observer<Snapshot>>>,
    stop: Arc<AtomicBool>,
    checkpoints: Option<(f64, Saver<ResidualLoss<E>, Snapshot>)>,
    handover: Option<Saver<ResidualLoss<E>, Snapshot>>,
    resume: Option<(Checkpoint<Snapshot>, PointsState)>,
}

impl<E: Real> Trainer<E>
where
    Cpu: Device<E>,
{
    pub fn new(problem: &Problem, config: &RunConfig, net: &Network<E>) -> Self {
        Self {
            config: config.clone(),
            objective: ResidualLoss::new(problem, config, net),
            // Same sizes, independent points (another seed of the scrambled
            // Sobol sequence), and never causal: the held-out loss judges
            // the solution everywhere, on one scale for the whole run.
            held_out: ResidualLoss::with_seed(
                problem,
                &RunConfig {
                    train: crate::config::TrainConfig {
                        causal: false,
                        ..config.train.clone()
                    },
                    ..config.clone()
                },
                net,
                net.config.seed.wrapping_add(0x5EED),
            ),
            bounds: problem.pde.unknowns.iter().map(|u| u.bounds).collect(),
            errors: None,
            observers: Vec::new(),
            stop: Arc::new(AtomicBool::new(false)),
            checkpoints: None,
            handover: None,
            resume: None,
        }
    }

    /// Makes this the f32 stage of a mixed-precision run: where f32's
    /// round-off fails a line search, the run's state goes to `save` and
    /// training stops with `SwitchToF64` (see [`Driver::handover`]).
    pub fn handover(mut self, save: Saver<ResidualLoss<E>, Snapshot>) -> Self {
        self.handover = Some(save);
        self
    }

    /// Writes checkpoints through `save` every `every` seconds (0: every
    /// step) and when the run is interrupted.
    pub fn checkpoints(mut self, every: f64, save: Saver<ResidualLoss<E>, Snapshot>) -> Self {
        self.checkpoints = Some((every, save));
        self
    }

    /// Continues from a checkpoint: the driver's state and the loss's points.
    pub fn resume(mut self, checkpoint: Checkpoint<Snapshot>, points: PointsState) -> Self {
        self.resume = Some((checkpoint, points));
        self
    }

    /// Measures the error at every record.
    pub fn monitor(mut self, f: impl Fn(&Network<E>) -> Errors + 'static) -> Self {
        self.errors = Some(Box::new(f));
        self
    }

    pub fn observer(mut self, o: impl Observer<Snapshot> + 'static) -> Self {
        self.observers.push(Box::new(o));
        self
    }

    /// A flag that, once set (e.g. by Ctrl-C), ends training at the next step.
    pub fn stop_flag(mut self, flag: Arc<AtomicBool>) -> Self {
        self.stop = flag;
        self
    }

    /// Term names in loss order.
    pub fn names(&self) -> Vec<String> {
        self.objective.names().to_vec()
    }

    /// Trains `net` in place; an error when a checkpoint to resume does not
    /// fit the problem.
    pub fn run(self, net: &mut Network<E>) -> Result<Outcome<Snapshot>, String> {
        let config = self.config;
        let (bounds, errors) = (self.bounds, self.errors);
        let monitor = move |net: &Network<E>| Snapshot {
            unknowns: bounds
                .iter()
                .zip(net.unknown_raws())
                .map(|(b, raw)| b.value(raw))
                .collect(),
            errors: errors.as_ref().map(|f| f(net)),
        };
        let settings = DriverSettings {
            record_every: config.train.eval_every.max(1),
            keep_best: config.train.keep_best,
            max_seconds: config.train.max_seconds,
            stall_seconds: config.train.stall_seconds(),
        };
        let (mut objective, mut held_out) = (self.objective, self.held_out);
        let resume = match self.resume {
            Some((checkpoint, points)) => {
                if checkpoint.params.len() != net.n_params() {
                    return Err(format!(
                        "the checkpoint has {} parameters, the network {}",
                        checkpoint.params.len(),
                        net.n_params()
                    ));
                }
                objective.restore_points(net, points)?;
                held_out.set_weights(&objective.weights);
                Some(checkpoint)
            }
            None => None,
        };
        let mut driver = Driver::new(objective, settings, monitor)
            .held_out(held_out)
            .stop_flag(self.stop);
        for o in self.observers {
            driver = driver.observer(o);
        }
        if let Some((every, save)) = self.checkpoints {
            driver = driver.checkpoints(every, save);
        }
        if let Some(save) = self.handover {
            driver = driver.handover(save);
        }
        if let Some(checkpoint) = resume {
            driver = driver.resume(checkpoint, net);
        }
        let (adam, qn) = (&config.adam, &config.quasi_newton);
        let quasi_newton = qn.iters > 0;
        let mut adam = AdamPhase {
            steps: adam.steps,
            lr: adam.lr,
            lr_final_fraction: adam.lr_final_fraction,
            decay: Decay::OverSteps,
            resample_every: adam.resample_every,
            rebalance_every: config.train.balance_every,
            // The quasi-Newton phase does most of the accuracy, so a budget
            // Adam spends alone ends far from converged.
            budget_share: quasi_newton.then_some(ADAM_BUDGET_SHARE),
        };
        if !quasi_newton {
            return Ok(driver.run(net, &mut [&mut adam]));
        }
        let (resample_every, refine_every) = (qn.resample_every, qn.refine_every);
        let keep = qn.refine_points;
        let (start_points, growth) = (config.sampling.interior_points, qn.clone());
        let refresh = move |loss: &mut ResidualLoss<E>, net: &Network<E>, iters: usize| {
            loss.set_interior_count(growth.interior_points_at(start_points, iters));
            if resample_every > 0 && iters.is_multiple_of(resample_every) {
                loss.resample(net);
            }
            if refine_every > 0 && iters.is_multiple_of(refine_every) {
                loss.refine(net, keep);
            }
        };
        let mut qn = QuasiNewtonPhase {
            method: qn.method.for_parameters(net.n_params()),
            max_iters: qn.iters,
            memory: qn.memory,
            refresh_every: gcd(resample_every, refine_every),
            refresh: Box::new(refresh),
        };
        Ok(driver.run(net, &mut [&mut adam, &mut qn]))
    }
}
