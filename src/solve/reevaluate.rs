//! `pinn evaluate`: a finished run's network (its `model.json`) judged
//! again, against the run's own problem or an edited equation file (a
//! quantity added after training, a reference given later): its errors and
//! its derived quantities. Nothing is written.

use super::run::{judged, TrainedNet};
use super::{evaluation, QuantityValue, SolveError};
use crate::config::Precision;
use crate::evaluate::Errors;
use crate::net::{load, SavedNet};
use crate::problem::Problem;
use std::path::Path;

/// What `pinn evaluate` reports.
#[derive(Clone, Debug)]
pub struct Judgement {
    /// Errors against the problem's reference, when it has one.
    pub errors: Option<Errors>,
    pub quantities: Vec<QuantityValue>,
}

/// The network saved in `dir` (model.json), judged on `problem`.
pub fn reevaluate(dir: &Path, problem: &Problem) -> Result<Judgement, SolveError> {
    let path = dir.join("model.json");
    let text = std::fs::read_to_string(&path).map_err(|source| {
        SolveError::Invalid(format!(
            "{}: cannot read the trained network ({source}); a run writes it when it ends",
            path.display()
        ))
    })?;
    let saved: SavedNet = serde_json::from_str(&text)
        .map_err(|e| SolveError::Invalid(format!("{}: {e}", path.display())))?;
    let pde = &problem.pde;
    let (inputs, outputs) = (saved.widths[0], *saved.widths.last().unwrap_or(&0));
    if inputs != pde.inputs.len() || outputs != pde.outputs.len() {
        return Err(SolveError::Invalid(format!(
            "{}: the network maps {inputs} inputs to {outputs} outputs; {} has {} inputs and {} outputs",
            path.display(),
            problem.name,
            pde.inputs.len(),
            pde.outputs.len()
        )));
    }
    if saved.unknowns.len() != pde.unknowns.len() {
        return Err(SolveError::Invalid(format!(
            "{}: the network carries {} unknown coefficients; {} declares {}",
            path.display(),
            saved.unknowns.len(),
            problem.name,
            pde.unknowns.len()
        )));
    }
    let invalid = |e: String| SolveError::Invalid(format!("{}: {e}", path.display()));
    let net = match saved.config.precision {
        Precision::F32 => TrainedNet::F32(load(&saved).map_err(invalid)?),
        // A mixed run saves the precision its network ended in; read an
        // older "mixed" as f64, which holds f32 values exactly.
        Precision::F64 | Precision::Mixed => TrainedNet::F64(load(&saved).map_err(invalid)?),
    };
    let eval = evaluation(problem)?;
    let (_, errors) = judged(problem, &eval, net.predict(&eval.points));
    Ok(Judgement {
        errors,
        quantities: net.quantities(problem),
    })
}
