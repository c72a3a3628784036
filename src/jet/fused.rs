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
use crate::simd::{add_rows, product_term, sum_rows};
use dfdx::prelude::*;

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

/// Derivatives f^(m)(z), m = 0..=5, of tanh from T = tanh z: f^(m) is a
/// polynomial in T from p_{m+1}(T) = p_m'(T)(1 − T²).
#[inline(always)]
fn tanh_derivatives<E: Real>(t: E) -> [E; 6] {
    let one = E::one();
    let c = |v: f64| E::from_f64(v).unwrap_or_else(E::zero);
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

/// The activation's values saved by the forward pass, one block of a
/// chunk (p points × width): for the sine (sin z, cos z), whose derivatives
/// are ±sin or ±cos; for tanh, f^(m)(z) for every order the pass needs.
pub struct Saved<E> {
    pub sin: Vec<E>,
    pub cos: Vec<E>,
    pub tanh: Vec<Vec<E>>,
}

impl<E: Real> Saved<E> {
    pub fn new() -> Self {
        Self {
            sin: Vec::new(),
            cos: Vec::new(),
            tanh: Vec::new(),
        }
    }

    /// f^(m) over the block, with a sign to apply.
    fn derivative(&self, act: Activation, m: usize) -> (&[E], E) {
        match act {
            Activation::Sin => {
                let sign = if m % 4 >= 2 { -E::one() } else { E::one() };
                (
                    if m.is_multiple_of(2) {
                        &self.sin
                    } else {
                        &self.cos
                    },
                    sign,
                )
            }
            Activation::Tanh => (&self.tanh[m], E::one()),
        }
    }

    /// Computes the saved values of z (one block); orders up to `max_m`.
    fn fill(&mut self, act: Activation, z: &[E], max_m: usize) {
        let n = z.len();
        match act {
            Activation::Sin => {
                resize(&mut self.sin, n);
                resize(&mut self.cos, n);
                E::sin_cos_into(z, &mut self.sin, &mut self.cos);
            }
            Activation::Tanh => {
                self.tanh.resize_with(max_m + 1, Vec::new);
                for f in &mut self.tanh {
                    resize(f, n);
                }
                for (i, &zi) in z.iter().enumerate() {
                    let d = tanh_derivatives(zi.tanh());
                    for (m, f) in self.tanh.iter_mut().enumerate() {
                        f[i] = d[m];
                    }
                }
            }
        }
    }
}

impl<E: Real> Default for Saved<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// Sets a buffer's length, keeping its capacity (and its contents, which
/// every caller overwrites): no allocation once it has been this long.
pub fn resize<E: Real>(v: &mut Vec<E>, n: usize) {
    v.resize(n, E::zero());
}

/// Most factors of one term: a 4th-order jet's four blocks and the
/// backward's incoming gradient.
const MAX_FACTORS: usize = 5;

/// The blocks D_B z of a term's parts (and an extra factor), for
/// [`product_term`]: on the stack, since this runs for every term of every
/// chunk.
struct Factors<'a, E> {
    items: [&'a [E]; MAX_FACTORS],
    len: usize,
}

impl<'a, E> Factors<'a, E> {
    fn new(
        blocks: &'a [E],
        size: usize,
        parts: &[usize],
        skip: Option<usize>,
        extra: Option<&'a [E]>,
    ) -> Self {
        let mut f = Self {
            items: [&[]; MAX_FACTORS],
            len: 0,
        };
        let picked = parts
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != skip)
            .map(|(_, &q)| &blocks[q * size..(q + 1) * size]);
        for item in picked.chain(extra) {
            f.items[f.len] = item;
            f.len += 1;
        }
        f
    }

    fn as_slice(&self) -> &[&'a [E]] {
        &self.items[..self.len]
    }
}

fn multiplicity<E: Real>(t: &PartitionTerm) -> E {
    E::from_usize(t.multiplicity).unwrap_or_else(E::one)
}

/// Forward kernel on one chunk in block layout (block k = D_{α_k} of p
/// points, p × w): adds the bias `b` to the value block of `y` (which then
/// holds z), saves the activation's values and writes the activation jet
/// into `out`.
pub fn activation_forward<E: Real>(
    plan: &ActivationPlan,
    y: &mut [E],
    b: &[E],
    out: &mut [E],
    saved: &mut Saved<E>,
) {
    let size = y.len() / plan.k;
    add_rows(&mut y[..size], b);
    // The backward needs one order more than the forward.
    saved.fill(plan.activation, &y[..size], plan.max_parts + 1);
    let y = &*y;
    for (j, terms) in plan.terms.iter().enumerate() {
        let dst = &mut out[j * size..(j + 1) * size];
        for (i, t) in terms.iter().enumerate() {
            let (f, sign) = saved.derivative(plan.activation, t.parts.len());
            let fs = Factors::new(y, size, &t.parts, None, None);
            product_term(dst, multiplicity::<E>(t) * sign, f, fs.as_slice(), i > 0);
        }
    }
}

/// Backward kernel on one chunk: from ∂L/∂out (`g`), writes ∂L/∂y into `gy`
/// (both in block layout) and adds ∂L/∂b into `gb`.
pub fn activation_backward<E: Real>(
    plan: &ActivationPlan,
    y: &[E],
    saved: &Saved<E>,
    g: &[E],
    gy: &mut [E],
    gb: &mut [E],
) {
    let size = y.len() / plan.k;
    let act = plan.activation;
    let mut written = vec![false; plan.k];
    for (j, terms) in plan.terms.iter().enumerate() {
        let gj = &g[j * size..(j + 1) * size];
        for t in terms {
            let m = multiplicity::<E>(t);
            let np = t.parts.len();
            // ∂/∂z₀ through f^(|π|)(z₀): f^(|π|+1) · Π z_B.
            let (f, sign) = saved.derivative(act, np + 1);
            let fs = Factors::new(y, size, &t.parts, None, Some(gj));
            product_term(&mut gy[..size], m * sign, f, fs.as_slice(), written[0]);
            written[0] = true;
            // ∂/∂z_B for each factor: f^(|π|) · the product of the others.
            let (f, sign) = saved.derivative(act, np);
            for (i, &q) in t.parts.iter().enumerate() {
                let fs = Factors::new(y, size, &t.parts, Some(i), Some(gj));
                let dst = &mut gy[q * size..(q + 1) * size];
                product_term(dst, m * sign, f, fs.as_slice(), written[q]);
                written[q] = true;
            }
        }
    }
    for (q, done) in written.iter().enumerate() {
        if !done {
            gy[q * size..(q + 1) * size].fill(E::zero());
        }
    }
    sum_rows(gb, &gy[..size]);
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
