//! The quasi-Newton phase on the flattened parameters: our solver
//! ([`solver`]) with a limited-memory model ([`memory`], L-BFGS) or a dense
//! one ([`dense`], BFGS and self-scaled BFGS), stepping with argmin's
//! Moré–Thuente line search.
//!
//! The phase runs the solver's iterations itself (argmin's `Solver` trait,
//! without argmin's executor), so recording, the time budget and the point
//! changes live in one loop. argmin works in f64 on `Vec<f64>`; the network
//! may run in f32, so the parameters are converted at each evaluation.
//!
//! A line search that fails (common once the loss is near rounding level,
//! especially in f32) ends a *run* of the solver; the phase then restarts
//! from the best point seen with a fresh model, and stops only when a
//! restart makes no progress (with a fixed point set), the iteration limit
//! or the time budget is reached, or the user interrupts.
//!
//! A NaN or an infinity in a trial point's loss or gradient is never
//! accepted: the line search is retried along a shorter direction (see
//! `solver::MAX_SHRINKS`), then the phase restarts from its best point with
//! a fresh curvature model, as after any failed line search. A phase that
//! cannot get past it stops with "non-finite loss", at its best finite point.
//!
//! In the f32 stage of a mixed-precision run ([`RunLog::hands_over`]) a
//! failed line search without a NaN, or a stall, is taken for f32's
//! round-off: instead of a restart the phase hands its state (the best
//! point and the model before the failure) to the f64 stage and stops.
//!
//! The point set may change during the phase (fresh points, residual-based
//! refinement) every `refresh_every` iterations. The solver then keeps its
//! curvature model (L-BFGS its pairs, BFGS its matrix): the curvature of the
//! loss hardly depends on which points sample it, and a fresh model costs
//! hundreds of iterations to rebuild. A failed line search that a restart
//! cannot get past moves on to the next point set early.

mod dense;
mod loss;
mod memory;
mod solver;

pub use dense::Bfgs;
pub use memory::Lbfgs;

use super::checkpoint::{PhaseState, QuasiNewtonState as CheckpointedPhase, SegmentState};
use super::driver::{Driver, PhaseEnd, PhaseReport, RunLog, TrainingPhase};
use super::observe::Phase;
use super::stop::{Stop, StopReason};
use super::Objective;
use crate::config::QuasiNewtonMethod;
use crate::net::Network;
use crate::scalar::Real;
use argmin::core::{Solver, State, TerminationReason, TerminationStatus};
use dense::{DenseInverse, DenseUpdate};
use dfdx::prelude::*;
use loss::{Evaluations, LossProblem};
use memory::PairMemory;
use solver::{Curvature, QuasiNewton, QuasiNewtonState};
use std::cell::RefCell;
use std::time::Instant;

/// The quasi-Newton phase has converged when the gradient norm falls below
/// this (near rounding level of the losses we train; in practice the budget
/// or a failed line search ends a run first).
const TOLERANCE_GRAD: f64 = 1e-12;

/// Restarts after failed line searches before the phase gives up.
const MAX_RESTARTS: usize = 50;

/// Changes the objective's points, given the iterations done so far.
pub type Refresh<'a, O, E> = Box<dyn FnMut(&mut O, &Network<E>, usize) + 'a>;

/// The quasi-Newton phase: `max_iters` iterations of `method` on a fresh
/// point set, changed by `refresh` every `refresh_every` iterations.
pub struct QuasiNewtonPhase<'a, O, E: Real> {
    pub method: QuasiNewtonMethod,
    pub max_iters: usize,
    /// Curvature pairs kept by L-BFGS.
    pub memory: usize,
    /// Change the point set every this many iterations (0: never).
    pub refresh_every: usize,
    pub refresh: Refresh<'a, O, E>,
}

/// The curvature model the settings ask for.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Model {
    Pairs(PairMemory),
    Dense(DenseInverse),
}

impl Model {
    fn new(method: QuasiNewtonMethod, memory: usize) -> Self {
        match method {
            // Resolved by the caller, who knows the parameter count.
            QuasiNewtonMethod::Lbfgs | QuasiNewtonMethod::Auto => {
                Self::Pairs(PairMemory::new(memory))
            }
            QuasiNewtonMethod::Bfgs => Self::Dense(DenseInverse::new(DenseUpdate::Bfgs)),
            QuasiNewtonMethod::SsBfgs => {
                Self::Dense(DenseInverse::new(DenseUpdate::SelfScaledBfgs))
            }
            QuasiNewtonMethod::SsBroyden => {
                Self::Dense(DenseInverse::new(DenseUpdate::SelfScaledBroyden))
            }
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

/// How one run of the solver (a segment between point changes or restarts) ended.
enum RunEnd {
    /// It took the iterations it was given; the solver (with its model)
    /// and its last point go on.
    Segment {
        solver: Box<QuasiNewton<Model>>,
        param: Option<Vec<f64>>,
    },
    TimeBudget,
    /// The held-out loss made no progress for the stall window.
    Stalled,
    /// The stop flag was set; a checkpoint of the last iteration is written.
    Interrupted,
    /// The state went to the f64 stage (a mixed run's f32 stage); why.
    HandedOver(String),
    /// The gradient norm fell below the tolerance.
    Converged,
    /// A line search or an evaluation failed; the message says how.
    Failed(String),
}

impl<O: Objective<E>, E: Real> QuasiNewtonPhase<'_, O, E>
where
    Cpu: Device<E>,
{
    /// Iterations for the run starting after `done`: to the next point
    /// change or the iteration limit.
    fn segment(&self, done: usize) -> usize {
        let left = self.max_iters - done;
        match self.refresh_every {
            0 => left,
            every => left.min(every - done % every),
        }
    }
}

/// A redraw of the points is skipped when the time budget would end within
/// this share of the segment after it (see [`redraw_pays`]).
const LATE_REDRAW_SHARE: f64 = 0.25;

/// Whether new points at the end of a segment leave the run time to use
/// them, from the time budget (seconds, if any), the seconds elapsed, the
/// segment just ended (its seconds and iterations) and the segment length.
/// The first iterations on a new point set move the solution most
/// (measured, Burgers with SS-Broyden, seed 1: relative error 8.6e-6 four
/// iterations before the time budget ended, 1.35e-5 at its end, four
/// iterations after a redraw), so a redraw the budget would cut off within
/// [`LATE_REDRAW_SHARE`] of a segment is skipped and the run ends on the
/// points it has. Without a time budget every segment redraws.
fn redraw_pays(
    budget: Option<f64>,
    elapsed: f64,
    (seconds, taken): (f64, usize),
    refresh_every: usize,
) -> bool {
    let Some(total) = budget else {
        return true;
    };
    if taken == 0 {
        return true;
    }
    let next_segment = seconds / taken as f64 * refresh_every as f64;
    total - elapsed > LATE_REDRAW_SHARE * next_segment
}

/// Where a run of the solver starts: a point to evaluate, or (resumed) a
/// point already evaluated in the middle of a segment.
enum Start {
    Fresh(Vec<f64>),
    Resumed {
        param: Vec<f64>,
        cost: f64,
        gradient: Vec<f64>,
    },
}

/// What a run of the solver may do, and the phase's counts around it.
struct RunSpec {
    /// Iterations it may take, and those it took before (resumed).
    iters: usize,
    taken: usize,
    /// Iterations the phase took before it, and the run's step offset.
    done: usize,
    offset: usize,
    /// For checkpoints: the phase's restarts, the best loss at the start,
    /// and the network's parameters (set only between segments).
    restarts: usize,
    best_before: Option<f64>,
    net_params: Vec<f64>,
}

/// One run of `solver` (an argmin executor's loop, with our recording,
/// deadline and checkpoints): at most `spec.iters` iterations; `taken`
/// counts them as they go, a failed line search's included.
fn run_solver<E: Real, O: Objective<E>, M: Clone>(
    objective: &O,
    log: &mut RunLog<E, O, M>,
    evals: &RefCell<Evaluations<E>>,
    mut solver: Box<QuasiNewton<Model>>,
    start: Start,
    spec: &RunSpec,
    taken: &mut usize,
) -> RunEnd
where
    Cpu: Device<E>,
{
    let deadline = log.budget().deadline();
    let mut problem = argmin::core::Problem::new(LossProblem {
        objective,
        evals,
        deadline,
    });
    *taken = spec.taken;
    let (mut state, evaluate) = match start {
        Start::Fresh(param) => (QuasiNewtonState::new().param(param), true),
        Start::Resumed {
            param,
            cost,
            gradient,
        } => {
            // Handed over from another precision without them (see
            // `hand_over`): evaluated again in this one.
            let evaluate = gradient.is_empty();
            let mut state = QuasiNewtonState::new().param(param);
            if !evaluate {
                state = state.cost(cost).gradient(gradient);
            }
            for _ in 0..spec.taken {
                state.increment_iter();
            }
            (state, evaluate)
        }
    };
    state = state.max_iters(spec.iters as u64);
    if evaluate {
        state = match solver.init(&mut problem, state) {
            Ok((state, _)) => state,
            Err(e) => return failed(e.to_string(), objective, log, evals, &solver, spec, *taken),
        };
    }
    loop {
        if let TerminationStatus::Terminated(_) =
            Solver::<LossProblem<'_, O, E>, QuasiNewtonState>::terminate(&mut *solver, &state)
        {
            return RunEnd::Converged;
        }
        if state.get_iter() >= state.get_max_iters() {
            let param = state.take_param();
            return RunEnd::Segment { solver, param };
        }
        state = match solver.next_iter(&mut problem, state) {
            Ok((state, _)) => state,
            Err(e) => return failed(e.to_string(), objective, log, evals, &solver, spec, *taken),
        };
        *taken += 1;
        let iter = spec.done + *taken;
        let mut ev = evals.borrow_mut();
        ev.this_iter = 0;
        // After a failed line search the state holds no point to record.
        if let (true, Some(param), Some(e)) =
            (log.record_due(iter), state.get_param(), ev.last.clone())
        {
            // The line search's last evaluation is the accepted point.
            ev.net.set_flat_params(param);
            log.record(
                Phase::QuasiNewton,
                spec.offset + iter,
                &ev.net,
                e.losses,
                e.total,
            );
        }
        drop(ev);
        state.increment_iter();
        if deadline.is_some_and(|d| Instant::now() > d) {
            return RunEnd::TimeBudget;
        }
        if log.stalled() {
            if !log.hands_over() {
                return RunEnd::Stalled;
            }
            // In f32 a stall is most often its round-off: f64 goes on.
            let param = state.get_param().cloned().unwrap_or_default();
            let why = "the held-out loss stalled in f32".to_string();
            return hand_over(objective, log, evals, &solver, (spec, *taken), param, why);
        }
        if let Some(TerminationReason::SolverExit(why)) = state.get_termination_reason() {
            return failed(why.clone(), objective, log, evals, &solver, spec, *taken);
        }
        if log.checkpoint_due() {
            let (snapshot, params) = checkpoint_state(&solver, &state, evals, spec, *taken);
            log.checkpoint(objective, params, PhaseState::QuasiNewton(snapshot));
        }
        if log.interrupted() {
            return RunEnd::Interrupted;
        }
    }
}

/// The phase's state after a completed iteration, and the network's
/// parameters (the phase sets them only between segments).
fn checkpoint_state<E: Real>(
    solver: &QuasiNewton<Model>,
    state: &QuasiNewtonState,
    evals: &RefCell<Evaluations<E>>,
    spec: &RunSpec,
    taken: usize,
) -> (CheckpointedPhase, Vec<f64>)
where
    Cpu: Device<E>,
{
    let point = (
        state.get_param().cloned().unwrap_or_default(),
        state.get_cost(),
        state.get_gradient().cloned().unwrap_or_default(),
    );
    let snapshot = phase_state(solver, evals, spec, taken, point);
    (snapshot, spec.net_params.clone())
}

/// The phase's state with the running segment at `(param, cost, gradient)`.
fn phase_state<E: Real>(
    solver: &QuasiNewton<Model>,
    evals: &RefCell<Evaluations<E>>,
    spec: &RunSpec,
    taken: usize,
    (param, cost, gradient): (Vec<f64>, f64, Vec<f64>),
) -> CheckpointedPhase
where
    Cpu: Device<E>,
{
    let ev = evals.borrow();
    CheckpointedPhase {
        done: spec.done,
        restarts: spec.restarts,
        best: ev.best.clone(),
        evaluations: ev.count,
        segment: SegmentState {
            model: solver.curvature().clone(),
            param,
            cost,
            gradient,
            taken,
            iters: spec.iters,
            best_before: spec.best_before,
        },
    }
}

/// How a failed line search or evaluation ends the run of the solver: in
/// the f32 stage of a mixed run, unless a NaN caused it, it is f32's
/// round-off, and f64 goes on from the best point with the model as it was
/// before the failure; otherwise the phase restarts or stops.
fn failed<E: Real, O: Objective<E>, M: Clone>(
    why: String,
    objective: &O,
    log: &mut RunLog<E, O, M>,
    evals: &RefCell<Evaluations<E>>,
    solver: &QuasiNewton<Model>,
    spec: &RunSpec,
    taken: usize,
) -> RunEnd
where
    Cpu: Device<E>,
{
    if !log.hands_over() || solver::is_non_finite(&why) {
        return RunEnd::Failed(why);
    }
    let best = evals.borrow().best.as_ref().map(|(_, p)| p.clone());
    let param = best.unwrap_or_else(|| spec.net_params.clone());
    hand_over(objective, log, evals, solver, (spec, taken), param, why)
}

/// Gives the phase's state, the network and the segment at `param`, to the
/// f64 stage ([`RunLog::hand_over`]), and ends the run of the solver for
/// the reason `why`. The loss and gradient are left out: the f64 stage
/// evaluates them again, so that its first line search compares numbers of
/// one precision.
fn hand_over<E: Real, O: Objective<E>, M: Clone>(
    objective: &O,
    log: &mut RunLog<E, O, M>,
    evals: &RefCell<Evaluations<E>>,
    solver: &QuasiNewton<Model>,
    (spec, taken): (&RunSpec, usize),
    param: Vec<f64>,
    why: String,
) -> RunEnd
where
    Cpu: Device<E>,
{
    let point = (param.clone(), f64::NAN, Vec::new());
    let snapshot = phase_state(solver, evals, spec, taken, point);
    log.hand_over(objective, param, PhaseState::QuasiNewton(snapshot));
    RunEnd::HandedOver(why)
}

impl<O: Objective<E>, E: Real, M: Clone> TrainingPhase<E, O, M> for QuasiNewtonPhase<'_, O, E>
where
    Cpu: Device<E>,
{
    /// Minimizes from the current parameters of `net`, leaving the best
    /// point found (on the last point set) in `net`.
    fn run(
        &mut self,
        driver: &mut Driver<E, O, M>,
        net: &mut Network<E>,
        resume: Option<PhaseState>,
    ) -> PhaseReport {
        let (objective, log) = driver.parts();
        let resumed = match resume {
            Some(PhaseState::QuasiNewton(s)) => Some(s),
            // A fresh point set, fixed within each segment: the line search
            // needs a deterministic objective.
            _ => {
                objective.resample(net);
                // The stall window counts from here (Adam is not judged by it).
                log.reset_progress();
                None
            }
        };
        let offset = log.steps_done();
        let evals = RefCell::new(Evaluations::new(net.clone()));
        let fresh = || {
            Box::new(QuasiNewton::new(
                Model::new(self.method, self.memory),
                TOLERANCE_GRAD,
            ))
        };
        let mut stop = Stop::new(StopReason::IterationLimit);
        let (mut restarts, mut done) = (0, 0);
        // The solver (with its model) carried into the next segment, if any.
        let mut carried: Option<Box<QuasiNewton<Model>>> = None;
        let mut resumed_segment = None;
        if let Some(s) = resumed {
            (restarts, done) = (s.restarts, s.done);
            let mut ev = evals.borrow_mut();
            (ev.best, ev.count) = (s.best, s.evaluations);
            resumed_segment = Some(s.segment);
        }
        loop {
            let (start, spec_taken, iters, best_before, solver) = match resumed_segment.take() {
                Some(seg) => {
                    let start = Start::Resumed {
                        param: seg.param,
                        cost: seg.cost,
                        gradient: seg.gradient,
                    };
                    let solver = Box::new(QuasiNewton::new(seg.model, TOLERANCE_GRAD));
                    (start, seg.taken, seg.iters, seg.best_before, solver)
                }
                None => {
                    let s = evals.borrow();
                    let start = s
                        .best
                        .as_ref()
                        .map_or_else(|| net.flat_params(), |(_, p)| p.clone());
                    let best_before = s.best.as_ref().map(|(b, _)| *b);
                    drop(s);
                    let solver = carried.take().unwrap_or_else(fresh);
                    evals.borrow_mut().this_iter = 0;
                    (
                        Start::Fresh(start),
                        0,
                        self.segment(done),
                        best_before,
                        solver,
                    )
                }
            };
            let spec = RunSpec {
                iters,
                taken: spec_taken,
                done,
                offset,
                restarts,
                best_before,
                net_params: net.flat_params(),
            };
            let mut taken = 0;
            let started = log.budget().elapsed();
            let end = run_solver(objective, log, &evals, solver, start, &spec, &mut taken);
            done += taken;
            let best_after = evals.borrow().best.as_ref().map(|(b, _)| *b);
            let failure = match end {
                RunEnd::Segment { solver, param } if done < self.max_iters => {
                    // End of a segment: new points, same model, from the last point.
                    carried = Some(solver);
                    if let Some(p) = param {
                        net.set_flat_params(&p);
                    }
                    let (budget, now) = (log.budget().seconds(), log.budget().elapsed());
                    let segment = (now - started, taken);
                    if redraw_pays(budget, now, segment, self.refresh_every) {
                        (self.refresh)(objective, net, done);
                        log.rebalance(objective, net);
                        evals.borrow_mut().forget();
                    }
                    None
                }
                RunEnd::Segment { .. } => break,
                RunEnd::TimeBudget => {
                    stop = Stop::new(StopReason::TimeBudget);
                    break;
                }
                RunEnd::Interrupted => {
                    stop = Stop::new(StopReason::Interrupted);
                    break;
                }
                RunEnd::Stalled => {
                    stop = log.stall_stop();
                    break;
                }
                RunEnd::HandedOver(why) => {
                    stop = Stop::with_detail(StopReason::SwitchToF64, why);
                    break;
                }
                RunEnd::Converged => Some(Stop::with_detail(
                    StopReason::Converged,
                    format!("gradient norm below {TOLERANCE_GRAD:e}"),
                )),
                RunEnd::Failed(why) => {
                    let reason = if solver::is_non_finite(&why) {
                        StopReason::NonFiniteLoss
                    } else {
                        StopReason::LineSearchFailed
                    };
                    Some(Stop::with_detail(reason, why))
                }
            };
            if let Some(failed) = failure {
                if done >= self.max_iters {
                    break;
                }
                if restarts >= MAX_RESTARTS {
                    stop = failed;
                    break;
                }
                let improved = match (best_before, best_after) {
                    (Some(b), Some(a)) => a < b * (1.0 - 1e-6),
                    (None, Some(_)) => true,
                    _ => false,
                };
                if !improved {
                    if self.refresh_every == 0 {
                        stop = failed;
                        break;
                    }
                    // Nothing more to gain on these points: move on to the
                    // point set due at the end of this segment now, rather
                    // than stop with budget left (measured: a Burgers run
                    // stopped at 7368 of its 8000 iterations).
                    let due = (done / self.refresh_every + 1) * self.refresh_every;
                    let mut s = evals.borrow_mut();
                    if let Some((_, p)) = s.best.take() {
                        net.set_flat_params(&p);
                    }
                    s.last = None;
                    drop(s);
                    (self.refresh)(objective, net, due);
                    log.rebalance(objective, net);
                }
                restarts += 1;
            }
            if log.budget().spent() {
                stop = Stop::new(StopReason::TimeBudget);
                break;
            }
            if done >= self.max_iters {
                break;
            }
        }
        let evals = evals.into_inner();
        if let Some((_, p)) = &evals.best {
            net.set_flat_params(p);
        }
        let end = match stop.reason {
            StopReason::IterationLimit => PhaseEnd::Completed,
            _ => PhaseEnd::Stopped(stop),
        };
        PhaseReport {
            phase: Phase::QuasiNewton,
            steps: done,
            evaluations: evals.count,
            end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redraw_pays;

    #[test]
    fn a_redraw_the_budget_would_cut_short_is_skipped() {
        // Segments of 500 iterations, the last one 40 s: a quarter is 10 s.
        let last = (40.0, 500);
        assert!(redraw_pays(None, 1e9, last, 500), "no time budget");
        assert!(redraw_pays(Some(290.0), 250.0, last, 500));
        assert!(redraw_pays(Some(290.0), 279.0, last, 500));
        assert!(!redraw_pays(Some(290.0), 281.0, last, 500));
        assert!(!redraw_pays(Some(290.0), 289.9, last, 500));
        // A resumed segment of 100 iterations in 8 s: the same rate.
        assert!(!redraw_pays(Some(290.0), 281.0, (8.0, 100), 500));
        assert!(
            redraw_pays(Some(290.0), 289.9, (0.0, 0), 500),
            "nothing measured"
        );
    }
}
