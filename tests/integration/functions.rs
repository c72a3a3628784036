//! The functions sinh, cosh, sech, atan, erf, min and max on the network's
//! jets: applied to every derivative up to order 4, against the same
//! expression on finite differences of the network; parameter gradients
//! against central differences of the loss; f32 against f64; and an
//! equation file using them all, whose residual loss is computed by hand.

use crate::common::{
    exact_net, finite_difference, network_fd_step_and_tolerance, pinn, sample_points, small_net,
    Wave,
};
use dfdx::prelude::{Cpu, Device};
use pinn::config::{NetConfig, NetKind, RunConfig};
use pinn::expr::{BinOp, Expr, Func, PointLeaves};
use pinn::jet::{flatten_grads, Batch, JetField, Outputs, Recording};
use pinn::multi_index::{closure, MultiIndex};
use pinn::net::Network;
use pinn::problem::EquationFile;
use pinn::scalar::Real;
use pinn::train::{Objective, ResidualLoss};

/// Every derivative the jets test reads, orders 0 to 4.
fn derivatives() -> Vec<MultiIndex> {
    crate::common::tested_derivatives(true)
}

/// What a case applies to the derivatives: a one-argument function or
/// `min`/`max` of output 0's and output 1's.
#[derive(Clone, Copy, Debug)]
enum Apply {
    One(Func),
    Two(BinOp),
}

/// A function with where its arguments lie: `shift + spread · D/size`
/// for each derivative D divided by its size on the sample points, so
/// every order's argument lies in [shift − spread, shift + spread].
#[derive(Clone, Copy, Debug)]
struct Case {
    apply: Apply,
    shift: f64,
    spread: f64,
}

/// Near 0 for every function; large arguments where the function grows
/// like e^|x| (sinh, cosh), decays like it (sech) or saturates (atan, erf:
/// erf'(3) ≈ 1.4e-4, so the gradient still shows); min and max over
/// arguments of both signs, so both branches are taken.
fn cases() -> Vec<Case> {
    let case = |apply, shift, spread| Case {
        apply,
        shift,
        spread,
    };
    let mut out = Vec::new();
    for (f, large) in [
        (Func::Sinh, 20.0),
        (Func::Cosh, 20.0),
        (Func::Sech, 20.0),
        (Func::Atan, 50.0),
        (Func::Erf, 3.0),
    ] {
        out.push(case(Apply::One(f), 0.0, 1e-2));
        out.push(case(Apply::One(f), large, 1.0));
    }
    for op in [BinOp::Min, BinOp::Max] {
        out.push(case(Apply::Two(op), 0.0, 1.0));
    }
    out
}

/// D of output `out` at every sample point, from the jets.
fn jet_derivative(net: &Network<f64>, out: usize, d: &MultiIndex) -> Vec<f64> {
    let index = closure(std::slice::from_ref(d));
    let mut tr = Recording::<f64>::new(&net.dev);
    let batch = Batch::new(net, &sample_points());
    let mut outputs = Outputs::new(&mut tr, net, &batch, &index);
    outputs.get(&mut tr, out, d).as_vec()
}

/// The case applied to derivative `d`, with sizes measured on `net`.
fn applied(net: &Network<f64>, case: Case, d: &MultiIndex) -> Expr {
    let argument = |out| {
        let size = 1.0
            + jet_derivative(net, out, d)
                .iter()
                .fold(0.0f64, |a, v| a.max(v.abs()));
        let scaled = Expr::Bin(
            BinOp::Mul,
            Box::new(Expr::Num(case.spread / size)),
            Box::new(Expr::Output { out, d: d.clone() }),
        );
        Expr::Bin(
            BinOp::Add,
            Box::new(scaled),
            Box::new(Expr::Num(case.shift)),
        )
    };
    match case.apply {
        Apply::One(f) => Expr::Call(f, Box::new(argument(0))),
        Apply::Two(op) => Expr::Bin(op, Box::new(argument(0)), Box::new(argument(1))),
    }
}

/// `expr` at the sample points on the jets of `net`, recorded on `tr`.
fn eval_on_jets<E: Real>(
    tr: &mut Recording<E>,
    net: &Network<E>,
    expr: &Expr,
) -> pinn::net::Vector<E>
where
    Cpu: Device<E>,
{
    let index = closure(&expr.derivatives());
    let batch = Batch::new(net, &sample_points());
    let mut outputs = Outputs::new(tr, net, &batch, &index);
    expr.eval(&mut JetField::new(tr, &mut outputs)).value
}

/// Values of `expr` at the sample points on the jets of `net`, in precision E.
fn on_jets<E: Real>(net: &Network<E>, expr: &Expr) -> Vec<f64>
where
    Cpu: Device<E>,
{
    let mut tr = Recording::<E>::new(&net.dev);
    let v = eval_on_jets(&mut tr, net, expr);
    v.as_vec().into_iter().map(Into::into).collect()
}

/// The leaves of an expression read from the network by finite differences.
struct NetworkDifferences<'a> {
    net: &'a Network<f64>,
    point: &'a [f64],
}

impl PointLeaves for NetworkDifferences<'_> {
    fn at_input(&mut self, i: usize) -> f64 {
        self.point[i]
    }
    fn at_output(&mut self, out: usize, d: &MultiIndex) -> f64 {
        let (h, _) = network_fd_step_and_tolerance(d.order());
        finite_difference(self.net, out, self.point, d.dirs(), h)
    }
    fn at_normal(&mut self, _i: usize) -> f64 {
        f64::NAN
    }
    fn at_unknown(&mut self, _k: usize) -> f64 {
        f64::NAN
    }
}

#[test]
fn functions_of_every_derivative_order_match_finite_differences() {
    let net = small_net(NetKind::SimpleSine, 2.0, 7);
    let points = sample_points();
    let mut branches = [0usize; 2];
    for case in cases() {
        for d in derivatives() {
            let expr = applied(&net, case, &d);
            let jets = on_jets(&net, &expr);
            // The argument is off by at most spread·tol (jets.rs's bound on
            // D/size); the function then by |f'| times that, and |f'| is at
            // most |f| (sinh, cosh, sech) or 2/√π < 2 (atan, erf, min, max).
            let (_, tol) = network_fd_step_and_tolerance(d.order());
            for (p, v) in points.iter().zip(&jets) {
                let fd = expr.eval(&mut NetworkDifferences {
                    net: &net,
                    point: p,
                });
                let err = (v - fd).abs() / (1.0 + v.abs());
                assert!(
                    err < 2.0 * case.spread * tol,
                    "{case:?} of D{d} at {p:?}: jets {v}, finite differences {fd}, error {err:e}"
                );
            }
            if let Apply::Two(_) = case.apply {
                let first = on_jets(&net, &argument_of(&expr, 0));
                for (v, a) in jets.iter().zip(first) {
                    branches[usize::from(*v != a)] += 1;
                }
            }
        }
    }
    assert!(
        branches.iter().all(|&n| n > 0),
        "min and max took each argument {branches:?} times"
    );
}

/// Argument `k` of a two-argument node.
fn argument_of(expr: &Expr, k: usize) -> Expr {
    match expr {
        Expr::Bin(_, a, b) => {
            let side = if k == 0 { a } else { b };
            side.as_ref().clone()
        }
        other => panic!("not a two-argument node: {other:?}"),
    }
}

/// The mean square of the sum of the case applied to every derivative, and
/// its parameter gradient, in precision E.
fn loss_and_gradient<E: Real>(net: &Network<E>, expr: &Expr) -> (f64, Vec<f64>)
where
    Cpu: Device<E>,
{
    let mut tr = Recording::<E>::new(&net.dev);
    let r = eval_on_jets(&mut tr, net, expr);
    let loss = tr.mean_square(&r);
    let value = loss.as_vec()[0].into();
    (value, flatten_grads(&tr.backward(&loss, net)))
}

/// Σ over the derivatives of the case applied to each.
fn summed(net: &Network<f64>, case: Case) -> Expr {
    derivatives()
        .iter()
        .map(|d| applied(net, case, d))
        .reduce(|a, b| Expr::Bin(BinOp::Add, Box::new(a), Box::new(b)))
        .expect("derivatives")
}

/// |a − b| relative to the larger of |a|, |b| and `floor`.
fn relative(a: f64, b: f64, floor: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(floor)
}

#[test]
fn parameter_gradients_through_the_functions_match_finite_differences() {
    let mut net = small_net(NetKind::SimpleSine, 2.0, 3);
    let theta = net.flat_params();
    for case in cases() {
        let expr = summed(&net, case);
        let (loss, grad) = loss_and_gradient(&net, &expr);
        let h = 1e-6;
        // A central difference of the loss is off by its rounding, about
        // ε·loss/h: a cosh near 0 adds a large constant to a small slope.
        let rounding = 100.0 * f64::EPSILON * loss / h;
        for k in (0..theta.len()).step_by(7) {
            let mut t = theta.clone();
            t[k] = theta[k] + h;
            net.set_flat_params(&t);
            let lp = loss_and_gradient(&net, &expr).0;
            t[k] = theta[k] - h;
            net.set_flat_params(&t);
            let lm = loss_and_gradient(&net, &expr).0;
            net.set_flat_params(&theta);
            let fd = (lp - lm) / (2.0 * h);
            let err = (grad[k] - fd).abs();
            assert!(
                err < 1e-5 * grad[k].abs().max(fd.abs()) + rounding,
                "{case:?} param {k}: backward {} vs finite differences {fd} (error {err:e}, rounding {rounding:e})",
                grad[k]
            );
        }
    }
}

#[test]
fn f32_values_and_gradients_follow_f64() {
    let net = small_net(NetKind::SimpleSine, 2.0, 3);
    let config = NetConfig {
        precision: pinn::config::Precision::F32,
        ..net.config.clone()
    };
    let mut net32 = Network::<f32>::new(&config, &[[0.0, 1.0], [-1.0, 1.0]], 2);
    net32.set_flat_params(&net.flat_params());
    for case in cases() {
        let expr = summed(&net, case);
        let (l64, g64) = loss_and_gradient(&net, &expr);
        let (l32, g32) = loss_and_gradient(&net32, &expr);
        let scale = g64.iter().fold(0.0f64, |a, g| a.max(g.abs()));
        let worst = g32
            .iter()
            .zip(&g64)
            .fold(0.0f64, |a, (x, y)| a.max((x - y).abs()));
        // f32 jets of order 4 carry ~1e-5 relative rounding into every
        // argument; the loss and its gradient follow within 1e-3.
        assert!(
            relative(l32, l64, 0.0) < 1e-3 && worst < 1e-3 * scale,
            "{case:?}: loss {l32} vs {l64}, gradient off by {worst:e} of {scale:e}"
        );
    }
}

/// u = sin(x + 2y) + 0.5 exactly (see `exact_net`), with a residual and a
/// condition that use every new function, and a `where` that uses min.
const FUNCTIONS_FILE: &str = r#"
name = "functions"
inputs = ["x", "y"]
outputs = ["u"]
domain = { x = [0, 1], y = [0, 2] }
[residuals]
pde = "sinh(u_x) - cosh(u_y / 2) * sech(u - 0.5) + atan(u_xx) - erf(x - y) + min(u, y) - max(u_yy, -x^2) - 0.25"
[[conditions]]
name = "wall"
on = "x = 0"
where = "min(y, 2 - y) > 0.5"
require = "max(u, -1) = erf(10) * (sin(2 * y) + 0.5)"
"#;

/// The residual of FUNCTIONS_FILE at a point, from u's closed form.
fn residual_by_hand(p: &[f64]) -> f64 {
    let (x, y) = (p[0], p[1]);
    let (s, c) = (x + 2.0 * y).sin_cos();
    let (u, u_x, u_y, u_xx, u_yy) = (s + 0.5, c, 2.0 * c, -s, -4.0 * s);
    u_x.sinh() - (u_y / 2.0).cosh() / (u - 0.5).cosh() + u_xx.atan() - libm::erf(x - y) + u.min(y)
        - u_yy.max(-x * x)
        - 0.25
}

#[test]
fn an_equation_file_with_the_functions_checks_and_its_loss_is_the_direct_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("functions.toml");
    std::fs::write(&path, FUNCTIONS_FILE).expect("write");
    let (code, out, err) = pinn(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("u_xx") && out.contains("u_yy"), "{out}");

    let problem = EquationFile::from_toml(FUNCTIONS_FILE, "functions.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .problem;
    let wave = Wave {
        a: vec![1.0, 2.0],
        phase: 0.0,
        amplitude: vec![1.0],
    };
    let net = exact_net(&problem, &[wave], &[0.5]);
    let mut config = RunConfig::default();
    config.sampling.interior_points = 256;
    config.sampling.condition_points = 128;
    let objective = ResidualLoss::new(&problem, &config, &net);
    let losses = objective.losses(&net);
    let points = objective.interior_points().expect("interior points");
    let direct = points
        .iter()
        .map(|p| residual_by_hand(p).powi(2))
        .sum::<f64>()
        / points.len() as f64;
    let at = |name: &str| {
        let k = objective
            .names
            .iter()
            .position(|n| n == name)
            .expect("term");
        losses[k]
    };
    // The residual is O(1) (a sum of terms that do not cancel), so the
    // loss compares relatively; the wall holds exactly (erf(10) = 1 in f64).
    assert!(direct > 0.1, "{direct}");
    assert!(
        relative(at("pde"), direct, 0.0) < 1e-12,
        "pde loss {} vs {direct}",
        at("pde")
    );
    assert!(at("wall") < 1e-24, "wall loss {}", at("wall"));
}
