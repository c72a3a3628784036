//! The objective as argmin sees it: cost and gradient of a flat f64
//! parameter vector, evaluated once per point (argmin asks for the two
//! separately) and stopped by the deadline and a bound on a line search's
//! evaluations. The stop flag is looked at between iterations, where the
//! phase can be checkpointed and resumed.

use crate::net::Network;
use crate::scalar::Real;
use crate::train::Objective;
use argmin::core::{CostFunction, Error, Gradient};
use dfdx::prelude::*;
use std::cell::RefCell;
use std::time::Instant;

/// Evaluations one line search may take. argmin runs Moré–Thuente without
/// an iteration limit, and near rounding level (f32) its bracket can cycle
/// without end; a normal search takes 1 to 3.
const MAX_EVALS_PER_ITER: usize = 40;

/// One evaluation of the objective.
#[derive(Clone)]
pub(super) struct Evaluated {
    pub param: Vec<f64>,
    pub losses: Vec<f64>,
    pub total: f64,
    pub grad: Vec<f64>,
}

/// What the evaluations of one quasi-Newton phase leave behind.
pub(super) struct Evaluations<E: Real> {
    /// The network the parameters are tried on.
    pub net: Network<E>,
    /// The latest evaluation (after an iteration: its accepted point).
    pub last: Option<Evaluated>,
    /// The lowest finite training loss on the current points, and where.
    pub best: Option<(f64, Vec<f64>)>,
    /// Evaluations since the last completed iteration (the line search's).
    pub this_iter: usize,
    pub count: usize,
}

impl<E: Real> Evaluations<E> {
    pub fn new(net: Network<E>) -> Self {
        Self {
            net,
            last: None,
            best: None,
            this_iter: 0,
            count: 0,
        }
    }

    /// Forgets the losses of a point set that changed (they do not compare
    /// with the new ones).
    pub fn forget(&mut self) {
        self.best = None;
        self.last = None;
    }
}

/// The objective with an evaluation cache, as an argmin problem.
pub(super) struct LossProblem<'a, O, E: Real> {
    pub objective: &'a O,
    pub evals: &'a RefCell<Evaluations<E>>,
    /// argmin's solvers check no deadline; a line search must end at it.
    pub deadline: Option<Instant>,
}

impl<O: Objective<E>, E: Real> LossProblem<'_, O, E>
where
    Cpu: Device<E>,
{
    /// (total, gradient) at `p`, cached.
    fn eval(&self, p: &[f64]) -> Result<(f64, Vec<f64>), Error> {
        let mut s = self.evals.borrow_mut();
        if let Some(e) = &s.last {
            if e.param.as_slice() == p {
                return Ok((e.total, e.grad.clone()));
            }
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Error::msg("time budget reached in a line search"));
        }
        s.this_iter += 1;
        s.count += 1;
        if s.this_iter > MAX_EVALS_PER_ITER {
            return Err(Error::msg(format!(
                "line search took more than {MAX_EVALS_PER_ITER} evaluations"
            )));
        }
        s.net.set_flat_params(p);
        let (losses, grad) = self.objective.losses_and_gradient(&s.net);
        let total = self.objective.total(&losses);
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

impl<O: Objective<E>, E: Real> CostFunction for LossProblem<'_, O, E>
where
    Cpu: Device<E>,
{
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
        Ok(self.eval(p)?.0)
    }
}

impl<O: Objective<E>, E: Real> Gradient for LossProblem<'_, O, E>
where
    Cpu: Device<E>,
{
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, Error> {
        Ok(self.eval(p)?.1)
    }
}
