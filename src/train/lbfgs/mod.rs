//! The quasi-Newton phase on the flattened parameters: our solver
//! ([`solver`]) with a limited-memory model ([`memory`], L-BFGS) or a dense
//! one ([`dense`], BFGS and self-scaled BFGS), run by argmin's executor with
//! argmin's Moré–Thuente line search.
//!
//! argmin works in f64 on `Vec<f64>`; the network may run in f32, so the
//! parameters are converted at each evaluation. A line search that fails
//! (common once the loss is near rounding level, especially in f32) ends an
//! argmin run; we then restart from the best point seen with a
//! fresh memory, and stop only when a restart makes no progress (with a fixed
//! point set), the iteration limit or the time budget is reached, or the user
//! interrupts.
//!
//! The point set may change during the run (fresh points, residual-based
//! refinement) every `refresh_every` iterations. The solver then keeps its
//! curvature model (L-BFGS its pairs, BFGS its matrix):
//! the curvature of the loss hardly depends on which points sample it, and a
//! fresh memory costs hundreds of iterations to rebuild. A failed line search
//! that a restart cannot get past moves on to the next point set early.

use super::{Log, Phase};
use crate::config::QuasiNewtonKind;
use crate::net::Network;
use crate::scalar::Real;
use crate::train::Objective;
use argmin::core::observers::{Observe, ObserverMode};
use argmin::core::{
    CostFunction, Error, Executor, Gradient, OptimizationResult, State, TerminationReason, KV,
};
use dfdx::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub struct Settings {
    pub max_iters: usize,
    pub kind: QuasiNewtonKind,
    /// Curvature pairs kept by L-BFGS.
    pub memory: usize,
    pub deadline: Option<Instant>,
    pub record_every: usize,
    /// Step number of the first L-BFGS iteration minus one (Adam steps done).
    pub step_offset: usize,
    /// Change the point set every this many iterations (0: never).
    pub refresh_every: usize,
}

/// Changes the objective's points, given the L-BFGS iterations done so far.
pub(super) type Refresh<'a, E> = &'a mut dyn FnMut(&mut Objective<E>, &Network<E>, usize);

mod dense;
mod memory;
mod solver;

pub use dense::Bfgs;
use dense::DenseInverse;
pub use memory::Lbfgs;
use memory::PairMemory;
use solver::{Curvature, QuasiNewton, QuasiNewtonState};

pub struct Run {
    pub iters: usize,
    /// Loss and gradient evaluations (line searches included).
    pub evaluations: usize,
    pub stopped_by: String,
}

/// One evaluation of the objective.
#[derive(Clone)]
struct Evaluated {
    param: Vec<f64>,
    losses: Vec<f64>,
    total: f64,
    grad: Vec<f64>,
}

/// The last evaluation and the best point so far, shared with the observer.
struct Shared<E: Real> {
    net: Network<E>,
    last: Option<Evaluated>,
    best: Option<(f64, Vec<f64>)>,
    iters_done: usize,
    iters_this_run: usize,
    /// Evaluations since the last completed iteration (the line search's).
    evals_this_iter: usize,
    evals_total: usize,
}

/// Evaluations one line search may take. argmin runs Moré–Thuente without
/// an iteration limit, and near rounding level (f32) its bracket can cycle
/// without end; a normal search takes 1 to 3.
const MAX_EVALS_PER_ITER: usize = 40;

/// L-BFGS has converged when the gradient norm falls below this (near
/// rounding level of the losses we train; in practice the budget or a failed
/// line search ends a run first).
const TOLERANCE_GRAD: f64 = 1e-12;

struct LossProblem<'a, E: Real> {
    objective: &'a Objective<E>,
    shared: Rc<RefCell<Shared<E>>>,
    stop: &'a AtomicBool,
    /// argmin checks its timeout only between iterations; a line search
    /// must also end at the deadline.
    deadline: Option<Instant>,
}

impl<E: Real> LossProblem<'_, E>
where
    Cpu: Device<E>,
{
    /// (total, gradient) at `p`, cached: argmin asks for cost and gradient separately.
    fn eval(&self, p: &[f64]) -> Result<(f64, Vec<f64>), Error> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(Error::msg("interrupted"));
        }
        let mut s = self.shared.borrow_mut();
        if let Some(e) = &s.last {
            if e.param.as_slice() == p {
                return Ok((e.total, e.grad.clone()));
            }
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Error::msg("time budget reached in a line search"));
        }
        s.evals_this_iter += 1;
        s.evals_total += 1;
        if s.evals_this_iter > MAX_EVALS_PER_ITER {
            return Err(Error::msg(format!(
                "line search took more than {MAX_EVALS_PER_ITER} evaluations"
            )));
        }
        s.net.set_flat_params(p);
        let (losses, grads) = self.objective.losses_and_gradient(&s.net);
        let total = self.objective.total(&losses);
        let grad = crate::jet::flatten_grads(&grads);
        if total.is_finite() && s.best.as_ref().is_none_or(|(b, _)| total < *b) {
            s.best = Some((total, p.to_vec()));
        }
        s.last = Some(Evaluated {
            param: p.to_vec(),
            losses,
            total,
            grad: grad.clone(),
        });
        Ok((total, grad))
    }
}

impl<E: Real> CostFunction for LossProblem<'_, E>
where
    Cpu: Device<E>,
{
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
        Ok(self.eval(p)?.0)
    }
}

impl<E: Real> Gradient for LossProblem<'_, E>
where
    Cpu: Device<E>,
{
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, Error> {
        Ok(self.eval(p)?.1)
    }
}

/// Feeds L-BFGS iterations into the run's history and observers.
struct Recorder<E: Real> {
    shared: Rc<RefCell<Shared<E>>>,
    log: Rc<RefCell<Log<E>>>,
    every: usize,
    offset: usize,
}

impl<E: Real> Observe<QuasiNewtonState> for Recorder<E>
where
    Cpu: Device<E>,
{
    fn observe_iter(&mut self, state: &QuasiNewtonState, _kv: &KV) -> Result<(), Error> {
        let mut s = self.shared.borrow_mut();
        // argmin observes an iteration before counting it.
        s.iters_this_run = state.get_iter() as usize + 1;
        s.evals_this_iter = 0;
        let iter = s.iters_done + s.iters_this_run;
        if !iter.is_multiple_of(self.every) {
            return Ok(());
        }
        // The line search's last evaluation is the accepted point.
        if let (Some(p), Some(e)) = (state.get_param(), s.last.clone()) {
            s.net.set_flat_params(p);
            self.log.borrow_mut().record(
                Phase::QuasiNewton,
                self.offset + iter,
                &s.net,
                e.losses,
                e.total,
            );
        }
        Ok(())
    }
}

/// The curvature model the settings ask for.
enum Model {
    Pairs(PairMemory),
    Dense(DenseInverse),
}

impl Model {
    fn new(settings: &Settings) -> Self {
        match settings.kind {
            QuasiNewtonKind::Lbfgs => Self::Pairs(PairMemory::new(settings.memory)),
            QuasiNewtonKind::Bfgs => Self::Dense(DenseInverse::new(false)),
            QuasiNewtonKind::SsBfgs => Self::Dense(DenseInverse::new(true)),
        }
    }
}

impl Curvature for Model {
    const NAME: &'static str = "quasi-Newton";

    fn direction(&mut self, grad: &[f64]) -> Vec<f64> {
        match self {
            Self::Pairs(m) => m.direction(grad),
            Self::Dense(m) => m.direction(grad),
        }
    }

    fn remember(&mut self, from: &[f64], to: &[f64], grad_from: &[f64], grad_to: &[f64]) {
        match self {
            Self::Pairs(m) => m.remember(from, to, grad_from, grad_to),
            Self::Dense(m) => m.remember(from, to, grad_from, grad_to),
        }
    }
}

/// Minimizes the objective from the current parameters of `net`, leaving the
/// best point found in `net`. Every `settings.refresh_every` iterations
/// `refresh(objective, net, iterations done)` may change the objective's points.
pub(super) fn minimize<E: Real>(
    objective: &mut Objective<E>,
    net: &mut Network<E>,
    settings: &Settings,
    log: &Rc<RefCell<Log<E>>>,
    stop: &AtomicBool,
    refresh: Refresh<'_, E>,
) -> Run
where
    Cpu: Device<E>,
{
    let fresh_solver = || QuasiNewton::new(Model::new(settings), TOLERANCE_GRAD);
    let shared = Rc::new(RefCell::new(Shared {
        net: net.clone(),
        last: None,
        best: None,
        iters_done: 0,
        iters_this_run: 0,
        evals_this_iter: 0,
        evals_total: 0,
    }));
    let name = settings.kind.label();
    let mut stopped_by = format!("{name} iteration limit");
    let mut restarts = 0;
    // The solver (with its memory) carried into the next segment, if any.
    let mut carried: Option<QuasiNewton<Model>> = None;
    loop {
        let (start, best_before) = {
            let s = shared.borrow();
            let start = s
                .best
                .as_ref()
                .map_or_else(|| net.flat_params(), |(_, p)| p.clone());
            (start, s.best.as_ref().map(|(b, _)| *b))
        };
        let done = shared.borrow().iters_done;
        let mut segment = settings.max_iters - done;
        if settings.refresh_every > 0 {
            segment = segment.min(settings.refresh_every - done % settings.refresh_every);
        }
        let solver = carried.take().unwrap_or_else(fresh_solver);
        shared.borrow_mut().evals_this_iter = 0;
        let problem = LossProblem {
            objective: &*objective,
            shared: shared.clone(),
            stop,
            deadline: settings.deadline,
        };
        let recorder = Recorder {
            shared: shared.clone(),
            log: log.clone(),
            every: settings.record_every,
            offset: settings.step_offset,
        };
        let mut exec = Executor::new(problem, solver)
            .configure(|state| state.param(start).max_iters(segment as u64))
            .add_observer(recorder, ObserverMode::Always);
        if let Some(d) = settings.deadline {
            exec = exec.timeout(d.saturating_duration_since(Instant::now()));
        }
        let result = exec.run();
        let iters_done = {
            let mut s = shared.borrow_mut();
            s.iters_done += s.iters_this_run;
            s.iters_this_run = 0;
            s.iters_done
        };
        let best_after = shared.borrow().best.as_ref().map(|(b, _)| *b);
        // A failed line search ends an argmin run, as an error or (when argmin
        // catches it) as a termination reason; either way restart from the
        // best point while that still makes progress.
        let failure = match result {
            Ok(OptimizationResult {
                problem,
                solver,
                state,
            }) => match state.get_termination_reason() {
                Some(TerminationReason::MaxItersReached) if iters_done < settings.max_iters => {
                    // End of a segment: new points, same memory, from the last point.
                    drop(problem);
                    carried = Some(solver);
                    if let Some(p) = state.get_param() {
                        net.set_flat_params(p);
                    }
                    refresh(objective, net, iters_done);
                    let mut s = shared.borrow_mut();
                    // Losses on the old points do not compare with the new ones.
                    s.best = None;
                    s.last = None;
                    None
                }
                Some(TerminationReason::Timeout) => {
                    stopped_by = "time budget".into();
                    break;
                }
                Some(TerminationReason::MaxItersReached) => {
                    stopped_by = format!("{name} iteration limit");
                    break;
                }
                Some(reason) => Some(reason.text().to_string()),
                None => break,
            },
            Err(e) => Some(e.to_string()),
        };
        if let Some(why) = failure {
            if stop.load(Ordering::Relaxed) {
                stopped_by = "interrupted".into();
                break;
            }
            let improved = match (best_before, best_after) {
                (Some(b), Some(a)) => a < b * (1.0 - 1e-6),
                (None, Some(_)) => true,
                _ => false,
            };
            if iters_done >= settings.max_iters || restarts >= 50 {
                stopped_by = format!("{name} converged ({why})");
                break;
            }
            if !improved {
                if settings.refresh_every == 0 {
                    stopped_by = format!("{name} converged ({why})");
                    break;
                }
                // Nothing more to gain on these points: move on to the point
                // set due at the end of this segment now, rather than stop
                // with budget left (measured: a Burgers run stopped at 7368
                // of its 8000 iterations).
                let due = (iters_done / settings.refresh_every + 1) * settings.refresh_every;
                let mut s = shared.borrow_mut();
                if let Some((_, p)) = s.best.take() {
                    net.set_flat_params(&p);
                }
                s.last = None;
                drop(s);
                refresh(objective, net, due);
            }
            restarts += 1;
        }
        if settings.deadline.is_some_and(|d| Instant::now() >= d) {
            stopped_by = "time budget".into();
            break;
        }
        if iters_done >= settings.max_iters {
            break;
        }
    }
    if let Some((_, p)) = &shared.borrow().best {
        net.set_flat_params(p);
    }
    let (iters, evaluations) = {
        let s = shared.borrow();
        (s.iters_done, s.evals_total)
    };
    Run {
        iters,
        evaluations,
        stopped_by,
    }
}
