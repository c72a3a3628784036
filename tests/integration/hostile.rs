//! The inputs issue 12 measured crashing or passing `pinn check` wrongly:
//! each is now an error at its file:line:column (or, at the limits, a file
//! that `pinn solve` can also set up), on a test thread's 2 MiB stack.

use crate::common::pinn;
use pinn::config::RunConfig;
use pinn::problem::{EquationFile, ProblemError};

const HEAT: &str = r#"name = "heat"
inputs = ["t", "x"]
outputs = ["u"]
domain = { t = [0, 1], x = [0, 1] }

[residuals]
pde = "u_t - 0.1 * u_xx"

[[conditions]]
on = "t = 0"
require = "u = sin(pi * x)"

[[conditions]]
on = "x = 0, x = 1"
require = "u = 0"
"#;

/// HEAT with its residual `pde = "..."` replaced.
fn with_residual(expr: &str) -> String {
    HEAT.replace("u_t - 0.1 * u_xx", expr)
}

fn error(text: &str) -> ProblemError {
    match EquationFile::from_toml(text, "f.toml") {
        Ok(_) => panic!("accepted:\n{}", &text[..text.len().min(400)]),
        Err(e) => e,
    }
}

/// The error is at `line`, and its message holds `words`.
fn at(e: &ProblemError, line: usize, words: &str) {
    let (l, _) = e.position.unwrap_or_else(|| panic!("no position: {e}"));
    assert_eq!(l, line, "{e}");
    assert!(e.message.contains(words), "{e}");
}

#[test]
fn deep_nesting_and_long_chains_are_errors_not_stack_overflows() {
    let nested =
        |open: &str, close: &str, n: usize| format!("u + {}x{}", open.repeat(n), close.repeat(n));
    for expr in [nested("(", ")", 5566), nested("sin(", ")", 5566)] {
        at(&error(&with_residual(&expr)), 7, "nested too deeply");
    }
    // Chains of unary minus and powers recurse: nesting, too.
    at(
        &error(&with_residual(&format!("u + {}x", "-".repeat(29_000)))),
        7,
        "too",
    );
    at(
        &error(&with_residual(&format!("u + x{}", "^x".repeat(29_000)))),
        7,
        "too",
    );
    at(
        &error(&with_residual(&"-".repeat(150))),
        7,
        "nested too deeply",
    );
    // A flat sum: too many tokens, or (shorter) too deep a tree.
    let sum = |n: usize| format!("u{}", " + x * u".repeat(n));
    at(&error(&with_residual(&sum(130_803))), 7, "too long");
    at(&error(&with_residual(&sum(1200))), 7, "too deep");
    // Constants, conditions, domain bounds and references go through the same parser.
    let deep = format!("{}1{}", "(".repeat(5566), ")".repeat(5566));
    let constant = HEAT.replace(
        "domain =",
        &format!("constants = {{ c = \"{deep}\" }}\ndomain ="),
    );
    at(&error(&constant), 4, "nested too deeply");
    let bound = HEAT.replace("x = [0, 1] }", &format!("x = [0, \"{deep}\"] }}"));
    at(&error(&bound), 4, "nested too deeply");
    at(
        &error(&HEAT.replace("u = sin(pi * x)", &format!("u = {deep}"))),
        11,
        "nested",
    );
}

#[test]
fn a_sum_of_hundreds_of_terms_is_accepted_and_trains_on_a_small_stack() {
    let text = with_residual(&format!(
        "u_t - 0.1 * u_xx{}",
        " + 0.001 * x * u".repeat(900)
    ));
    let mut file = EquationFile::from_toml(&text, "f.toml").unwrap_or_else(|e| panic!("{e}"));
    let config = &mut file.config;
    (config.adam.steps, config.quasi_newton.iters) = (2, 0);
    (
        config.sampling.interior_points,
        config.sampling.condition_points,
    ) = (16, 8);
    config.network.width = 4;
    // Evaluation on the jets walks the 900-deep tree: on a 1 MiB stack here.
    let run = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            pinn::solve::train_and_evaluate(&file.problem, &file.config, Default::default())
                .map(|t| t.summary.adam_steps)
                .map_err(|e| e.to_string())
        })
        .expect("a thread");
    assert_eq!(run.join().expect("no overflow"), Ok(2));
}

#[test]
fn derivative_orders_above_four_are_refused_at_the_derivative() {
    let e = error(&with_residual("u_t + u_xxxxx"));
    assert_eq!(e.position, Some((7, 14)), "{e}");
    assert!(e.message.contains("order 5"), "{e}");
    at(
        &error(&with_residual(&format!("u + d(u{})", ", x".repeat(40)))),
        7,
        "order 40",
    );
    assert!(EquationFile::from_toml(&with_residual("u_t + u_xxxx"), "f.toml").is_ok());
}

#[test]
fn invalid_utf8_is_reported_at_its_line_and_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.toml");
    let mut bytes = with_residual("u_t - é").into_bytes();
    let at = bytes.windows(2).position(|w| w == "é".as_bytes()).unwrap();
    bytes[at + 1] = 0xff;
    std::fs::write(&path, bytes).unwrap();
    let e = EquationFile::from_file(&path).expect_err("not UTF-8");
    // "pde = \"u_t - " is 13 bytes: the bad sequence starts at byte 14, column 14.
    assert_eq!(e.position, Some((7, 14)), "{e}");
    assert!(e.message.contains("byte 0xc3 (byte 14 of line 7)"), "{e}");
}

#[test]
fn carets_stay_in_place_after_line_ending_backslashes() {
    let text = HEAT.replace(
        "pde = \"u_t - 0.1 * u_xx\"",
        "pde = \"\"\"\nu_t - \\\r\n     0.1 * \\\n\n  nuu\"\"\"",
    );
    let e = error(&text);
    assert_eq!(e.position, Some((11, 3)), "{e}");
    assert!(e.to_string().ends_with("11 |   nuu\"\"\"\n   |   ^"), "{e}");
}

#[test]
fn settings_solve_would_refuse_are_errors_at_their_value() {
    for (table, key, value, words) in [
        ("train", "max_seconds", "-1", "max_seconds"),
        ("train", "max_seconds", "nan", "max_seconds"),
        ("train", "max_seconds", "inf", "max_seconds"),
        ("train", "max_seconds", "1e20", "max_seconds"),
        ("sampling", "condition_points", "0", "condition_points"),
        ("network", "width", "0", "width"),
        ("network", "omega", "-1", "omega"),
        ("adam", "lr", "nan", "lr"),
        ("network", "width", "1000000", "memory"),
        ("train", "stall_share", "1.5", "stall_share"),
        ("train", "causal_chunks", "0", "causal_chunks"),
        ("train", "causal_epsilon", "-1", "causal_epsilon"),
    ] {
        let text = format!("{HEAT}\n[{table}]\n{key} = {value}\n");
        let e = error(&text);
        let line = text.lines().count();
        assert_eq!(e.position.map(|p| p.0), Some(line), "{e}");
        assert!(
            e.message.contains(words) && !e.message.contains("--"),
            "{e}"
        );
    }
    let grid = format!(
        "{HEAT}\n[reference]\nu = \"0\"\ngrid = {{ t = [0, 1, 100000], x = [0, 1, 100000] }}\n"
    );
    at(&error(&grid), 19, "memory");
    // Fewer condition points than faces: accepted, and solve sets it up.
    let few = format!("{HEAT}\n[sampling]\ncondition_points = 1\n");
    let file = EquationFile::from_toml(&few, "f.toml").unwrap_or_else(|e| panic!("{e}"));
    pinn::solve::ready(&file.problem, &file.config).expect("solve sets it up");
    assert_eq!(RunConfig::default().check(), Ok(()));
}

#[test]
fn data_files_are_read_by_check_within_limits() {
    for (path, words) in [
        ("/dev/zero", "not a regular file"),
        ("nope.csv", "cannot read reference table"),
    ] {
        let text = format!("{HEAT}\n[reference]\ncsv = \"{path}\"\n");
        at(&error(&text), 18, words);
    }
    let text = format!("{HEAT}\n[observations]\ncsv = \"/dev/zero\"\n");
    at(&error(&text), 18, "not a regular file");
}

#[test]
fn a_bad_value_names_the_flag_only_when_a_flag_gave_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.toml");
    std::fs::write(&path, format!("{HEAT}\n[network]\ndepth = 0\n")).unwrap();
    let (code, _, err) = pinn(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("f.toml:18:9:") && !err.contains("--depth"),
        "{err}"
    );
    std::fs::write(&path, HEAT).unwrap();
    let out = dir.path().join("run");
    let args = [
        "solve",
        path.to_str().unwrap(),
        "--width",
        "0",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ];
    let (code, _, err) = pinn(&args);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("--width: must be at least 1") && !err.contains("--depth"),
        "{err}"
    );
}
