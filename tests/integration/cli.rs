//! The binary: listing, checking, and clear errors with exit code 2.

use crate::common::pinn;

#[test]
fn list_shows_the_builtins_with_titles() {
    let (code, out, _) = pinn(&["list"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("burgers") && out.contains("Viscous Burgers"),
        "{out}"
    );
    assert!(out.contains("heat"), "{out}");
}

#[test]
fn check_explains_what_burgers_needs() {
    let (code, out, _) = pinn(&["check", "burgers"]);
    assert_eq!(code, 0);
    for want in ["u_t", "u_x", "u_xx", "t = 0", "burgers-cole-hopf"] {
        assert!(out.contains(want), "missing {want} in:\n{out}");
    }
}

#[test]
fn a_malformed_file_gets_its_position_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    let text = "name = \"bad\"\ninputs = [\"x\"]\noutputs = [\"u\"]\ndomain = { x = [0, 1] }\n[residuals]\npde = \"u_xx + sin(pi * x\"\n";
    std::fs::write(&path, text).unwrap();
    let (code, _, err) = pinn(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    // Line 6, column 26: the end of the expression, where ')' was expected.
    assert!(err.contains("bad.toml:6:"), "{err}");
    assert!(err.contains("')'"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_unknown_equation_lists_the_builtins() {
    let (code, _, err) = pinn(&["solve", "no-such-equation", "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("burgers") && err.contains("heat"), "{err}");
}

#[test]
fn a_weight_for_an_unknown_term_is_refused() {
    let (code, _, err) = pinn(&["solve", "heat", "--weight", "nope=2", "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nope") && err.contains("diffusion"), "{err}");
}

#[test]
fn a_network_too_large_for_dense_bfgs_is_refused() {
    // 2-128-128-128-1: 33,537 parameters, a 9.0 GB dense matrix.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let args = [
        "solve",
        "heat",
        "--quasi-newton",
        "ss-bfgs",
        "--width",
        "128",
        "-q",
    ];
    let (code, _, err) = pinn(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("33537") && err.contains("lbfgs"), "{err}");
    assert!(!out.exists(), "no run folder for a refused run");
}

#[test]
fn the_readme_equation_files_parse() {
    // Every ```toml block of the README is a complete equation file.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(
        blocks.len() >= 3,
        "README has the Burgers, Poisson and advection files"
    );
    for block in blocks {
        if let Err(e) = pinn::problem::EquationFile::from_toml(block, "README.md") {
            panic!("README equation file does not parse:\n{e}\n{block}");
        }
    }
}

/// `pinn evaluate` judges a finished run's network again: the same error
/// as the run reported, a quantity added to the equation file afterwards,
/// and a clear refusal for a folder without a network or a problem of
/// another shape.
#[test]
fn evaluate_judges_a_finished_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run_s = run.to_str().unwrap();
    let args = [
        "solve",
        "plate-hole",
        "--adam-steps",
        "100",
        "--quasi-newton-iters",
        "50",
        "-q",
        "--out",
        run_s,
    ];
    let (code, _, err) = pinn(&args);
    assert_eq!(code, 0, "{err}");
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    let rel = metrics["rel_l2"]["u"].as_f64().unwrap();
    let (code, out, err) = pinn(&["evaluate", run_s]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("relative L2 u {rel:.3e}")), "{out}");
    // A quantity the run did not have: the area of the plate with a hole.
    let text = format!(
        "{}\n[quantities]\narea = {{ integral = \"1\", over = \"interior\", reference = 3.717 }}\n",
        pinn::problem::builtin("plate-hole").unwrap().1
    );
    let edited = dir.path().join("edited.toml");
    std::fs::write(&edited, text).unwrap();
    let (code, out, err) = pinn(&["evaluate", run_s, "--equation", edited.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("area 3.71"), "{out}");
    let (code, _, err) = pinn(&["evaluate", run_s, "--equation", "kovasznay"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the network maps 2 inputs to 1 outputs"),
        "{err}"
    );
    let (code, _, err) = pinn(&["evaluate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("problem.toml") || err.contains("model.json"),
        "{err}"
    );
}
