//! What a run reports while it trains: records, observers, the progress bar.

use indicatif::{ProgressBar, ProgressStyle};

/// Optimizer phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// What a run measures of the network at each record besides its loss (the
/// error against a reference, a signal's PSNR).
pub trait Measure {
    /// A short text for the progress line, e.g. `rel L2 1.2e-3`.
    fn progress(&self) -> String;
}

/// One observation of the run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Record<M> {
    pub phase: Phase,
    /// Steps so far (Adam steps, then quasi-Newton iterations continue the count).
    pub step: usize,
    pub seconds: f64,
    /// Unweighted loss of each term, at the parameters the step started from.
    pub losses: Vec<f64>,
    /// Weighted total.
    pub total: f64,
    /// Weighted total on held-out points (never trained on); NaN without a
    /// held-out set.
    pub validation: f64,
    /// What the run's monitor measured after the step.
    pub measure: M,
}

/// Receives every record of a run.
pub trait Observer<M> {
    fn observe(&mut self, names: &[String], record: &Record<M>);
    /// Called once when training ends.
    fn finish(&mut self) {}
}

impl<M> Observer<M> for Box<dyn Observer<M>> {
    fn observe(&mut self, names: &[String], record: &Record<M>) {
        (**self).observe(names, record);
    }
    fn finish(&mut self) {
        (**self).finish();
    }
}

/// A terminal progress bar: step, loss terms, what was measured, time left.
pub struct ProgressObserver {
    bar: ProgressBar,
}

impl ProgressObserver {
    /// `total_steps`: every step the run's phases may take.
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

impl<M: Measure> Observer<M> for ProgressObserver {
    fn observe(&mut self, names: &[String], r: &Record<M>) {
        self.bar.set_position(r.step as u64);
        let mut msg = format!("{} loss {:.2e}", r.phase.name(), r.total);
        for (n, l) in names.iter().zip(&r.losses) {
            msg.push_str(&format!(" {n} {l:.1e}"));
        }
        let measured = r.measure.progress();
        if !measured.is_empty() {
            msg.push_str(" | ");
            msg.push_str(&measured);
        }
        self.bar.set_message(msg);
    }

    fn finish(&mut self) {
        self.bar.finish_and_clear();
    }
}
