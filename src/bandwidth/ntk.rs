//! Empirical neural tangent kernel Θ(x, x') = ⟨∇θ f(x), ∇θ f(x')⟩ of output 0
//! of a [`Network<f64>`], from per-point parameter gradients in closed form.
//!
//! **Inputs are normalized coordinates**: every function here takes points as
//! the first layer sees them (after [`Network::normalize`]), because ω and all
//! frequencies are stated in those coordinates (cycles per normalized unit in
//! the README, "ω from the kernel bandwidth"). A network built on the domain
//! [−1, 1]^d has the identity normalization.
//!
//! The MLP is `z_l = s_l (h_{l−1} W_l + b_l)`, `h_l = act(z_l)`, `y = z_L`.
//! With `G_l = ∂y/∂z_l` (one row per point) and `D_l = s_l G_l`,
//!
//! ```text
//! ∂y/∂W_l[i, j] = h_{l−1}[i] · D_l[j]      ∂y/∂b_l[j] = D_l[j]
//! G_L = e_0                                 G_{l−1} = (D_l W_lᵀ) ⊙ act'(z_{l−1})
//! ```
//!
//! so the scale `s_l` (ω in the first sine layer) multiplies the gradients of
//! that layer's W and b, and the kernel is a sum over layers of Hadamard
//! products:
//!
//! ```text
//! Θ(X, Y) = Σ_l (D_l^X D_l^Yᵀ) ⊙ (H_{l−1}^X H_{l−1}^Yᵀ + 1)
//! ```
//!
//! which equals J_X J_Yᵀ for the Jacobians J of [`param_jacobian`] without
//! ever forming them (P parameters ≫ N points).

use crate::net::{Activation, Network};
use dfdx::shapes::HasShape;
use nalgebra::DMatrix;

/// One layer's part of every point's parameter gradient: `inputs` is
/// H_{l−1} (N × fan_in) and `deltas` is D_l (N × fan_out).
struct LayerGradient {
    inputs: DMatrix<f64>,
    deltas: DMatrix<f64>,
}

/// Points (one per row, normalized coordinates) as an N × d matrix.
fn point_matrix(points: &[Vec<f64>], d: usize) -> DMatrix<f64> {
    assert!(
        points.iter().all(|p| p.len() == d),
        "every point needs {d} coordinates"
    );
    DMatrix::from_fn(points.len(), d, |n, i| points[n][i])
}

/// A layer's weights (fan_in × fan_out) and bias as nalgebra values.
fn dense(layer: &crate::net::Layer<f64>) -> (DMatrix<f64>, DMatrix<f64>) {
    let (r, c) = *layer.w.shape();
    let w = DMatrix::from_row_slice(r, c, &layer.w.as_vec());
    let b = DMatrix::from_row_slice(1, c, &layer.b.as_vec());
    (w, b)
}

/// Activation and its derivative, elementwise.
fn activate(act: Activation, z: &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>) {
    match act {
        Activation::Sin => (z.map(f64::sin), z.map(f64::cos)),
        Activation::Tanh => {
            let t = z.map(f64::tanh);
            let dt = t.map(|v| 1.0 - v * v);
            (t, dt)
        }
    }
}

/// Forward pass storing each layer's input and activation derivative, then
/// the backward pass of output 0 for all points at once.
fn layer_gradients(net: &Network<f64>, points: &[Vec<f64>]) -> Vec<LayerGradient> {
    let layers: Vec<_> = net.layers.iter().map(dense).collect();
    let n = points.len();
    let mut inputs = vec![point_matrix(points, net.n_inputs())];
    let mut slopes = Vec::with_capacity(layers.len());
    for ((w, b), layer) in layers.iter().zip(&net.layers).take(layers.len() - 1) {
        let mut z = &inputs[inputs.len() - 1] * w;
        for mut row in z.row_iter_mut() {
            row += b;
        }
        z *= layer.scale;
        let (h, dh) = activate(net.activation, &z);
        inputs.push(h);
        slopes.push(dh);
    }
    let mut g = DMatrix::from_fn(n, net.n_outputs(), |_, j| f64::from(j == 0));
    let mut deltas = Vec::with_capacity(layers.len());
    for l in (0..layers.len()).rev() {
        let d = &g * net.layers[l].scale;
        if l > 0 {
            g = (&d * layers[l].0.transpose()).component_mul(&slopes[l - 1]);
        }
        deltas.push(d);
    }
    deltas.reverse();
    inputs
        .into_iter()
        .zip(deltas)
        .map(|(inputs, deltas)| LayerGradient { inputs, deltas })
        .collect()
}

/// Cross kernel Θ(x_n, y_m) of output 0 (N × M) at normalized points.
///
/// # Panics
/// If a point does not have `net.n_inputs()` coordinates.
pub fn ntk(net: &Network<f64>, x: &[Vec<f64>], y: &[Vec<f64>]) -> DMatrix<f64> {
    let gx = layer_gradients(net, x);
    let gy = layer_gradients(net, y);
    let mut theta = DMatrix::zeros(x.len(), y.len());
    for (a, b) in gx.iter().zip(&gy) {
        let deltas = &a.deltas * b.deltas.transpose();
        let inputs = (&a.inputs * b.inputs.transpose()).add_scalar(1.0);
        theta += deltas.component_mul(&inputs);
    }
    theta
}

/// Gram matrix Θ(x_n, x_m) of output 0 (N × N, symmetric) at normalized points.
pub fn ntk_gram(net: &Network<f64>, x: &[Vec<f64>]) -> DMatrix<f64> {
    let theta = ntk(net, x, x);
    // Both factors are the same product; symmetrize the rounding.
    (&theta + theta.transpose()) * 0.5
}

/// Jacobian ∂y_n/∂θ_p of output 0 (N × P) in the layout of
/// [`Network::flat_params`]: per layer W row-major, then b. For tests and
/// small nets; [`ntk`] never forms it.
pub fn param_jacobian(net: &Network<f64>, x: &[Vec<f64>]) -> DMatrix<f64> {
    let grads = layer_gradients(net, x);
    let mut jac = DMatrix::zeros(x.len(), net.n_params());
    for n in 0..x.len() {
        let mut at = 0;
        for g in &grads {
            for i in 0..g.inputs.ncols() {
                for j in 0..g.deltas.ncols() {
                    jac[(n, at)] = g.inputs[(n, i)] * g.deltas[(n, j)];
                    at += 1;
                }
            }
            for j in 0..g.deltas.ncols() {
                jac[(n, at)] = g.deltas[(n, j)];
                at += 1;
            }
        }
    }
    jac
}

/// Eigenvalues of the Gram matrix Θ(x_n, x_m) at normalized points, largest
/// first: how fast the kernel's modes decay (gradient descent learns the
/// mode of eigenvalue λ at rate ∝ λ).
pub fn gram_eigenvalues(net: &Network<f64>, x: &[Vec<f64>]) -> Vec<f64> {
    let mut values: Vec<f64> = ntk_gram(net, x)
        .symmetric_eigenvalues()
        .iter()
        .copied()
        .collect();
    values.sort_by(|a, b| b.total_cmp(a));
    values
}
