//! Input derivatives by forward jet propagation on the dfdx tape.
//!
//! dfdx is reverse-mode only: it cannot differentiate a gradient. PINN
//! residuals need ∂u/∂t, ∂²u/∂x², …, so instead of nesting autodiff we push a
//! *jet* through the network: for every requested multi-index α we carry
//! D_α of each layer's pre-activation and activation. The whole network's
//! jet is one op on the dfdx tape with its own backward ([`network`]: chunks
//! of points through every layer, matrix products by `gemm` ([`matmul`]),
//! the activation's Faà di Bruno sums fused per block ([`fused`]) with
//! vectorized sine and cosine); the residual arithmetic after it is made of
//! ordinary dfdx ops. One reverse pass of the scalar loss then gives every
//! parameter gradient.
//!
//! - input:      x_norm = (x − c)/h, D_i x_norm = e_i / h_i (constant), higher orders 0;
//! - affine:     D_α (s(aW + b)) = s (D_α a) W for |α| ≥ 1 (bias on the value only);
//! - activation: Faà di Bruno over set partitions π of α,
//!   D_α f(z) = Σ_π f^(|π|)(z) · Π_{B∈π} D_B z;
//! - hard constraints (`hard`): an output u = g + d·N gets
//!   D_α u = D_α g + Σ_{β⊆α} D_β d · D_{α∖β} N (Leibniz, `leibniz`), with the
//!   derivatives of g and d taken once per batch by Taylor arithmetic on
//!   plain numbers (`taylor`), off the tape.
//!
//! This module is the only place that touches dfdx tapes. A [`Tracer`] owns
//! the tape and moves it onto the left operand of each op (dfdx records an op
//! on the tape carried by its left operand), so every intermediate value is a
//! plain, cloneable, untaped tensor and nothing is recorded twice.

mod faa_di_bruno;
mod field;
mod fused;
mod hard;
mod leibniz;
pub mod matmul;
mod network;
mod regression;
mod taylor;

pub use faa_di_bruno::{partition_plan, PartitionTerm};
pub use field::{predict, Batch, JetField, Node, Outputs};
pub use fused::{ActivationPlan, Elementwise};
pub use leibniz::{product_plan, ProductTerm};
pub use regression::{mse, mse_and_gradient, Targets};
pub use taylor::TaylorPlan;

/// Sum of `weights[k] * terms[k]`, recorded on the tracer (weights are numbers).
pub fn weighted_sum<E: Real, T: Tape<E, Cpu>>(
    tr: &mut Tracer<E, T>,
    terms: &[Tensor<(), E, Cpu>],
    weights: &[f64],
) -> Tensor<(), E, Cpu>
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
use crate::net::{Mat, Network, Vector};
use crate::scalar::{real, Real};
use crate::unknowns::Bounds;
use dfdx::prelude::*;
use std::sync::Arc;

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

    /// An elementwise function with a hand-written derivative (see
    /// [`fused::elementwise`]).
    pub fn elementwise(&mut self, a: &Vector<E>, f: Elementwise<E>) -> Vector<E> {
        let tape = self
            .tape
            .as_mut()
            .expect("tracer tape is always returned after each op");
        fused::elementwise(tape, &self.dev, a, f)
    }

    /// `b` where `take_b(a, b)` holds, `a` elsewhere, elementwise; the
    /// gradient goes to the argument taken.
    pub fn select(&mut self, a: &Vector<E>, b: &Vector<E>, take_b: fn(E, E) -> bool) -> Vector<E> {
        let mask: Vec<bool> = a
            .as_vec()
            .into_iter()
            .zip(b.as_vec())
            .map(|(x, y)| take_b(x, y))
            .collect();
        let mask = self.dev.tensor_from_vec(mask, *a.shape());
        let b = self.on(b);
        self.off(mask.choose(b, a.clone()))
    }

    /// The network's output jet (see [`network`]).
    pub fn network_jet(
        &mut self,
        plan: &Arc<network::NetworkPlan>,
        x: &Mat<E>,
        params: &[network::LayerParams<E>],
    ) -> Mat<E> {
        let tape = self
            .tape
            .as_mut()
            .expect("tracer tape is always returned after each op");
        network::network_jet(tape, &self.dev, plan, x, params)
    }

    /// Output `j` of block `k` of a stacked output jet, with the bias on the value block.
    pub fn pick(
        &mut self,
        y: &Mat<E>,
        bias: &Vector<E>,
        n_blocks: usize,
        k: usize,
        j: usize,
    ) -> Vector<E> {
        let tape = self
            .tape
            .as_mut()
            .expect("tracer tape is always returned after each op");
        fused::pick(tape, &self.dev, y, bias, n_blocks, k, j)
    }

    /// Mean of the squares: the mean-squared residual.
    pub fn mean_square(&mut self, a: &Vector<E>) -> Tensor<(), E, Cpu> {
        let a = self.on(a);
        self.off(a.square().mean())
    }

    /// `a` (a scalar) repeated `n` times, recorded so that a trained scalar
    /// gets the gradient of every use.
    pub fn broadcast(&mut self, a: &Tensor<(), E, Cpu>, n: usize) -> Vector<E> {
        let a = self.on(a);
        self.off(a.broadcast_like::<(usize,), Axis<0>>(&(n,)))
    }

    /// The value of an unknown coefficient from its raw parameter through
    /// the smooth change of variables of its bounds, recorded on the tape.
    pub fn bounded(&mut self, raw: &Tensor<(), E, Cpu>, bounds: Bounds) -> Tensor<(), E, Cpu> {
        match bounds {
            Bounds::Free => raw.clone(),
            Bounds::Above(lo) => {
                let e = self.unary(raw, |t| t.exp());
                self.add_scalar(&e, lo)
            }
            Bounds::Below(hi) => {
                let e = self.unary(raw, |t| t.exp());
                let n = self.neg(&e);
                self.add_scalar(&n, hi)
            }
            Bounds::Between(lo, hi) => {
                let s = self.unary(raw, |t| t.sigmoid());
                let w = self.mul_scalar(&s, hi - lo);
                self.add_scalar(&w, lo)
            }
        }
    }

    /// Every unknown coefficient's value (see [`Self::bounded`]), in order.
    pub fn unknown_values(
        &mut self,
        net: &Network<E>,
        bounds: &[Bounds],
    ) -> Vec<Tensor<(), E, Cpu>> {
        net.unknowns
            .iter()
            .zip(bounds)
            .map(|(raw, &b)| self.bounded(raw, b))
            .collect()
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
    /// W₂, b₂, …, then one per unknown coefficient; zeros where a parameter
    /// took no part.
    pub fn backward(mut self, loss: &Tensor<(), E, Cpu>, net: &Network<E>) -> Vec<Vec<E>> {
        let loss = self.on(loss);
        let mut grads = loss.backward();
        let mut out = Vec::with_capacity(2 * net.layers.len() + net.unknowns.len());
        for layer in &net.layers {
            grads.try_alloc_for(&layer.w).expect("cpu allocation");
            grads.try_alloc_for(&layer.b).expect("cpu allocation");
            out.push(grads.get(&layer.w).as_vec());
            out.push(grads.get(&layer.b).as_vec());
        }
        for c in &net.unknowns {
            grads.try_alloc_for(c).expect("cpu allocation");
            out.push(grads.get(c).as_vec());
        }
        out
    }
}

/// Per-tensor gradients laid out as [`Network::flat_params`].
pub fn flatten_grads<E: Real>(grads: &[Vec<E>]) -> Vec<f64> {
    grads.iter().flatten().map(|&g| g.into()).collect()
}

/// The output jet of `net` on normalized inputs `x` (N × d) for the
/// multi-indices `index`: (N·K × outputs, row r·K + k = D_{index[k]} at
/// point r, without the output bias; the output bias, scaled).
///
/// `index` must be closed under sub-multisets and sorted by order (see
/// [`crate::multi_index::closure`]).
pub fn output_jet<E: Real, T: Tape<E, Cpu>>(
    tr: &mut Tracer<E, T>,
    net: &Network<E>,
    x: &Mat<E>,
    index: &[MultiIndex],
) -> (Mat<E>, Vector<E>)
where
    Cpu: Device<E>,
{
    let terms: Vec<Vec<PartitionTerm>> = index.iter().map(|a| partition_plan(a, index)).collect();
    let plan = Arc::new(network::NetworkPlan {
        activation: Arc::new(ActivationPlan::new(net.activation, terms)),
        index: index.to_vec(),
        input_scale: net.normalization.iter().map(|(_, h)| 1.0 / h).collect(),
    });
    let params: Vec<network::LayerParams<E>> = net
        .layers
        .iter()
        .map(|layer| {
            let (w, b) = scaled_params(tr, layer.scale, &layer.w, &layer.b);
            network::LayerParams { w, b }
        })
        .collect();
    let y = tr.network_jet(&plan, x, &params);
    let bias = params
        .last()
        .expect("a network has an output layer")
        .b
        .clone();
    (y, bias)
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
