//! The training driver: one object that owns what every phase shares — the
//! objective, the held-out set, the time budget, the stop flag, the
//! observers and the best point — and runs the phases in sequence.

use super::checkpoint::{Checkpoint, PhaseState};
use super::observe::{Observer, Phase, Record};
use super::stop::{Stop, StopReason};
use super::Objective;
use crate::net::Network;
use crate::scalar::Real;
use dfdx::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Measures the network at each record (the error against a reference, a
/// signal's PSNR).
pub type Monitor<E, M> = Box<dyn FnMut(&Network<E>) -> M>;

/// The wall-clock budget of a run, counted from [`Driver::run`].
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    start: Instant,
    seconds: Option<f64>,
}

impl Budget {
    fn new(seconds: Option<f64>) -> Self {
        Self::after(seconds, 0.0)
    }

    /// A budget of which `elapsed` seconds are already spent (a resumed run).
    fn after(seconds: Option<f64>, elapsed: f64) -> Self {
        let now = Instant::now();
        let spent = Duration::from_secs_f64(elapsed.max(0.0));
        Self {
            start: now.checked_sub(spent).unwrap_or(now),
            seconds,
        }
    }

    /// Seconds since the run started.
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// The budget in seconds, if there is one.
    pub fn seconds(&self) -> Option<f64> {
        self.seconds
    }

    /// When the budget ends.
    pub fn deadline(&self) -> Option<Instant> {
        self.share(1.0)
    }

    /// When `fraction` of the budget has passed.
    pub fn share(&self, fraction: f64) -> Option<Instant> {
        self.seconds
            .map(|s| self.start + Duration::from_secs_f64(s * fraction))
    }

    /// True once the budget is spent.
    pub fn spent(&self) -> bool {
        self.deadline().is_some_and(|d| Instant::now() >= d)
    }
}

/// How one phase ended.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum PhaseEnd {
    /// It did its part (its steps, or its share of the budget): the next
    /// phase may start.
    Completed,
    /// The run must end here.
    Stopped(Stop),
}

/// What one phase did.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PhaseReport {
    pub phase: Phase,
    /// Steps or iterations taken.
    pub steps: usize,
    /// Loss-and-gradient evaluations (line searches included).
    pub evaluations: usize,
    pub end: PhaseEnd,
}

/// An optimizer phase (Adam, a quasi-Newton method) run through the driver.
pub trait TrainingPhase<E: Real, O, M> {
    /// Trains `net` in place, recording through `driver`; from `resume`, the
    /// phase's state in a checkpoint, when the run is resumed.
    fn run(
        &mut self,
        driver: &mut Driver<E, O, M>,
        net: &mut Network<E>,
        resume: Option<PhaseState>,
    ) -> PhaseReport;
}

/// Writes a checkpoint: the objective's own state beside the driver's.
pub type Saver<O, M> = Box<dyn FnMut(&O, &Checkpoint<M>) -> Result<(), String>>;

/// When and how checkpoints are written.
struct Checkpoints<O, M> {
    /// Seconds between two checkpoints (0: after every step).
    every: f64,
    last: Instant,
    save: Saver<O, M>,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct Outcome<M> {
    pub history: Vec<Record<M>>,
    /// One report per phase that ran, in order.
    pub phases: Vec<PhaseReport>,
    pub seconds: f64,
    pub stop: Stop,
    /// The step whose parameters the network holds: the one with the lowest
    /// held-out loss when the best point is kept, else the last.
    pub kept_step: usize,
}

impl<M> Outcome<M> {
    /// Steps taken by the phases of this kind.
    pub fn steps(&self, phase: Phase) -> usize {
        self.of(phase).map(|p| p.steps).sum()
    }

    /// Loss-and-gradient evaluations of the phases of this kind.
    pub fn evaluations(&self, phase: Phase) -> usize {
        self.of(phase).map(|p| p.evaluations).sum()
    }

    fn of(&self, phase: Phase) -> impl Iterator<Item = &PhaseReport> {
        self.phases.iter().filter(move |p| p.phase == phase)
    }
}

/// Settings every phase shares.
#[derive(Clone, Copy, Debug)]
pub struct DriverSettings {
    /// Record every this many steps (and at the first).
    pub record_every: usize,
    /// Keep the parameters of the record with the lowest held-out loss.
    pub keep_best: bool,
    /// The wall-clock budget of the whole run.
    pub max_seconds: Option<f64>,
    /// End the quasi-Newton phase once the held-out loss has not fallen by
    /// [`STALL_MARGIN`] for this many seconds of it (None: never). Adam is
    /// not stopped: its share of the budget ends it, and its loss can
    /// plateau before the quasi-Newton phase takes it further.
    pub stall_seconds: Option<f64>,
}

/// The share by which the held-out loss must fall to count as progress:
/// a quasi-Newton phase that still gains 1% per stall window gains less
/// than a factor 2 over the rest of a budget.
pub const STALL_MARGIN: f64 = 0.01;

/// Records without progress that a stall also needs besides its window: on
/// a slow or busy machine a window of seconds holds few iterations, and a
/// quasi-Newton phase may take a few hundred to leave a plateau.
pub const STALL_RECORDS: usize = 5;

/// The held-out loss that last counted as progress, when, and how many
/// records have come since.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    pub loss: f64,
    pub seconds: f64,
    pub records_since: usize,
}

/// The parameters with the lowest held-out loss so far.
struct Best {
    loss: f64,
    step: usize,
    params: Vec<f64>,
}

/// Runs optimizer phases on one objective; see the module docs.
pub struct Driver<E: Real, O, M> {
    objective: O,
    log: RunLog<E, O, M>,
}

/// Everything of a run but the objective: what phases record into while
/// they evaluate the objective.
pub struct RunLog<E: Real, O, M> {
    names: Vec<String>,
    /// The same loss on points never trained on: with a fixed point set a
    /// flexible network can lower the training loss by bending between the
    /// points; the held-out loss then rises.
    held_out: Option<O>,
    monitor: Monitor<E, M>,
    observers: Vec<Box<dyn Observer<M>>>,
    stop: Arc<AtomicBool>,
    settings: DriverSettings,
    budget: Budget,
    steps_done: usize,
    best: Option<Best>,
    progress: Option<Progress>,
    history: Vec<Record<M>>,
    /// Step and parameters of the last record, so the final record is not
    /// written twice for the same point.
    last_recorded: Option<(usize, Vec<f64>)>,
    checkpoints: Option<Checkpoints<O, M>>,
    /// Receives the run's state when an f32 stage hands over to f64.
    handover: Option<Saver<O, M>>,
    /// The running phase's index, and the reports of those before it.
    phase: usize,
    finished: Vec<PhaseReport>,
    /// The running phase's state in the checkpoint being resumed.
    resume: Option<PhaseState>,
}

impl<E: Real, O: Objective<E>, M: Clone> Driver<E, O, M>
where
    Cpu: Device<E>,
{
    pub fn new(
        objective: O,
        settings: DriverSettings,
        monitor: impl FnMut(&Network<E>) -> M + 'static,
    ) -> Self {
        let log = RunLog {
            names: objective.names().to_vec(),
            held_out: None,
            monitor: Box::new(monitor),
            observers: Vec::new(),
            stop: Arc::new(AtomicBool::new(false)),
            budget: Budget::new(settings.max_seconds),
            settings,
            steps_done: 0,
            best: None,
            progress: None,
            history: Vec::new(),
            last_recorded: None,
            checkpoints: None,
            handover: None,
            phase: 0,
            finished: Vec::new(),
            resume: None,
        };
        Self { objective, log }
    }

    /// Writes a checkpoint through `save` every `every` seconds of training
    /// (0: after every step) and when the stop flag ends the run.
    pub fn checkpoints(mut self, every: f64, save: Saver<O, M>) -> Self {
        self.log.checkpoints = Some(Checkpoints {
            every,
            last: Instant::now(),
            save,
        });
        self
    }

    /// Makes this an f32 stage of a mixed-precision run: where f32's
    /// round-off fails a line search, the quasi-Newton phase gives its state
    /// (as a checkpoint) to `save` and the run stops with
    /// [`StopReason::SwitchToF64`], to be resumed in f64.
    pub fn handover(mut self, save: Saver<O, M>) -> Self {
        self.log.handover = Some(save);
        self
    }

    /// Continues the run a checkpoint left (the objective's points are the
    /// caller's to restore): its history, best point, finished phases and
    /// budget, and the running phase's state.
    pub fn resume(mut self, checkpoint: Checkpoint<M>, net: &mut Network<E>) -> Self {
        let log = &mut self.log;
        net.set_flat_params(&checkpoint.params);
        log.budget = Budget::after(log.settings.max_seconds, checkpoint.elapsed);
        log.steps_done = checkpoint.steps_done;
        log.best = checkpoint
            .best
            .map(|(loss, step, params)| Best { loss, step, params });
        log.progress = checkpoint.progress;
        log.history = checkpoint.history;
        log.last_recorded = checkpoint.last_recorded;
        log.phase = checkpoint.phase;
        log.finished = checkpoint.finished;
        log.resume = Some(checkpoint.state);
        self
    }

    /// Scores every record on this held-out objective (and keeps the best
    /// point by it, when the settings say so).
    pub fn held_out(mut self, objective: O) -> Self {
        self.log.held_out = Some(objective);
        self
    }

    pub fn observer(mut self, o: impl Observer<M> + 'static) -> Self {
        self.log.observers.push(Box::new(o));
        self
    }

    /// A flag that, once set (e.g. by Ctrl-C), ends training at the next step.
    pub fn stop_flag(mut self, flag: Arc<AtomicBool>) -> Self {
        self.log.stop = flag;
        self
    }

    pub fn objective(&self) -> &O {
        &self.objective
    }

    /// The objective and the log, borrowed apart: a phase evaluates the one
    /// and records into the other.
    pub fn parts(&mut self) -> (&mut O, &mut RunLog<E, O, M>) {
        (&mut self.objective, &mut self.log)
    }

    /// Runs the phases in order until one stops the run, then records the
    /// final state and, when asked, restores the best point.
    pub fn run(
        mut self,
        net: &mut Network<E>,
        phases: &mut [&mut dyn TrainingPhase<E, O, M>],
    ) -> Outcome<M> {
        let resume = self.log.resume.take();
        if resume.is_none() {
            self.log.budget = Budget::new(self.log.settings.max_seconds);
        }
        if let Some(c) = &mut self.log.checkpoints {
            c.last = Instant::now();
        }
        let first = self.log.phase;
        let mut stop = Stop::new(StopReason::IterationLimit);
        let mut resume = resume;
        for (i, phase) in phases.iter_mut().enumerate().skip(first) {
            self.log.phase = i;
            let report = phase.run(&mut self, net, resume.take());
            self.log.steps_done += report.steps;
            let end = report.end.clone();
            self.log.finished.push(report);
            if let PhaseEnd::Stopped(s) = end {
                stop = s;
                break;
            }
        }
        let reports = std::mem::take(&mut self.log.finished);
        let last_phase = reports
            .iter()
            .rev()
            .find(|r| r.steps > 0)
            .or(reports.first())
            .map_or(Phase::Adam, |r| r.phase);
        // A handover is no end: the f64 stage records and finishes the run.
        if stop.reason != StopReason::SwitchToF64 {
            self.finish(net, last_phase);
        }
        let log = self.log;
        let kept_step = match (log.settings.keep_best, log.best) {
            (true, Some(best)) => {
                net.set_flat_params(&best.params);
                best.step
            }
            _ => log.steps_done,
        };
        Outcome {
            history: log.history,
            phases: reports,
            seconds: log.budget.elapsed(),
            stop,
            kept_step,
        }
    }

    /// The final record (unless the last record already holds this very
    /// point), then the observers' end.
    fn finish(&mut self, net: &Network<E>, phase: Phase) {
        let log = &mut self.log;
        let step = log.steps_done;
        let repeated = log
            .last_recorded
            .as_ref()
            .is_some_and(|(s, p)| *s == step && *p == net.flat_params());
        if !repeated {
            let losses = self.objective.losses(net);
            let total = self.objective.total(&losses);
            log.record(phase, step, net, losses, total);
        }
        for o in &mut log.observers {
            o.finish();
        }
    }
}

impl<E: Real, O: Objective<E>, M: Clone> RunLog<E, O, M>
where
    Cpu: Device<E>,
{
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// The stop flag, for loops that check it themselves (a line search).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    pub fn interrupted(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Steps taken by the phases before the running one.
    pub fn steps_done(&self) -> usize {
        self.steps_done
    }

    /// Whether a checkpoint is due: its interval has passed, or the run is
    /// being stopped (it is then the state to resume from).
    pub fn checkpoint_due(&self) -> bool {
        self.checkpoints
            .as_ref()
            .is_some_and(|c| self.interrupted() || c.last.elapsed().as_secs_f64() >= c.every)
    }

    /// Writes a checkpoint of the run with the running phase in `state` and
    /// the network at `params`. A failed write is reported and training
    /// goes on: a checkpoint is insurance, not a result.
    pub fn checkpoint(&mut self, objective: &O, params: Vec<f64>, state: PhaseState) {
        if self.checkpoints.is_none() {
            return;
        }
        let checkpoint = self.state(params, state);
        if let Some(c) = &mut self.checkpoints {
            if let Err(e) = (c.save)(objective, &checkpoint) {
                eprintln!("warning: cannot write a checkpoint: {e}");
            }
            c.last = Instant::now();
        }
    }

    /// Whether the phase should hand its state over to another precision
    /// where its own round-off stops it (an f32 stage of a mixed run).
    pub fn hands_over(&self) -> bool {
        self.handover.is_some()
    }

    /// Hands the run's state over to the stage that continues it in f64
    /// (see [`Driver::handover`]); the phase then stops with
    /// [`StopReason::SwitchToF64`].
    pub fn hand_over(&mut self, objective: &O, params: Vec<f64>, state: PhaseState) {
        let mut checkpoint = self.state(params, state);
        // The stall window starts afresh in the new precision.
        checkpoint.progress = None;
        if let Some(save) = &mut self.handover {
            if let Err(e) = save(objective, &checkpoint) {
                eprintln!("warning: cannot hand the run over to f64: {e}");
            }
        }
    }

    /// The run's state with the running phase in `state` and the network at `params`.
    fn state(&self, params: Vec<f64>, state: PhaseState) -> Checkpoint<M> {
        Checkpoint {
            elapsed: self.budget.elapsed(),
            params,
            steps_done: self.steps_done,
            best: self
                .best
                .as_ref()
                .map(|b| (b.loss, b.step, b.params.clone())),
            progress: self.progress,
            history: self.history.clone(),
            last_recorded: self.last_recorded.clone(),
            finished: self.finished.clone(),
            phase: self.phase,
            state,
        }
    }

    /// Lets the objective update its weights and, when it did, gives the
    /// held-out loss the same ones and scores the best point under them (a
    /// held-out loss under other weights would not compare with it).
    pub fn rebalance(&mut self, objective: &mut O, net: &mut Network<E>) {
        let Some(weights) = objective.rebalance(net) else {
            return;
        };
        let Some(held_out) = self.held_out.as_mut() else {
            return;
        };
        held_out.set_weights(&weights);
        if let Some(best) = self.best.as_mut() {
            let current = net.flat_params();
            net.set_flat_params(&best.params);
            best.loss = held_out.total(&held_out.losses(net));
            net.set_flat_params(&current);
            // Progress is measured under the new weights from here on.
            if let Some(p) = self.progress.as_mut() {
                p.loss = best.loss;
            }
        }
    }

    /// Starts the stall window afresh (a phase that is expected to make
    /// progress from here on).
    pub fn reset_progress(&mut self) {
        self.progress = None;
    }

    /// Whether the held-out loss has made no progress for the stall window.
    pub fn stalled(&self) -> bool {
        match (self.settings.stall_seconds, self.progress) {
            (Some(window), Some(p)) => {
                self.budget.elapsed() - p.seconds > window && p.records_since >= STALL_RECORDS
            }
            _ => false,
        }
    }

    /// The stop of a stalled run, saying for how long.
    pub fn stall_stop(&self) -> Stop {
        Stop::with_detail(
            StopReason::Stalled,
            format!(
                "held-out loss not {}% lower in the last {:.0} s and {} records",
                STALL_MARGIN * 100.0,
                self.settings.stall_seconds.unwrap_or(0.0),
                self.progress.map_or(0, |p| p.records_since)
            ),
        )
    }

    /// Whether step `step` of the run (counted over all phases) is recorded.
    pub fn record_due(&self, step: usize) -> bool {
        step.is_multiple_of(self.settings.record_every.max(1))
    }

    /// Records the state after a step: `losses` and `total` as the step
    /// measured them, the monitor and the held-out loss on `net` as it is now.
    pub fn record(
        &mut self,
        phase: Phase,
        step: usize,
        net: &Network<E>,
        losses: Vec<f64>,
        total: f64,
    ) {
        let measure = (self.monitor)(net);
        let validation = self
            .held_out
            .as_ref()
            .map_or(f64::NAN, |h| h.total(&h.losses(net)));
        let params = net.flat_params();
        let seconds = self.budget.elapsed();
        // A NaN held-out loss is no progress either.
        let progress = |p: &Progress| validation < p.loss * (1.0 - STALL_MARGIN);
        match self.progress.as_mut() {
            Some(p) if !progress(p) => p.records_since += 1,
            _ if validation.is_finite() => {
                self.progress = Some(Progress {
                    loss: validation,
                    seconds,
                    records_since: 0,
                });
            }
            _ => {}
        }
        if validation.is_finite() && self.best.as_ref().is_none_or(|b| validation < b.loss) {
            self.best = Some(Best {
                loss: validation,
                step,
                params: params.clone(),
            });
        }
        let record = Record {
            phase,
            step,
            seconds,
            losses,
            total,
            validation,
            measure,
        };
        for o in &mut self.observers {
            o.observe(&self.names, &record);
        }
        self.history.push(record);
        self.last_recorded = Some((step, params));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{NetConfig, Omega, QuasiNewtonMethod};
    use crate::train::{AdamPhase, Decay, QuasiNewtonPhase};

    /// Σ (p − target)² over the parameters: a convex bowl whose minimum is
    /// known, so each phase's end can be predicted.
    struct Bowl {
        target: f64,
        names: Vec<String>,
        resampled: usize,
        /// How far each resampling moves the target.
        drift: f64,
    }

    impl Bowl {
        fn new(target: f64) -> Self {
            Self {
                target,
                names: vec!["bowl".into()],
                resampled: 0,
                drift: 0.0,
            }
        }
    }

    impl Objective<f64> for Bowl {
        fn names(&self) -> &[String] {
            &self.names
        }
        fn losses(&self, net: &Network<f64>) -> Vec<f64> {
            let p = net.flat_params();
            vec![p.iter().map(|v| (v - self.target).powi(2)).sum()]
        }
        fn losses_and_gradient(&self, net: &Network<f64>) -> (Vec<f64>, Vec<f64>) {
            let p = net.flat_params();
            let grad = p.iter().map(|v| 2.0 * (v - self.target)).collect();
            (self.losses(net), grad)
        }
        fn total(&self, losses: &[f64]) -> f64 {
            losses[0]
        }
        fn resample(&mut self, _net: &Network<f64>) {
            self.resampled += 1;
            self.target += self.drift;
        }
    }

    fn tiny_net() -> Network<f64> {
        let config = NetConfig {
            width: 3,
            depth: 1,
            omega: Omega::Value(1.0),
            ..NetConfig::default()
        };
        Network::new(&config, &[[0.0, 1.0]], 1)
    }

    fn settings(max_seconds: Option<f64>) -> DriverSettings {
        DriverSettings {
            record_every: 10,
            keep_best: true,
            max_seconds,
            stall_seconds: None,
        }
    }

    fn adam(steps: usize) -> AdamPhase {
        AdamPhase {
            steps,
            lr: 0.05,
            lr_final_fraction: 0.1,
            decay: Decay::OverSteps,
            resample_every: 0,
            rebalance_every: 0,
            budget_share: None,
        }
    }

    fn quasi_newton<'a>(max_iters: usize) -> QuasiNewtonPhase<'a, Bowl, f64> {
        QuasiNewtonPhase {
            method: QuasiNewtonMethod::SsBfgs,
            max_iters,
            memory: 10,
            refresh_every: 0,
            refresh: Box::new(|_: &mut Bowl, _: &Network<f64>, _: usize| {}),
        }
    }

    #[test]
    fn adam_runs_its_steps_and_records_on_schedule() {
        let mut net = tiny_net();
        let driver = Driver::new(Bowl::new(0.5), settings(None), |_: &Network<f64>| ());
        let outcome = driver.run(&mut net, &mut [&mut adam(25)]);
        assert_eq!(outcome.stop.reason, StopReason::IterationLimit);
        assert_eq!(outcome.steps(Phase::Adam), 25);
        let steps: Vec<usize> = outcome.history.iter().map(|r| r.step).collect();
        // Step 1, every 10th, then the final state.
        assert_eq!(steps, [1, 10, 20, 25]);
        assert!(outcome.history.iter().all(|r| r.validation.is_nan()));
        // Without a held-out set there is no best point: the last one stays.
        assert_eq!(outcome.kept_step, 25);
    }

    #[test]
    fn a_set_stop_flag_or_a_spent_budget_ends_the_run_before_its_first_step() {
        let flag = Arc::new(AtomicBool::new(true));
        let mut net = tiny_net();
        let before = net.flat_params();
        let driver =
            Driver::new(Bowl::new(0.5), settings(None), |_: &Network<f64>| ()).stop_flag(flag);
        let outcome = driver.run(&mut net, &mut [&mut adam(25), &mut quasi_newton(10)]);
        assert_eq!(outcome.stop.reason, StopReason::Interrupted);
        assert_eq!(outcome.phases.len(), 1, "the quasi-Newton phase never ran");
        assert_eq!(net.flat_params(), before);
        let driver = Driver::new(Bowl::new(0.5), settings(Some(0.0)), |_: &Network<f64>| ());
        let outcome = driver.run(&mut net, &mut [&mut adam(25)]);
        assert_eq!(outcome.stop.reason, StopReason::TimeBudget);
        assert_eq!(outcome.steps(Phase::Adam), 0);
    }

    #[test]
    fn quasi_newton_after_adam_reaches_the_minimum_and_says_it_converged() {
        let mut net = tiny_net();
        let driver = Driver::new(Bowl::new(0.5), settings(None), |_: &Network<f64>| ())
            .held_out(Bowl::new(0.5));
        let outcome = driver.run(&mut net, &mut [&mut adam(5), &mut quasi_newton(100)]);
        assert_eq!(
            outcome.stop.reason,
            StopReason::Converged,
            "{}",
            outcome.stop
        );
        assert!(outcome.steps(Phase::QuasiNewton) < 100);
        assert!(net.flat_params().iter().all(|p| (p - 0.5).abs() < 1e-6));
        // The held-out loss is the training loss here: the best record is the last.
        let last = outcome.history.last().expect("records");
        assert_eq!(outcome.kept_step, last.step);
        assert_eq!(last.phase, Phase::QuasiNewton);
    }

    #[test]
    fn a_held_out_loss_that_stops_falling_ends_the_quasi_newton_phase_as_stalled() {
        // The training target moves away at every new point set (every
        // iteration), the held-out loss prefers −3: from the first
        // quasi-Newton records on it only rises, so nothing counts as
        // progress. A window of 0 s: the first record after the phase's
        // first one is already too late.
        let mut net = tiny_net();
        let settings = DriverSettings {
            stall_seconds: Some(0.0),
            record_every: 1,
            ..settings(None)
        };
        let training = Bowl {
            drift: 0.01,
            ..Bowl::new(0.5)
        };
        let driver =
            Driver::new(training, settings, |_: &Network<f64>| ()).held_out(Bowl::new(-3.0));
        let iters = 10_000_000;
        let mut qn = QuasiNewtonPhase {
            refresh_every: 1,
            refresh: Box::new(|b: &mut Bowl, net: &Network<f64>, _: usize| b.resample(net)),
            ..quasi_newton(iters)
        };
        // Adam alone is never stopped by the window: it runs all its steps.
        let outcome = driver.run(&mut net, &mut [&mut adam(200), &mut qn]);
        assert_eq!(outcome.steps(Phase::Adam), 200);
        assert_eq!(outcome.stop.reason, StopReason::Stalled);
        assert!(outcome.stop.detail.as_deref().unwrap().contains("1% lower"));
        assert!(outcome.steps(Phase::QuasiNewton) < iters);
        assert!(outcome.seconds < 5.0, "{} s", outcome.seconds);
    }

    #[test]
    fn progress_is_a_fall_of_one_percent_and_restarts_with_the_window() {
        let settings = DriverSettings {
            stall_seconds: Some(0.02),
            ..settings(None)
        };
        let mut driver =
            Driver::new(Bowl::new(0.5), settings, |_: &Network<f64>| ()).held_out(Bowl::new(0.0));
        let (_, log) = driver.parts();
        let at = |v: f64| {
            let mut net = tiny_net();
            net.set_flat_params(&vec![v; net.n_params()]);
            net
        };
        log.record(Phase::QuasiNewton, 1, &at(1.0), vec![0.0], 0.0);
        std::thread::sleep(Duration::from_millis(30));
        // The window has passed, but not the records.
        for step in 2..STALL_RECORDS + 1 {
            log.record(Phase::QuasiNewton, step, &at(1.0), vec![0.0], 0.0);
        }
        assert!(!log.stalled());
        // 0.5% lower is not progress; 2% lower is.
        log.record(Phase::QuasiNewton, 10, &at(0.995f64.sqrt()), vec![0.0], 0.0);
        assert!(log.stalled());
        log.record(Phase::QuasiNewton, 11, &at(0.98f64.sqrt()), vec![0.0], 0.0);
        assert!(!log.stalled());
        std::thread::sleep(Duration::from_millis(30));
        for step in 12..12 + STALL_RECORDS {
            log.record(Phase::QuasiNewton, step, &at(1.0), vec![0.0], 0.0);
        }
        assert!(log.stalled());
        log.reset_progress();
        assert!(!log.stalled());
    }

    #[test]
    fn the_best_held_out_point_is_kept() {
        // Training pulls towards 0.5, the held-out loss prefers 0: the
        // first record (closest to the start) is the best by held-out loss
        // once training moves past it.
        let mut net = Network::new(
            &NetConfig {
                width: 3,
                depth: 1,
                omega: Omega::Value(1.0),
                ..NetConfig::default()
            },
            &[[0.0, 1.0]],
            1,
        );
        net.set_flat_params(&vec![0.1; net.n_params()]);
        let driver = Driver::new(Bowl::new(0.5), settings(None), |_: &Network<f64>| ())
            .held_out(Bowl::new(0.0));
        let outcome = driver.run(&mut net, &mut [&mut adam(30)]);
        assert_eq!(outcome.kept_step, 1);
        let first = &outcome.history[0];
        let held_out = Bowl::new(0.0);
        assert_eq!(held_out.total(&held_out.losses(&net)), first.validation);
    }
}

#[cfg(test)]
mod non_finite_tests {
    use super::*;
    use crate::config::{NetConfig, Omega, QuasiNewtonMethod};
    use crate::train::{AdamPhase, Decay, QuasiNewtonPhase};

    /// c·Σ (p − 0.3)², but NaN once any parameter leaves [−r, r]: a loss
    /// that overflows past a cliff, as an f32 residual does for large weights.
    struct Cliff {
        r: f64,
        c: f64,
        names: Vec<String>,
    }

    impl Objective<f64> for Cliff {
        fn names(&self) -> &[String] {
            &self.names
        }
        fn losses(&self, net: &Network<f64>) -> Vec<f64> {
            let p = net.flat_params();
            if p.iter().any(|v| v.abs() > self.r) {
                return vec![f64::NAN];
            }
            vec![self.c * p.iter().map(|v| (v - 0.3).powi(2)).sum::<f64>()]
        }
        fn losses_and_gradient(&self, net: &Network<f64>) -> (Vec<f64>, Vec<f64>) {
            let p = net.flat_params();
            let grad = p.iter().map(|v| 2.0 * self.c * (v - 0.3)).collect();
            (self.losses(net), grad)
        }
        fn total(&self, losses: &[f64]) -> f64 {
            losses[0]
        }
        fn resample(&mut self, _net: &Network<f64>) {}
    }

    fn cliff(r: f64) -> Cliff {
        Cliff {
            r,
            c: 1.0,
            names: vec!["cliff".into()],
        }
    }

    fn net_at(v: f64) -> Network<f64> {
        let config = NetConfig {
            width: 3,
            depth: 1,
            omega: Omega::Value(1.0),
            ..NetConfig::default()
        };
        let mut net = Network::new(&config, &[[0.0, 1.0]], 1);
        net.set_flat_params(&vec![v; net.n_params()]);
        net
    }

    fn settings() -> DriverSettings {
        DriverSettings {
            record_every: 1,
            keep_best: false,
            max_seconds: None,
            stall_seconds: None,
        }
    }

    fn adam(lr: f64) -> AdamPhase {
        AdamPhase {
            steps: 200,
            lr,
            lr_final_fraction: 1.0,
            decay: Decay::OverSteps,
            resample_every: 0,
            rebalance_every: 0,
            budget_share: None,
        }
    }

    #[test]
    fn adam_steps_back_from_a_nan_with_a_smaller_rate_and_finishes() {
        // lr = 3 jumps every parameter from 0.1 to about −2.9, past the cliff at 1.
        let mut net = net_at(0.1);
        let driver = Driver::new(cliff(1.0), settings(), |_: &Network<f64>| ());
        let outcome = driver.run(&mut net, &mut [&mut adam(3.0)]);
        assert_eq!(
            outcome.stop.reason,
            StopReason::IterationLimit,
            "{}",
            outcome.stop
        );
        assert!(outcome.history.iter().all(|r| r.total.is_finite()));
        assert!(
            net.flat_params().iter().all(|p| p.abs() <= 1.0),
            "inside the cliff"
        );
        let last = outcome.history.last().expect("records").total;
        assert!(
            last < 0.1 * outcome.history[0].total,
            "still descending: {last}"
        );
    }

    #[test]
    fn a_loss_that_is_nan_at_the_start_stops_with_its_reason() {
        let mut net = net_at(5.0);
        let before = net.flat_params();
        let driver = Driver::new(cliff(1.0), settings(), |_: &Network<f64>| ());
        let mut qn = QuasiNewtonPhase {
            method: QuasiNewtonMethod::SsBfgs,
            max_iters: 10,
            memory: 5,
            refresh_every: 0,
            refresh: Box::new(|_: &mut Cliff, _: &Network<f64>, _: usize| {}),
        };
        let outcome = driver.run(&mut net, &mut [&mut adam(0.01), &mut qn]);
        assert_eq!(outcome.stop.reason, StopReason::NonFiniteLoss);
        assert_eq!(outcome.phases.len(), 1, "no quasi-Newton phase after it");
        assert_eq!(net.flat_params(), before);
    }

    #[test]
    fn quasi_newton_shortens_a_trial_step_that_lands_past_the_cliff() {
        // A fresh model's first direction is −g = −20·(0.45 − 0.3) = −3 per
        // parameter: the unit trial step lands at −2.55, past the cliff at
        // 0.5; a tenth of it (0.15) is inside.
        let mut net = net_at(0.45);
        let steep = Cliff {
            c: 10.0,
            ..cliff(0.5)
        };
        let driver = Driver::new(steep, settings(), |_: &Network<f64>| ());
        let mut qn = QuasiNewtonPhase {
            method: QuasiNewtonMethod::SsBfgs,
            max_iters: 50,
            memory: 5,
            refresh_every: 0,
            refresh: Box::new(|_: &mut Cliff, _: &Network<f64>, _: usize| {}),
        };
        let outcome = driver.run(&mut net, &mut [&mut qn]);
        assert_ne!(
            outcome.stop.reason,
            StopReason::NonFiniteLoss,
            "{}",
            outcome.stop
        );
        assert!(
            net.flat_params().iter().all(|p| (p - 0.3).abs() < 1e-6),
            "at the minimum"
        );
    }
}
