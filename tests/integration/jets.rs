//! Jets against finite differences, and parameter gradients against finite
//! differences of the loss (f64 throughout).

use crate::common::{finite_difference, network_fd_step_and_tolerance, sample_points, small_net};
use pinn::config::NetKind;
use pinn::expr::{BinOp, Expr};
use pinn::jet::{Batch, JetField, Outputs, Recording};
use pinn::multi_index::{closure, MultiIndex};
use pinn::net::Network;

fn jet_values(
    net: &Network<f64>,
    points: &[Vec<f64>],
    requested: &[MultiIndex],
) -> Vec<(MultiIndex, usize, Vec<f64>)> {
    let index = closure(requested);
    let mut tr = Recording::<f64>::new(&net.dev);
    let batch = Batch::new(net, points);
    let mut outputs = Outputs::new(&mut tr, net, &batch, &index);
    let mut got = Vec::new();
    for m in &index {
        for out in 0..net.n_outputs() {
            got.push((m.clone(), out, outputs.get(&mut tr, out, m).as_vec()));
        }
    }
    got
}

fn check_jets(kind: NetKind, omega: f64) {
    check_net_jets(&small_net(kind, omega, 7), &format!("{kind:?} ω={omega}"));
}

/// Every output derivative up to order 4 (mixed ones too) of `net` at the
/// sample points against finite differences of its predicted values.
pub fn check_net_jets(net: &Network<f64>, label: &str) {
    let points = sample_points();
    let requested = crate::common::tested_derivatives(false);
    for (m, out, values) in jet_values(net, &points, &requested) {
        if m.order() == 0 {
            continue;
        }
        let (h, tol) = network_fd_step_and_tolerance(m.order());
        let scale = 1.0 + values.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for (p, v) in points.iter().zip(&values) {
            let fd = finite_difference(net, out, p, m.dirs(), h);
            let err = (v - fd).abs() / scale;
            assert!(err < tol, "{label} D{m} out {out} at {p:?}: jet {v}, finite differences {fd}, rel err {err:e} > {tol:e}");
        }
    }
}

#[test]
fn simple_sine_jets_match_finite_differences() {
    check_jets(NetKind::SimpleSine, 2.0);
}

#[test]
fn siren_jets_match_finite_differences() {
    check_jets(NetKind::Siren, 3.0);
}

#[test]
fn tanh_jets_match_finite_differences() {
    check_jets(NetKind::Tanh, 1.0);
}

/// Burgers residual u_t + u u_x − ν u_xx on output 0, plus v v_x of output 1,
/// so that both outputs take part.
fn loss_expr() -> Expr {
    let u = |d: Vec<usize>| Expr::Output {
        out: 0,
        d: MultiIndex::new(d),
    };
    let bin = |op, a, b| Expr::Bin(op, Box::new(a), Box::new(b));
    let r = bin(
        BinOp::Add,
        u(vec![0]),
        bin(BinOp::Mul, u(vec![]), u(vec![1])),
    );
    let r = bin(
        BinOp::Sub,
        r,
        bin(
            BinOp::Mul,
            Expr::Num(0.01 / std::f64::consts::PI),
            u(vec![1, 1]),
        ),
    );
    let v = |d: Vec<usize>| Expr::Output {
        out: 1,
        d: MultiIndex::new(d),
    };
    bin(BinOp::Add, r, bin(BinOp::Mul, v(vec![]), v(vec![1])))
}

fn loss_and_grad(net: &Network<f64>, points: &[Vec<f64>]) -> (f64, Vec<f64>) {
    let expr = loss_expr();
    let index = closure(&expr.derivatives());
    let mut tr = Recording::<f64>::new(&net.dev);
    let batch = Batch::new(net, points);
    let mut outputs = Outputs::new(&mut tr, net, &batch, &index);
    let r = expr.eval(&mut JetField::new(&mut tr, &mut outputs)).value;
    let loss = tr.mean_square(&r);
    let value = loss.as_vec()[0];
    let grads = pinn::jet::flatten_grads(&tr.backward(&loss, net));
    (value, grads)
}

fn check_gradients(kind: NetKind, omega: f64) {
    check_net_gradients(&mut small_net(kind, omega, 3), &format!("{kind:?}"));
}

/// The parameter gradient of a residual loss of both outputs (derivatives
/// up to order 2) against central differences of the loss.
pub fn check_net_gradients(net: &mut Network<f64>, label: &str) {
    let points = sample_points();
    let (_, grad) = loss_and_grad(net, &points);
    let theta = net.flat_params();
    assert_eq!(grad.len(), theta.len());
    // Every parameter must receive a gradient (dfdx silently drops ops that
    // were not recorded); a structurally zero gradient would show up here.
    let zero: Vec<usize> = grad
        .iter()
        .enumerate()
        .filter(|(_, g)| **g == 0.0)
        .map(|(i, _)| i)
        .collect();
    assert!(
        zero.is_empty(),
        "{label}: parameters without gradient: {zero:?}"
    );
    // Central differences on a spread of parameters (every layer, weights and biases).
    let h = 1e-6;
    for k in (0..theta.len()).step_by(7) {
        let mut t = theta.clone();
        t[k] = theta[k] + h;
        net.set_flat_params(&t);
        let lp = loss_and_grad(net, &points).0;
        t[k] = theta[k] - h;
        net.set_flat_params(&t);
        let lm = loss_and_grad(net, &points).0;
        let fd = (lp - lm) / (2.0 * h);
        let err = (grad[k] - fd).abs() / (1e-6 + fd.abs().max(grad[k].abs()));
        assert!(
            err < 1e-5,
            "{label} param {k}: backward {} vs finite differences {fd} (rel err {err:e})",
            grad[k]
        );
    }
    net.set_flat_params(&theta);
}

#[test]
fn simple_sine_gradients_match_finite_differences() {
    check_gradients(NetKind::SimpleSine, 2.0);
}

#[test]
fn siren_gradients_match_finite_differences() {
    check_gradients(NetKind::Siren, 3.0);
}

#[test]
fn tanh_gradients_match_finite_differences() {
    check_gradients(NetKind::Tanh, 1.0);
}
