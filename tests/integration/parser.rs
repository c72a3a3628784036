//! Equation files: the shipped ones parse, and malformed ones give errors
//! that name the file, line and column of the mistake (positions below are
//! counted by hand in each test's text, 1-based, in characters).

use pinn::geometry::Region;
use pinn::problem::{builtin, builtins, EquationFile, ProblemError, Reference};

const BURGERS: &str = r#"name = "burgers"
inputs = ["t", "x"]
outputs = ["u"]
constants = { nu = "0.01 / pi" }
domain = { t = [0, 1], x = [-1, 1] }

[residuals]
momentum = "u_t + u * u_x - nu * u_xx"

[[conditions]]
on = "t = 0"
require = "u = -sin(pi * x)"

[[conditions]]
on = "x = -1, x = 1"
require = "u = 0"
"#;

/// Parses `text` as `dir/bad.toml`, which must fail.
fn fails(text: &str) -> ProblemError {
    match EquationFile::from_toml(text, "dir/bad.toml") {
        Ok(f) => panic!("expected an error, parsed {}", f.problem.name),
        Err(e) => e,
    }
}

/// `BURGERS` with one substring replaced (which must occur).
fn edited(from: &str, to: &str) -> String {
    assert!(BURGERS.contains(from), "{from}");
    BURGERS.replacen(from, to, 1)
}

fn assert_error(e: &ProblemError, line: usize, col: usize, words: &[&str]) {
    let shown = e.to_string();
    let head = format!("dir/bad.toml:{line}:{col}: error: ");
    assert!(shown.starts_with(&head), "want {head}..., got:\n{shown}");
    for w in words {
        assert!(shown.contains(w), "missing {w:?} in:\n{shown}");
    }
}

#[test]
fn shipped_equations_parse() {
    for (name, title) in builtins() {
        let p = EquationFile::load(name)
            .unwrap_or_else(|e| panic!("{e}"))
            .problem;
        assert_eq!(p.name, name);
        assert!(!title.is_empty());
        assert!(builtin(name).is_some());
    }
    let b = EquationFile::load("burgers")
        .unwrap_or_else(|e| panic!("{e}"))
        .problem;
    let nu = b.pde.constants[0].1;
    assert!((nu - 0.01 / std::f64::consts::PI).abs() < 1e-18);
    assert!(
        matches!(b.evaluation.reference, Some(Reference::BurgersColeHopf { nu: r }) if r == nu)
    );
    assert_eq!(
        (
            b.evaluation.grid[0].n,
            b.evaluation.grid[0].hi,
            b.evaluation.grid[1].n
        ),
        (100, 0.99, 256)
    );
    let names: Vec<&str> = b.pde.terms.iter().map(|(t, _)| t.name.as_str()).collect();
    assert_eq!(names, ["momentum", "ic", "bc"]);
    assert_eq!(b.pde.terms[0].1, Region::Interior);
    let heat = EquationFile::load("equations/heat.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .problem;
    // alpha * pi^2 = 0.4 by construction of the file.
    let alpha = heat.pde.constants[0].1;
    assert!((alpha * std::f64::consts::PI.powi(2) - 0.4).abs() < 1e-15);
    assert_eq!(heat.evaluation.grid[0].n, 101);
}

#[test]
fn describe_lists_burgers_derivatives() {
    let b = EquationFile::load("burgers")
        .unwrap_or_else(|e| panic!("{e}"))
        .problem;
    let d = b.describe();
    assert!(d.contains("reads: u, u_t, u_x, u_xx"), "{d}");
    assert!(d.contains("bc [x = -1, x = 1]: u = 0"), "{d}");
    assert!(d.contains("t in [0, 1]"), "{d}");
}

#[test]
fn unknown_builtin_lists_the_builtins() {
    let e = EquationFile::load("burgerz").expect_err("no such problem");
    assert!(e.to_string().contains("burgers, heat"), "{e}");
}

#[test]
fn bad_toml_syntax() {
    let e = fails(&edited("outputs = [\"u\"]", "outputs = [\"u\""));
    assert_error(&e, 4, 1, &["expected"]);
}

#[test]
fn unknown_key() {
    let e = fails(&edited(
        "outputs = [\"u\"]",
        "outputs = [\"u\"]\nsolver = \"fast\"",
    ));
    assert_error(&e, 4, 1, &["unknown field `solver`", "expected one of"]);
}

#[test]
fn wrong_type() {
    let e = fails(&edited("inputs = [\"t\", \"x\"]", "inputs = \"t, x\""));
    assert_error(&e, 2, 10, &["sequence"]);
}

#[test]
fn typo_in_expression_is_located_exactly() {
    // momentum = "u_t + u * u_x - nuu * u_xx": 'nuu' starts at column 29.
    let e = fails(&edited("- nu * u_xx", "- nuu * u_xx"));
    assert_error(
        &e,
        8,
        29,
        &["unknown name 'nuu'", "did you mean 'nu'?", "constants: nu"],
    );
    assert_eq!(e.position, Some((8, 29)));
    // The caret sits under the 'n' of 'nuu'.
    let caret_line = e.to_string().lines().last().unwrap_or_default().to_string();
    assert_eq!(caret_line.find('^'), Some("8 | ".len() + 28), "{e}");
}

#[test]
fn function_arity_is_located_at_the_name() {
    // momentum = "u_t + min(u) * u_x - ...": 'min' starts at column 19.
    let e = fails(&edited("u * u_x", "min(u) * u_x"));
    assert_error(
        &e,
        8,
        19,
        &["wrong number of arguments: 'min' takes 2 arguments, found 1"],
    );
    let caret_line = e.to_string().lines().last().unwrap_or_default().to_string();
    assert_eq!(caret_line.find('^'), Some("8 | ".len() + 18), "{e}");
    // require = "u = -erf(pi * x, 1)": 'erf' starts at column 17.
    let e = fails(&edited("-sin(pi * x)", "-erf(pi * x, 1)"));
    assert_error(&e, 12, 17, &["'erf' takes 1 argument, found 2"]);
}

#[test]
fn unknown_name_and_bad_subscript() {
    let e = fails(&edited(
        "require = \"u = -sin(pi * x)\"",
        "require = \"u = -sin(pi * y)\"",
    ));
    assert_error(&e, 12, 26, &["unknown name 'y'", "inputs: t, x"]);
    let e = fails(&edited("u_xx\"", "u_yy\""));
    assert_error(&e, 8, 34, &["'y' is not an input"]);
}

#[test]
fn unbalanced_parentheses() {
    let e = fails(&edited("-sin(pi * x)", "-sin(pi * x"));
    // End of the expression: just before the closing quote at column 27.
    assert_error(
        &e,
        12,
        27,
        &[
            "expected ')' to close '('",
            "found end of expression",
            "note: the '(' is here",
        ],
    );
    assert!(e.to_string().contains("dir/bad.toml:12:20: note"), "{e}");
    let e = fails(&edited("u * u_x", "u * u_x)"));
    assert_error(&e, 8, 26, &["unmatched ')'"]);
}

#[test]
fn on_value_off_the_boundary() {
    let e = fails(&edited("x = -1, x = 1", "x = -1, x = 2"));
    assert_error(
        &e,
        15,
        19,
        &["x = 2 is not on the boundary", "x in [-1, 1]"],
    );
    // Constant expressions equal to a bound are accepted.
    let ok = edited("x = -1, x = 1", "x = -1, x = 2 * 0.5");
    assert!(EquationFile::from_toml(&ok, "ok.toml").is_ok());
}

#[test]
fn missing_domain_entry() {
    let e = fails(&edited(
        "domain = { t = [0, 1], x = [-1, 1] }",
        "domain = { t = [0, 1] }",
    ));
    assert_error(&e, 5, 10, &["missing domain for input 'x'"]);
    let e = fails(&edited("x = [-1, 1] }", "x = [1, -1] }"));
    assert_error(&e, 5, 28, &["empty domain for 'x'"]);
    let e = fails(&edited("t = [0, 1],", "t = [0, 1], y = [0, 1],"));
    assert_error(&e, 5, 24, &["unknown input 'y' in domain"]);
}

#[test]
fn name_clashes() {
    let e = fails(&edited("outputs = [\"u\"]", "outputs = [\"x\"]"));
    assert_error(&e, 3, 13, &["'x' is declared twice", "input"]);
    let e = fails(&edited("nu = ", "pi = "));
    assert_error(&e, 4, 15, &["'pi' is reserved"]);
    // The function names added with sinh .. max are reserved as well.
    let e = fails(&edited("nu = ", "max = "));
    assert_error(&e, 4, 15, &["'max' is reserved"]);
    let e = fails(&edited("outputs = [\"u\"]", "outputs = [\"sech\"]"));
    assert_error(&e, 3, 13, &["'sech' is reserved"]);
    let e = fails(&edited(
        "inputs = [\"t\", \"x\"]",
        "inputs = [\"t\", \"erf\"]",
    ));
    assert_error(&e, 2, 17, &["'erf' is reserved"]);
    let e = fails(&edited("outputs = [\"u\"]", "outputs = [\"u\", \"u_x\"]"));
    assert_error(&e, 3, 18, &["ambiguous"]);
}

#[test]
fn residual_without_outputs_and_bad_weights() {
    let e = fails(&edited("\"u_t + u * u_x - nu * u_xx\"", "\"t - x\""));
    assert_error(&e, 8, 13, &["reads no output"]);
    let e = fails(&format!(
        "{BURGERS}\n[train]\nweights = {{ ic = 10, icc = 1 }}\n"
    ));
    assert_error(
        &e,
        19,
        22,
        &["unknown term 'icc'", "terms: momentum, ic, bc"],
    );
}

#[test]
fn reference_checks() {
    let e = fails(&format!("{BURGERS}\n[reference]\nu = \"exp(-t) * u\"\n"));
    assert_error(&e, 19, 16, &["only inputs and constants"]);
    let e = fails(&format!("{BURGERS}\n[reference]\nv = \"0\"\n"));
    assert_error(&e, 19, 1, &["unknown key 'v' in [reference]"]);
    let e = fails(&format!("{BURGERS}\n[reference]\nbuiltin = \"burgers\"\n"));
    assert_error(&e, 19, 12, &["unknown builtin reference 'burgers'"]);
    let e = fails(&format!(
        "{BURGERS}\n[reference]\ngrid = {{ x = [-1, 1, 2.5] }}\n"
    ));
    assert_error(&e, 19, 22, &["whole number"]);
}

#[test]
fn condition_names_default_and_dedupe() {
    let text = format!("{BURGERS}\n[[conditions]]\non = \"x = 1\"\nrequire = \"u_x = 0\"\n");
    let p = EquationFile::from_toml(&text, "ok.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .problem;
    let names: Vec<&str> = p.pde.terms.iter().map(|(t, _)| t.name.as_str()).collect();
    assert_eq!(names, ["momentum", "ic", "bc", "bc2"]);
}

#[test]
fn csv_paths_are_relative_to_the_file() {
    // The table is read (and checked) where the file's folder says.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/u.csv"), "t,x,u\n0,0,0\n").unwrap();
    let text = format!("{BURGERS}\n[reference]\ncsv = \"data/u.csv\"\n");
    let source = dir.path().join("burgers.toml");
    let p = EquationFile::from_toml(&text, &source.display().to_string())
        .unwrap_or_else(|e| panic!("{e}"))
        .problem;
    match p.evaluation.reference {
        Some(Reference::Csv { path }) => assert_eq!(path, dir.path().join("data/u.csv")),
        other => panic!("{other:?}"),
    }
    let e = EquationFile::from_toml(&text, "elsewhere/burgers.toml").expect_err("no table");
    assert!(
        e.to_string()
            .contains("cannot read reference table elsewhere/data/u.csv"),
        "{e}"
    );
}

#[test]
fn missing_file_names_it() {
    let e = EquationFile::from_file("no/such/file.toml").expect_err("missing");
    assert!(
        e.to_string()
            .starts_with("no/such/file.toml:1:1: error: cannot read"),
        "{e}"
    );
}

/// Regression guard for panics on user input: every prefix of a valid file,
/// and the file with each byte replaced by a troublesome character, must
/// give `Ok` or `Err`, never a panic.
#[test]
fn truncated_or_mutated_files_never_panic() {
    let text = builtin("burgers").map(|(_, t)| t).unwrap_or(BURGERS);
    for cut in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        let _ = EquationFile::from_toml(&text[..cut], "cut.toml");
    }
    for at in (0..text.len()).filter(|&i| text.is_char_boundary(i) && text.is_char_boundary(i + 1))
    {
        for c in ["(", ")", "\"", "=", ",", "é", "0", "\\", "^"] {
            let mutated = format!("{}{c}{}", &text[..at], &text[at + 1..]);
            if let Err(e) = EquationFile::from_toml(&mutated, "mut.toml") {
                assert!(e.to_string().starts_with("mut.toml:"), "{e}");
            }
        }
    }
}
