//! Problems declared in Rust: the builder gets the equation file's checks
//! and errors, Rust residuals give the losses and gradients of the same
//! expressions, and the library example solves its problem.

use pinn::config::{Omega, RunConfig};
use pinn::expr::{Func, Values};
use pinn::net::Network;
use pinn::problem::{CodeTerms, Condition, EquationFile, Problem, ProblemBuilder};
use pinn::train::{Objective, ResidualLoss};

#[allow(dead_code)]
#[path = "../../examples/heat_in_code.rs"]
mod heat_in_code;

/// A heat problem with `residual` set by `with`.
fn heat(with: impl FnOnce(ProblemBuilder) -> ProblemBuilder) -> ProblemBuilder {
    let b = ProblemBuilder::new("heat-b")
        .inputs(&["t", "x"])
        .outputs(&["u"])
        .constant("alpha", 0.05)
        .domain("t", 0.0, 1.0)
        .domain("x", 0.0, 1.0);
    with(b)
        .condition(Condition::on("t = 0").require("u = sin(pi * x)"))
        .condition(Condition::on("x = 0, x = 1").require("u = 0"))
}

/// The same problem as an equation file.
const HEAT_FILE: &str = r#"
name = "heat-b"
inputs = ["t", "x"]
outputs = ["u"]
constants = { alpha = 0.05 }
domain = { t = [0, 1], x = [0, 1] }
[residuals]
pde = "u_t - alpah * u_xx"
[[conditions]]
on = "t = 0"
require = "u = sin(pi * x)"
[[conditions]]
on = "x = 0, x = 1"
require = "u = 0"
"#;

#[test]
fn the_library_example_solves_its_heat_problem() {
    // 300 Adam steps and 400 SS-BFGS iterations: measured 5.5e-5.
    let error = heat_in_code::solve(400).expect("the example runs");
    assert!(error < 1e-3, "relative L2 {error}");
}

#[test]
fn a_built_problem_gets_the_equation_files_errors() {
    let built = heat(|b| b.residual("pde", "u_t - alpah * u_xx"))
        .build()
        .expect_err("misspelled constant");
    let file = EquationFile::from_toml(HEAT_FILE, "heat.toml").expect_err("the same mistake");
    assert_eq!(built.message, file.message);
    assert!(built.message.contains("alpah"), "{built}");
    // The error points into the generated file, which it shows.
    let shown = built.to_string();
    assert!(shown.starts_with("heat-b (ProblemBuilder):"), "{shown}");
    assert!(shown.contains("pde = \"u_t - alpah * u_xx\""), "{shown}");
    // A face off the domain, a weight for no term, a bad name.
    let face = heat(|b| b.residual("pde", "u_t - alpha * u_xx"))
        .condition(Condition::on("x = 2").require("u = 0"))
        .build()
        .expect_err("x = 2 is no face");
    assert!(face.message.contains("is not on the boundary"), "{face}");
    let mut config = RunConfig::default();
    config.train.weights.insert("nope".into(), 2.0);
    let weight = heat(|b| b.residual("pde", "u_t - alpha * u_xx"))
        .config(config)
        .build()
        .expect_err("unknown term");
    assert!(
        weight.message.contains("weight for unknown term 'nope'"),
        "{weight}"
    );
    let name = ProblemBuilder::new("bad name")
        .inputs(&["x"])
        .outputs(&["u"])
        .domain("x", 0.0, 1.0)
        .residual("pde", "u_xx")
        .build()
        .expect_err("a space in the name");
    assert!(name.message.contains("invalid problem name"), "{name}");
}

/// Per-term losses and the gradient of the total on fixed points.
fn losses_and_gradient(problem: &Problem) -> (Vec<f64>, Vec<f64>) {
    let mut config = RunConfig::default();
    config.network.width = 8;
    config.network.omega = Omega::Value(1.5);
    config.sampling.interior_points = 64;
    config.sampling.condition_points = 32;
    let net = Network::<f64>::new(&config.network, &problem.pde.domain, 1);
    ResidualLoss::new(problem, &config, &net).losses_and_gradient(&net)
}

fn assert_close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x - y).abs() <= 1e-12 * x.abs().max(1e-12),
            "{what}: {x} vs {y}"
        );
    }
}

#[test]
fn rust_residuals_give_the_losses_and_gradients_of_the_expressions() {
    let written = heat(|b| b.residual("pde", "u_t - alpha * u_xx + sin(u) * u_x"))
        .build()
        .expect("valid")
        .problem;
    let code = heat(|b| {
        b.residual_code("pde", &["u_t", "u_xx", "u", "u_x"], |v: &mut dyn Values| {
            let (u_t, u_xx, u, u_x) = (v.read(0), v.read(1), v.read(2), v.read(3));
            let d = v.mul_scalar(u_xx, 0.05);
            let s = v.func(Func::Sin, u);
            let a = v.mul(s, u_x);
            let r = v.sub(u_t, d);
            v.add(r, a)
        })
    })
    .build()
    .expect("valid")
    .problem;
    assert_eq!(code.pde.terms[0].0.text, "residual pde(u_t, u_xx, u, u_x)");
    let (lw, gw) = losses_and_gradient(&written);
    let (lc, gc) = losses_and_gradient(&code);
    assert!(lw[0] > 1e-3, "a loss to compare: {lw:?}");
    assert_close(&lw, &lc, "losses");
    assert_close(&gw, &gc, "gradient");
    // A condition in Rust: u − sin(πx) on t = 0.
    let cond = ProblemBuilder::new("heat-b")
        .inputs(&["t", "x"])
        .outputs(&["u"])
        .constant("alpha", 0.05)
        .domain("t", 0.0, 1.0)
        .domain("x", 0.0, 1.0)
        .residual("pde", "u_t - alpha * u_xx + sin(u) * u_x")
        .condition(
            Condition::on("t = 0").require_code(&["u", "pi * x"], |v: &mut dyn Values| {
                let (u, px) = (v.read(0), v.read(1));
                let s = v.func(Func::Sin, px);
                v.sub(u, s)
            }),
        )
        .condition(Condition::on("x = 0, x = 1").require("u = 0"))
        .build()
        .expect("valid")
        .problem;
    let (lk, gk) = losses_and_gradient(&cond);
    assert_close(&lw, &lk, "losses with a Rust condition");
    assert_close(&gw, &gk, "gradient with a Rust condition");
}

#[test]
fn equation_files_may_name_registered_rust_code() {
    let text = HEAT_FILE.replace(
        "pde = \"u_t - alpah * u_xx\"",
        "pde = { code = \"heat\", reads = [\"u_t\", \"u_xx\"] }",
    );
    let e = EquationFile::from_toml(&text, "coded.toml").expect_err("nothing registered");
    assert!(
        e.to_string()
            .starts_with("coded.toml:8:17: error: no Rust code named 'heat'"),
        "{e}"
    );
    let codes = CodeTerms::new().with("heat", |v: &mut dyn Values| {
        let (u_t, u_xx) = (v.read(0), v.read(1));
        let d = v.mul_scalar(u_xx, 0.05);
        v.sub(u_t, d)
    });
    let file = EquationFile::from_toml_with(&text, "coded.toml", &codes).expect("registered");
    let described = file.describe();
    assert!(
        described.contains("pde [interior]: heat(u_t, u_xx)"),
        "{described}"
    );
    assert!(described.contains("reads: u_t, u_xx"), "{described}");
    let bad_read = text.replace("\"u_xx\"]", "\"u_xq\"]");
    let e = EquationFile::from_toml_with(&bad_read, "coded.toml", &codes).expect_err("bad read");
    assert!(e.to_string().contains("u_xq"), "{e}");
    let no_output = text.replace("[\"u_t\", \"u_xx\"]", "[\"x\"]");
    let e = EquationFile::from_toml_with(&no_output, "coded.toml", &codes).expect_err("no output");
    assert!(e.to_string().contains("reads no output"), "{e}");
}

/// Shapes and quantities through the builder: the plate with a hole built in
/// Rust is the built-in file's problem (the same geometry, terms and
/// regions), its quantities equal those of the same text written by hand,
/// and a bad shape gets the file's error.
#[test]
fn shapes_and_quantities_built_in_rust_match_the_equation_file() {
    use pinn::problem::{QuantitySpec, ShapeSpec};
    let plate = || {
        ProblemBuilder::new("plate-hole")
            .inputs(&["x", "y"])
            .outputs(&["u"])
            .constant("r", 0.3)
            .shape("plate", ShapeSpec::rectangle(&[-1.0, -1.0], &[1.0, 1.0]))
            .shape("hole", ShapeSpec::disk(&[0.0, 0.0], "r"))
            .combine("plate - hole")
            .residual("pde", "u_xx + u_yy + 2 * pi^2 * sin(pi * x) * sin(pi * y)")
            .condition(Condition::on("plate").named("edges").require("u = 0"))
            .condition(Condition::on("hole").named("hole").require(
                "u_n = -(x * pi * cos(pi * x) * sin(pi * y) + y * pi * sin(pi * x) * cos(pi * y)) / r",
            ))
            .reference("u", "sin(pi * x) * sin(pi * y)")
    };
    let built = plate().build().unwrap_or_else(|e| panic!("{e}"));
    let file = EquationFile::load("plate-hole").unwrap();
    assert_eq!(built.problem.pde.geometry, file.problem.pde.geometry);
    assert_eq!(built.problem.term_names(), file.problem.term_names());
    let regions = |p: &Problem| -> Vec<_> { p.pde.terms.iter().map(|(_, r)| r.clone()).collect() };
    assert_eq!(regions(&built.problem), regions(&file.problem));
    let with_quantities = plate()
        .shape("near", ShapeSpec::disk(&[0.0, 0.0], 0.6))
        .side("left", "x = -1")
        .quantity(
            "rim",
            QuantitySpec::integral("1", "hole").reference("2 * pi * r"),
        )
        .quantity(
            "ring",
            QuantitySpec::integral("u", "interior").within("near"),
        )
        .quantity("flux", QuantitySpec::integral("u_n", "left"))
        .quantity(
            "du",
            QuantitySpec::value("u", &[0.5, 0.5])
                .minus(&[-0.5, 0.5])
                .reference(2.0),
        )
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = format!(
        "{}\n[quantities]\nrim = {{ integral = \"1\", over = \"hole\", reference = \"2 * pi * r\" }}\nring = {{ integral = \"u\", over = \"interior\", within = \"near\" }}\nflux = {{ integral = \"u_n\", over = \"left\" }}\ndu = {{ value = \"u\", at = [0.5, 0.5], minus = [-0.5, 0.5], reference = 2 }}\n",
        pinn::problem::builtin("plate-hole").unwrap().1
    )
    .replace(
        "shape = \"plate - hole\"",
        "near = { disk = [0, 0], radius = 0.6 }\nshape = \"plate - hole\"\nleft = \"x = -1\"",
    );
    let by_hand = EquationFile::from_toml(&text, "by-hand.toml").unwrap_or_else(|e| panic!("{e}"));
    let mut config = RunConfig::default();
    config.network.omega = Omega::Value(2.0);
    let net = Network::<f64>::new(&config.network, &by_hand.problem.pde.domain, 1);
    let a = pinn::solve::quantities(&net, &with_quantities.problem);
    let b = pinn::solve::quantities(&net, &by_hand.problem);
    assert_eq!(a, b);
    assert_eq!(a.len(), 4);
    assert!(
        (a[0].value - 2.0 * std::f64::consts::PI * 0.3).abs() < 1e-12,
        "{}",
        a[0].value
    );
    let bad = plate()
        .shape("dot", ShapeSpec::disk(&[0.5, 0.5], -1.0))
        .build();
    let Err(e) = bad else {
        panic!("a negative radius is refused")
    };
    let e = e.to_string();
    assert!(
        e.contains("plate-hole (ProblemBuilder)") && e.contains("the radius must be positive"),
        "{e}"
    );
}
