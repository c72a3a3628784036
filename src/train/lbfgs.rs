//! L-BFGS (argmin, Moré–Thuente line search) on the flattened parameters.
//!
//! argmin works in f64 on `Vec<f64>`; the network may run in f32, so the
//! parameters are converted at each evaluation. A line search that fails
//! (common once the loss is near rounding level, especially in f32) ends an
//! argmin run with an error; we then restart from the best point seen with a
//! fresh memory, and stop only when a restart makes no progress, the
//! iteration limit or the time budget is reached, or the user interrupts.
//!
//! The point set may change during the run (fresh points, residual-based
//! refinement) every `refresh_every` iterations. L-BFGS then keeps its memory:
//! the curvature of the loss hardly depends on which points sample it, and a
//! fresh memory costs hundreds of iterations to rebuild.

use super::{Log, Phase};
use crate::net::{Network, Real};
use crate::train::Objective;
use argmin::core::observers::{Observe, ObserverMode};
use argmin::core::{
    CostFunction, Error, Executor, Gradient, IterState, OptimizationResult, State,
    TerminationReason, KV,
};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use dfdx::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub struct Settings {
    pub max_iters: usize,
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

type Solver = LBFGS<MoreThuenteLineSearch<Vec<f64>, Vec<f64>, f64>, Vec<f64>, Vec<f64>, f64>;

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
    /// The argmin iteration number at which this run started (see `minimize`).
    first_iter: usize,
    /// Evaluations since the last completed iteration (the line search's).
    evals_this_iter: usize,
    evals_total: usize,
}

/// Evaluations one line search may take. argmin runs Moré–Thuente without
/// an iteration limit, and near rounding level (f32) its bracket can cycle
/// without end; a normal search takes 1 to 3.
const MAX_EVALS_PER_ITER: usize = 40;

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

type LbfgsState = IterState<Vec<f64>, Vec<f64>, (), (), (), f64>;

/// Feeds L-BFGS iterations into the run's history and observers.
struct Recorder<E: Real> {
    shared: Rc<RefCell<Shared<E>>>,
    log: Rc<RefCell<Log<E>>>,
    every: usize,
    offset: usize,
}

impl<E: Real> Observe<LbfgsState> for Recorder<E>
where
    Cpu: Device<E>,
{
    fn observe_iter(&mut self, state: &LbfgsState, _kv: &KV) -> Result<(), Error> {
        let mut s = self.shared.borrow_mut();
        // argmin observes an iteration before counting it.
        s.iters_this_run = state.get_iter() as usize + 1 - s.first_iter;
        s.evals_this_iter = 0;
        let iter = s.iters_done + s.iters_this_run;
        if !iter.is_multiple_of(self.every) {
            return Ok(());
        }
        // The line search's last evaluation is the accepted point.
        if let (Some(p), Some(e)) = (state.get_param(), s.last.clone()) {
            s.net.set_flat_params(p);
            self.log.borrow_mut().record(
                Phase::Lbfgs,
                self.offset + iter,
                &s.net,
                e.losses,
                e.total,
            );
        }
        Ok(())
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
    let shared = Rc::new(RefCell::new(Shared {
        net: net.clone(),
        last: None,
        best: None,
        iters_done: 0,
        iters_this_run: 0,
        first_iter: 0,
        evals_this_iter: 0,
        evals_total: 0,
    }));
    let mut stopped_by = String::from("L-BFGS iteration limit");
    let mut restarts = 0;
    // The solver (with its memory) carried into the next segment, if any,
    // and the iterations it has run.
    let mut carried: Option<Solver> = None;
    let mut solver_iters = 0;
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
        let carried_solver = carried.take();
        if carried_solver.is_none() {
            solver_iters = 0;
        }
        let solver = match carried_solver.map_or_else(|| new_solver(settings.memory), Ok) {
            Ok(s) => s,
            Err(e) => {
                stopped_by = format!("L-BFGS setup failed: {e}");
                break;
            }
        };
        {
            let mut s = shared.borrow_mut();
            s.evals_this_iter = 0;
            s.first_iter = solver_iters;
        }
        let problem = LossProblem {
            objective: &*objective,
            shared: shared.clone(),
            stop,
            deadline: settings.deadline,
        };
        // A run that continues a carried solver skips argmin's `init` (see
        // `segment_executor`), so the cost and gradient are given here.
        let first = if solver_iters > 0 {
            match problem.eval(&start) {
                Ok(cost_grad) => Some(cost_grad),
                Err(e) => {
                    stopped_by = format!("L-BFGS stopped: {e}");
                    break;
                }
            }
        } else {
            None
        };
        let recorder = Recorder {
            shared: shared.clone(),
            log: log.clone(),
            every: settings.record_every,
            offset: settings.step_offset,
        };
        let mut exec = segment_executor(problem, solver, start, first, solver_iters, segment)
            .add_observer(recorder, ObserverMode::Always);
        if let Some(d) = settings.deadline {
            exec = exec.timeout(d.saturating_duration_since(Instant::now()));
        }
        let result = exec.run();
        let iters_done = {
            let mut s = shared.borrow_mut();
            s.iters_done += s.iters_this_run;
            solver_iters += s.iters_this_run;
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
                    stopped_by = "L-BFGS iteration limit".into();
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
            if !improved || iters_done >= settings.max_iters || restarts >= 50 {
                stopped_by = format!("L-BFGS converged ({why})");
                break;
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

/// An argmin run of `segment` iterations of a solver that has already run
/// `solver_iters` (0 for a new solver), from `start`.
///
/// argmin's L-BFGS drops its oldest (s, y) pair only once the *run's*
/// iteration number reaches the memory size, so a carried solver must
/// continue its count: started at 0, each segment added `memory` pairs
/// (measured: after 10 segments of the Burgers run the memory held ~1000 pairs
/// and an iteration cost 2.5× as much). argmin skips `init` for a run that
/// does not start at iteration 0, so such a run needs `first` = (cost,
/// gradient) at `start`.
fn segment_executor<O>(
    problem: O,
    solver: Solver,
    start: Vec<f64>,
    first: Option<(f64, Vec<f64>)>,
    solver_iters: usize,
    segment: usize,
) -> Executor<O, Solver, LbfgsState>
where
    O: CostFunction<Param = Vec<f64>, Output = f64>
        + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
{
    let first_iter = solver_iters as u64;
    Executor::new(problem, solver).configure(|mut state| {
        state.iter = first_iter;
        if let Some((cost, grad)) = first {
            state = state.cost(cost).gradient(grad);
        }
        state.param(start).max_iters(first_iter + segment as u64)
    })
}

fn new_solver(memory: usize) -> Result<Solver, Error> {
    LBFGS::new(MoreThuenteLineSearch::new(), memory)
        .with_tolerance_grad(1e-12)
        .and_then(|s| s.with_tolerance_cost(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f(x) = Σ (1 + i) x_i² + x_i⁴, a convex problem with distinct curvatures.
    struct Quartic;

    impl CostFunction for Quartic {
        type Param = Vec<f64>;
        type Output = f64;
        fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
            Ok(p.iter()
                .enumerate()
                .map(|(i, x)| (1.0 + i as f64) * x * x + x.powi(4))
                .sum())
        }
    }

    impl Gradient for Quartic {
        type Param = Vec<f64>;
        type Gradient = Vec<f64>;
        fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, Error> {
            Ok(p.iter()
                .enumerate()
                .map(|(i, x)| 2.0 * (1.0 + i as f64) * x + 4.0 * x.powi(3))
                .collect())
        }
    }

    /// Stored (s, y) pairs of a solver, read through its serde form.
    fn memory_len(solver: &Solver) -> usize {
        let v = serde_json::to_value(solver).expect("L-BFGS serializes");
        v["s"].as_array().expect("field s").len()
    }

    /// Regression: a solver carried over segments kept adding pairs (its
    /// memory grew by `memory` per segment, and each iteration got slower).
    #[test]
    fn carried_solver_memory_stays_bounded() {
        let memory = 3;
        let mut solver = new_solver(memory).unwrap();
        let mut param: Vec<f64> = (0..20).map(|i| 1.0 + 0.1 * i as f64).collect();
        let mut done = 0;
        for _ in 0..4 {
            let first = (done > 0).then(|| {
                (
                    Quartic.cost(&param).unwrap(),
                    Quartic.gradient(&param).unwrap(),
                )
            });
            let result = segment_executor(Quartic, solver, param, first, done, 5)
                .run()
                .expect("a segment runs");
            assert_eq!(result.state.iter as usize, done + 5);
            done += 5;
            param = result.state.param.clone().expect("a parameter");
            solver = result.solver;
            assert!(
                memory_len(&solver) <= memory,
                "{} pairs",
                memory_len(&solver)
            );
        }
        assert_eq!(memory_len(&solver), memory);
        assert!(Quartic.cost(&param).unwrap() < 1e-6);
    }
}
