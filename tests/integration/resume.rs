//! Checkpoint and resume: a run killed with SIGKILL at any moment (during
//! Adam or the quasi-Newton phase, dense or limited-memory) and resumed
//! with `pinn resume` ends with the same model.json, byte for byte, as the
//! run that was never interrupted; a checkpoint of another run or format is
//! refused.

use crate::common::pinn;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A short heat run with everything a checkpoint must carry: residual-based
/// resampling (the points and the generator), Adam moments, a quasi-Newton
/// model across segments, the held-out best. A checkpoint after every step,
/// so that a kill at any moment has one to go back to.
pub fn problem(method: &str) -> String {
    format!(
        r#"name = "heat-checkpoint"
inputs = ["t", "x"]
outputs = ["u"]
constants = {{ alpha = "0.4 / pi^2" }}
domain = {{ t = [0, 1], x = [0, 1] }}

[residuals]
diffusion = "u_t - alpha * u_xx"

[[conditions]]
on = "t = 0"
require = "u = sin(pi * x)"

[[conditions]]
on = "x = 0, x = 1"
require = "u = 0"

[reference]
u = "exp(-alpha * pi^2 * t) * sin(pi * x)"
{}"#,
        settings(method)
    )
}

/// The short run's settings: a small f32 net, Adam then `method` in
/// segments of 50 iterations on RAD points, a record every 10 steps and a
/// checkpoint after every step.
fn settings(method: &str) -> String {
    format!(
        r#"
[network]
width = 8
precision = "f32"

[adam]
steps = 300

[quasi_newton]
method = "{method}"
iters = 400
resample_every = 50

[sampling]
interior_points = 256
condition_points = 32
placement = "residual"

[train]
eval_every = 10
checkpoint_every = 0
"#
    )
}

fn history_rows(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("history.csv"))
        .map(|s| s.lines().count().saturating_sub(1))
        .unwrap_or(0)
}

/// Runs `pinn ARGS` and kills it with SIGKILL once history.csv has `rows`
/// rows (training has reached step ≈ 10·rows).
fn kill_at(args: &[&str], dir: &Path, rows: usize) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pinn"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pinn");
    let started = Instant::now();
    while history_rows(dir) < rows {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no row {rows} in time"
        );
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the run ended before row {rows}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    assert!(
        !dir.join("metrics.json").exists(),
        "killed before it finished"
    );
    assert!(
        dir.join("checkpoint.bin").is_file(),
        "a checkpoint to resume"
    );
}

fn model(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("model.json")).expect("model.json")
}

fn killed_and_resumed_equals_uninterrupted(method: &str) {
    resumes_to_the_uninterrupted_model(&problem(method), method);
}

/// Kills a run of the equation file `text` three times (during Adam, twice
/// during the quasi-Newton phase), resumes it each time, and compares the
/// end with an uninterrupted run's.
pub fn resumes_to_the_uninterrupted_model(text: &str, label: &str) {
    // Killed during Adam (rows 0–30), then twice during the quasi-Newton phase.
    resumes_when_killed_at(text, label, |_| vec![8, 42, 61]);
}

/// Kills a run of `text` once history.csv has each of the row counts
/// `rows` gives (from the uninterrupted run's folder), resuming it after
/// each kill, and compares the end with the uninterrupted run's.
pub fn resumes_when_killed_at(text: &str, label: &str, rows: impl Fn(&Path) -> Vec<usize>) {
    let root = tempfile::tempdir().expect("temp dir");
    let file = root.path().join("heat.toml");
    std::fs::write(&file, text).expect("write");
    let file = file.to_str().expect("utf-8 path");

    let whole = root.path().join("whole");
    let (code, _, err) = pinn(&["solve", file, "-q", "--out", whole.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !whole.join("checkpoint.bin").exists(),
        "a finished run removes its checkpoint"
    );

    // Each time resumed from the checkpoint the kill left.
    let cut = root.path().join("cut");
    let cut_s = cut.to_str().unwrap();
    let rows = rows(&whole);
    let (first, later) = rows.split_first().expect("a row to kill at");
    kill_at(&["solve", file, "-q", "--out", cut_s], &cut, *first);
    for &rows in later {
        kill_at(&["resume", cut_s, "-q"], &cut, rows);
    }
    let (code, out, err) = pinn(&["resume", cut_s, "-q"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!cut.join("checkpoint.bin").exists());
    assert!(
        model(&whole) == model(&cut),
        "{label}: the resumed run's model.json differs from the uninterrupted one"
    );
    // The history is the uninterrupted one's, row for row (times aside).
    let steps = |dir: &Path| -> Vec<String> {
        std::fs::read_to_string(dir.join("history.csv"))
            .expect("history")
            .lines()
            .map(|l| l.split(',').next().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(steps(&whole), steps(&cut));

    // A finished run has nothing to resume.
    let (code, _, err) = pinn(&["resume", cut_s]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no checkpoint to resume"), "{err}");
}

#[test]
fn a_run_killed_during_adam_and_dense_bfgs_resumes_to_the_same_model() {
    killed_and_resumed_equals_uninterrupted("ss-bfgs");
}

#[test]
fn a_run_killed_during_adam_and_lbfgs_resumes_to_the_same_model() {
    killed_and_resumed_equals_uninterrupted("lbfgs");
}

#[test]
fn a_checkpoint_of_another_run_or_format_is_refused() {
    let root = tempfile::tempdir().expect("temp dir");
    let file = root.path().join("heat.toml");
    std::fs::write(&file, problem("ss-bfgs")).expect("write");
    let dir = root.path().join("run");
    let dir_s = dir.to_str().unwrap();
    kill_at(
        &["solve", file.to_str().unwrap(), "-q", "--out", dir_s],
        &dir,
        5,
    );
    let checkpoint = dir.join("checkpoint.bin");
    let original = std::fs::read(&checkpoint).expect("checkpoint");

    // The folder's problem was edited after the checkpoint was written.
    let problem_path = dir.join("problem.toml");
    let text = std::fs::read_to_string(&problem_path).expect("problem");
    std::fs::write(&problem_path, text.replace("0.4 / pi^2", "0.5 / pi^2")).expect("edit");
    let (code, _, err) = pinn(&["resume", dir_s]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the checkpoint is of another run"), "{err}");
    std::fs::write(&problem_path, text).expect("restore");

    // Another format version (bytes 8..12 after the magic).
    let mut other = original.clone();
    other[8..12].copy_from_slice(&99u32.to_le_bytes());
    std::fs::write(&checkpoint, &other).expect("write");
    let (code, _, err) = pinn(&["resume", dir_s]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a checkpoint of format 99"), "{err}");

    // Not a checkpoint at all, and one cut short.
    std::fs::write(&checkpoint, b"hello").expect("write");
    let (code, _, err) = pinn(&["resume", dir_s]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a pinn checkpoint"), "{err}");
    std::fs::write(&checkpoint, &original[..original.len() / 2]).expect("write");
    let (code, _, err) = pinn(&["resume", dir_s]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a damaged checkpoint"), "{err}");

    // The intact checkpoint still resumes.
    std::fs::write(&checkpoint, &original).expect("write");
    let (code, out, err) = pinn(&["resume", dir_s, "-q"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// A problem without a reference writes its history as it goes (a killed
/// run keeps the rows it had), and resumes to the uninterrupted model.
#[test]
fn a_run_without_a_reference_keeps_its_history_when_killed() {
    let text = problem("ss-bfgs").replace(
        "[reference]\nu = \"exp(-alpha * pi^2 * t) * sin(pi * x)\"\n",
        "",
    );
    assert!(!text.contains("[reference]"));
    resumes_to_the_uninterrupted_model(&text, "no reference");
}

/// A problem on a shape (a plate with a hole, RAD points inside it, a
/// Neumann condition on the hole) resumes to the uninterrupted model too:
/// its points and normals come back from the checkpoint.
#[test]
fn a_run_on_a_shape_resumes_to_the_same_model() {
    let shape = r#"name = "hole-checkpoint"
inputs = ["x", "y"]
outputs = ["u"]

[geometry]
plate = { rectangle = [[-1, -1], [1, 1]] }
hole = { disk = [0.1, 0], radius = 0.3 }
shape = "plate - hole"

[residuals]
pde = "u_xx + u_yy + 2 * pi^2 * sin(pi * x) * sin(pi * y)"

[[conditions]]
on = "plate"
require = "u = sin(pi * x) * sin(pi * y)"

[[conditions]]
name = "hole"
on = "hole"
require = "u_n = -((x - 0.1) * pi * cos(pi * x) * sin(pi * y) + y * pi * sin(pi * x) * cos(pi * y)) / 0.3"

[reference]
u = "sin(pi * x) * sin(pi * y)"
"#;
    resumes_to_the_uninterrupted_model(&format!("{shape}{}", settings("ss-bfgs")), "shape");
}
