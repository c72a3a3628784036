//! Checkpoints: the whole state of a run between two steps, so a killed or
//! interrupted run continues exactly where it was. A resumed run takes the
//! same steps on the same numbers as one that was never stopped, so it ends
//! with the same network, bit for bit.
//!
//! What the driver keeps is here ([`Checkpoint`]); what the objective keeps
//! (its points and generators) its owner adds (see `solve::resume`).

use super::adam::Adam;
use super::driver::PhaseReport;
use super::observe::Record;
use super::quasi_newton::Model;
use serde::{Deserialize, Serialize};

/// The state of the phase that was running.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PhaseState {
    Adam(AdamState),
    QuasiNewton(QuasiNewtonState),
}

/// The Adam phase before step `step`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdamState {
    /// The next step, 1-based.
    pub step: usize,
    /// Steps taken.
    pub done: usize,
    /// Adam's parameters in f64 (an f32 network holds them rounded).
    pub params: Vec<f64>,
    pub adam: Adam,
    /// Where the last step started, for going back from a NaN.
    pub last_finite: Option<(Vec<f64>, Adam)>,
    pub backoffs: usize,
    pub lr_scale: f64,
}

/// The quasi-Newton phase after a completed iteration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuasiNewtonState {
    /// Iterations taken before the running segment.
    pub done: usize,
    pub restarts: usize,
    /// The lowest training loss on the current points, and where.
    pub best: Option<(f64, Vec<f64>)>,
    /// Loss-and-gradient evaluations so far.
    pub evaluations: usize,
    pub segment: SegmentState,
}

/// A run of the solver in progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentState {
    pub model: Model,
    /// The current point, its loss and gradient.
    pub param: Vec<f64>,
    pub cost: f64,
    pub gradient: Vec<f64>,
    /// Iterations taken in this segment, and how many it may take.
    pub taken: usize,
    pub iters: usize,
    /// The best training loss when the segment started (restarts compare with it).
    pub best_before: Option<f64>,
}

/// The driver's part of a checkpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint<M> {
    /// Seconds of training so far: a resumed run's budget goes on from here.
    pub elapsed: f64,
    /// The network's parameters (weights, biases, unknowns).
    pub params: Vec<f64>,
    /// Steps of the phases before the running one.
    pub steps_done: usize,
    /// The best held-out point: loss, step, parameters.
    pub best: Option<(f64, usize, Vec<f64>)>,
    /// The last held-out loss that counted as progress (the stall stop).
    pub progress: Option<super::driver::Progress>,
    pub history: Vec<Record<M>>,
    pub last_recorded: Option<(usize, Vec<f64>)>,
    /// The finished phases' reports, and the index of the running one.
    pub finished: Vec<PhaseReport>,
    pub phase: usize,
    pub state: PhaseState,
}
