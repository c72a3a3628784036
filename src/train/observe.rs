//! Observers: what a run reports while it trains (progress bar, logs).

use crate::evaluate::Errors;
use indicatif::{ProgressBar, ProgressStyle};

/// Optimizer phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Adam,
    /// L-BFGS, BFGS or self-scaled BFGS.
    QuasiNewton,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Adam => "adam",
            Phase::QuasiNewton => "quasi-newton",
        }
    }
}

/// One observation of the run.
#[derive(Clone, Debug)]
pub struct Record {
    pub phase: Phase,
    /// Steps so far (Adam steps, then quasi-Newton iterations continue the count).
    pub step: usize,
    pub seconds: f64,
    /// Unweighted mean-squared residual of each term.
    pub losses: Vec<f64>,
    /// Weighted total.
    pub total: f64,
    /// Weighted total on held-out collocation points (never trained on).
    pub validation: f64,
    /// Values of the unknown coefficients (inverse problems), in file order.
    pub coefficients: Vec<f64>,
    /// Error against the reference, when there is one.
    pub errors: Option<Errors>,
}

/// Receives every record of a run.
pub trait Observer {
    fn observe(&mut self, names: &[String], record: &Record);
    /// Called once when training ends.
    fn finish(&mut self) {}
}

/// A terminal progress bar: step, loss terms, error and time left.
pub struct ProgressObserver {
    bar: ProgressBar,
}

impl ProgressObserver {
    /// `total_steps`: Adam steps plus the quasi-Newton iteration limit.
    pub fn new(total_steps: usize) -> Self {
        Self {
            bar: progress_bar(total_steps),
        }
    }
}

/// A terminal progress bar of `total_steps` with elapsed time, eta and a message.
pub fn progress_bar(total_steps: usize) -> ProgressBar {
    let bar = ProgressBar::new(total_steps as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} eta {eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

impl Observer for ProgressObserver {
    fn observe(&mut self, names: &[String], r: &Record) {
        self.bar.set_position(r.step as u64);
        let mut msg = format!("{} loss {:.2e}", r.phase.name(), r.total);
        for (n, l) in names.iter().zip(&r.losses) {
            msg.push_str(&format!(" {n} {l:.1e}"));
        }
        if let Some(e) = &r.errors {
            let rel: Vec<String> = e.rel_l2.iter().map(|v| format!("{v:.2e}")).collect();
            msg.push_str(&format!(" | rel L2 {}", rel.join(" ")));
        }
        self.bar.set_message(msg);
    }

    fn finish(&mut self) {
        self.bar.finish_and_clear();
    }
}
