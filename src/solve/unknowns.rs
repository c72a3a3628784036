//! What a run reports about the unknown coefficients of an inverse problem:
//! their starting values, trajectories, final values and errors.

use super::SolveError;
use crate::config::RunConfig;
use crate::problem::Problem;
use crate::report::{chart_grid, Chart, ReportError, Series, SeriesStyle};
use crate::train::PinnRecord;
use std::path::Path;

/// A coefficient's final value and, when its truth is known, its relative error.
#[derive(Clone, Debug, PartialEq)]
pub struct Identified {
    pub name: String,
    pub value: f64,
    pub truth: Option<f64>,
    pub rel_error: Option<f64>,
}

/// Starting values: the config's (e.g. from an earlier run's config.toml)
/// over the file's; `config.unknowns` is then filled with every one, so the
/// run's config.toml holds them resolved.
pub fn resolve_initial(problem: &Problem, config: &mut RunConfig) -> Result<(), SolveError> {
    if let Some(name) = config
        .unknowns
        .keys()
        .find(|n| !problem.pde.unknowns.iter().any(|u| &u.name == *n))
    {
        return Err(SolveError::Invalid(format!(
            "the configuration sets unknown '{name}', which the problem does not declare"
        )));
    }
    for u in &problem.pde.unknowns {
        let v = *config.unknowns.entry(u.name.clone()).or_insert(u.init);
        if !u.bounds.contains(v) {
            return Err(SolveError::Invalid(format!(
                "the initial value {v} of '{}' is not strictly inside its bounds {}",
                u.name,
                u.bounds.text()
            )));
        }
    }
    Ok(())
}

/// Raw parameters for the resolved starting values.
pub fn initial_raw(problem: &Problem, config: &RunConfig) -> Vec<f64> {
    problem
        .pde
        .unknowns
        .iter()
        .map(|u| {
            u.bounds
                .raw(config.unknowns.get(&u.name).copied().unwrap_or(u.init))
        })
        .collect()
}

/// Final values against the truths.
pub fn identified(problem: &Problem, values: &[f64]) -> Vec<Identified> {
    problem
        .pde
        .unknowns
        .iter()
        .zip(values)
        .map(|(u, &value)| Identified {
            name: u.name.clone(),
            value,
            truth: u.truth,
            rel_error: u.relative_error(value),
        })
        .collect()
}

/// `lambda1 = 0.9990 (rel. error 1.0e-3), ...` for the summary line.
pub fn line(found: &[Identified]) -> String {
    let parts: Vec<String> = found
        .iter()
        .map(|c| match c.rel_error {
            Some(e) => format!("{} = {:.6e} (rel. error {e:.2e})", c.name, c.value),
            None => format!("{} = {:.6e}", c.name, c.value),
        })
        .collect();
    parts.join(", ")
}

/// The `unknowns` and `observations` entries of metrics.json.
pub fn metrics(problem: &Problem, found: &[Identified], m: &mut serde_json::Value) {
    if !found.is_empty() {
        let map: serde_json::Map<String, serde_json::Value> = problem
            .pde
            .unknowns
            .iter()
            .zip(found)
            .map(|(u, c)| {
                let entry = serde_json::json!({
                    "value": c.value,
                    "init": u.init,
                    "bounds": u.bounds.text(),
                    "truth": c.truth,
                    "rel_error": c.rel_error,
                });
                (c.name.clone(), entry)
            })
            .collect();
        m["unknowns"] = serde_json::Value::Object(map);
    }
    if let Some(o) = &problem.observations {
        let outputs: Vec<&str> = o
            .outputs
            .iter()
            .map(|&j| problem.pde.outputs[j].as_str())
            .collect();
        m["observations"] = serde_json::json!({
            "file": o.file,
            "points": o.points.len(),
            "outputs": outputs,
            "noise": o.noise,
        });
    }
}

/// `unknowns.png`: each coefficient against the step, its truth dashed, and
/// (when every truth is known) the relative errors below.
pub fn picture(
    path: impl AsRef<Path>,
    problem: &Problem,
    history: &[PinnRecord],
) -> Result<(), ReportError> {
    if problem.pde.unknowns.is_empty() || history.is_empty() {
        return Ok(());
    }
    let steps: Vec<f64> = history.iter().map(|r| r.step as f64).collect();
    let charts: Vec<Chart> = problem
        .pde
        .unknowns
        .iter()
        .enumerate()
        .map(|(k, u)| {
            let mut series = vec![Series {
                name: format!("{} (trained)", u.name),
                x: steps.clone(),
                y: history.iter().map(|r| r.measure.unknowns[k]).collect(),
                color: 0,
                style: SeriesStyle::Solid,
            }];
            if let Some(t) = u.truth {
                series.push(Series {
                    name: format!("truth {t:.6}"),
                    x: vec![steps[0], steps[steps.len() - 1]],
                    y: vec![t, t],
                    color: 3,
                    style: SeriesStyle::Dashed,
                });
            }
            Chart {
                caption: u.name.clone(),
                x_name: "step".into(),
                y_name: u.name.clone(),
                series,
                log_y: false,
                legend: true,
            }
        })
        .collect();
    let n = charts.len();
    let mut charts = charts;
    // With every truth known, a second row shows the relative errors on a log scale.
    let errors: Option<Vec<Chart>> = problem
        .pde
        .unknowns
        .iter()
        .enumerate()
        .map(|(k, u)| {
            u.truth.map(|_| Chart {
                caption: format!("{}: relative error", u.name),
                x_name: "step".into(),
                y_name: "|value - truth| / |truth|".into(),
                series: vec![Series {
                    name: String::new(),
                    x: steps.clone(),
                    y: history
                        .iter()
                        .map(|r| u.relative_error(r.measure.unknowns[k]).unwrap_or(f64::NAN))
                        .collect(),
                    color: 0,
                    style: SeriesStyle::Solid,
                }],
                log_y: true,
                legend: false,
            })
        })
        .collect();
    let rows = match errors {
        Some(e) => {
            charts.extend(e);
            2
        }
        None => 1,
    };
    chart_grid(
        path,
        &format!("{}: unknown coefficients", problem.title),
        (rows, n),
        (520, 400),
        &charts,
    )
}
