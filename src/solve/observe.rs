//! Synthetic observations for inverse problems, drawn from a problem's
//! reference solution as Raissi et al. (2019, §4.1) draw theirs: N points
//! picked at random, without replacement, from the reference grid, with
//! optional Gaussian noise of standard deviation `noise · std(u)` per output
//! (std over the drawn values, as in their code).

use super::{evaluation, SolveError};
use crate::problem::Problem;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

/// How to draw observations.
#[derive(Clone, Debug, PartialEq)]
pub struct ObserveOptions {
    /// Points to draw from the reference grid.
    pub points: usize,
    /// Relative noise level (0: exact values).
    pub noise: f64,
    pub seed: u64,
    /// Outputs to observe, by name (default: all).
    pub outputs: Option<Vec<String>>,
}

/// A table of observations: header (inputs, then observed outputs) and rows.
#[derive(Clone, Debug, PartialEq)]
pub struct ObservationTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<f64>>,
}

/// Draws observations of `problem`'s reference solution on its evaluation grid.
pub fn observe(problem: &Problem, opts: &ObserveOptions) -> Result<ObservationTable, SolveError> {
    let eval = evaluation(problem)?;
    let Some(reference) = eval.reference else {
        return Err(SolveError::Invalid(format!(
            "{} has no reference solution to draw observations from",
            problem.name
        )));
    };
    let outputs: Vec<usize> = match &opts.outputs {
        None => (0..problem.pde.outputs.len()).collect(),
        Some(names) => names
            .iter()
            .map(|n| {
                problem
                    .pde
                    .outputs
                    .iter()
                    .position(|o| o == n)
                    .ok_or_else(|| {
                        SolveError::Invalid(format!(
                            "'{n}' is not an output of {} (outputs: {})",
                            problem.name,
                            problem.pde.outputs.join(", ")
                        ))
                    })
            })
            .collect::<Result<_, _>>()?,
    };
    // Only grid points inside the domain's shape (all of them for a box).
    let candidates: Vec<usize> = (0..eval.points.len())
        .filter(|&i| problem.pde.inside(&eval.points[i]))
        .collect();
    let n = candidates.len();
    if opts.points == 0 || opts.points > n {
        return Err(SolveError::Invalid(format!(
            "cannot draw {} points from a grid of {n}{}",
            opts.points,
            if n < eval.points.len() {
                " inside the shape"
            } else {
                ""
            }
        )));
    }
    if !(opts.noise.is_finite() && opts.noise >= 0.0) {
        return Err(SolveError::Invalid(
            "noise must be a finite number >= 0".into(),
        ));
    }
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let picked: Vec<usize> = rand::seq::index::sample(&mut rng, n, opts.points)
        .into_iter()
        .map(|k| candidates[k])
        .collect();
    let mut columns: Vec<Vec<f64>> = outputs
        .iter()
        .map(|&j| picked.iter().map(|&i| reference[j][i]).collect())
        .collect();
    for col in &mut columns {
        let sigma = opts.noise * std_dev(col);
        for v in col.iter_mut() {
            let z: f64 = StandardNormal.sample(&mut rng);
            *v += sigma * z;
        }
    }
    let mut header = problem.pde.inputs.clone();
    header.extend(outputs.iter().map(|&j| problem.pde.outputs[j].clone()));
    let rows = picked
        .iter()
        .enumerate()
        .map(|(r, &i)| {
            let mut row = eval.points[i].clone();
            row.extend(columns.iter().map(|c| c[r]));
            row
        })
        .collect();
    Ok(ObservationTable { header, rows })
}

/// Population standard deviation (numpy's `np.std` default).
fn std_dev(v: &[f64]) -> f64 {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}
