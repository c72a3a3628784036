//! Mixed precision (`precision = "mixed"`): a run trains in f32 until f32's
//! round-off stops its quasi-Newton phase (a line search that cannot find a
//! lower loss among numbers that no longer resolve it), then goes on in f64
//! from the very state the f32 stage had: the best point, the curvature
//! model, the collocation points and their generators, the history, the
//! held-out best and the clock. The hand-over is the checkpoint machinery
//! kept in memory, so the f64 stage is a resumed run and a checkpoint of
//! either stage resumes like any other.

use super::resume::CheckpointFile;
use super::run::{train_with, Handover, Prepared, TrainOptions, Trained, TrainedNet};
use super::SolveError;
use crate::problem::Problem;
use crate::train::{Observer, ProgressObserver, Record, Snapshot};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

/// One observer seen by both stages (a history file, the progress bar):
/// the f32 stage hands over without finishing it.
#[derive(Clone)]
struct Shared(Rc<RefCell<Box<dyn Observer<Snapshot>>>>);

impl Observer<Snapshot> for Shared {
    fn observe(&mut self, names: &[String], record: &Record<Snapshot>) {
        self.0.borrow_mut().observe(names, record);
    }
    fn finish(&mut self) {
        self.0.borrow_mut().finish();
    }
}

/// Trains `problem` in f32, then, if f32's round-off stops it first, in f64
/// from where it was; resumes a checkpoint of either stage.
pub(super) fn train_mixed(
    problem: &Problem,
    prepared: &Prepared,
    options: TrainOptions,
) -> Result<Trained, SolveError> {
    let start = Instant::now();
    let TrainOptions {
        progress,
        stop,
        observers,
        checkpoints,
        resume,
    } = options;
    let mut shared: Vec<Shared> = observers
        .into_iter()
        .map(|o| Shared(Rc::new(RefCell::new(o))))
        .collect();
    if progress {
        let steps = prepared.config.adam.steps + prepared.config.quasi_newton.iters;
        let bar: Box<dyn Observer<Snapshot>> = Box::new(ProgressObserver::new(steps));
        shared.push(Shared(Rc::new(RefCell::new(bar))));
    }
    let stage = |resume: Option<CheckpointFile>| {
        let mut checkpoints = checkpoints.clone();
        if let (Some(c), Some(file)) = (checkpoints.as_mut(), resume.as_ref()) {
            c.f64_from_step = file.f64_from_step;
        }
        TrainOptions {
            progress: false,
            stop: stop.clone(),
            observers: shared
                .iter()
                .map(|o| Box::new(o.clone()) as Box<dyn Observer<Snapshot>>)
                .collect(),
            checkpoints,
            resume,
        }
    };
    let handed = match resume {
        Some(file) if file.f64_from_step.is_some() => file,
        resume => {
            let slot = Handover::default();
            let options = stage(resume);
            let f32_stage = train_with::<f32>(
                problem,
                prepared,
                options,
                TrainedNet::F32,
                Some(slot.clone()),
            )?;
            let Some(mut file) = slot.take() else {
                return Ok(f32_stage);
            };
            let summary = &f32_stage.summary;
            file.f64_from_step = Some(summary.adam_steps + summary.quasi_newton_iters);
            file
        }
    };
    let from = handed.f64_from_step;
    let mut trained = train_with::<f64>(
        problem,
        prepared,
        stage(Some(handed)),
        TrainedNet::F64,
        None,
    )?;
    trained.summary.f64_from_step = from;
    trained.summary.wall_seconds = start.elapsed().as_secs_f64();
    Ok(trained)
}
