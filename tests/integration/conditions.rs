//! Boundary, initial and periodic conditions through the whole loss
//! pipeline: problems whose exact solution a one-hidden-layer sine network
//! represents exactly, so every term's loss (the same code path training
//! uses) must vanish to rounding, and a wrong sign or value must not.

use pinn::config::RunConfig;
use pinn::net::Network;
use pinn::problem::{EquationFile, Problem};
use pinn::train::{Objective, ResidualLoss};

use crate::common::{exact_net, refused, Wave};

/// Every term's unweighted loss, by name.
pub fn losses(problem: &Problem, net: &Network<f64>) -> Vec<(String, f64)> {
    let mut config = RunConfig::default();
    config.sampling.interior_points = 256;
    config.sampling.condition_points = 128;
    let objective = ResidualLoss::new(problem, &config, net);
    objective
        .names
        .iter()
        .cloned()
        .zip(objective.losses(net))
        .collect()
}

pub fn problem(text: &str) -> Problem {
    EquationFile::from_toml(text, "conditions.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .problem
}

/// u = sin(x + 2y) + 0.5 on [0, 1] × [0, 2]; ∂u/∂n = ±cos(x + 2y) on the
/// x faces (outward normal ∓x at x = 0, +x at x = 1) and ±2cos(x + 2y) on
/// the y faces.
const STEADY: &str = r#"
name = "steady"
inputs = ["x", "y"]
outputs = ["u"]
domain = { x = [0, 1], y = [0, 2] }
[residuals]
pde = "u_xx + u_yy + 5 * (u - 0.5)"
[[conditions]]
name = "dirichlet"
on = "x = 0, x = 1, y = 0, y = 2"
require = "u = sin(x + 2 * y) + 0.5"
[[conditions]]
name = "neumann_x"
on = "x = 0, x = 1"
require = "u_n = (2 * x - 1) * cos(x + 2 * y)"
[[conditions]]
name = "neumann_y"
on = "y = 0, y = 2"
require = "d_n(u) = (y - 1) * 2 * cos(x + 2 * y)"
[[conditions]]
name = "robin"
on = "x = 1"
require = "u_n + 3 * u = cos(x + 2 * y) + 3 * (sin(x + 2 * y) + 0.5)"
[[conditions]]
name = "wrong_sign"
on = "x = 0, x = 1"
require = "u_n = (1 - 2 * x) * cos(x + 2 * y)"
"#;

/// u = sin(x + 2y) + `offset`, exactly, as a one-hidden-layer sine network
/// of `p`.
pub fn plane_wave_net(p: &Problem, offset: f64) -> Network<f64> {
    let wave = Wave {
        a: vec![1.0, 2.0],
        phase: 0.0,
        amplitude: vec![1.0],
    };
    exact_net(p, &[wave], &[offset])
}

/// On the exact solution every term's loss vanishes to f64 rounding of
/// O(1) values (the squares are O(1e-30)) but `wrong`'s, which must not.
pub fn assert_exact_but(p: &Problem, wrong: &str) {
    for (name, loss) in losses(p, &plane_wave_net(p, 0.5)) {
        if name == wrong {
            assert!(
                loss > 0.1,
                "{wrong} must not vanish on the exact solution: {loss}"
            );
        } else {
            assert!(loss < 1e-24, "{name}: loss {loss} on the exact solution");
        }
    }
}

/// Losses with u 0.1 too large everywhere: Dirichlet misses by 0.1, Robin
/// (u_n + 3u) by 3 · 0.1, the PDE (… + 5(u − 0.5)) by 5 · 0.1; the normal
/// derivatives are unchanged.
pub fn shifted_losses(p: &Problem) -> std::collections::HashMap<String, f64> {
    let l: std::collections::HashMap<String, f64> =
        losses(p, &plane_wave_net(p, 0.6)).into_iter().collect();
    assert!((l["dirichlet"] - 0.01).abs() < 1e-12, "{l:?}");
    assert!((l["robin"] - 0.09).abs() < 1e-12, "{l:?}");
    assert!((l["pde"] - 0.25).abs() < 1e-12, "{l:?}");
    l
}

#[test]
fn dirichlet_neumann_and_robin_vanish_on_the_exact_solution() {
    // (2cos(x + 2y))² averaged over the x faces: about 1.2, far from 0.
    assert_exact_but(&problem(STEADY), "wrong_sign");
}

#[test]
fn a_shifted_solution_violates_the_dirichlet_and_robin_conditions() {
    let l = shifted_losses(&problem(STEADY));
    assert!(l["neumann_x"] < 1e-24 && l["neumann_y"] < 1e-24, "{l:?}");
}

/// u = sin(x + t) on t ∈ [0, 1], x ∈ [0, 1]: u(0, x) = sin x, u_t(0, x) = cos x.
const INITIAL: &str = r#"
name = "initial"
inputs = ["t", "x"]
outputs = ["u"]
domain = { t = [0, 1], x = [0, 1] }
[residuals]
transport = "u_t - u_x"
[[conditions]]
on = "t = 0"
require = "u = sin(x)"
[[conditions]]
name = "velocity"
on = "t = 0"
require = "u_t = cos(x)"
[[conditions]]
name = "wrong_velocity"
on = "t = 0"
require = "u_t = -cos(x)"
"#;

#[test]
fn initial_values_and_time_derivatives_vanish_on_the_exact_solution() {
    let p = problem(INITIAL);
    let wave = Wave {
        a: vec![1.0, 1.0],
        phase: 0.0,
        amplitude: vec![1.0],
    };
    let net = exact_net(&p, &[wave], &[0.0]);
    for (name, loss) in losses(&p, &net) {
        if name == "wrong_velocity" {
            // (2 cos x)² averaged over x ∈ [0, 1]: 2 + sin(2) = 2.909...
            assert!((loss - (2.0 + 2f64.sin())).abs() < 0.05, "{loss}");
        } else {
            assert!(loss < 1e-24, "{name}: loss {loss}");
        }
    }
    let described = p.describe();
    assert!(
        described.contains("initial condition, Dirichlet"),
        "{described}"
    );
    assert!(
        described.contains("initial condition, condition on the derivatives u_t"),
        "{described}"
    );
}

/// Periodic in x on [0, 2π]: u = sin(x + y) + 0.3 cos(2x), v = sin x.
const PERIODIC: &str = r#"
name = "periodic"
inputs = ["x", "y"]
outputs = ["u", "v"]
domain = { x = [0, "2 * pi"], y = [0, 1] }
[residuals]
pde = "u_xx + u"
[[conditions]]
periodic = "x"
"#;

#[test]
fn periodic_conditions_hold_for_periodic_fields_only() {
    let p = problem(PERIODIC);
    assert_eq!(p.pde.terms[1].0.name, "periodic_x");
    let waves = |k: f64| {
        vec![
            Wave {
                a: vec![k, 1.0],
                phase: 0.0,
                amplitude: vec![1.0, 0.0],
            },
            Wave {
                a: vec![2.0, 0.0],
                phase: std::f64::consts::FRAC_PI_2,
                amplitude: vec![0.3, 0.0],
            },
            Wave {
                a: vec![1.0, 0.0],
                phase: 0.0,
                amplitude: vec![0.0, 1.0],
            },
        ]
    };
    let periodic = exact_net(&p, &waves(1.0), &[0.0, 0.0]);
    let l = losses(&p, &periodic);
    assert!(l[1].1 < 1e-24, "{l:?}");
    // sin(x/2 + y) is not 2π-periodic: at x = 0 and 2π it is sin(y) and
    // −sin(y), so the value jump alone averages 4·mean(sin²y) ≈ 0.91 over y ∈ [0, 1].
    let broken = exact_net(&p, &waves(0.5), &[0.0, 0.0]);
    let l = losses(&p, &broken);
    assert!(l[1].1 > 0.5, "{l:?}");
    let described = p.describe();
    assert!(described.contains("periodic condition"), "{described}");
    assert!(
        described.contains("x = 0 paired with x = 6.28"),
        "{described}"
    );
}

#[test]
fn check_names_each_condition_kind() {
    let text = problem(STEADY).describe();
    for want in [
        "Dirichlet condition on the values, on x = 0 (outward normal -x), x = 1 (outward normal +x)",
        "Neumann condition on the outward normal derivative, on x = 0",
        "Robin condition on the value and the outward normal derivative, on x = 1 (outward normal +x)",
        "PDE residual",
    ] {
        assert!(text.contains(want), "missing '{want}' in:\n{text}");
    }
}

/// `(text to put after the residuals, expected position, words of the message)`.
const MALFORMED: [(&str, &str, &str); 6] = [
    (
        "[[conditions]]\non = \"x = 0\"\n",
        ":9:7:",
        "needs a 'require' equation",
    ),
    (
        "[[conditions]]\nrequire = \"u = 0\"\n",
        ":9:12:",
        "needs 'on'",
    ),
    ("[[conditions]]\nname = \"c\"\n", ":8:1:", "or 'periodic'"),
    (
        "[[conditions]]\nperiodic = \"z\"\n",
        ":9:13:",
        "periodic needs an input name, found 'z'",
    ),
    (
        "[[conditions]]\nperiodic = \"x\"\non = \"x = 0\"\n",
        ":9:13:",
        "takes no 'on' or 'require'",
    ),
    (
        "[[conditions]]\non = \"x = 0\"\nrequire = \"d_n(3) = 0\"\n",
        ":10:16:",
        "expected an output name in d_n(...), found number 3",
    ),
];

#[test]
fn malformed_conditions_are_reported_at_their_place() {
    let head = "name = \"bad\"\ninputs = [\"x\", \"y\"]\noutputs = [\"u\"]\ndomain = { x = [0, 1], y = [0, 1] }\n[residuals]\npde = \"u_xx + u_yy\"\n\n";
    for (tail, at, words) in MALFORMED {
        let text = format!("{head}{tail}");
        let e = EquationFile::from_toml(&text, "bad.toml")
            .expect_err(tail)
            .to_string();
        assert!(e.contains(&format!("bad.toml{at}")), "{tail}: {e}");
        assert!(e.contains(words), "{tail}: {e}");
    }
    let residual = format!("{}pde = \"u_n\"\n", &head[..head.find("pde").unwrap_or(0)]);
    let message = "bad.toml:6:8: error: residual 'pde' reads the outward normal";
    refused(&residual, "bad.toml", message);
}

#[test]
fn where_restricts_a_condition_to_part_of_its_faces() {
    let text = format!(
        "{STEADY}[[conditions]]\nname = \"upper_half\"\non = \"x = 0, x = 1\"\nwhere = \"y > 1.5\"\nrequire = \"u = sin(x + 2 * y) + 0.5\"\n"
    );
    let p = problem(&text);
    let (term, region) = p.pde.terms.last().expect("the new term");
    assert_eq!(term.name, "upper_half");
    let mut sampler = pinn::geometry::Sampler::new(&p.pde.domain, 3);
    let points = sampler.draw(region, 300);
    assert_eq!(points.len(), 300);
    assert!(points
        .iter()
        .all(|q| q[1] > 1.5 && (q[0] == 0.0 || q[0] == 1.0)));
    // About a quarter of the faces' points, on both faces.
    assert!(points.iter().any(|q| q[0] == 0.0) && points.iter().any(|q| q[0] == 1.0));
    let wave = Wave {
        a: vec![1.0, 2.0],
        phase: 0.0,
        amplitude: vec![1.0],
    };
    let net = exact_net(&p, &[wave], &[0.5]);
    let l = losses(&p, &net);
    assert!(l.last().expect("loss").1 < 1e-24, "{l:?}");
    let described = p.describe();
    assert!(
        described.contains("upper_half [x = 0, x = 1 where y > 1.5]"),
        "{described}"
    );
    assert!(
        described.contains("(outward normal +x), where y > 1.5"),
        "{described}"
    );
}

#[test]
fn malformed_predicates_are_reported_at_their_place() {
    let head = "name = \"bad\"\ninputs = [\"x\", \"y\"]\noutputs = [\"u\"]\ndomain = { x = [0, 1], y = [0, 1] }\n[residuals]\npde = \"u_xx + u_yy\"\n\n[[conditions]]\non = \"y = 1\"\nrequire = \"u = 1\"\n";
    for (predicate, column, words) in [
        ("u > 0.5", 10, "only inputs and constants"),
        ("x = 0.5", 12, "expected '<', '<=', '>' or '>='"),
        ("x > 2", 10, "holds nowhere"),
        ("x >", 13, "expected a number, name or '('"),
    ] {
        let text = format!("{head}where = \"{predicate}\"\n");
        let e = EquationFile::from_toml(&text, "bad.toml")
            .expect_err(predicate)
            .to_string();
        assert!(
            e.contains(&format!("bad.toml:11:{column}:")),
            "{predicate}: {e}"
        );
        assert!(e.contains(words), "{predicate}: {e}");
    }
    let no_faces = head.replace("on = \"y = 1\"\n", "where = \"x > 0\"\n");
    let message = "bad.toml:9:10: error: 'where' restricts the faces of 'on'";
    refused(&no_faces, "bad.toml", message);
}

#[test]
fn a_normal_derivative_reads_only_the_directions_of_its_faces() {
    // On y faces u_n is ±u_y: the jets need neither u_x nor, in time, u_t.
    let p = problem(STEADY);
    let reads = |name: &str| {
        let (term, _) = p
            .pde
            .terms
            .iter()
            .find(|(t, _)| t.name == name)
            .expect("term");
        term.expr.output_derivatives()
    };
    let y = pinn::multi_index::MultiIndex::new(vec![1]);
    assert_eq!(reads("neumann_y"), vec![(0, y)]);
    let x = pinn::multi_index::MultiIndex::new(vec![0]);
    let value = pinn::multi_index::MultiIndex::value();
    assert_eq!(reads("robin"), vec![(0, value), (0, x)]);
}
