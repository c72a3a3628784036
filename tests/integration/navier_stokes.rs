//! The Navier–Stokes equation files: their closed-form references satisfy
//! their own residuals and conditions (derivatives by finite differences of
//! the reference expressions, independent of the network's jets), the Ghia
//! table is consistent with the cavity's walls, and a short multi-output run
//! writes per-output errors and the velocity pictures.

use crate::common::{reference_residuals, refused, solve_in_temp, FiniteDifferences};
use pinn::config::RunConfig;
use pinn::problem::{EquationFile, Reference};
use pinn::solve::evaluation;

/// The largest |residual| per term of a builtin with a closed-form reference.
fn worst_residuals(name: &str) -> Vec<(String, f64)> {
    let file = EquationFile::load(name).expect("builtin");
    reference_residuals(&file.problem, 1e-4)
        .into_iter()
        .map(|(name, r, _)| (name, r))
        .collect()
}

#[test]
fn kovasznay_reference_satisfies_its_equations_and_conditions() {
    // Second differences with h = 1e-4 of O(10) values: error ~ 1e-6.
    for (name, r) in worst_residuals("kovasznay") {
        assert!(r < 1e-5, "{name}: {r}");
    }
}

#[test]
fn taylor_green_reference_satisfies_its_equations_and_conditions() {
    let worst = worst_residuals("taylor-green");
    assert_eq!(worst.len(), 7, "{worst:?}");
    for (name, r) in worst {
        assert!(r < 1e-5, "{name}: {r}");
    }
}

#[test]
fn a_wrong_viscosity_breaks_the_kovasznay_residual() {
    // The check can fail: with nu = 1/40 in the residual (the reference
    // keeps Re = 20) the momentum residual is O(0.1), not O(1e-6).
    let text = pinn::problem::builtin("kovasznay").expect("builtin").1;
    let changed = text.replace("- nu * (u_xx", "- nu / 2 * (u_xx");
    let file = EquationFile::from_toml(&changed, "kovasznay.toml").expect("parses");
    let p = file.problem.clone();
    let Some(Reference::Exprs(exprs)) = &p.evaluation.reference else {
        panic!("closed form");
    };
    let mut fd = FiniteDifferences {
        exprs,
        point: vec![0.3, 0.2],
        normal: vec![0.0, 0.0],
        unknowns: Vec::new(),
        h: 1e-4,
    };
    let r = p.pde.terms[0].0.expr.eval(&mut fd);
    assert!(r.abs() > 0.05, "{r}");
}

#[test]
fn the_ghia_table_matches_the_cavity_walls_and_lid() {
    let file = EquationFile::load("cavity").expect("builtin");
    let p = file.problem.clone();
    let eval = evaluation(&p).expect("the builtin table loads");
    let reference = eval.reference.expect("values");
    let (u, v) = (&reference[0], &reference[1]);
    // Table I has 17 u values on x = 0.5, Table II 17 v values on y = 0.5
    // (the centre in both); the table gives no pressure.
    let on = |k: usize, i: usize, c: f64| eval.points[k][i] == c;
    let us: Vec<usize> = (0..u.len()).filter(|&k| u[k].is_finite()).collect();
    let vs: Vec<usize> = (0..v.len()).filter(|&k| v[k].is_finite()).collect();
    assert_eq!((us.len(), vs.len()), (17, 17));
    assert!(us.iter().all(|&k| on(k, 0, 0.5)) && vs.iter().all(|&k| on(k, 1, 0.5)));
    assert!(reference[2].iter().all(|p| p.is_nan()));
    // No slip: u = 0 on the bottom, v = 0 on both side walls; u = 1 under the
    // middle of the lid, where the smoothed lid 1 − (2x − 1)^8 is exactly 1.
    for &k in &us {
        let y = eval.points[k][1];
        if y == 0.0 {
            assert_eq!(u[k], 0.0);
        }
        if y == 1.0 {
            assert_eq!(u[k], 1.0);
        }
    }
    for &k in &vs {
        let x = eval.points[k][0];
        if x == 0.0 || x == 1.0 {
            assert_eq!(v[k], 0.0);
        }
    }
    // Published extremes (Ghia et al. Table I/II, Re = 100): min u −0.21090
    // at y = 0.4531, max v 0.17527 at x = 0.2344, min v −0.24533 at x = 0.8047.
    let extreme = |col: &[f64], rows: &[usize], f: fn(f64, f64) -> f64, init: f64| {
        rows.iter().map(|&k| col[k]).fold(init, f)
    };
    assert_eq!(extreme(u, &us, f64::min, f64::INFINITY), -0.2109);
    assert_eq!(extreme(v, &vs, f64::max, f64::NEG_INFINITY), 0.17527);
    assert_eq!(extreme(v, &vs, f64::min, f64::INFINITY), -0.24533);
}

#[test]
fn a_short_kovasznay_run_reports_every_output_and_draws_the_velocity() {
    let file = EquationFile::load("kovasznay").expect("builtin");
    let p = file.problem.clone();
    let mut config: RunConfig = file.config.clone();
    config.adam.steps = 30;
    config.quasi_newton.iters = 20;
    config.sampling.interior_points = 256;
    config.sampling.condition_points = 64;
    config.train.max_seconds = None;
    let (summary, dir) = solve_in_temp(&p, &config);
    let line = summary.line();
    for want in ["u ", "v ", "p "] {
        assert!(line.contains(want), "{line}");
    }
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("metrics.json")).expect("metrics"),
    )
    .expect("json");
    for out in ["u", "v", "p"] {
        let e = metrics["rel_l2"][out].as_f64().expect("per-output error");
        assert!(e.is_finite() && e > 0.0, "{out}: {e}");
    }
    for file in ["u.png", "v.png", "p.png", "speed.png", "u_slices.png"] {
        assert!(dir.path().join(file).is_file(), "missing {file}");
    }
}

#[test]
fn a_scattered_reference_gets_its_comparison_picture() {
    // The cavity's table points are not a grid: the prediction is drawn on
    // the file's grid, and against the table along its two centre lines.
    let file = EquationFile::load("cavity").expect("builtin");
    let p = file.problem.clone();
    let mut config: RunConfig = file.config.clone();
    config.adam.steps = 5;
    config.quasi_newton.iters = 0;
    config.sampling.interior_points = 64;
    config.sampling.condition_points = 16;
    let (summary, dir) = solve_in_temp(&p, &config);
    let e = summary.errors.expect("compared with the table");
    assert!(e.rel_l2[0].is_finite() && e.rel_l2[1].is_finite() && e.rel_l2[2].is_nan());
    for file in ["reference_points.png", "u.png", "speed.png"] {
        assert!(dir.path().join(file).is_file(), "missing {file}");
    }
}

#[test]
fn velocity_and_up_to_constant_name_outputs() {
    let base = pinn::problem::builtin("kovasznay").expect("builtin").1;
    let bad_velocity = base.replace("velocity = [\"u\", \"v\"]", "velocity = [\"u\", \"w\"]");
    refused(
        &bad_velocity,
        "k.toml",
        "unknown output 'w' (outputs: u, v, p)",
    );
    let one = base.replace("velocity = [\"u\", \"v\"]", "velocity = [\"u\"]");
    refused(&one, "k.toml", "expected two output names");
    let bad_constant = base.replace("up_to_constant = [\"p\"]", "up_to_constant = [\"q\"]");
    refused(&bad_constant, "k.toml", "unknown output 'q'");
    let file = EquationFile::from_toml(base, "k.toml").expect("parses");
    let p = file.problem.clone();
    assert_eq!(p.evaluation.up_to_constant, vec![false, false, true]);
    assert_eq!(p.evaluation.velocity, Some((0, 1)));
    let described = p.describe();
    assert!(described.contains("compared up to a constant (per time slice with an input t): p"));
    assert!(described.contains("velocity: (u, v), drawn as speed and arrows"));
}

#[test]
fn blank_output_cells_are_missing_values_and_comments_are_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("t.csv");
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    std::fs::write(&path, "# source: a test\nx,u,v\n0.5,1.5,\n0.25,,-2\n").expect("write");
    let t = pinn::reference::load_table(&path, &names(&["x"]), &names(&["u", "v"]))
        .expect("blank output cells load");
    assert_eq!(t.points, vec![vec![0.5], vec![0.25]]);
    assert_eq!((t.values[0][0], t.values[1][1]), (1.5, -2.0));
    assert!(t.values[0][1].is_nan() && t.values[1][0].is_nan());
    // A blank input cell is still an error with its place.
    std::fs::write(&path, "x,u\n,1\n").expect("write");
    let e = pinn::reference::load_table(&path, &names(&["x"]), &names(&["u"]))
        .expect_err("blank input")
        .to_string();
    assert!(e.contains("line 2") && e.contains("`x`"), "{e}");
}
