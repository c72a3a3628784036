//! Inverse problems: unknown coefficients and observations — parsing and
//! its errors, the coefficient's gradient, the observation generator, and a
//! short run that must recover its coefficient.

use crate::common::{pinn, FiniteDifferences};
use pinn::net::Network;
use pinn::problem::{EquationFile, ProblemError};
use pinn::reference::BurgersColeHopf;
use pinn::solve::{observe, solve, ObserveOptions, SolveOptions};
use pinn::train::{Objective, ResidualLoss};
use pinn::unknowns::Bounds;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Heat with unknown diffusivity `k`: u = exp(−kπ²t) sin πx with k = 0.4/π²
/// (the `heat` builtin's solution), observed at points written by each test.
const HEAT: &str = r#"name = "heat-identify"
inputs = ["t", "x"]
outputs = ["u"]
constants = { alpha = "0.4 / pi^2" }
domain = { t = [0, 1], x = [0, 1] }

[unknowns]
k = { init = 0.01, bounds = [0, inf], truth = "alpha" }

[residuals]
diffusion = "u_t - k * u_xx"

[observations]
csv = "obs.csv"

[reference]
u = "exp(-alpha * pi^2 * t) * sin(pi * x)"
grid = { t = [0, 1, 21], x = [0, 1, 21] }
"#;

/// Writes `toml` and `csv` (as `obs.csv`) into a fresh folder and parses the
/// equation file, returned with the folder.
fn with_files(toml: &str, csv: &str) -> (Result<EquationFile, ProblemError>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("obs.csv"), csv).expect("write csv");
    let path = dir.path().join("p.toml");
    std::fs::write(&path, toml).expect("write toml");
    (EquationFile::from_file(&path), dir)
}

/// The error of `csv` as observations of [`HEAT`], shown with its file.
fn csv_error(csv: &str) -> String {
    match with_files(HEAT, csv).0 {
        Ok(_) => panic!("expected an error for:\n{csv}"),
        Err(e) => e.to_string(),
    }
}

/// Exact observations of the heat solution at a few points (computed, not typed).
fn heat_csv(points: &[(f64, f64)]) -> String {
    let alpha = 0.4 / std::f64::consts::PI.powi(2);
    let mut s = String::from("t,x,u\n");
    for &(t, x) in points {
        let u =
            (-alpha * std::f64::consts::PI.powi(2) * t).exp() * (std::f64::consts::PI * x).sin();
        s.push_str(&format!("{t},{x},{u}\n"));
    }
    s
}

#[test]
fn unknowns_and_observations_parse() {
    let (p, _dir) = with_files(HEAT, &heat_csv(&[(0.0, 0.5), (0.5, 0.25)]));
    let p = p.unwrap_or_else(|e| panic!("{e}")).problem;
    assert_eq!(p.pde.unknowns.len(), 1);
    let k = &p.pde.unknowns[0];
    assert_eq!(
        (k.name.as_str(), k.init, k.bounds),
        ("k", 0.01, Bounds::Above(0.0))
    );
    assert_eq!(k.truth, Some(0.4 / std::f64::consts::PI.powi(2)));
    let o = p.observations.as_ref().expect("observations");
    assert_eq!(o.points, vec![vec![0.0, 0.5], vec![0.5, 0.25]]);
    assert_eq!((o.outputs.clone(), o.values[0][0]), (vec![0], 1.0));
    assert_eq!(p.term_names(), ["diffusion", "data"]);
    // Weights may name the data term.
    let weighted = format!("{HEAT}\n[train]\nweights = {{ data = 10 }}\n");
    let (p, _dir) = with_files(&weighted, &heat_csv(&[(0.0, 0.5)]));
    assert_eq!(
        p.expect("parses").config.train.weights.get("data"),
        Some(&10.0)
    );
}

#[test]
fn observation_files_report_the_cell_at_fault() {
    // Line 3 is the second data row; column 5 is where its x (third
    // character field start) begins: "0.5," is 4 characters.
    let e = csv_error("t,x,u\n0,0.5,1\n0.5,abc,0.3\n");
    assert!(
        e.contains("obs.csv:3:5: error: expected a number in column 'x', found 'abc'"),
        "{e}"
    );
    let e = csv_error("t,x,u\n0,0.5,NaN\n");
    assert!(
        e.contains("obs.csv:2:7: error: expected a finite number in column 'u'"),
        "{e}"
    );
    let e = csv_error("t,x,u\n0,1.5,0\n");
    assert!(
        e.contains("obs.csv:2:3: error: x = 1.5 is outside the domain (x in [0, 1])"),
        "{e}"
    );
    let e = csv_error("t,u\n0,1\n");
    assert!(e.contains("obs.csv:1:1: error: missing column 'x'"), "{e}");
    let e = csv_error("t,x,v\n0,0.5,1\n");
    assert!(e.contains("obs.csv:1:1: error: no observed output"), "{e}");
    let e = csv_error("");
    assert!(e.contains("obs.csv:1:1: error: the file is empty"), "{e}");
    let e = csv_error("t,x,u\n");
    assert!(
        e.contains("no observations: the file has a header but no rows"),
        "{e}"
    );
    let e = csv_error("t,x,u\n0,0.5\n");
    assert!(
        e.contains("obs.csv:2:1: error: row has 2 fields, expected 3"),
        "{e}"
    );
    let e = csv_error("t,x,u,x\n0,0.5,1,2\n");
    assert!(
        e.contains("obs.csv:1:7: error: column 'x' appears twice"),
        "{e}"
    );
}

#[test]
fn malformed_unknowns_are_reported_in_the_equation_file() {
    let csv = heat_csv(&[(0.0, 0.5)]);
    let error = |from: &str, to: &str| -> String {
        assert!(HEAT.contains(from), "{from}");
        match with_files(&HEAT.replacen(from, to, 1), &csv).0 {
            Ok(_) => panic!("expected an error after replacing {from}"),
            Err(e) => e.to_string(),
        }
    };
    // An unknown named like a constant: line 8, column 1.
    let e = error("k = { init", "alpha = { init");
    assert!(
        e.contains("p.toml:8:1: error: 'alpha' is declared twice (already a constant)"),
        "{e}"
    );
    let e = error("k = { init", "x = { init");
    assert!(
        e.contains("p.toml:8:1: error: 'x' is declared twice (already an input)"),
        "{e}"
    );
    // The start must lie inside the bounds: line 8, column 14 is the 0.01.
    let e = error("init = 0.01", "init = -1");
    assert!(
        e.contains("p.toml:8:14: error: the initial value -1 of 'k' must lie strictly inside"),
        "{e}"
    );
    // Column 29: the '[' of the bounds.
    let e = error("bounds = [0, inf]", "bounds = [1, 0]");
    assert!(e.contains("p.toml:8:29: error: empty bounds"), "{e}");
    let e = error("k = { init = 0.01,", "k = { start = 0.01,");
    assert!(e.contains("p.toml:8:") && e.contains("start"), "{e}");
    let e = error("exp(-alpha", "exp(-k");
    assert!(
        e.contains("p.toml:17:") && e.contains("may not use the unknown 'k'"),
        "{e}"
    );
    // Column 8: the first character inside the quotes.
    let e = error("csv = \"obs.csv\"", "csv = \"missing.csv\"");
    assert!(
        e.contains("p.toml:14:8: error: cannot read observations"),
        "{e}"
    );
    let e = error("csv = \"obs.csv\"", "csv = \"obs.csv\"\noutputs = [\"w\"]");
    assert!(
        e.contains("p.toml:15:13: error: 'w' is not an output"),
        "{e}"
    );
    let e = error("[residuals]\ndiffusion", "[residuals]\ndata");
    assert!(e.contains("a term is named 'data'"), "{e}");
}

/// The data term and the unknown's gradient from the one backward pass,
/// against central differences of the loss in the raw parameter (f64; the
/// loss is smooth in it, so h = 1e-5 leaves an O(h²) error well below 1e-6).
#[test]
fn the_unknowns_gradient_matches_finite_differences() {
    for bounds in ["", ", bounds = [0, inf]", ", bounds = [-1, 1]"] {
        let text = HEAT.replacen(", bounds = [0, inf]", bounds, 1);
        let (p, _dir) = with_files(&text, &heat_csv(&[(0.1, 0.3), (0.7, 0.6), (0.4, 0.9)]));
        let EquationFile { problem: p, config } = p.unwrap_or_else(|e| panic!("{e}"));
        let mut config = config.clone();
        config.sampling.interior_points = 64;
        config.network.omega = pinn::config::Omega::Value(1.0);
        let net =
            Network::<f64>::new(&config.network, &p.pde.domain, 1).with_unknowns(&p.raw_inits());
        let objective = ResidualLoss::new(&p, &config, &net);
        let (losses, grad) = objective.losses_and_gradient(&net);
        assert!(losses.iter().all(|l| *l > 0.0), "{losses:?}");
        let mut params = net.flat_params();
        assert_eq!(grad.len(), params.len());
        let k = params.len() - 1;
        let h = 1e-5;
        let mut at = |v: f64| {
            params[k] = v;
            let mut n = net.clone();
            n.set_flat_params(&params);
            objective.total(&objective.losses(&n))
        };
        let raw = net.flat_params()[k];
        let fd = (at(raw + h) - at(raw - h)) / (2.0 * h);
        let err = (grad[k] - fd).abs() / fd.abs().max(1e-12);
        assert!(
            err < 1e-6,
            "bounds '{bounds}': backward {} vs finite differences {fd}",
            grad[k]
        );
        assert!(grad[k].abs() > 1e-8, "the unknown receives a gradient");
    }
}

#[test]
fn observations_are_drawn_from_the_cole_hopf_solution() {
    let burgers = EquationFile::load("burgers").expect("builtin").problem;
    let exact = observe(
        &burgers,
        &ObserveOptions {
            points: 200,
            noise: 0.0,
            seed: 3,
            outputs: None,
        },
    )
    .expect("draws");
    assert_eq!(exact.header, ["t", "x", "u"]);
    let reference = BurgersColeHopf::new(0.01 / std::f64::consts::PI);
    let mut distinct = exact.rows.clone();
    distinct.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    distinct.dedup();
    assert_eq!(distinct.len(), 200, "drawn without replacement");
    for row in &exact.rows {
        // On the published grid: t = i/100, x = −1 + 2j/255.
        let (i, j) = (row[0] * 100.0, (row[1] + 1.0) * 127.5);
        assert!(
            (i - i.round()).abs() < 1e-9 && (j - j.round()).abs() < 1e-9,
            "{row:?}"
        );
        let u = reference.u(row[0], row[1]);
        assert!((row[2] - u).abs() < 1e-12, "{row:?} vs Cole–Hopf {u}");
    }
    // 1% noise scaled by std(u) over the drawn values (Raissi et al.'s code):
    // the sample deviation of 2000 draws is within 10% of 0.01·std(u) (its
    // own standard error is about 1.6%).
    let opts = |noise| ObserveOptions {
        points: 2000,
        noise,
        seed: 0,
        outputs: None,
    };
    let clean = observe(&burgers, &opts(0.0)).expect("draws");
    let noisy = observe(&burgers, &opts(0.01)).expect("draws");
    let u: Vec<f64> = clean.rows.iter().map(|r| r[2]).collect();
    let diff: Vec<f64> = noisy
        .rows
        .iter()
        .zip(&clean.rows)
        .map(|(a, b)| a[2] - b[2])
        .collect();
    let ratio = std(&diff) / (0.01 * std(&u));
    assert!((ratio - 1.0).abs() < 0.1, "noise/0.01·std(u) = {ratio}");
    // The shipped data files are exactly these draws (the command in their headers).
    for (file, table) in [
        ("burgers_identify.csv", &clean),
        ("burgers_identify_noisy.csv", &noisy),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("equations/data")
            .join(file);
        let shipped = pinn::reference::load_table(
            &path,
            &["t".to_string(), "x".to_string()],
            &["u".to_string()],
        )
        .expect("shipped data loads");
        for (r, row) in table.rows.iter().enumerate() {
            let got = [
                shipped.points[r][0],
                shipped.points[r][1],
                shipped.values[0][r],
            ];
            assert_eq!(&got[..], &row[..], "{file} row {r}");
        }
    }
}

fn std(v: &[f64]) -> f64 {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

/// A short run must find the diffusivity of the heat equation from 200 exact
/// observations: from k = 0.01 to within 2% of 0.4/π² ≈ 0.0405 (the
/// solution itself, a single decaying mode, is what the observations pin).
#[test]
fn heat_with_unknown_diffusivity_recovers_it() {
    let heat = EquationFile::load("heat").expect("builtin").problem;
    let table = observe(
        &heat,
        &ObserveOptions {
            points: 200,
            noise: 0.0,
            seed: 1,
            outputs: None,
        },
    )
    .expect("draws");
    let mut csv = table.header.join(",") + "\n";
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        csv.push_str(&(cells.join(",") + "\n"));
    }
    let (p, dir) = with_files(HEAT, &csv);
    let EquationFile {
        problem: p,
        mut config,
    } = p.unwrap_or_else(|e| panic!("{e}"));
    config.network.width = 32;
    config.network.precision = pinn::config::Precision::F64;
    config.adam.steps = 200;
    config.adam.lr = 5e-3;
    config.quasi_newton.iters = 300;
    config.sampling.interior_points = 256;
    config.train.eval_every = 50;
    let out = dir.path().join("run");
    let options = SolveOptions {
        out_dir: out.clone(),
        progress: false,
        stop: Arc::new(AtomicBool::new(false)),
        force: false,
    };
    let summary = solve(&p, &config, &options).expect("solves");
    let k = &summary.unknowns[0];
    let err = k.rel_error.expect("truth given");
    assert!(err < 0.02, "{}", summary.line());
    // Outputs: the trajectory, the picture, metrics and the resolved start.
    let history = std::fs::read_to_string(out.join("history.csv")).expect("history");
    let header: Vec<&str> = history.lines().next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "k")
        .expect("a column for k");
    let first: f64 = history
        .lines()
        .nth(1)
        .expect("row")
        .split(',')
        .nth(col)
        .expect("cell")
        .parse()
        .expect("number");
    assert!((first - 0.01).abs() < 2e-3, "starts near 0.01: {first}");
    assert!(out.join("unknowns.png").is_file());
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).expect("metrics"))
            .expect("json");
    assert_eq!(metrics["unknowns"]["k"]["rel_error"].as_f64(), Some(err));
    assert_eq!(metrics["observations"]["points"].as_u64(), Some(200));
    let config_toml = std::fs::read_to_string(out.join("config.toml")).expect("config");
    assert!(
        config_toml.contains("[unknowns]\nk = 0.01"),
        "{config_toml}"
    );
    assert!(summary.line().contains("k = "), "{}", summary.line());
    // The run folder repeats itself: its problem.toml finds its own copy of the observations.
    let again = EquationFile::from_file(out.join("problem.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .problem;
    let (copy, original) = (
        again.observations.expect("copied"),
        p.observations.expect("given"),
    );
    assert_eq!(
        (copy.points, copy.values),
        (original.points, original.values)
    );
}

#[test]
fn check_explains_the_unknowns_and_observe_refuses_bad_options() {
    let (code, out, err) = pinn(&["check", "burgers-identify-noisy"]);
    assert_eq!(code, 0, "{err}");
    for want in [
        "lambda1: starts at 0, bounds none, truth 1",
        "lambda2: starts at",
        "[0, inf] (trained as 0 + exp(raw))",
        "appears in: momentum",
        "observations: 2000 points of u",
        "(noise 0.01); loss term 'data'",
    ] {
        assert!(out.contains(want), "missing {want} in:\n{out}");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("o.csv");
    let file = file.to_str().expect("utf-8 path");
    let (code, _, err) = pinn(&["observe", "heat", "--outputs", "w", "--out", file]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'w' is not an output"), "{err}");
    let (code, out, err) = pinn(&["observe", "heat", "--points", "5", "--out", file]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("5 observations of u"), "{out}");
    assert_eq!(
        std::fs::read_to_string(file)
            .expect("written")
            .lines()
            .count(),
        6
    );
}

/// Kovasznay's closed form (the file's reference) with λ at its truth ν
/// satisfies the file's residuals: by central differences with h = 1e-4
/// the residuals are O(h²·|u'''|) ≈ 1e-6, against terms of size 1–10; and
/// the shipped observations are exactly `pinn observe`'s draw.
#[test]
fn kovasznay_reference_solves_the_files_equations_and_data_is_the_draw() {
    let file = EquationFile::load("kovasznay-identify").expect("builtin");
    let p = file.problem.clone();
    let Some(pinn::problem::Reference::Exprs(exprs)) = &p.evaluation.reference else {
        panic!("closed-form reference expected");
    };
    for at in [[-0.4, -0.3], [0.1, 0.2], [0.7, 1.3], [0.95, 0.6]] {
        for (term, _) in &p.pde.terms {
            // Unknowns at their truths: the residuals of the exact solution.
            let mut field = FiniteDifferences {
                exprs,
                point: at.to_vec(),
                normal: vec![0.0; at.len()],
                unknowns: p
                    .pde
                    .unknowns
                    .iter()
                    .map(|u| u.truth.expect("the truth is given"))
                    .collect(),
                h: 1e-4,
            };
            let r = term.expr.eval(&mut field);
            assert!(r.abs() < 2e-5, "{} at {at:?}: {r}", term.name);
        }
    }
    let table = observe(
        &p,
        &ObserveOptions {
            points: 2000,
            noise: 0.0,
            seed: 0,
            outputs: Some(vec!["u".into(), "v".into()]),
        },
    )
    .expect("draws");
    let shipped = p.observations.as_ref().expect("observations");
    let (header, rows) = shipped.table(&p.pde.inputs, &p.pde.outputs);
    assert_eq!((header, rows), (table.header, table.rows));
}
