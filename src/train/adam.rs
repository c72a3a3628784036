//! Adam (Kingma & Ba 2015) on the flattened parameters, and the Adam phase
//! of a training run.
//!
//! dfdx's own Adam needs const-shaped modules (or storage types that generic
//! code cannot name), and the update is a few lines, so it lives here, in
//! f64 whatever the network's precision.

use super::checkpoint::{AdamState, PhaseState};
use super::driver::{Driver, PhaseEnd, PhaseReport, TrainingPhase};
use super::observe::Phase;
use super::stop::{Stop, StopReason};
use super::Objective;
use crate::net::Network;
use crate::scalar::Real;
use dfdx::prelude::*;
use std::time::Instant;

/// Adam state for a parameter vector.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Adam {
    beta1: f64,
    beta2: f64,
    eps: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    /// Standard hyperparameters β = (0.9, 0.999), ε = 1e-8.
    pub fn new(n_params: usize) -> Self {
        Self {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            m: vec![0.0; n_params],
            v: vec![0.0; n_params],
            t: 0,
        }
    }

    /// Updates `params` in place from `grad` with learning rate `lr`.
    pub fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        self.t += 1;
        let c1 = 1.0 - self.beta1.powi(self.t);
        let c2 = 1.0 - self.beta2.powi(self.t);
        for (((p, g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            *m = self.beta1 * *m + (1.0 - self.beta1) * g;
            *v = self.beta2 * *v + (1.0 - self.beta2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + self.eps);
        }
    }
}

/// Times the Adam phase halves its learning rate after steps that ended on a
/// NaN or an infinity, before it stops with "non-finite loss": 2⁻³⁰ ≈ 1e-9 of
/// the rate, below which a step changes nothing.
pub const MAX_BACKOFFS: usize = 30;

/// How the learning rate decays from `lr` to `lr · lr_final_fraction`
/// (exponentially).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decay {
    /// Over the phase's steps.
    OverSteps,
    /// Over the steps or the run's time budget, whichever will run out
    /// first, so that a time-limited run still ends at the small rate.
    OverStepsOrTime,
}

/// The Adam phase: `steps` steps with a decaying learning rate, fresh
/// training points every `resample_every` steps.
#[derive(Clone, Debug)]
pub struct AdamPhase {
    pub steps: usize,
    pub lr: f64,
    pub lr_final_fraction: f64,
    pub decay: Decay,
    /// Fresh training points every this many steps (0: never).
    pub resample_every: usize,
    /// The objective's weights updated every this many steps, from the
    /// first (0: never; see `train::balance`).
    pub rebalance_every: usize,
    /// The share of the run's time budget this phase may use (a later phase
    /// then gets the rest); `None`: all of it.
    pub budget_share: Option<f64>,
}

impl AdamPhase {
    /// The learning rate of step `step` (1-based), `elapsed` seconds into a
    /// run whose budget is `budget` seconds.
    fn learning_rate(&self, step: usize, elapsed: f64, budget: Option<f64>) -> f64 {
        let by_steps = (step - 1) as f64 / self.steps.max(1) as f64;
        let progress = match (self.decay, budget) {
            (Decay::OverStepsOrTime, Some(s)) => by_steps.max(elapsed / s).min(1.0),
            _ => by_steps,
        };
        self.lr * self.lr_final_fraction.powf(progress)
    }
}

impl<E: Real, O: Objective<E>, M: Clone> TrainingPhase<E, O, M> for AdamPhase
where
    Cpu: Device<E>,
{
    fn run(
        &mut self,
        driver: &mut Driver<E, O, M>,
        net: &mut Network<E>,
        resume: Option<PhaseState>,
    ) -> PhaseReport {
        let (objective, log) = driver.parts();
        let share_ends = self.budget_share.and_then(|f| log.budget().share(f));
        let offset = log.steps_done();
        let mut s = match resume {
            Some(PhaseState::Adam(s)) => s,
            _ => AdamState {
                step: 1,
                done: 0,
                params: net.flat_params(),
                adam: Adam::new(net.n_params()),
                // Where the last step started (finite loss and gradient
                // there), to go back to when it lands on a NaN or an infinity.
                last_finite: None,
                backoffs: 0,
                lr_scale: 1.0,
            },
        };
        let mut params = std::mem::take(&mut s.params);
        let mut end = PhaseEnd::Completed;
        while s.step <= self.steps {
            let step = s.step;
            if log.checkpoint_due() {
                let state = AdamState {
                    params: params.clone(),
                    ..s.clone()
                };
                log.checkpoint(objective, net.flat_params(), PhaseState::Adam(state));
            }
            if log.interrupted() {
                end = PhaseEnd::Stopped(Stop::new(StopReason::Interrupted));
                break;
            }
            if log.budget().spent() {
                end = PhaseEnd::Stopped(Stop::new(StopReason::TimeBudget));
                break;
            }
            if share_ends.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            s.step += 1;
            if self.resample_every > 0 && step > 1 && (step - 1) % self.resample_every == 0 {
                objective.resample(net);
            }
            if self.rebalance_every > 0 && (step - 1) % self.rebalance_every == 0 {
                log.rebalance(objective, net);
            }
            let (losses, grad) = objective.losses_and_gradient(net);
            let total = objective.total(&losses);
            if !(total.is_finite() && grad.iter().all(|g| g.is_finite())) {
                // The last step went where the loss is not finite: go back
                // to where it started, with half the learning rate.
                match s.last_finite.take() {
                    Some((p, a)) if s.backoffs < MAX_BACKOFFS => {
                        (params, s.adam) = (p, a);
                        net.set_flat_params(&params);
                        s.backoffs += 1;
                        s.lr_scale *= 0.5;
                        continue;
                    }
                    _ => {
                        let detail = match s.backoffs {
                            0 => "the loss is not finite at the starting point".to_string(),
                            n => format!("after {n} halvings of the learning rate"),
                        };
                        end =
                            PhaseEnd::Stopped(Stop::with_detail(StopReason::NonFiniteLoss, detail));
                        break;
                    }
                }
            }
            s.last_finite = Some((params.clone(), s.adam.clone()));
            let budget = log.budget();
            let lr = s.lr_scale * self.learning_rate(step, budget.elapsed(), budget.seconds());
            s.adam.step(&mut params, &grad, lr);
            net.set_flat_params(&params);
            s.done = step;
            if step == 1 || log.record_due(offset + step) {
                log.record(Phase::Adam, offset + step, net, losses, total);
            }
        }
        let done = s.done;
        PhaseReport {
            phase: Phase::Adam,
            steps: done,
            evaluations: done,
            end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_moves_each_parameter_by_lr() {
        // With bias correction the first step is lr·g/(|g| + ε) ≈ lr·sign(g).
        let mut adam = Adam::new(2);
        let mut p = vec![1.0, -1.0];
        adam.step(&mut p, &[0.5, -2.0], 0.1);
        let want = [
            1.0 - 0.1 * 0.5 / (0.5 + 1e-8),
            -1.0 + 0.1 * 2.0 / (2.0 + 1e-8),
        ];
        assert!(
            (p[0] - want[0]).abs() < 1e-15 && (p[1] - want[1]).abs() < 1e-15,
            "{p:?}"
        );
    }

    #[test]
    fn minimizes_a_quadratic() {
        let mut adam = Adam::new(1);
        let mut p = vec![3.0];
        for _ in 0..2000 {
            let g = [2.0 * (p[0] - 1.0)];
            adam.step(&mut p, &g, 0.05);
        }
        assert!((p[0] - 1.0).abs() < 1e-3, "{p:?}");
    }
}
