//! Input derivatives by forward jet propagation on the dfdx tape.
//!
//! dfdx is reverse-mode only: it cannot differentiate a gradient. PINN
//! residuals need ∂u/∂t, ∂²u/∂x², …, so instead of nesting autodiff we push a
//! *jet* through the network: for every requested multi-index α we carry
//! D_α of each layer's pre-activation and activation, computed with ordinary
//! dfdx ops recorded on one tape. One reverse pass of the scalar loss then
//! gives every parameter gradient.
//!
//! - input:      x_norm = (x − c)/h, D_i x_norm = e_i / h_i (constant), higher orders 0;
//! - affine:     D_α (s(aW + b)) = s (D_α a) W for |α| ≥ 1 (bias on the value only);
//! - activation: Faà di Bruno over set partitions π of α,
//!   D_α f(z) = Σ_π f^(|π|)(z) · Π_{B∈π} D_B z.
//!
//! This module is the only place that touches dfdx tapes. A [`Tracer`] owns
//! the tape and moves it onto the left operand of each op (dfdx records an op
//! on the tape carried by its left operand), so every intermediate value is a
//! plain, cloneable, untaped tensor and nothing is recorded twice.

mod faa_di_bruno;
mod field;

pub use faa_di_bruno::{partition_plan, PartitionTerm};
pub use field::{predict, Batch, JetField, Node, Outputs};

/// Sum of `weights[k] * terms[k]`, recorded on the tracer (weights are numbers).
pub fn weighted_sum<E: Real, T: Tape<E, Cpu>>(tr: &mut Tracer<E, T>, terms: &[Tensor<(), E, Cpu>], weights: &[f64]) -> Tensor<(), E, Cpu>
where
    Cpu: Device<E>,
{
    let mut total: Option<Tensor<(), E, Cpu>> = None;
    for (t, &w) in terms.iter().zip(weights) {
        let wt = tr.mul_scalar(t, w);
        total = Some(match total {
            Some(acc) => tr.add(&acc, &wt),
            None => wt,
        });
    }
    total.unwrap_or_else(|| tr.dev.tensor_from_vec(vec![real::<E>(0.0)], ()))
}

use crate::multi_index::MultiIndex;
use crate::net::{real, Activation, Mat, Network, Real, Vector};
use dfdx::prelude::*;

/// Records operations on one tape (or on none, for evaluation).
///
/// Values passed in and returned are untaped; the tape stays inside.
pub struct Tracer<E: Real, T> {
    tape: Option<T>,
    pub dev: Cpu,
    _e: std::marker::PhantomData<E>,
}

/// A tracer that records for backpropagation.
pub type Recording<E> = Tracer<E, OwnedTape<E, Cpu>>;
/// A tracer that records nothing (evaluation only).
pub type Evaluating<E> = Tracer<E, NoneTape>;

impl<E: Real, T: Tape<E, Cpu>> Tracer<E, T>
where
    Cpu: Device<E>,
{
    pub fn new(dev: &Cpu) -> Self {
        Self {
            tape: Some(T::default()),
            dev: dev.clone(),
            _e: std::marker::PhantomData,
        }
    }

    fn on<S: Shape>(&mut self, x: &Tensor<S, E, Cpu>) -> Tensor<S, E, Cpu, T> {
        let tape = self
            .tape
            .take()
            .expect("tracer tape is always returned after each op");
        x.clone().put_tape(tape)
    }

    fn off<S: Shape>(&mut self, y: Tensor<S, E, Cpu, T>) -> Tensor<S, E, Cpu> {
        let (y, tape) = y.split_tape();
        self.tape = Some(tape);
        y
    }

    pub fn add<S: Shape>(
        &mut self,
        a: &Tensor<S, E, Cpu>,
        b: &Tensor<S, E, Cpu>,
    ) -> Tensor<S, E, Cpu> {
        let a = self.on(a);
        self.off(a + b.clone())
    }

    pub fn sub<S: Shape>(
        &mut self,
        a: &Tensor<S, E, Cpu>,
        b: &Tensor<S, E, Cpu>,
    ) -> Tensor<S, E, Cpu> {
        let a = self.on(a);
        self.off(a - b.clone())
    }

    pub fn mul<S: Shape>(
        &mut self,
        a: &Tensor<S, E, Cpu>,
        b: &Tensor<S, E, Cpu>,
    ) -> Tensor<S, E, Cpu> {
        let a = self.on(a);
        self.off(a * b.clone())
    }

    pub fn div<S: Shape>(
        &mut self,
        a: &Tensor<S, E, Cpu>,
        b: &Tensor<S, E, Cpu>,
    ) -> Tensor<S, E, Cpu> {
        let a = self.on(a);
        self.off(a / b.clone())
    }

    pub fn neg<S: Shape>(&mut self, a: &Tensor<S, E, Cpu>) -> Tensor<S, E, Cpu> {
        let a = self.on(a);
        self.off(-a)
    }

    pub fn add_scalar<S: Shape>(&mut self, a: &Tensor<S, E, Cpu>, c: f64) -> Tensor<S, E, Cpu> {
        let a = self.on(a);
        self.off(a + real::<E>(c))
    }

    pub fn mul_scalar<S: Shape>(&mut self, a: &Tensor<S, E, Cpu>, c: f64) -> Tensor<S, E, Cpu> {
        let a = self.on(a);
        self.off(a * real::<E>(c))
    }

    /// Applies an elementwise function by name of its dfdx op.
    pub fn unary<S: Shape>(
        &mut self,
        a: &Tensor<S, E, Cpu>,
        op: impl FnOnce(Tensor<S, E, Cpu, T>) -> Tensor<S, E, Cpu, T>,
    ) -> Tensor<S, E, Cpu> {
        let a = self.on(a);
        self.off(op(a))
    }

    pub fn matmul(&mut self, a: &Mat<E>, w: &Mat<E>) -> Mat<E> {
        let a = self.on(a);
        self.off(a.matmul(w.clone()))
    }

    /// Adds a bias row to every row of `a`.
    pub fn add_row(&mut self, a: &Mat<E>, b: &Vector<E>) -> Mat<E> {
        let shape = *a.shape();
        // The broadcast is an op of its own: record it, or b gets no gradient.
        let b = self.on(b);
        let b = self.off(b.broadcast_like::<_, Axis<0>>(&shape));
        self.add(a, &b)
    }

    /// An N × 1 matrix as a vector of length N.
    pub fn flatten(&mut self, m: &Mat<E>) -> Vector<E> {
        let n = m.shape().0;
        let m = self.on(m);
        self.off(m.reshape_like(&(n,)))
    }

    /// Mean of the squares: the mean-squared residual.
    pub fn mean_square(&mut self, a: &Vector<E>) -> Tensor<(), E, Cpu> {
        let a = self.on(a);
        self.off(a.square().mean())
    }

    /// A vector filled with `c`.
    pub fn filled(&self, n: usize, c: f64) -> Vector<E> {
        self.dev.tensor_from_vec(vec![real::<E>(c); n], (n,))
    }
}

impl<E: Real> Recording<E>
where
    Cpu: Device<E>,
{
    /// Runs the reverse pass of `loss` (recorded on this tracer) and returns
    /// the gradient of every parameter tensor of `net`, in the order W₁, b₁,
    /// W₂, b₂, …; zeros where a parameter took no part.
    pub fn backward(mut self, loss: &Tensor<(), E, Cpu>, net: &Network<E>) -> Vec<Vec<E>> {
        let loss = self.on(loss);
        let mut grads = loss.backward();
        let mut out = Vec::with_capacity(2 * net.layers.len());
        for layer in &net.layers {
            grads.try_alloc_for(&layer.w).expect("cpu allocation");
            grads.try_alloc_for(&layer.b).expect("cpu allocation");
            out.push(grads.get(&layer.w).as_vec());
            out.push(grads.get(&layer.b).as_vec());
        }
        out
    }
}

/// Per-tensor gradients laid out as [`Network::flat_params`].
pub fn flatten_grads<E: Real>(grads: &[Vec<E>]) -> Vec<f64> {
    grads.iter().flatten().map(|&g| g.into()).collect()
}

/// The jet of one layer quantity: `blocks[k]` holds D_{index[k]} of it over
/// the batch (N × width), or `None` where that derivative is identically 0.
pub struct Jet<E: Real> {
    pub index: Vec<MultiIndex>,
    pub blocks: Vec<Option<Mat<E>>>,
}

/// Propagates the jet of the inputs through all hidden layers of `net` and
/// returns the jet of the last hidden activation.
///
/// `index` must be closed under sub-multisets and sorted by order (see
/// [`crate::multi_index::closure`]); `x` holds normalized inputs (N × d).
pub fn hidden_jet<E: Real, T: Tape<E, Cpu>>(
    tr: &mut Tracer<E, T>,
    net: &Network<E>,
    x: &Mat<E>,
    index: &[MultiIndex],
) -> Jet<E>
where
    Cpu: Device<E>,
{
    let plans: Vec<Vec<PartitionTerm>> = index.iter().map(|a| partition_plan(a, index)).collect();
    let mut jet = input_jet(net, x, index);
    let hidden = &net.layers[..net.layers.len() - 1];
    for layer in hidden {
        let (w, b) = scaled_params(tr, layer.scale, &layer.w, &layer.b);
        let z = affine_jet(tr, &jet, &w, &b);
        jet = activation_jet(tr, net.activation, &z, &plans);
    }
    jet
}

/// Weights and bias with the layer's pre-activation scale folded in (a tiny
/// op on the parameters instead of one on every batch-sized block).
pub fn scaled_params<E: Real, T: Tape<E, Cpu>>(
    tr: &mut Tracer<E, T>,
    scale: f64,
    w: &Mat<E>,
    b: &Vector<E>,
) -> (Mat<E>, Vector<E>)
where
    Cpu: Device<E>,
{
    if scale == 1.0 {
        (w.clone(), b.clone())
    } else {
        (tr.mul_scalar(w, scale), tr.mul_scalar(b, scale))
    }
}

/// The inputs as a jet: value x, first derivatives e_i/h_i, higher orders 0.
fn input_jet<E: Real>(net: &Network<E>, x: &Mat<E>, index: &[MultiIndex]) -> Jet<E>
where
    Cpu: Device<E>,
{
    let (n, d) = *x.shape();
    let blocks = index
        .iter()
        .map(|a| match a.dirs() {
            [] => Some(x.clone()),
            [i] => {
                // d/dx_i of x_norm = 1/h_i in column i: chain rule of the normalization.
                let mut data = vec![real::<E>(0.0); n * d];
                let inv_h = real::<E>(1.0 / net.normalization[*i].1);
                for row in 0..n {
                    data[row * d + i] = inv_h;
                }
                Some(net.dev.tensor_from_vec(data, (n, d)))
            }
            _ => None,
        })
        .collect();
    Jet {
        index: index.to_vec(),
        blocks,
    }
}

/// D_α(aW + b): the bias enters the value only.
fn affine_jet<E: Real, T: Tape<E, Cpu>>(
    tr: &mut Tracer<E, T>,
    a: &Jet<E>,
    w: &Mat<E>,
    b: &Vector<E>,
) -> Jet<E>
where
    Cpu: Device<E>,
{
    let blocks = a
        .blocks
        .iter()
        .enumerate()
        .map(|(k, blk)| {
            blk.as_ref().map(|m| {
                let z = tr.matmul(m, w);
                if k == 0 {
                    tr.add_row(&z, b)
                } else {
                    z
                }
            })
        })
        .collect();
    Jet {
        index: a.index.clone(),
        blocks,
    }
}

/// f^(k)(z) for k = 0..=max_order, each as (tensor, sign) so that negations
/// fold into the Faà di Bruno coefficients instead of costing an op.
fn activation_derivatives<E: Real, T: Tape<E, Cpu>>(
    tr: &mut Tracer<E, T>,
    act: Activation,
    z: &Mat<E>,
    max_order: usize,
) -> Vec<(Mat<E>, f64)>
where
    Cpu: Device<E>,
{
    match act {
        Activation::Sin => {
            // sin^(k)(z) = sin(z + kπ/2): sin, cos, −sin, −cos, …
            let s = tr.unary(z, |t| t.sin());
            let c = if max_order > 0 {
                Some(tr.unary(z, |t| t.cos()))
            } else {
                None
            };
            (0..=max_order)
                .map(|k| {
                    let base = if k % 2 == 0 {
                        s.clone()
                    } else {
                        c.clone().expect("order > 0")
                    };
                    (base, if k % 4 >= 2 { -1.0 } else { 1.0 })
                })
                .collect()
        }
        Activation::Tanh => {
            // With T = tanh z and S = 1 − T²: f' = S, f'' = −2TS,
            // f''' = S(6T² − 2), f'''' = S·T(16 − 24T²).
            let t = tr.unary(z, |v| v.tanh());
            let mut out = vec![(t.clone(), 1.0)];
            if max_order >= 1 {
                let t2 = tr.unary(&t, |v| v.square());
                let s = tr.unary(&t2, |v| -v + real::<E>(1.0));
                out.push((s.clone(), 1.0));
                if max_order >= 2 {
                    out.push((tr.mul(&t, &s), -2.0));
                }
                if max_order >= 3 {
                    let p = tr.unary(&t2, |v| v * real::<E>(6.0) - real::<E>(2.0));
                    out.push((tr.mul(&s, &p), 1.0));
                }
                if max_order >= 4 {
                    let p = tr.unary(&t2, |v| v * real::<E>(-24.0) + real::<E>(16.0));
                    let tp = tr.mul(&t, &p);
                    out.push((tr.mul(&s, &tp), 1.0));
                }
                assert!(max_order <= 4, "jets support derivatives up to order 4");
            }
            out
        }
    }
}

/// Faà di Bruno for every multi-index of the jet.
fn activation_jet<E: Real, T: Tape<E, Cpu>>(
    tr: &mut Tracer<E, T>,
    act: Activation,
    z: &Jet<E>,
    plans: &[Vec<PartitionTerm>],
) -> Jet<E>
where
    Cpu: Device<E>,
{
    let max_order = z.index.iter().map(MultiIndex::order).max().unwrap_or(0);
    let z0 = z.blocks[0]
        .as_ref()
        .expect("the value of a pre-activation exists");
    let fk = activation_derivatives(tr, act, z0, max_order);
    let blocks = plans
        .iter()
        .map(|terms| {
            let mut sum: Option<Mat<E>> = None;
            for term in terms {
                let Some(prod) = product_of_parts(tr, z, &term.parts) else {
                    continue;
                };
                let (f, sign) = &fk[term.parts.len()];
                let mut t = match prod {
                    Some(p) => tr.mul(f, &p),
                    None => f.clone(),
                };
                let coeff = sign * term.multiplicity as f64;
                if coeff != 1.0 {
                    t = tr.mul_scalar(&t, coeff);
                }
                sum = Some(match sum {
                    Some(s) => tr.add(&s, &t),
                    None => t,
                });
            }
            sum
        })
        .collect();
    Jet {
        index: z.index.clone(),
        blocks,
    }
}

/// Π_B D_B z over the parts of a partition: `None` if a factor is zero,
/// `Some(None)` for the empty product (the value's own term).
fn product_of_parts<E: Real, T: Tape<E, Cpu>>(
    tr: &mut Tracer<E, T>,
    z: &Jet<E>,
    parts: &[usize],
) -> Option<Option<Mat<E>>>
where
    Cpu: Device<E>,
{
    let mut prod: Option<Mat<E>> = None;
    for (k, &p) in parts.iter().enumerate() {
        let factor = z.blocks[p].as_ref()?;
        prod = Some(match prod {
            // dfdx refuses the same tensor on both sides of a binary op.
            Some(acc) if k == 1 && parts[0] == p => tr.unary(&acc, |t| t.square()),
            Some(acc) => tr.mul(&acc, factor),
            None => factor.clone(),
        });
    }
    Some(prod)
}
