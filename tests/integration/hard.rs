//! Hard constraints (`[hard_constraints]`, u = g + d·N): exact derivatives
//! through the jets, parameter gradients, conditions the transform
//! satisfies left out of the loss and holding to rounding, a short run
//! whose files agree with the transformed network, positioned errors, and
//! resuming.

use crate::common::{exact_net, Wave};
use crate::common::{pinn, refused, sample_points, small_net};
use crate::conditions::problem;
use crate::jets::{check_net_gradients, check_net_jets};
use pinn::config::{NetConfig, NetKind, Omega, RunConfig};
use pinn::jet::predict;
use pinn::net::{Network, SavedNet};
use pinn::problem::Problem;
use pinn::train::{Objective, ResidualLoss};

/// Two outputs on the test nets' domain, both constrained, with distances
/// and values whose derivatives of every order are non-zero.
const TWO_OUTPUTS: &str = r#"
name = "two"
inputs = ["t", "x"]
outputs = ["u", "v"]
domain = { t = [0, 1], x = [-1, 1] }
[residuals]
pde = "u_t - u_xx + v"
[hard_constraints]
u = { value = "sin(pi * x) + t^2 * x", distance = "t * (1 - x^2) * exp(x)" }
v = { distance = "cos(t * x) + 2" }
"#;

fn constrained(kind: NetKind, omega: f64, seed: u64) -> Network<f64> {
    let p = problem(TWO_OUTPUTS);
    small_net(kind, omega, seed).with_hard_constraints(p.pde.hard.clone())
}

#[test]
fn transformed_outputs_are_value_plus_distance_times_the_network() {
    let net = constrained(NetKind::SimpleSine, 2.0, 7);
    let raw = small_net(NetKind::SimpleSine, 2.0, 7);
    let hard = net.hard.clone().expect("constrained");
    let points = sample_points();
    let (got, n) = (predict(&net, &points), predict(&raw, &points));
    for (r, p) in points.iter().enumerate() {
        for out in 0..2 {
            let want = hard.apply(out, p, n[out][r]);
            assert!((got[out][r] - want).abs() < 1e-14, "output {out} at {p:?}");
        }
    }
}

#[test]
fn transformed_jets_match_finite_differences() {
    // Orders 1–4, mixed ones included, with the jet tests' tolerances.
    check_net_jets(
        &constrained(NetKind::SimpleSine, 2.0, 7),
        "hard simple sine",
    );
    check_net_jets(&constrained(NetKind::Tanh, 1.0, 5), "hard tanh");
}

#[test]
fn gradients_through_the_transform_match_finite_differences() {
    check_net_gradients(&mut constrained(NetKind::SimpleSine, 2.0, 3), "hard");
}

/// u'' + u = f on [0, 1] with the exact solution u = sin x + x(1−x) sin 2x:
/// with u = sin x + x(1 − x)·N, the network N = sin 2x is exact. The
/// boundary values are satisfied by the transform; the slope at 0 is not.
const OSCILLATOR: &str = r#"
name = "oscillator"
inputs = ["x"]
outputs = ["u"]
domain = { x = [0, 1] }
[residuals]
pde = "u_xx + u - (-2 * sin(2 * x) + 4 * (1 - 2 * x) * cos(2 * x) - 3 * x * (1 - x) * sin(2 * x))"
[[conditions]]
on = "x = 0, x = 1"
require = "u = sin(x)"
[[conditions]]
name = "slope"
on = "x = 0"
require = "u_x = 1"
[hard_constraints]
u = { value = "sin(x)", distance = "x * (1 - x)" }
"#;

/// N = sin 2x + offset through the transform.
fn oscillator_net(p: &Problem, offset: f64) -> Network<f64> {
    let wave = Wave {
        a: vec![2.0],
        phase: 0.0,
        amplitude: vec![1.0],
    };
    exact_net(p, &[wave], &[offset]).with_hard_constraints(p.pde.hard.clone())
}

fn loss_of(p: &Problem, net: &Network<f64>) -> (ResidualLoss<f64>, Vec<f64>) {
    let mut config = RunConfig::default();
    config.sampling.interior_points = 256;
    config.sampling.condition_points = 128;
    let objective = ResidualLoss::new(p, &config, net);
    let losses = objective.losses(net);
    (objective, losses)
}

#[test]
fn satisfied_conditions_leave_the_loss_and_the_rest_vanish_on_the_exact_network() {
    let p = problem(OSCILLATOR);
    let satisfied: Vec<&str> = p
        .pde
        .satisfied
        .iter()
        .map(|(t, _)| t.name.as_str())
        .collect();
    assert_eq!(satisfied, ["bc"]);
    assert_eq!(p.term_names(), ["pde", "slope"]);
    assert_eq!(
        p.exact_conditions(),
        ["condition bc satisfied exactly by the hard constraint on u"]
    );
    let (_, losses) = loss_of(&p, &oscillator_net(&p, 0.0));
    for (name, l) in p.term_names().iter().zip(&losses) {
        assert!(*l < 1e-24, "{name}: {l:e} on the exact network");
    }
}

#[test]
fn a_wrong_network_gives_the_hand_computed_loss() {
    // N = sin 2x + ½ makes u the exact solution plus ½x(1 − x): the residual
    // is ½(x − x² − 2) everywhere, and u_x(0) = 1 + ½, so slope's loss is ¼.
    let p = problem(OSCILLATOR);
    let (objective, losses) = loss_of(&p, &oscillator_net(&p, 0.5));
    let points = objective.interior_points().expect("an interior term");
    let want: f64 = points
        .iter()
        .map(|q| (0.5 * (q[0] - q[0] * q[0] - 2.0)).powi(2))
        .sum::<f64>()
        / points.len() as f64;
    assert!(
        (losses[0] - want).abs() < 1e-12 * want,
        "pde {} vs {want}",
        losses[0]
    );
    assert!((losses[1] - 0.25).abs() < 1e-12, "slope {}", losses[1]);
}

#[test]
fn satisfied_conditions_hold_to_rounding_for_any_network() {
    let mut p = problem(OSCILLATOR);
    let left_out = p.pde.satisfied.clone();
    p.pde.terms.extend(left_out);
    let config = NetConfig {
        width: 16,
        omega: Omega::Value(3.0),
        seed: 11,
        ..NetConfig::default()
    };
    let random =
        Network::<f64>::new(&config, &p.pde.domain, 1).with_hard_constraints(p.pde.hard.clone());
    for net in [random, oscillator_net(&p, 0.5)] {
        let (_, losses) = loss_of(&p, &net);
        let bc = p.term_names().iter().position(|n| n == "bc").expect("bc");
        assert!(losses[bc] < 1e-28, "bc loss {:e}", losses[bc]);
    }
}

/// The heat equation with its initial and boundary values built in.
const HEAT: &str = r#"
name = "heat-hard"
inputs = ["t", "x"]
outputs = ["u"]
constants = { alpha = "0.4 / pi^2" }
domain = { t = [0, 1], x = [0, 1] }

[residuals]
diffusion = "u_t - alpha * u_xx"

[[conditions]]
on = "t = 0"
require = "u = sin(pi * x)"

[[conditions]]
on = "x = 0, x = 1"
require = "u = 0"

[hard_constraints]
u = { value = "sin(pi * x)", distance = "t * x * (1 - x)" }

[reference]
u = "exp(-alpha * pi^2 * t) * sin(pi * x)"
"#;

const SHORT_RUN: &str = r#"
[network]
width = 16

[adam]
steps = 300

[quasi_newton]
iters = 300

[sampling]
interior_points = 512
"#;

fn csv_columns(path: &std::path::Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).expect("solution.csv");
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
        .collect();
    (header, rows)
}

#[test]
fn a_short_heat_run_with_hard_constraints_is_accurate_and_its_files_agree() {
    let root = tempfile::tempdir().expect("temp dir");
    let file = root.path().join("heat.toml");
    std::fs::write(&file, format!("{HEAT}{SHORT_RUN}")).expect("write");
    let out = root.path().join("run");
    let (code, stdout, err) = pinn(&[
        "solve",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{err}");
    assert!(
        err.contains("condition ic satisfied exactly by the hard constraint on u")
            && err.contains("condition bc satisfied exactly by the hard constraint on u"),
        "{err}"
    );
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).expect("metrics"))
            .expect("json");
    let rel_l2 = metrics["rel_l2"]["u"].as_f64().expect("an error");
    // Measured 1e-4 to 1e-3 with these settings.
    assert!(rel_l2 < 5e-3, "relative L2 {rel_l2}");

    // solution.csv holds the saved model's transformed outputs, and the
    // errors in metrics.json are those of its columns.
    let saved: SavedNet =
        serde_json::from_str(&std::fs::read_to_string(out.join("model.json")).expect("model"))
            .expect("a saved network");
    assert!(
        saved.hard_constraints.is_some(),
        "model.json keeps the constraints"
    );
    let net = pinn::net::load::<f64>(&saved).expect("loads");
    let (header, rows) = csv_columns(&out.join("solution.csv"));
    assert_eq!(header[..4], ["t", "x", "u", "u_ref"]);
    let points: Vec<Vec<f64>> = rows.iter().map(|r| r[..2].to_vec()).collect();
    let u = &predict(&net, &points)[0];
    let raw = predict(&net.clone().with_hard_constraints(None), &points);
    let hard = net.hard.clone().expect("constraints");
    for ((r, p), (v, n)) in rows.iter().zip(&points).zip(u.iter().zip(&raw[0])) {
        assert!(
            (r[2] - v).abs() <= 1e-12 * (1.0 + v.abs()),
            "at {p:?}: {} vs {v}",
            r[2]
        );
        assert!((hard.apply(0, p, *n) - v).abs() < 1e-12);
        if p[0] == 0.0 || p[1] == 0.0 || p[1] == 1.0 {
            // On the faces the constraint fixes, the value is exact.
            assert!((r[2] - r[3]).abs() < 1e-14, "at {p:?}");
        }
    }
    let (num, den) = rows.iter().fold((0.0, 0.0), |(a, b), r| {
        (a + (r[2] - r[3]).powi(2), b + r[3] * r[3])
    });
    let from_csv = (num / den).sqrt();
    assert!(
        (from_csv - rel_l2).abs() < 1e-6 * rel_l2,
        "{from_csv} vs {rel_l2}"
    );
}

#[test]
fn pinn_check_describes_the_constraint_and_what_it_satisfies() {
    let root = tempfile::tempdir().expect("temp dir");
    let file = root.path().join("heat.toml");
    std::fs::write(&file, HEAT).expect("write");
    let (code, out, err) = pinn(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("u = sin(pi * x) + (t * x * (1 - x)) · N_u"),
        "{out}"
    );
    assert!(
        out.contains(
            "condition ic satisfied exactly by the hard constraint on u; left out of the loss"
        ),
        "{out}"
    );
}

#[test]
fn malformed_constraints_are_refused_at_their_text() {
    let with = |block: &str| {
        format!("{HEAT}{block}").replace(
            "[hard_constraints]\nu = { value = \"sin(pi * x)\", distance = \"t * x * (1 - x)\" }\n",
            "",
        )
    };
    let cases = [
        // An output that does not exist.
        ("[hard_constraints]\nw = { distance = \"x\" }\n", "bad.toml:23:1: error: unknown output 'w' (outputs: u)"),
        // Value reading an output, distance a normal derivative.
        ("[hard_constraints]\nu = { value = \"x + u\", distance = \"x\" }\n", "bad.toml:23:20: error: the hard constraint of 'u' may use only inputs and constants, not outputs"),
        ("[hard_constraints]\nu = { distance = \"x * u_x\" }\n", "bad.toml:23:23: error: the hard constraint of 'u' may use only inputs and constants"),
        // A name that means nothing.
        ("[hard_constraints]\nu = { distance = \"x * y\" }\n", "bad.toml:23:23: error: unknown name 'y'"),
        // A distance that vanishes everywhere.
        ("[hard_constraints]\nu = { distance = \"0 * x\" }\n", "bad.toml:23:19: error: this distance is zero everywhere in the domain"),
        // A key that is not value or distance.
        ("[hard_constraints]\nu = { value = \"0\", dist = \"x\" }\n", "bad.toml:23:20: error: unknown field `dist`, expected `value` or `distance`"),
    ];
    for (block, expected) in cases {
        refused(&with(block), "bad.toml", expected);
    }
    // An unknown coefficient is trained; the constraint is fixed beforehand.
    let inverse =
        with("[unknowns]\nk = { init = 1 }\n[hard_constraints]\nu = { distance = \"k * x\" }\n");
    refused(
        &inverse,
        "bad.toml",
        "bad.toml:25:19: error: the hard constraint of 'u' may not use the unknown 'k'",
    );

    let root = tempfile::tempdir().expect("temp dir");
    let file = root.path().join("bad.toml");
    std::fs::write(&file, with(cases[0].0)).expect("write");
    let (code, _, err) = pinn(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(":23:1: error: unknown output 'w'") && err.contains('^'),
        "{err}"
    );
}

#[test]
fn a_run_with_hard_constraints_resumes_to_the_same_model() {
    let text = format!(
        "{}\n[hard_constraints]\nu = {{ value = \"sin(pi * x)\", distance = \"t * x * (1 - x)\" }}\n",
        crate::resume::problem("lbfgs")
    );
    crate::resume::resumes_to_the_uninterrupted_model(&text, "hard lbfgs");
}

#[test]
fn a_problem_built_in_rust_takes_hard_constraints() {
    use pinn::problem::{Condition, ProblemBuilder};
    let file = ProblemBuilder::new("heat")
        .inputs(&["t", "x"])
        .outputs(&["u"])
        .domain("t", 0.0, 1.0)
        .domain("x", 0.0, 1.0)
        .residual("pde", "u_t - u_xx")
        .condition(Condition::on("t = 0").require("u = sin(pi * x)"))
        .condition(Condition::on("x = 0").require("u_x = pi"))
        .hard_constraint("u", "sin(pi * x)", "t")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        file.problem.exact_conditions(),
        ["condition ic satisfied exactly by the hard constraint on u"]
    );
    assert_eq!(file.problem.term_names(), ["pde", "bc"]);
}
