//! A quasi-Newton method as an argmin [`Solver`]: a search direction −H·g
//! from a [`Curvature`] model of the inverse Hessian, argmin's Moré–Thuente
//! line search, and the model updated with each accepted step.

use argmin::core::{
    CostFunction, Error, Executor, Gradient, IterState, Problem, Solver, State, TerminationReason,
    TerminationStatus, KV,
};
use argmin::solver::linesearch::LineSearch;
use argmin::solver::linesearch::MoreThuenteLineSearch;

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

    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        mut state: QuasiNewtonState,
    ) -> Result<(QuasiNewtonState, Option<KV>), Error> {
        let param = take(state.take_param(), "a parameter")?;
        let grad = take(state.take_gradient(), "a gradient")?;
        let cost = state.get_cost();
        self.search
            .search_direction(self.curvature.direction(&grad));
        let inner = take(problem.take_problem(), "a problem")?;
        let searched = Executor::new(inner, self.search.clone())
            .configure(|s| s.param(param.clone()).gradient(grad.clone()).cost(cost))
            .ctrlc(false)
            .run();
        let mut result = match searched {
            Ok(result) => result,
            Err(e) => {
                let why = format!("Line search terminated with: '{e}'");
                return Ok((
                    state.terminate_with(TerminationReason::SolverExit(why)),
                    None,
                ));
            }
        };
        problem.problem = result.problem.take_problem();
        problem.consume_func_counts(result.problem);
        let next = take(result.state.take_param(), "a line search result")?;
        let next_cost = result.state.get_cost();
        let next_grad = problem.gradient(&next)?;
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
