//! The pipeline behind `pinn solve`: problem → network → training →
//! evaluation against the reference → files in the run folder.
//!
//! Everything a run writes goes through atomic writes, and the history is
//! rewritten at every record, so an interrupted or failed run keeps what it
//! had already written.

mod files;
mod mixed;
mod observe;
mod planes;
mod quantities;
mod reevaluate;
mod resume;
mod run;
mod unknowns;

pub use observe::{observe, ObservationTable, ObserveOptions};
pub use resume::{
    read_run_file, resume, CheckpointFile, Checkpointing, CHECKPOINT, CHECKPOINT_FORMAT,
};
pub use run::{
    prepare, ready, resolve_omega, train_and_evaluate, train_prepared, Prepared, TrainOptions,
    Trained, TrainedNet, MAX_DENSE_PARAMS,
};

pub use quantities::{quantities, QuantityValue};
pub use reevaluate::{reevaluate, Judgement};
pub use unknowns::{identified, Identified};

use crate::bandwidth::OmegaChoice;
use crate::config::{QuasiNewtonMethod, RunConfig};
use crate::evaluate::Errors;
use crate::problem::{Problem, Reference};
use crate::reference::{
    grid_points, load_table, table_from_text, BurgersColeHopf, ReferenceError, ReferenceSolution,
};
use crate::report::ReportError;
use crate::train::{Observer, PinnRecord, Snapshot, Stop};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// How to run a solve (the problem and its configuration come separately).
#[derive(Clone, Debug)]
pub struct SolveOptions {
    /// The run folder; created if missing.
    pub out_dir: PathBuf,
    /// Show a progress bar on the terminal.
    pub progress: bool,
    /// Set (e.g. by Ctrl-C) to end training early; results are still written.
    pub stop: Arc<AtomicBool>,
    /// Replace an earlier run in `out_dir` (the folder is emptied first).
    pub force: bool,
}

/// What a run achieved.
#[derive(Clone, Debug)]
pub struct Summary {
    pub problem: String,
    pub outputs: Vec<String>,
    /// Final errors against the reference, when the problem has one.
    pub errors: Option<Errors>,
    pub wall_seconds: f64,
    pub adam_steps: usize,
    pub quasi_newton_iters: usize,
    /// The quasi-Newton method those iterations were of.
    pub quasi_newton: QuasiNewtonMethod,
    /// Why training ended.
    pub stop: Stop,
    /// The step whose parameters were kept (lowest held-out loss).
    pub kept_step: usize,
    /// The ω trained with, and how the rule chose it when it was `auto`.
    pub omega: f64,
    pub omega_choice: Option<OmegaChoice>,
    /// What else the defaults chose (the quasi-Newton method, …), one line each.
    pub choices: Vec<String>,
    /// Unknown coefficients found (inverse problems), in file order.
    pub unknowns: Vec<Identified>,
    /// Derived quantities (`[quantities]`), in file order.
    pub quantities: Vec<QuantityValue>,
    /// A mixed-precision run that went on in f64: from this step.
    pub f64_from_step: Option<usize>,
    /// The run folder, when the run wrote one.
    pub out_dir: Option<PathBuf>,
}

impl Summary {
    /// The one line a run ends with.
    pub fn line(&self) -> String {
        let steps = self.adam_steps + self.quasi_newton_iters;
        let err = errors_text(&self.outputs, self.errors.as_ref());
        let kept = if self.kept_step == steps {
            String::new()
        } else {
            format!("; kept step {} by held-out loss", self.kept_step)
        };
        let found = if self.unknowns.is_empty() {
            String::new()
        } else {
            format!("{}; ", unknowns::line(&self.unknowns))
        };
        let derived: String = self
            .quantities
            .iter()
            .map(|q| format!("; {}", q.describe()))
            .collect();
        let folder = self
            .out_dir
            .as_ref()
            .map_or(String::new(), |d| format!(" -> {}", d.display()));
        let f64_from = self
            .f64_from_step
            .map_or(String::new(), |s| format!(", f64 from step {s}"));
        format!(
            "{}: {found}{err}{derived}, {:.1} s, {steps} steps ({} Adam + {} {}{f64_from}; {}{kept}){folder}",
            self.problem,
            self.wall_seconds,
            self.adam_steps,
            self.quasi_newton_iters,
            self.quasi_newton.label(),
            self.stop,
        )
    }
}

/// `relative L2 u 4.9e-5, max |error| 5.9e-4` (outputs without reference
/// values left out), or that there is no reference.
pub fn errors_text(outputs: &[String], errors: Option<&Errors>) -> String {
    match errors {
        Some(e) => {
            let rel: Vec<String> = outputs
                .iter()
                .enumerate()
                .filter_map(|(j, n)| e.describe(j).map(|d| format!("{n} {d}")))
                .collect();
            format!(
                "relative L2 {}, max |error| {:.3e}",
                rel.join(", "),
                e.max_abs
            )
        }
        None => "no reference to compare with".to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("reference gives {got} outputs, the problem has {want}")]
    ReferenceOutputs { got: usize, want: usize },
    /// Settings that do not fit the problem (an unknown coefficient's start,
    /// observation options).
    #[error("{0}")]
    Invalid(String),
}

/// Points to evaluate on and the reference values there (per output).
#[derive(Clone, Debug)]
pub struct EvaluationPoints {
    pub points: Vec<Vec<f64>>,
    pub reference: Option<Vec<Vec<f64>>>,
}

/// Builds the problem's reference solution, if it has one.
pub fn reference_solution(problem: &Problem) -> Result<Option<ReferenceSolution>, ReferenceError> {
    Ok(match &problem.evaluation.reference {
        None => None,
        Some(Reference::BurgersColeHopf { nu }) => Some(ReferenceSolution::BurgersColeHopf(
            BurgersColeHopf::new(*nu),
        )),
        Some(Reference::Exprs(e)) => Some(ReferenceSolution::Exprs(e.clone())),
        Some(Reference::Csv { path }) => Some(ReferenceSolution::Table(load_table(
            path,
            &problem.pde.inputs,
            &problem.pde.outputs,
        )?)),
        Some(Reference::BuiltinTable { name }) => {
            let text = crate::problem::builtin_table(name).unwrap_or_default();
            Some(ReferenceSolution::Table(table_from_text(
                text,
                &format!("builtin:{name}"),
                &problem.pde.inputs,
                &problem.pde.outputs,
            )?))
        }
    })
}

/// Sets `values` (per output, per point) to NaN at the points outside the
/// problem's shape: left out of errors, drawn blank.
pub fn mask_outside(problem: &Problem, points: &[Vec<f64>], values: &mut [Vec<f64>]) {
    if problem.pde.geometry.is_none() {
        return;
    }
    for (k, p) in points.iter().enumerate() {
        if !problem.pde.inside(p) {
            for v in values.iter_mut() {
                v[k] = f64::NAN;
            }
        }
    }
}

/// The evaluation points (the grid, or a reference table's own points) and
/// the reference values on them.
pub fn evaluation(problem: &Problem) -> Result<EvaluationPoints, SolveError> {
    let reference = reference_solution(problem)?;
    let points = match reference.as_ref().and_then(|r| r.native_points()) {
        Some(p) => p.to_vec(),
        None => {
            let axes: Vec<(f64, f64, usize)> = problem
                .evaluation
                .grid
                .iter()
                .map(|a| (a.lo, a.hi, a.n))
                .collect();
            grid_points(&axes)
        }
    };
    let values = match &reference {
        Some(r) => {
            let mut v = r.eval_points(&points)?;
            if v.len() != problem.pde.outputs.len() {
                return Err(SolveError::ReferenceOutputs {
                    got: v.len(),
                    want: problem.pde.outputs.len(),
                });
            }
            // Points outside the shape are no part of the solution: a
            // missing reference leaves them out of every error.
            mask_outside(problem, &points, &mut v);
            Some(v)
        }
        None => None,
    };
    Ok(EvaluationPoints {
        points,
        reference: values,
    })
}

/// Trains a network on `problem` with `config` and writes the run folder:
/// the configuration (with an `auto` ω resolved) and the equation file
/// first, the history as training goes, then every result.
pub fn solve(
    problem: &Problem,
    config: &RunConfig,
    options: &SolveOptions,
) -> Result<Summary, SolveError> {
    let prepared = prepare(problem, config)?;
    // A reference that cannot be read fails before a folder is made.
    evaluation(problem)?;
    let folder =
        files::RunFolder::create(&options.out_dir, problem, &prepared.config, options.force)?;
    let names = problem.term_names();
    let config_text = toml::to_string(&prepared.config).unwrap_or_default();
    let train = TrainOptions {
        progress: options.progress,
        stop: options.stop.clone(),
        observers: vec![Box::new(folder.history_log(problem, &names))],
        checkpoints: resume::checkpointing(
            &options.out_dir,
            &prepared.config,
            problem.text_with_copies(),
            config_text,
        ),
        resume: None,
    };
    let mut trained = train_prepared(problem, &prepared, train)?;
    trained.summary.out_dir = Some(options.out_dir.clone());
    folder.write_results(problem, &trained)?;
    resume::finish_checkpoints(&options.out_dir, &trained.summary)?;
    Ok(trained.summary)
}

/// Rewrites `history.csv` at every record, so a run that dies keeps its log.
pub struct HistoryLog {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<Vec<f64>>,
}

impl HistoryLog {
    /// The log of a resumed run: it goes on from the records it had.
    pub fn resumed(mut self, history: &[PinnRecord]) -> Self {
        self.rows = history.iter().map(files::history_row).collect();
        self
    }
}

impl Observer<Snapshot> for HistoryLog {
    fn observe(&mut self, _names: &[String], r: &PinnRecord) {
        self.rows.push(files::history_row(r));
        // A failed write must not stop training; the final write reports errors.
        let _ = crate::report::write_table_csv(&self.path, &self.header, &self.rows);
    }
}
