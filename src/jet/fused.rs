//! Fused jet ops with hand-written backward passes, recorded on the dfdx tape.
//!
//! A layer's jet is stored *stacked*: one (N·K × width) matrix whose row
//! r·K + k holds D_{α_k} at point r. One dfdx matmul then serves all K
//! derivatives, and the activation's Faà di Bruno sums for all K run in one
//! pass over memory ([`activation_jet`]), instead of a dozen elementwise dfdx
//! ops each with its own allocation and backward pass. The backward of these
//! ops is written out below and checked against finite differences in the
//! tests (tests/integration/jets.rs; the elementwise functions in
//! src/jet/field.rs and tests/integration/functions.rs).

use super::faa_di_bruno::PartitionTerm;
use crate::net::{Activation, Mat, Vector};
use crate::scalar::Real;
use dfdx::prelude::*;
use rayon::prelude::*;
use std::sync::Arc;

/// Faà di Bruno terms for every multi-index of a jet, as the fused kernel reads them.
#[derive(Clone, Debug)]
pub struct ActivationPlan {
    pub activation: Activation,
    /// Number of multi-indices K (block 0 is the value).
    pub k: usize,
    /// Per multi-index: its distinct partition terms.
    pub terms: Vec<Vec<PartitionTerm>>,
    /// Highest derivative of the activation needed in the forward pass.
    pub max_parts: usize,
}

impl ActivationPlan {
    pub fn new(activation: Activation, terms: Vec<Vec<PartitionTerm>>) -> Self {
        let max_parts = terms
            .iter()
            .flatten()
            .map(|t| t.parts.len())
            .max()
            .unwrap_or(0);
        Self {
            activation,
            k: terms.len(),
            terms,
            max_parts,
        }
    }
}

/// Derivatives f^(m)(z), m = 0..=5, from the values saved in the forward pass.
/// Sine: saved (sin z, cos z). Tanh: saved (tanh z, ·); f^(m) is a polynomial
/// in T = tanh z from p_{m+1}(T) = p_m'(T)(1 − T²).
#[inline(always)]
fn derivatives<E: Real>(act: Activation, a: E, b: E) -> [E; 6] {
    match act {
        Activation::Sin => [a, b, -a, -b, a, b],
        Activation::Tanh => {
            let one = E::one();
            let c = |v: f64| E::from_f64(v).unwrap_or_else(E::zero);
            let t = a;
            let t2 = t * t;
            let s = one - t2;
            [
                t,
                s,
                c(-2.0) * t * s,
                s * (c(6.0) * t2 - c(2.0)),
                s * t * (c(16.0) - c(24.0) * t2),
                s * (c(16.0) - c(120.0) * t2 + c(120.0) * t2 * t2),
            ]
        }
    }
}

#[inline(always)]
fn saved_values<E: Real>(act: Activation, z: E) -> (E, E) {
    match act {
        Activation::Sin => (z.sin(), z.cos()),
        Activation::Tanh => (z.tanh(), E::zero()),
    }
}

/// Rows per parallel work item (each row holds K·width numbers).
const CHUNK_ROWS: usize = 64;

/// f^(m) for m = 0..=max_m at every element of one row, from the saved
/// values; only tanh needs this (see [`derivative_row`]).
fn row_derivatives<E: Real>(act: Activation, sa: &[E], sb: &[E], f: &mut [Vec<E>]) {
    if act == Activation::Sin {
        return;
    }
    for c in 0..sa.len() {
        let d = derivatives(act, sa[c], sb[c]);
        for (m, fm) in f.iter_mut().enumerate() {
            fm[c] = d[m];
        }
    }
}

/// f^(m) on one row with a sign: for the sine, sin^(m) = ±sin or ±cos, so the
/// saved rows serve directly; for tanh, the rows computed by [`row_derivatives`].
fn derivative_row<'a, E: Real>(
    act: Activation,
    m: usize,
    sa: &'a [E],
    sb: &'a [E],
    computed: &'a [Vec<E>],
) -> (&'a [E], E) {
    match act {
        Activation::Sin => {
            let sign = if m % 4 >= 2 { -E::one() } else { E::one() };
            (if m.is_multiple_of(2) { sa } else { sb }, sign)
        }
        Activation::Tanh => (&computed[m], E::one()),
    }
}

/// Scratch rows for one work item.
struct Scratch<E> {
    f: Vec<Vec<E>>,
    tmp: Vec<E>,
}

impl<E: Real> Scratch<E> {
    fn new(orders: usize, w: usize) -> Self {
        Self {
            f: vec![vec![E::zero(); w]; orders],
            tmp: vec![E::zero(); w],
        }
    }
}

/// `dst[c] = s · f[c] · Π_{q ∈ parts, q ≠ skip} z_q[c]` for one row; `z(q)` gives row q.
fn term_product<'z, E: Real>(
    dst: &mut [E],
    s: E,
    f: &[E],
    parts: &[usize],
    skip: Option<usize>,
    z: impl Fn(usize) -> &'z [E],
) {
    for (d, fv) in dst.iter_mut().zip(f) {
        *d = s * *fv;
    }
    for (i, &q) in parts.iter().enumerate() {
        if Some(i) == skip {
            continue;
        }
        for (d, zv) in dst.iter_mut().zip(z(q)) {
            *d *= *zv;
        }
    }
}

fn multiplicity<E: Real>(t: &PartitionTerm) -> E {
    E::from_usize(t.multiplicity).unwrap_or_else(E::one)
}

/// Forward kernel: y (N·K × w, no bias) and bias b → activation jet.
/// Returns the output and the per-element saved values for the backward.
fn forward<E: Real>(plan: &ActivationPlan, y: &[E], b: &[E], w: usize) -> (Vec<E>, Vec<E>, Vec<E>) {
    let k = plan.k;
    let n = y.len() / (k * w);
    let mut out = vec![E::zero(); y.len()];
    let mut sa = vec![E::zero(); n * w];
    let mut sb = vec![E::zero(); n * w];
    out.par_chunks_mut(CHUNK_ROWS * k * w)
        .zip(sa.par_chunks_mut(CHUNK_ROWS * w))
        .zip(sb.par_chunks_mut(CHUNK_ROWS * w))
        .enumerate()
        .for_each(|(chunk, ((out, sa), sb))| {
            let y = &y[chunk * CHUNK_ROWS * k * w..];
            let mut scratch = Scratch::new(plan.max_parts + 1, w);
            let mut z0 = vec![E::zero(); w];
            for r in 0..sa.len() / w {
                let row = |j: usize| &y[(r * k + j) * w..(r * k + j + 1) * w];
                let (sa, sb) = (&mut sa[r * w..(r + 1) * w], &mut sb[r * w..(r + 1) * w]);
                for c in 0..w {
                    z0[c] = row(0)[c] + b[c];
                    (sa[c], sb[c]) = saved_values(plan.activation, z0[c]);
                }
                row_derivatives(plan.activation, sa, sb, &mut scratch.f);
                let (sa, sb) = (&*sa, &*sb);
                for (j, terms) in plan.terms.iter().enumerate() {
                    let dst = &mut out[(r * k + j) * w..(r * k + j + 1) * w];
                    for t in terms {
                        let (f, sign) =
                            derivative_row(plan.activation, t.parts.len(), sa, sb, &scratch.f);
                        term_product(
                            &mut scratch.tmp,
                            multiplicity::<E>(t) * sign,
                            f,
                            &t.parts,
                            None,
                            row,
                        );
                        for (d, v) in dst.iter_mut().zip(&scratch.tmp) {
                            *d += *v;
                        }
                    }
                }
            }
        });
    (out, sa, sb)
}

/// Backward kernel: adds ∂L/∂y into `gy` (N·K × w) and returns ∂L/∂b.
#[allow(clippy::too_many_arguments)]
fn backward<E: Real>(
    plan: &ActivationPlan,
    y: &[E],
    b: &[E],
    sa: &[E],
    sb: &[E],
    g: &[E],
    gy: &mut [E],
    w: usize,
) -> Vec<E> {
    let k = plan.k;
    let partial_gb: Vec<Vec<E>> = gy
        .par_chunks_mut(CHUNK_ROWS * k * w)
        .enumerate()
        .map(|(chunk, gy)| {
            let base = chunk * CHUNK_ROWS;
            let mut gb = vec![E::zero(); w];
            let mut scratch = Scratch::new(plan.max_parts + 2, w);
            let mut z0 = vec![E::zero(); w];
            for r in 0..gy.len() / (k * w) {
                let at = base + r;
                for c in 0..w {
                    z0[c] = y[at * k * w + c] + b[c];
                }
                // Rows of z: the value row carries the bias.
                let zrow = |j: usize| {
                    if j == 0 {
                        &z0[..]
                    } else {
                        &y[(at * k + j) * w..(at * k + j + 1) * w]
                    }
                };
                let (sa, sb) = (&sa[at * w..(at + 1) * w], &sb[at * w..(at + 1) * w]);
                row_derivatives(plan.activation, sa, sb, &mut scratch.f);
                for (j, terms) in plan.terms.iter().enumerate() {
                    let go = &g[(at * k + j) * w..(at * k + j + 1) * w];
                    for t in terms {
                        let np = t.parts.len();
                        let m = multiplicity::<E>(t);
                        // ∂/∂z₀ through f^(|π|)(z₀): f^(|π|+1) · Π z_B.
                        let (f, sign) = derivative_row(plan.activation, np + 1, sa, sb, &scratch.f);
                        term_product(&mut scratch.tmp, m * sign, f, &t.parts, None, zrow);
                        let dst = &mut gy[r * k * w..(r * k + 1) * w];
                        for ((d, v), gv) in dst.iter_mut().zip(&scratch.tmp).zip(go) {
                            *d += *v * *gv;
                        }
                        // ∂/∂z_B for each factor: f^(|π|) · the product of the others.
                        for (i, &q) in t.parts.iter().enumerate() {
                            let (f, sign) = derivative_row(plan.activation, np, sa, sb, &scratch.f);
                            term_product(&mut scratch.tmp, m * sign, f, &t.parts, Some(i), zrow);
                            let dst = &mut gy[(r * k + q) * w..(r * k + q + 1) * w];
                            for ((d, v), gv) in dst.iter_mut().zip(&scratch.tmp).zip(go) {
                                *d += *v * *gv;
                            }
                        }
                    }
                }
                for (a, v) in gb.iter_mut().zip(&gy[r * k * w..(r * k + 1) * w]) {
                    *a += *v;
                }
            }
            gb
        })
        .collect();
    let mut gb = vec![E::zero(); w];
    for part in partial_gb {
        for (a, v) in gb.iter_mut().zip(part) {
            *a += v;
        }
    }
    gb
}

/// A tensor's data as a vector by one memcpy (`as_vec` walks strides one
/// element at a time). Every tensor here is contiguous: a matmul output, a
/// parameter, or built by this module.
fn contiguous<S: Shape, E: Real>(t: &Tensor<S, E, Cpu>) -> Vec<E>
where
    Cpu: Device<E>,
{
    let mut v = vec![E::zero(); t.shape().num_elements()];
    t.copy_into(&mut v);
    v
}

/// The activation jet of a layer: given the stacked pre-activation jet
/// without bias `y` (N·K × w) and the bias `b`, returns the stacked jet of
/// act(z) with z = y + b on the value rows.
pub fn activation_jet<E: Real, T: Tape<E, Cpu>>(
    tape: &mut T,
    dev: &Cpu,
    plan: &Arc<ActivationPlan>,
    y: &Mat<E>,
    b: &Vector<E>,
) -> Mat<E>
where
    Cpu: Device<E>,
{
    let shape = *y.shape();
    let w = shape.1;
    let (yv, bv) = (contiguous(y), contiguous(b));
    let (out, sa, sb) = forward(plan, &yv, &bv, w);
    let out = dev.tensor_from_vec(out, shape);
    if T::OWNS_TAPE {
        let (y, b, out_id, plan) = (y.clone(), b.clone(), out.clone(), plan.clone());
        tape.add_backward_op(move |grads| {
            let g: Vec<E> = E::take_grad(grads, &out_id)?;
            let gy = E::grad_mut(grads, &y)?;
            let gb = backward(&plan, &yv, &bv, &sa, &sb, &g, gy, w);
            let gbias = E::grad_mut(grads, &b)?;
            for (a, v) in gbias.iter_mut().zip(gb) {
                *a += v;
            }
            Ok(())
        });
    }
    out
}

/// An elementwise function with its derivative, for the functions of the
/// expression language that dfdx has no op for.
#[derive(Clone, Copy)]
pub struct Elementwise<E> {
    pub value: fn(E) -> E,
    pub derivative: fn(E) -> E,
}

/// `f.value` at every element of `x`; the backward multiplies the incoming
/// gradient by `f.derivative` at the saved input.
pub fn elementwise<E: Real, T: Tape<E, Cpu>>(
    tape: &mut T,
    dev: &Cpu,
    x: &Vector<E>,
    f: Elementwise<E>,
) -> Vector<E>
where
    Cpu: Device<E>,
{
    let xv = contiguous(x);
    let out: Vec<E> = xv.iter().map(|&v| (f.value)(v)).collect();
    let out = dev.tensor_from_vec(out, *x.shape());
    if T::OWNS_TAPE {
        let (x, out_id) = (x.clone(), out.clone());
        tape.add_backward_op(move |grads| {
            let g: Vec<E> = E::take_grad(grads, &out_id)?;
            let gx = E::grad_mut(grads, &x)?;
            for ((a, gv), xv) in gx.iter_mut().zip(g).zip(xv) {
                *a += gv * (f.derivative)(xv);
            }
            Ok(())
        });
    }
    out
}

/// Output `j` of block `k` of a stacked output jet `y` (N·K × outputs), plus
/// `bias[j]` on the value block: one value per point.
pub fn pick<E: Real, T: Tape<E, Cpu>>(
    tape: &mut T,
    dev: &Cpu,
    y: &Mat<E>,
    bias: &Vector<E>,
    n_blocks: usize,
    k: usize,
    j: usize,
) -> Vector<E>
where
    Cpu: Device<E>,
{
    let (rows, n_out) = *y.shape();
    let n = rows / n_blocks;
    let yv = contiguous(y);
    let add = if k == 0 {
        contiguous(bias)[j]
    } else {
        E::zero()
    };
    let out: Vec<E> = (0..n)
        .map(|r| yv[(r * n_blocks + k) * n_out + j] + add)
        .collect();
    let out = dev.tensor_from_vec(out, (n,));
    if T::OWNS_TAPE {
        let (y, bias, out_id) = (y.clone(), bias.clone(), out.clone());
        tape.add_backward_op(move |grads| {
            let g: Vec<E> = E::take_grad(grads, &out_id)?;
            let gy = E::grad_mut(grads, &y)?;
            for (r, v) in g.iter().enumerate() {
                gy[(r * n_blocks + k) * n_out + j] += *v;
            }
            if k == 0 {
                let total = g.iter().fold(E::zero(), |a, v| a + *v);
                E::grad_mut(grads, &bias)?[j] += total;
            }
            Ok(())
        });
    }
    out
}
