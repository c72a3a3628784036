//! Training: loss assembly, Adam with a decaying learning rate, then L-BFGS,
//! with observers and a time budget.
//!
//! ```text
//! Trainer::new(&problem, &config, &net)
//!     .monitor(move |net| errors(...))       // error against the reference
//!     .add_observer(ProgressObserver::new(n))
//!     .run(&mut net)                          // → Outcome { history, … }
//! ```

mod adam;
mod data;
mod lbfgs;
mod objective;
mod observe;

pub use adam::Adam;
pub use lbfgs::{Bfgs, Lbfgs};
pub use objective::Objective;
pub use observe::{progress_bar, Observer, Phase, ProgressObserver, Record};

use crate::config::TrainConfig;
use crate::evaluate::Errors;
use crate::net::Network;
use crate::problem::Problem;
use crate::scalar::Real;
use dfdx::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Share of `max_seconds` that Adam may use when L-BFGS follows.
pub const ADAM_BUDGET_SHARE: f64 = 0.3;

/// Error of the current network against a reference.
pub type Monitor<E> = Box<dyn Fn(&Network<E>) -> Errors>;

/// What a run did.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub history: Vec<Record>,
    pub adam_steps: usize,
    pub lbfgs_iters: usize,
    /// Loss and gradient evaluations of L-BFGS, line searches included.
    pub lbfgs_evaluations: usize,
    pub seconds: f64,
    /// Why training ended (steps done, converged, time budget, interrupted).
    pub stopped_by: String,
    /// The step whose parameters the network holds: the one with the lowest
    /// held-out loss when `keep_best` is set, else the last.
    pub kept_step: usize,
}

/// Shared between the Adam loop and the L-BFGS observer.
struct Log<E: Real> {
    names: Vec<String>,
    history: Vec<Record>,
    observers: Vec<Box<dyn Observer>>,
    monitor: Option<Monitor<E>>,
    start: Instant,
    /// The loss on points drawn apart from the training points: with a fixed
    /// point set (L-BFGS) a flexible network can lower the training loss by
    /// bending between the points; the held-out loss then rises.
    validation: Objective<E>,
    /// Lowest held-out loss so far, with its step and parameters.
    best: Option<(f64, usize, Vec<f64>)>,
}

impl<E: Real> Log<E>
where
    Cpu: Device<E>,
{
    fn record(
        &mut self,
        phase: Phase,
        step: usize,
        net: &Network<E>,
        losses: Vec<f64>,
        total: f64,
    ) {
        let errors = self.monitor.as_ref().map(|m| m(net));
        let validation = self.validation.total(&self.validation.losses(net));
        if validation.is_finite() && self.best.as_ref().is_none_or(|(b, _, _)| validation < *b) {
            self.best = Some((validation, step, net.flat_params()));
        }
        let record = Record {
            phase,
            step,
            seconds: self.start.elapsed().as_secs_f64(),
            losses,
            total,
            validation,
            coefficients: self.validation.coefficients(net),
            errors,
        };
        for o in &mut self.observers {
            o.observe(&self.names, &record);
        }
        self.history.push(record);
    }
}

/// Greatest common divisor, with gcd(0, n) = n.
fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Runs Adam then L-BFGS on one problem.
pub struct Trainer<E: Real> {
    objective: Objective<E>,
    config: TrainConfig,
    log: Rc<RefCell<Log<E>>>,
    stop: Arc<AtomicBool>,
}

impl<E: Real> Trainer<E>
where
    Cpu: Device<E>,
{
    pub fn new(problem: &Problem, config: &TrainConfig, net: &Network<E>) -> Self {
        let objective = Objective::new(problem, config, net);
        // Same sizes, independent points (another seed of the scrambled Sobol sequence).
        let validation =
            Objective::with_seed(problem, config, net, net.config.seed.wrapping_add(0x5EED));
        let log = Log {
            names: objective.names.clone(),
            history: Vec::new(),
            observers: Vec::new(),
            monitor: None,
            start: Instant::now(),
            validation,
            best: None,
        };
        Self {
            objective,
            config: config.clone(),
            log: Rc::new(RefCell::new(log)),
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Measures the error at every record.
    pub fn monitor(self, f: impl Fn(&Network<E>) -> Errors + 'static) -> Self {
        self.log.borrow_mut().monitor = Some(Box::new(f));
        self
    }

    pub fn add_observer(self, o: impl Observer + 'static) -> Self {
        self.log.borrow_mut().observers.push(Box::new(o));
        self
    }

    /// A flag that, once set (e.g. by Ctrl-C), ends training at the next step.
    pub fn stop_flag(mut self, flag: Arc<AtomicBool>) -> Self {
        self.stop = flag;
        self
    }

    /// Term names in loss order.
    pub fn names(&self) -> Vec<String> {
        self.objective.names.clone()
    }

    /// Trains `net` in place.
    pub fn run(mut self, net: &mut Network<E>) -> Outcome {
        let start = Instant::now();
        self.log.borrow_mut().start = start;
        let deadline = self
            .config
            .max_seconds
            .map(|s| start + Duration::from_secs_f64(s));
        let out_of_time = || deadline.is_some_and(|d| Instant::now() >= d);
        // With L-BFGS to follow, Adam gets at most this share of the time
        // budget: L-BFGS does most of the accuracy, so a budget Adam spends
        // alone ends far from converged.
        let adam_deadline = match (self.config.max_seconds, self.config.lbfgs_iters) {
            (Some(s), n) if n > 0 => Some(start + Duration::from_secs_f64(s * ADAM_BUDGET_SHARE)),
            _ => deadline,
        };
        let every = self.config.eval_every.max(1);
        let steps = self.config.adam_steps;
        let mut adam = Adam::new(net.n_params());
        let mut params = net.flat_params();
        let mut stopped_by = String::new();
        let mut done = 0;
        for step in 1..=steps {
            if self.stop.load(Ordering::Relaxed) {
                stopped_by = "interrupted".into();
                break;
            }
            if out_of_time() {
                stopped_by = "time budget".into();
                break;
            }
            if adam_deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            if self.config.resample_every > 0
                && step > 1
                && (step - 1) % self.config.resample_every == 0
            {
                self.objective.resample(net);
            }
            let (losses, grads) = self.objective.losses_and_gradient(net);
            // Exponential decay from lr to lr·lr_final_fraction over the Adam steps.
            let progress = (step - 1) as f64 / steps.max(1) as f64;
            let lr = self.config.lr * self.config.lr_final_fraction.powf(progress);
            adam.step(&mut params, &crate::jet::flatten_grads(&grads), lr);
            net.set_flat_params(&params);
            done = step;
            if step % every == 0 || step == 1 {
                let total = self.objective.total(&losses);
                self.log
                    .borrow_mut()
                    .record(Phase::Adam, step, net, losses, total);
            }
        }
        let mut lbfgs_iters = 0;
        let mut lbfgs_evaluations = 0;
        if stopped_by.is_empty() && self.config.lbfgs_iters > 0 {
            // A fresh point set, fixed within each L-BFGS segment: the line
            // search needs a deterministic objective.
            self.objective.resample(net);
            let resample_every = self.config.lbfgs_resample_every;
            let refine_every = self.config.refine_every;
            let settings = lbfgs::Settings {
                max_iters: self.config.lbfgs_iters,
                kind: self.config.quasi_newton,
                memory: self.config.lbfgs_memory,
                deadline,
                record_every: every,
                step_offset: done,
                refresh_every: gcd(resample_every, refine_every),
            };
            let keep = self.config.refine_points;
            let mut refresh = |objective: &mut Objective<E>, net: &Network<E>, iters: usize| {
                if resample_every > 0 && iters.is_multiple_of(resample_every) {
                    objective.resample(net);
                }
                if refine_every > 0 && iters.is_multiple_of(refine_every) {
                    objective.refine(net, keep);
                }
            };
            let run = lbfgs::minimize(
                &mut self.objective,
                net,
                &settings,
                &self.log,
                &self.stop,
                &mut refresh,
            );
            lbfgs_iters = run.iters;
            lbfgs_evaluations = run.evaluations;
            stopped_by = run.stopped_by;
        } else if stopped_by.is_empty() {
            stopped_by = "all Adam steps done".into();
        }
        let losses = self.objective.losses(net);
        let total = self.objective.total(&losses);
        let last_phase = if lbfgs_iters > 0 {
            Phase::QuasiNewton
        } else {
            Phase::Adam
        };
        let mut log = self.log.borrow_mut();
        let last_step = done + lbfgs_iters;
        log.record(last_phase, last_step, net, losses, total);
        for o in &mut log.observers {
            o.finish();
        }
        let mut kept_step = last_step;
        if let (true, Some((_, step, params))) = (self.config.keep_best, log.best.take()) {
            net.set_flat_params(&params);
            kept_step = step;
        }
        Outcome {
            history: std::mem::take(&mut log.history),
            adam_steps: done,
            lbfgs_iters,
            lbfgs_evaluations,
            seconds: start.elapsed().as_secs_f64(),
            stopped_by,
            kept_step,
        }
    }
}
