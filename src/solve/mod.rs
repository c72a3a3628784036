//! The pipeline behind `pinn solve`: problem → network → training →
//! evaluation against the reference → files in the run folder.
//!
//! Everything a run writes goes through atomic writes, and the history is
//! rewritten at every record, so an interrupted or failed run keeps what it
//! had already written.

mod files;
mod observe;
mod planes;
mod unknowns;

pub use observe::{observe, ObservationTable, ObserveOptions};

pub use unknowns::{identified, Identified};

use crate::bandwidth::OmegaChoice;
use crate::config::{Omega, Precision, QuasiNewtonMethod, RunConfig};
use crate::evaluate::{align_constants, errors, time_slices, Errors};
use crate::jet::predict;
use crate::net::Network;
use crate::problem::{Problem, Reference};
use crate::reference::{
    grid_points, load_table, table_from_text, BurgersColeHopf, ReferenceError, ReferenceSolution,
};
use crate::report::ReportError;
use crate::scalar::Real;
use crate::train::{Observer, Phase, PinnRecord, ProgressObserver, Snapshot, Stop, Trainer};
use dfdx::prelude::{Cpu, Device};
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
    /// Unknown coefficients found (inverse problems), in file order.
    pub unknowns: Vec<Identified>,
    pub out_dir: PathBuf,
}

impl Summary {
    /// The one line a run ends with.
    pub fn line(&self) -> String {
        let steps = self.adam_steps + self.quasi_newton_iters;
        let err = match &self.errors {
            Some(e) => {
                // Outputs without reference values (NaN) are left out.
                let rel: Vec<String> = self
                    .outputs
                    .iter()
                    .zip(&e.rel_l2)
                    .filter(|(_, v)| !v.is_nan())
                    .map(|(n, v)| format!("{n} {v:.3e}"))
                    .collect();
                format!(
                    "relative L2 {}, max |error| {:.3e}",
                    rel.join(", "),
                    e.max_abs
                )
            }
            None => "no reference to compare with".to_string(),
        };
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
        format!(
            "{}: {found}{err}, {:.1} s, {steps} steps ({} Adam + {} {}; {}{kept}) -> {}",
            self.problem,
            self.wall_seconds,
            self.adam_steps,
            self.quasi_newton_iters,
            self.quasi_newton.label(),
            self.stop,
            self.out_dir.display()
        )
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
pub struct Evaluation {
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

/// The evaluation points (the grid, or a reference table's own points) and
/// the reference values on them.
pub fn evaluation(problem: &Problem) -> Result<Evaluation, SolveError> {
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
            let v = r.eval_points(&points)?;
            if v.len() != problem.pde.outputs.len() {
                return Err(SolveError::ReferenceOutputs {
                    got: v.len(),
                    want: problem.pde.outputs.len(),
                });
            }
            Some(v)
        }
        None => None,
    };
    Ok(Evaluation {
        points,
        reference: values,
    })
}

/// Trains a network on `problem` with `config` and writes the run folder.
/// An `auto` ω is chosen first by the bandwidth rule (printed when
/// `options.progress` is set); the run folder's config.toml holds the number.
pub fn solve(
    problem: &Problem,
    config: &RunConfig,
    options: &SolveOptions,
) -> Result<Summary, SolveError> {
    let mut config = config.clone();
    unknowns::resolve_initial(problem, &mut config)?;
    let choice = resolve_omega(problem, &mut config);
    if let (true, Some(c)) = (options.progress, &choice) {
        eprintln!("{}", c.describe());
    }
    match config.network.precision {
        Precision::F32 => solve_with::<f32>(problem, &config, options, choice),
        Precision::F64 => solve_with::<f64>(problem, &config, options, choice),
    }
}

/// Parameters beyond which a dense inverse Hessian (8n² bytes) is refused:
/// 1.2 GB at the limit, and an n² update per iteration that would cost
/// more than the network's own step.
pub const MAX_DENSE_PARAMS: usize = 12_000;

fn check_dense_size(kind: QuasiNewtonMethod, n_params: usize) -> Result<(), SolveError> {
    if kind.is_dense() && n_params > MAX_DENSE_PARAMS {
        let gb = 8.0 * (n_params as f64).powi(2) / 1e9;
        return Err(SolveError::Invalid(format!(
            "quasi_newton = \"{}\" keeps a dense {n_params}×{n_params} matrix ({gb:.1} GB); \
             it allows at most {MAX_DENSE_PARAMS} parameters: use quasi_newton = \"lbfgs\" \
             or a smaller network (--width, --depth)",
            kind.label().to_lowercase()
        )));
    }
    Ok(())
}

/// Replaces an `auto` ω by the rule's choice for this problem and point density.
pub fn resolve_omega(problem: &Problem, config: &mut RunConfig) -> Option<OmegaChoice> {
    if !config.network.omega.is_auto() {
        return None;
    }
    let choice =
        OmegaChoice::for_problem(problem, &config.network, config.sampling.interior_points);
    config.network.omega = Omega::Value(choice.omega);
    Some(choice)
}

fn solve_with<E: Real>(
    problem: &Problem,
    config: &RunConfig,
    options: &SolveOptions,
    omega_choice: Option<OmegaChoice>,
) -> Result<Summary, SolveError>
where
    Cpu: Device<E>,
{
    let start = std::time::Instant::now();
    let eval = evaluation(problem)?;
    let mut net = Network::<E>::new(
        &config.network,
        &problem.pde.domain,
        problem.pde.outputs.len(),
    )
    .with_coefficients(&unknowns::initial_raw(problem, config));
    check_dense_size(config.quasi_newton.method, net.n_params())?;
    let out = files::RunFolder::create(&options.out_dir, problem, config)?;
    let mut trainer = Trainer::new(problem, config, &net).stop_flag(options.stop.clone());
    if let Some(reference) = eval.reference.clone() {
        let points = eval.points.clone();
        let flags = problem.evaluation.up_to_constant.clone();
        let slices = time_slices(&problem.pde.inputs, &points);
        trainer = trainer.monitor(move |net: &Network<E>| {
            let pred = align_constants(&predict(net, &points), &reference, &flags, &slices);
            errors(&pred, &reference)
        });
    }
    let names = trainer.names();
    trainer = trainer.observer(out.history_log(problem, &names));
    if options.progress {
        trainer = trainer.observer(ProgressObserver::new(
            config.adam.steps + config.quasi_newton.iters,
        ));
    }
    let outcome = trainer.run(&mut net);
    let mut pred = predict(&net, &eval.points);
    if let Some(r) = &eval.reference {
        // Outputs known up to a constant are written and drawn shifted to
        // the reference's mean, as they are compared.
        let slices = time_slices(&problem.pde.inputs, &eval.points);
        pred = align_constants(&pred, r, &problem.evaluation.up_to_constant, &slices);
    }
    let final_errors = eval.reference.as_ref().map(|r| errors(&pred, r));
    let values: Vec<f64> = problem
        .pde
        .unknowns
        .iter()
        .zip(net.coefficient_values())
        .map(|(u, raw)| u.bounds.value(raw))
        .collect();
    let summary = Summary {
        problem: problem.name.clone(),
        outputs: problem.pde.outputs.clone(),
        errors: final_errors,
        wall_seconds: start.elapsed().as_secs_f64(),
        adam_steps: outcome.steps(Phase::Adam),
        quasi_newton_iters: outcome.steps(Phase::QuasiNewton),
        quasi_newton: config.quasi_newton.method,
        stop: outcome.stop.clone(),
        kept_step: outcome.kept_step,
        omega: config.network.omega_value(),
        omega_choice,
        unknowns: identified(problem, &values),
        out_dir: options.out_dir.clone(),
    };
    out.write_results(problem, &net, &eval, &pred, &outcome, &names, &summary)?;
    Ok(summary)
}

/// Rewrites `history.csv` at every record, so a run that dies keeps its log.
pub struct HistoryLog {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<Vec<f64>>,
}

impl Observer<Snapshot> for HistoryLog {
    fn observe(&mut self, _names: &[String], r: &PinnRecord) {
        self.rows.push(files::history_row(r));
        // A failed write must not stop training; the final write reports errors.
        let _ = crate::report::write_table_csv(&self.path, &self.header, &self.rows);
    }
}
