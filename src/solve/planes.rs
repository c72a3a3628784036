//! What the field pictures draw: one plane of the solution over two inputs
//! (the evaluation grid itself, its last time slice for three inputs, or the
//! file's grid when the reference is a table of scattered points), and the
//! comparison at a scattered reference's own points (e.g. centre lines).

use super::EvaluationPoints;
use crate::problem::Problem;
use crate::reference::{detect_grid, grid_points, linspace};
use crate::report::{chart_grid, Chart, ReportError, Series, SeriesStyle};
use std::path::Path;

/// Network outputs at points, per output.
pub type Predict<'a> = &'a dyn Fn(&[Vec<f64>]) -> Vec<Vec<f64>>;

/// Values over a tensor grid of two inputs, index `ix * ny + iy`.
pub struct Plane {
    /// The horizontal and vertical inputs with their grid values.
    pub x: (String, Vec<f64>),
    pub y: (String, Vec<f64>),
    /// Per output; the reference only where the grid is the reference's.
    pub pred: Vec<Vec<f64>>,
    pub reference: Option<Vec<Vec<f64>>>,
    /// Where the plane lies when an input is held fixed, e.g. ` at t = 1`.
    pub label: String,
    /// The outline of the domain's shape in the plane's coordinates (none
    /// for a box, or a shape that does not span the plane's two inputs).
    pub outline: Vec<Vec<[f64; 2]>>,
}

/// The plane to draw, or None for one input or more than three.
pub fn plane(
    problem: &Problem,
    eval: &EvaluationPoints,
    pred: &[Vec<f64>],
    predict: Predict,
) -> Option<Plane> {
    let d = problem.pde.inputs.len();
    if !(2..=3).contains(&d) {
        return None;
    }
    let grid = detect_grid(&eval.points, d);
    let (axes, pred, reference) = if grid.is_tensor_grid {
        (grid.axes, pred.to_vec(), eval.reference.clone())
    } else {
        // Scattered reference points: draw the prediction on the file's grid.
        let axes: Vec<Vec<f64>> = problem
            .evaluation
            .grid
            .iter()
            .map(|a| linspace(a.lo, a.hi, a.n))
            .collect();
        let points = grid_points(
            &problem
                .evaluation
                .grid
                .iter()
                .map(|a| (a.lo, a.hi, a.n))
                .collect::<Vec<_>>(),
        );
        (axes, predict(&points), None)
    };
    let name = |i: usize| problem.pde.inputs[i].clone();
    if d == 2 {
        return Some(Plane {
            x: (name(0), axes[0].clone()),
            y: (name(1), axes[1].clone()),
            pred,
            reference,
            label: String::new(),
            outline: outline(problem, (0, 1)),
        });
    }
    // Three inputs (t, x, y): the last value of the first input, which is the
    // slowest-varying block of the row-major grid.
    let block = axes[1].len() * axes[2].len();
    let last = |v: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        v.iter()
            .map(|col| col[col.len() - block..].to_vec())
            .collect()
    };
    let fixed = axes[0][axes[0].len() - 1];
    Some(Plane {
        x: (name(1), axes[1].clone()),
        y: (name(2), axes[2].clone()),
        pred: last(&pred),
        reference: reference.as_ref().map(last),
        label: format!(" at {} = {}", name(0), crate::report::value_label(fixed)),
        outline: outline(problem, (1, 2)),
    })
}

/// The shape's outline in the plane of inputs (`x`, `y`), when the shape
/// spans exactly those two.
fn outline(problem: &Problem, (x, y): (usize, usize)) -> Vec<Vec<[f64; 2]>> {
    let Some(g) = &problem.pde.geometry else {
        return Vec::new();
    };
    match g.space.as_slice() {
        [a, b] if (*a, *b) == (x, y) => g.outline(),
        [a, b] if (*a, *b) == (y, x) => g
            .outline()
            .into_iter()
            .map(|line| line.into_iter().map(|[p, q]| [q, p]).collect())
            .collect(),
        _ => Vec::new(),
    }
}

/// For a reference given at scattered points: per output with reference
/// values, the table's values (markers) against the input that varies most
/// among them, with the prediction as a line. When the other inputs are
/// constant along the table (a centre line) the prediction is drawn densely
/// along that line; otherwise at the table's points.
pub fn scattered_comparison(
    path: &Path,
    problem: &Problem,
    eval: &EvaluationPoints,
    pred: &[Vec<f64>],
    predict: Predict,
) -> Result<(), ReportError> {
    let Some(reference) = &eval.reference else {
        return Ok(());
    };
    let mut charts = Vec::new();
    for (j, out) in problem.pde.outputs.iter().enumerate() {
        let rows: Vec<usize> = (0..eval.points.len())
            .filter(|&k| reference[j][k].is_finite())
            .collect();
        if rows.is_empty() {
            continue;
        }
        let coord = |i: usize| -> Vec<f64> { rows.iter().map(|&k| eval.points[k][i]).collect() };
        let spread = |i: usize| {
            let c = coord(i);
            let (lo, hi) = c
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            hi - lo
        };
        let along = (0..problem.pde.inputs.len())
            .max_by(|&a, &b| spread(a).total_cmp(&spread(b)))
            .unwrap_or(0);
        let on_a_line = (0..problem.pde.inputs.len()).all(|i| i == along || spread(i) == 0.0);
        // Table rows in the order of the coordinate they vary along.
        let mut rows = rows;
        rows.sort_by(|&a, &b| eval.points[a][along].total_cmp(&eval.points[b][along]));
        let coord = |i: usize| -> Vec<f64> { rows.iter().map(|&k| eval.points[k][i]).collect() };
        let (line_x, line_y) = if on_a_line {
            let [lo, hi] = problem.pde.domain[along];
            let xs = linspace(lo, hi, 201);
            let base = eval.points[rows[0]].clone();
            let points: Vec<Vec<f64>> = xs
                .iter()
                .map(|&v| {
                    let mut p = base.clone();
                    p[along] = v;
                    p
                })
                .collect();
            (xs, predict(&points)[j].clone())
        } else {
            (coord(along), rows.iter().map(|&k| pred[j][k]).collect())
        };
        let fixed: Vec<String> = (0..problem.pde.inputs.len())
            .filter(|&i| on_a_line && i != along)
            .map(|i| format!("{} = {}", problem.pde.inputs[i], eval.points[rows[0]][i]))
            .collect();
        charts.push(Chart {
            caption: match fixed.is_empty() {
                true => format!("{out} along {}", problem.pde.inputs[along]),
                false => format!(
                    "{out} along {} at {}",
                    problem.pde.inputs[along],
                    fixed.join(", ")
                ),
            },
            x_name: problem.pde.inputs[along].clone(),
            y_name: out.clone(),
            series: vec![
                Series {
                    name: "prediction".into(),
                    x: line_x,
                    y: line_y,
                    color: 0,
                    style: SeriesStyle::Solid,
                },
                Series {
                    name: "reference".into(),
                    x: coord(along),
                    y: rows.iter().map(|&k| reference[j][k]).collect(),
                    color: 3,
                    style: SeriesStyle::Markers,
                },
            ],
            log_y: false,
            legend: true,
        });
    }
    if charts.is_empty() {
        return Ok(());
    }
    let title = format!("{}: prediction and reference values", problem.name);
    chart_grid(path, &title, (1, charts.len()), (520, 460), &charts)
}
