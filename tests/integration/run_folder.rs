//! Run folders: everything a run writes lies inside its folder, whatever
//! paths its equation file names; a folder is repeatable from its own
//! copies; an existing folder is never overwritten by accident; SIGTERM
//! ends a run as Ctrl-C does, with everything written.

use crate::common::pinn;
use std::path::{Path, PathBuf};

/// Heat with observations and a reference table, both at paths the test chooses.
fn heat_with(observations: &str, reference: &str) -> String {
    format!(
        r#"name = "heat-files"
inputs = ["t", "x"]
outputs = ["u"]
constants = {{ alpha = "0.4 / pi^2" }}
domain = {{ t = [0, 1], x = [0, 1] }}

[residuals]
diffusion = "u_t - alpha * u_xx"

[[conditions]]
on = "t = 0"
require = "u = sin(pi * x)"

[observations]
csv = "{observations}"

[reference]
csv = "{reference}"

[network]
width = 8

[adam]
steps = 5

[quasi_newton]
iters = 5

[sampling]
interior_points = 64
condition_points = 16
"#
    )
}

/// u = exp(−0.4 t) sin(πx) at a few points, as a CSV of t, x, u.
fn table(points: &[(f64, f64)]) -> String {
    let mut s = String::from("t,x,u\n");
    for &(t, x) in points {
        let u = (-0.4 * t).exp() * (std::f64::consts::PI * x).sin();
        s.push_str(&format!("{t},{x},{u}\n"));
    }
    s
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// Every file below `dir`, relative to it.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("below").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn solve(args: &[&str]) -> (i32, String) {
    let mut all = vec!["solve"];
    all.extend_from_slice(args);
    all.push("-q");
    let (code, out, err) = pinn(&all);
    (code, format!("{out}{err}"))
}

#[test]
fn data_paths_that_leave_the_folder_are_copied_in_and_nothing_is_written_outside() {
    let root = tempfile::tempdir().expect("temp dir");
    let root = root.path();
    let obs = table(&[(0.0, 0.5), (0.5, 0.25), (1.0, 0.75)]);
    let reference = table(&[(0.0, 0.1), (0.25, 0.5), (0.5, 0.9)]);
    // Above the equation's folder, absolute, and with `..` inside.
    write(&root.join("obs.csv"), &obs);
    write(&root.join("elsewhere/ref.csv"), &reference);
    let reference_path = root.join("elsewhere/ref.csv");
    for obs_path in ["data/../../obs.csv", "../obs.csv"] {
        let eq = root.join("eq");
        let _ = std::fs::remove_dir_all(&eq);
        let text = heat_with(obs_path, reference_path.to_str().expect("utf-8"));
        write(&eq.join("p.toml"), &text);
        // `data/..` must exist to be walked through.
        std::fs::create_dir_all(eq.join("data")).expect("mkdir");
        let before = files(root);
        let out = eq.join("run");
        let (code, said) = solve(&[
            eq.join("p.toml").to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        assert_eq!(code, 0, "{said}");
        // Outside the run folder: exactly the files that were there, unchanged.
        let after: Vec<PathBuf> = files(root)
            .into_iter()
            .filter(|p| !p.starts_with("eq/run"))
            .collect();
        assert_eq!(after, before, "{obs_path}");
        assert_eq!(
            std::fs::read_to_string(root.join("obs.csv")).expect("kept"),
            obs
        );
        let inside = files(&out);
        for want in [
            "data/observations.csv",
            "data/reference.csv",
            "problem.toml",
            "metrics.json",
        ] {
            assert!(
                inside.contains(&PathBuf::from(want)),
                "{want} in {inside:?}"
            );
        }
        let copy = std::fs::read_to_string(out.join("problem.toml")).expect("problem.toml");
        assert!(copy.contains("csv = \"data/observations.csv\""), "{copy}");
        assert!(copy.contains("csv = \"data/reference.csv\""), "{copy}");
        // Repeatable from anywhere, the originals gone.
        let moved = root.join("moved");
        std::fs::rename(&out, &moved).expect("move the run");
        std::fs::remove_file(root.join("obs.csv")).expect("remove");
        let (code, said) = solve(&[
            moved.join("problem.toml").to_str().expect("utf-8"),
            "--config",
            moved.join("config.toml").to_str().expect("utf-8"),
            "--out",
            root.join("again").to_str().expect("utf-8"),
        ]);
        assert_eq!(code, 0, "{said}");
        let first = std::fs::read(moved.join("model.json")).expect("model");
        let second = std::fs::read(root.join("again/model.json")).expect("model");
        assert_eq!(first, second, "the repeat gives the same network");
        std::fs::remove_dir_all(&moved).expect("clean");
        std::fs::remove_dir_all(root.join("again")).expect("clean");
        write(&root.join("obs.csv"), &obs);
    }
}

#[test]
fn an_existing_folder_is_refused_unless_it_is_a_run_and_force_is_given() {
    let root = tempfile::tempdir().expect("temp dir");
    let root = root.path();
    write(&root.join("obs.csv"), &table(&[(0.0, 0.5), (0.5, 0.25)]));
    write(&root.join("ref.csv"), &table(&[(0.0, 0.1), (0.5, 0.9)]));
    let eq = root.join("p.toml");
    write(&eq, &heat_with("obs.csv", "ref.csv"));
    let eq = eq.to_str().expect("utf-8");
    // `--out .` in the equation's own folder: the user's files stay.
    let (code, said) = solve(&[eq, "--out", root.to_str().expect("utf-8")]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("not a run of pinn solve"), "{said}");
    assert_eq!(
        files(root),
        ["obs.csv", "p.toml", "ref.csv"].map(PathBuf::from)
    );
    let (code, said) = solve(&[eq, "--out", root.to_str().expect("utf-8"), "--force"]);
    assert_eq!(
        code, 2,
        "--force never empties a folder of user files: {said}"
    );
    // A run folder: refused, then replaced with --force (stale files gone).
    let run = root.join("run");
    let run_s = run.to_str().expect("utf-8");
    assert_eq!(solve(&[eq, "--out", run_s]).0, 0);
    write(&run.join("stale.png"), "old");
    let outside = root.join("outside");
    write(&outside.join("keep.txt"), "mine");
    std::os::unix::fs::symlink(&outside, run.join("link")).expect("symlink");
    let (code, said) = solve(&[eq, "--out", run_s]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("--force"), "{said}");
    let (code, said) = solve(&[eq, "--out", run_s, "--force"]);
    assert_eq!(code, 0, "{said}");
    let inside = files(&run);
    assert!(!inside.contains(&PathBuf::from("stale.png")), "{inside:?}");
    assert!(!run.join("link").exists(), "the link is removed");
    assert_eq!(
        std::fs::read_to_string(outside.join("keep.txt")).expect("kept"),
        "mine",
        "what the link pointed to is not touched"
    );
}

#[test]
fn sigterm_ends_a_run_like_ctrl_c_with_everything_written() {
    let root = tempfile::tempdir().expect("temp dir");
    let out = root.path().join("run");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_pinn"))
        .args([
            "solve",
            "heat",
            "--max-seconds",
            "600",
            "--quasi-newton-iters",
            "100000000",
            "-q",
            "--out",
        ])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start pinn");
    // Wait until training has recorded something, then ask it to stop.
    let history = out.join("history.csv");
    let started = std::time::Instant::now();
    while !history.exists() && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(history.exists(), "training started");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let metrics = std::fs::read_to_string(out.join("metrics.json")).expect("written last");
    assert!(
        metrics.contains("\"stopped_by\": \"interrupted\""),
        "{metrics}"
    );
    assert!(out.join("model.json").is_file());
}
