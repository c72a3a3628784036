//! Mixed precision (`precision = "mixed"`): f32 until its round-off stops
//! the quasi-Newton phase, then f64 from the same state. On the short heat
//! run of the resume tests (a width-8 net, f32 line searches give out
//! after some hundred SS-BFGS iterations) the f64 stage goes on where f32
//! stopped, the run is deterministic, and a kill before or after the
//! hand-over resumes to the same model.

use crate::common::pinn;
use std::path::Path;

/// The resume tests' heat run in `precision`, with `iters` SS-BFGS iterations.
fn heat(precision: &str, iters: usize) -> String {
    crate::resume::problem("ss-bfgs")
        .replace(
            "precision = \"f32\"",
            &format!("precision = \"{precision}\""),
        )
        .replace("iters = 400", &format!("iters = {iters}"))
}

fn metrics(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("metrics.json")).expect("metrics.json");
    serde_json::from_str(&text).expect("JSON")
}

/// Runs `text` into `root/name`; its metrics.json and summary line.
fn solve(root: &Path, name: &str, text: &str) -> (serde_json::Value, String) {
    let file = root.join(format!("{name}.toml"));
    std::fs::write(&file, text).expect("write");
    let out = root.join(name);
    let (code, stdout, err) = pinn(&[
        "solve",
        file.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{err}");
    (metrics(&out), stdout)
}

fn rel_l2(m: &serde_json::Value) -> f64 {
    m["rel_l2"]["u"].as_f64().expect("an error")
}

#[test]
fn f64_goes_on_where_f32_round_off_stops_the_quasi_newton_phase() {
    let root = tempfile::tempdir().expect("temp dir");
    // f32 alone: its line searches give out on round-off and restart
    // again and again (a normal search takes 1 to 3 evaluations).
    let (f32_run, _) = solve(root.path(), "f32", &heat("f32", 1500));
    let evaluations = f32_run["quasi_newton_evaluations"].as_u64().unwrap();
    let iters = f32_run["quasi_newton_iters"].as_u64().unwrap();
    assert!(evaluations > 5 * iters, "{f32_run}");
    let f32_steps = f32_run["steps"].as_u64().unwrap();

    let (mixed, line) = solve(root.path(), "mixed", &heat("mixed", 1500));
    let from = mixed["f64_from_step"].as_u64().expect("handed over to f64");
    assert!(
        (300..f32_steps).contains(&from),
        "hand-over at step {from}, within the f32 run's quasi-Newton steps (to {f32_steps})"
    );
    assert!(line.contains(&format!("f64 from step {from}")), "{line}");
    // The f64 stage takes the iterations f32 could not, and ends lower.
    assert_eq!(mixed["stopped_by"], "iteration_limit", "{mixed}");
    assert_eq!(mixed["precision"], "f64");
    assert!(
        rel_l2(&mixed) < rel_l2(&f32_run) / 2.0,
        "mixed {} against f32 {}",
        rel_l2(&mixed),
        rel_l2(&f32_run)
    );
    // The model is saved in the precision it ended in, and reads back so.
    let model = std::fs::read_to_string(root.path().join("mixed/model.json")).unwrap();
    assert!(model.contains("\"precision\": \"f64\""), "model.json");
    // One history through both stages: every step once, in order.
    let history = std::fs::read_to_string(root.path().join("mixed/history.csv")).unwrap();
    let steps: Vec<u64> = history
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
    assert_eq!(steps.last().copied(), mixed["steps"].as_u64());

    // The hand-over is decided by the numbers, not the clock: a second run
    // is the same, bit for bit.
    let (again, _) = solve(root.path(), "again", &heat("mixed", 1500));
    assert_eq!(again["f64_from_step"], mixed["f64_from_step"]);
    let again_model = std::fs::read_to_string(root.path().join("again/model.json")).unwrap();
    assert!(again_model == model, "a second mixed run differs");
}

#[test]
fn a_mixed_run_killed_before_and_after_its_hand_over_resumes_to_the_same_model() {
    crate::resume::resumes_when_killed_at(&heat("mixed", 1500), "mixed", |whole| {
        // History rows are 10 steps apart: kill during Adam, during the f32
        // quasi-Newton stage and during the f64 stage.
        let from = metrics(whole)["f64_from_step"]
            .as_u64()
            .expect("the uninterrupted run hands over") as usize;
        let row = from / 10;
        vec![8, row.saturating_sub(20).max(35), row + 15]
    });
}

#[test]
fn pinn_fit_refuses_mixed_precision() {
    // A fit has no quasi-Newton phase to hand over.
    let wav = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/center_16k.wav");
    let (code, _, err) = pinn(&["fit", wav, "--precision", "mixed", "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("pinn fit (Adam only) takes f32 or f64"),
        "{err}"
    );
}
