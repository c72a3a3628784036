//! A quasi-Newton method as an argmin [`Solver`]: a search direction −H·g
//! from a [`Curvature`] model of the inverse Hessian, argmin's Moré–Thuente
//! line search, and the model updated with each accepted step.

use argmin::core::{
    CostFunction, Error, Executor, Gradient, IterState, Problem, Solver, State, TerminationReason,
    TerminationStatus, KV,
};
use argmin::solver::linesearch::LineSearch;
use argmin::solver::linesearch::MoreThuenteLineSearch;
use std::cell::Cell;
use std::collections::HashMap;

type Search = MoreThuenteLineSearch<Vec<f64>, Vec<f64>, f64>;
pub(crate) type QuasiNewtonState = IterState<Vec<f64>, Vec<f64>, (), (), (), f64>;

/// A model H of the inverse Hessian, built from the steps taken.
pub trait Curvature {
    /// Name shown in argmin's reports.
    const NAME: &'static str;
    /// The search direction −H·g.
    fn direction(&mut self, grad: &[f64]) -> Vec<f64>;
    /// Learns from a step `from` → `to` with gradients `grad_from` → `grad_to`.
    fn remember(&mut self, from: &[f64], to: &[f64], grad_from: &[f64], grad_to: &[f64]);
}

/// A quasi-Newton solver with the inverse-Hessian model `C`.
pub struct QuasiNewton<C> {
    curvature: C,
    search: Search,
    /// Converged when the gradient norm falls below this.
    tol_grad: f64,
}

impl<C: Curvature> QuasiNewton<C> {
    /// The model, for a checkpoint (the line search keeps nothing between
    /// iterations, and the tolerance is a constant).
    pub fn into_curvature(self) -> C {
        self.curvature
    }

    pub fn new(curvature: C, tol_grad: f64) -> Self {
        Self {
            curvature,
            search: MoreThuenteLineSearch::new(),
            tol_grad,
        }
    }

    pub fn curvature(&self) -> &C {
        &self.curvature
    }
}

/// Retries of a line search that met a NaN or an infinity, each along a
/// direction [`SHRINK`] times the last: 8 retries reach 1e-8 of the first
/// step, below which a step no longer changes f32 parameters of order 1.
pub const MAX_SHRINKS: usize = 8;
/// How much shorter each retried direction is.
const SHRINK: f64 = 0.1;

/// The words that mark a failure by a NaN or an infinity: argmin's
/// Moré–Thuente says this when a trial loss or its slope is not finite.
pub const NON_FINITE: &str = "NaN or Inf encountered";

/// Whether a line search failure was a NaN or an infinity.
pub fn is_non_finite(failure: &str) -> bool {
    failure.contains(NON_FINITE)
}

/// The problem lent to one line search: argmin's executor takes its problem
/// by value, and a failed search must not lose it. It counts its
/// evaluations, which are added to the outer problem's counts whatever the
/// search's outcome (argmin's `cost_count` and `gradient_count`).
struct Lent<'a, O> {
    problem: &'a O,
    made: &'a Evaluations,
}

/// Evaluations made by a lent problem.
#[derive(Default)]
struct Evaluations {
    costs: Cell<u64>,
    gradients: Cell<u64>,
}

impl Evaluations {
    /// Adds them into argmin's counts.
    fn count_into(&self, counts: &mut HashMap<&'static str, u64>) {
        *counts.entry("cost_count").or_insert(0) += self.costs.get();
        *counts.entry("gradient_count").or_insert(0) += self.gradients.get();
    }
}

impl<O: CostFunction> CostFunction for Lent<'_, O> {
    type Param = O::Param;
    type Output = O::Output;
    fn cost(&self, p: &Self::Param) -> Result<Self::Output, Error> {
        self.made.costs.set(self.made.costs.get() + 1);
        self.problem.cost(p)
    }
}

impl<O: Gradient> Gradient for Lent<'_, O> {
    type Param = O::Param;
    type Gradient = O::Gradient;
    fn gradient(&self, p: &Self::Param) -> Result<Self::Gradient, Error> {
        self.made.gradients.set(self.made.gradients.get() + 1);
        self.problem.gradient(p)
    }
}

/// The value, or an error naming what the solver's state lacked.
fn take<T>(value: Option<T>, what: &str) -> Result<T, Error> {
    value.ok_or_else(|| Error::msg(format!("quasi-Newton: no {what}")))
}

impl<O, C> Solver<O, QuasiNewtonState> for QuasiNewton<C>
where
    O: CostFunction<Param = Vec<f64>, Output = f64>
        + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
    C: Curvature,
{
    fn name(&self) -> &str {
        C::NAME
    }

    /// Cost and gradient at the start; the model is kept (a solver carried
    /// into a new point set starts from its old curvature).
    fn init(
        &mut self,
        problem: &mut Problem<O>,
        mut state: QuasiNewtonState,
    ) -> Result<(QuasiNewtonState, Option<KV>), Error> {
        let param = take(state.take_param(), "a start point")?;
        let cost = problem.cost(&param)?;
        let grad = problem.gradient(&param)?;
        Ok((state.param(param).cost(cost).gradient(grad), None))
    }

    /// One step: the direction −H·g, a line search along it, the model
    /// updated with the accepted step. A line search that meets a NaN or an
    /// infinity (a trial point where the loss overflows, typically the first,
    /// long one) is retried along a shorter direction, [`MAX_SHRINKS`] times
    /// at most; a point with a non-finite loss or gradient is never accepted.
    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        mut state: QuasiNewtonState,
    ) -> Result<(QuasiNewtonState, Option<KV>), Error> {
        let param = take(state.take_param(), "a parameter")?;
        let grad = take(state.take_gradient(), "a gradient")?;
        let cost = state.get_cost();
        let mut direction = self.curvature.direction(&grad);
        let mut shrinks = 0;
        let (next, next_cost) = loop {
            self.search.search_direction(direction.clone());
            let made = Evaluations::default();
            let lent = Lent {
                problem: take(problem.problem.as_ref(), "a problem")?,
                made: &made,
            };
            let searched = Executor::new(lent, self.search.clone())
                .configure(|s| s.param(param.clone()).gradient(grad.clone()).cost(cost))
                .ctrlc(false)
                .run();
            made.count_into(&mut problem.counts);
            let failure = match searched {
                Ok(mut result) => {
                    let next = take(result.state.take_param(), "a line search result")?;
                    let next_cost = result.state.get_cost();
                    if next_cost.is_finite() {
                        break (next, next_cost);
                    }
                    format!("{NON_FINITE} (the line search ended at a loss of {next_cost})")
                }
                Err(e) => format!("{e}"),
            };
            if shrinks < MAX_SHRINKS && is_non_finite(&failure) {
                shrinks += 1;
                direction.iter_mut().for_each(|d| *d *= SHRINK);
                continue;
            }
            let why = format!("Line search terminated with: '{failure}'");
            return Ok((
                state.terminate_with(TerminationReason::SolverExit(why)),
                None,
            ));
        };
        let next_grad = problem.gradient(&next)?;
        if next_grad.iter().any(|g| !g.is_finite()) {
            let why = format!("Line search terminated with: '{NON_FINITE} (in the gradient)'");
            return Ok((
                state.terminate_with(TerminationReason::SolverExit(why)),
                None,
            ));
        }
        self.curvature.remember(&param, &next, &grad, &next_grad);
        Ok((state.param(next).cost(next_cost).gradient(next_grad), None))
    }

    fn terminate(&mut self, state: &QuasiNewtonState) -> TerminationStatus {
        let norm = state.get_gradient().map_or(f64::INFINITY, |g| {
            g.iter().map(|v| v * v).sum::<f64>().sqrt()
        });
        if norm < self.tol_grad {
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        } else {
            TerminationStatus::NotTerminated
        }
    }
}
