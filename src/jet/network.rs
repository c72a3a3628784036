//! The whole network's jet as one op on the dfdx tape, with its own backward.
//!
//! The points are cut into chunks of [`CHUNK_POINTS`]; each chunk goes
//! through every layer (matrix product, then the fused activation jet of
//! [`super::fused`]) on one core, and the chunks run in parallel. Inside a
//! chunk the jet is kept in *block layout*: block k holds D_{α_k} at the
//! chunk's p points (p × width), so every Faà di Bruno product is one long
//! vector loop over a block. The backward pass walks the chunks the same way
//! and sums their parameter gradients in chunk order, so a result does not
//! depend on the number of threads.
//!
//! The buffers of a chunk (its saved values for the backward, its scratch)
//! are kept in a pool across calls: in the steady state of training a step
//! allocates and zeroes nothing here.

use super::fused::{activation_backward, activation_forward, resize, ActivationPlan, Saved};
use super::matmul;
use crate::multi_index::MultiIndex;
use crate::net::{Mat, Vector};
use crate::scalar::Real;
use dfdx::prelude::*;
use rayon::prelude::*;
use std::any::Any;
use std::sync::{Arc, Mutex};

/// Points per chunk: a fixed size, so that the order of every sum is the
/// same whatever the number of threads.
pub const CHUNK_POINTS: usize = 128;

/// What the op needs to know of the jet besides the parameters.
#[derive(Clone, Debug)]
pub struct NetworkPlan {
    pub activation: Arc<ActivationPlan>,
    pub index: Vec<MultiIndex>,
    /// 1/h_i: the derivative of normalized input i by physical input i.
    pub input_scale: Vec<f64>,
}

/// One layer's parameters as the op reads them (already scaled).
pub struct LayerParams<E: Real> {
    pub w: Mat<E>,
    pub b: Vector<E>,
}

/// A chunk's buffers: what the forward saves, and the backward's scratch.
struct ChunkState<E> {
    /// Input jet, then each hidden layer's activation jet (block layout).
    acts: Vec<Vec<E>>,
    /// Each hidden layer's pre-activation jet (block 0 holds z with its bias).
    pres: Vec<Vec<E>>,
    saved: Vec<Saved<E>>,
    /// Output jet without bias, then its gradient in the backward.
    out: Vec<E>,
    /// Backward scratch: ∂L/∂(activation) and ∂L/∂(pre-activation).
    grad_act: Vec<E>,
    grad_pre: Vec<E>,
    /// This chunk's share of ∂L/∂W and ∂L/∂b, per layer.
    grad_w: Vec<Vec<E>>,
    grad_b: Vec<Vec<E>>,
}

impl<E: Real> ChunkState<E> {
    fn new() -> Self {
        Self {
            acts: Vec::new(),
            pres: Vec::new(),
            saved: Vec::new(),
            out: Vec::new(),
            grad_act: Vec::new(),
            grad_pre: Vec::new(),
            grad_w: Vec::new(),
            grad_b: Vec::new(),
        }
    }
}

/// Chunk buffers not in use, of any float type; at most [`POOL_LIMIT`].
static POOL: Mutex<Vec<Box<dyn Any + Send>>> = Mutex::new(Vec::new());
const POOL_LIMIT: usize = 1024;

fn take_state<E: Real>() -> ChunkState<E> {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    // `(**s)`: the boxed value's type, not the Box's (a Box is `Any` too).
    match pool.iter().rposition(|s| (**s).is::<ChunkState<E>>()) {
        Some(i) => *pool
            .swap_remove(i)
            .downcast::<ChunkState<E>>()
            .expect("the type was checked"),
        None => ChunkState::new(),
    }
}

fn give_state<E: Real>(state: ChunkState<E>) {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if pool.len() < POOL_LIMIT {
        pool.push(Box::new(state));
    }
}

/// Shapes of the layers: (fan_in, fan_out) per layer.
fn shapes<E: Real>(layers: &[(Vec<E>, Vec<E>)], d: usize) -> Vec<(usize, usize)> {
    let mut fan_in = d;
    layers
        .iter()
        .map(|(_, b)| {
            let s = (fan_in, b.len());
            fan_in = b.len();
            s
        })
        .collect()
}

/// The input jet of points `x` (p × d, normalized) in block layout: value
/// x, first derivatives e_i/h_i, higher orders 0.
fn input_jet<E: Real>(plan: &NetworkPlan, x: &[E], d: usize, dst: &mut Vec<E>) {
    let p = x.len() / d;
    resize(dst, plan.index.len() * p * d);
    for (k, a) in plan.index.iter().enumerate() {
        let block = &mut dst[k * p * d..(k + 1) * p * d];
        match a.dirs() {
            [] => block.copy_from_slice(x),
            [i] => {
                block.fill(E::zero());
                let v = E::from_f64(plan.input_scale[*i]).unwrap_or_else(E::zero);
                for row in block.chunks_exact_mut(d) {
                    row[*i] = v;
                }
            }
            _ => block.fill(E::zero()),
        }
    }
}

/// Forward pass of one chunk: fills the state and returns nothing else
/// (the output jet is `state.out`, block layout, no output bias).
fn forward_chunk<E: Real>(
    plan: &NetworkPlan,
    layers: &[(Vec<E>, Vec<E>)],
    x: &[E],
    d: usize,
    st: &mut ChunkState<E>,
) {
    let k = plan.index.len();
    let rows = k * (x.len() / d);
    let shapes = shapes(layers, d);
    let hidden = layers.len() - 1;
    st.acts.resize_with(hidden + 1, Vec::new);
    st.pres.resize_with(hidden, Vec::new);
    st.saved.resize_with(hidden, Saved::new);
    input_jet(plan, x, d, &mut st.acts[0]);
    for l in 0..hidden {
        let (fan_in, fan_out) = shapes[l];
        let (w, b) = &layers[l];
        resize(&mut st.pres[l], rows * fan_out);
        matmul::nn(&mut st.pres[l], &st.acts[l], w, rows, fan_in, fan_out);
        let next = &mut st.acts[l + 1];
        resize(next, rows * fan_out);
        activation_forward(&plan.activation, &mut st.pres[l], b, next, &mut st.saved[l]);
    }
    let (fan_in, fan_out) = shapes[hidden];
    resize(&mut st.out, rows * fan_out);
    matmul::nn(
        &mut st.out,
        &st.acts[hidden],
        &layers[hidden].0,
        rows,
        fan_in,
        fan_out,
    );
}

/// Backward pass of one chunk; `state.out` holds ∂L/∂(output jet) in block
/// layout. Leaves the chunk's parameter gradients in `grad_w`, `grad_b`.
fn backward_chunk<E: Real>(
    plan: &NetworkPlan,
    layers: &[(Vec<E>, Vec<E>)],
    d: usize,
    st: &mut ChunkState<E>,
) {
    let shapes = shapes(layers, d);
    let hidden = layers.len() - 1;
    let rows = st.acts[0].len() / d;
    st.grad_w.resize_with(layers.len(), Vec::new);
    st.grad_b.resize_with(layers.len(), Vec::new);
    // The output layer's bias is added outside the op.
    resize(&mut st.grad_b[hidden], 0);
    // Output layer: ∂W = aᵀ g and ∂a = g Wᵀ with g = ∂L/∂out.
    let (fan_in, fan_out) = shapes[hidden];
    let grad_a = Some(&mut st.grad_act);
    let dims = (rows, fan_in, fan_out);
    affine_backward(
        &mut st.grad_w[hidden],
        &st.acts[hidden],
        &st.out,
        &layers[hidden].0,
        grad_a,
        dims,
    );
    for l in (0..hidden).rev() {
        let (fan_in, fan_out) = shapes[l];
        resize(&mut st.grad_pre, rows * fan_out);
        resize(&mut st.grad_b[l], fan_out);
        st.grad_b[l].fill(E::zero());
        activation_backward(
            &plan.activation,
            &st.pres[l],
            &st.saved[l],
            &st.grad_act,
            &mut st.grad_pre,
            &mut st.grad_b[l],
        );
        // The input jet needs no gradient.
        let grad_a = (l > 0).then_some(&mut st.grad_act);
        let dims = (rows, fan_in, fan_out);
        affine_backward(
            &mut st.grad_w[l],
            &st.acts[l],
            &st.grad_pre,
            &layers[l].0,
            grad_a,
            dims,
        );
    }
}

/// The backward of y = a·W for one chunk: ∂W = aᵀ·g into `grad_w`, and
/// ∂a = g·Wᵀ into `grad_a` when asked; dims (rows, fan_in, fan_out).
fn affine_backward<E: Real>(
    grad_w: &mut Vec<E>,
    a: &[E],
    g: &[E],
    w: &[E],
    grad_a: Option<&mut Vec<E>>,
    (rows, fan_in, fan_out): (usize, usize, usize),
) {
    resize(grad_w, fan_in * fan_out);
    matmul::tn(grad_w, a, g, rows, fan_in, fan_out);
    if let Some(grad_a) = grad_a {
        resize(grad_a, rows * fan_in);
        matmul::nt(grad_a, g, w, rows, fan_out, fan_in);
    }
}

/// Copies between the op's layout (row r·K + k of the whole batch) and a
/// chunk's block layout (row k·p + r): `to_blocks` picks the direction.
fn relayout<E: Copy>(whole: &mut [E], blocks: &mut [E], k: usize, cols: usize, to_blocks: bool) {
    let p = whole.len() / (k * cols);
    for r in 0..p {
        for j in 0..k {
            let w = &mut whole[(r * k + j) * cols..(r * k + j + 1) * cols];
            let b = &mut blocks[(j * p + r) * cols..(j * p + r + 1) * cols];
            if to_blocks {
                b.copy_from_slice(w);
            } else {
                w.copy_from_slice(b);
            }
        }
    }
}

/// The output jet of the network (N·K × outputs, row r·K + k = D_{α_k} at
/// point r, without the output bias) for normalized inputs `x` (N × d) and
/// the layers' scaled parameters, recorded on `tape` when it owns one.
pub fn network_jet<E: Real, T: Tape<E, Cpu>>(
    tape: &mut T,
    dev: &Cpu,
    plan: &Arc<NetworkPlan>,
    x: &Mat<E>,
    params: &[LayerParams<E>],
) -> Mat<E>
where
    Cpu: Device<E>,
{
    let (n, d) = *x.shape();
    let k = plan.index.len();
    let mut xv = vec![E::zero(); n * d];
    x.copy_into(&mut xv);
    let layers: Arc<Vec<(Vec<E>, Vec<E>)>> = Arc::new(
        params
            .iter()
            .map(|p| {
                let mut w = vec![E::zero(); p.w.shape().num_elements()];
                p.w.copy_into(&mut w);
                let mut b = vec![E::zero(); p.b.shape().0];
                p.b.copy_into(&mut b);
                (w, b)
            })
            .collect(),
    );
    let n_out = layers.last().expect("an output layer").1.len();
    let mut out = vec![E::zero(); n * k * n_out];
    let keep = T::OWNS_TAPE;
    let states: Vec<Option<ChunkState<E>>> = out
        .par_chunks_mut(CHUNK_POINTS * k * n_out)
        .zip(xv.par_chunks(CHUNK_POINTS * d))
        .map(|(dst, x)| {
            let mut st = take_state::<E>();
            forward_chunk(plan, &layers, x, d, &mut st);
            relayout(dst, &mut st.out, k, n_out, false);
            if keep {
                Some(st)
            } else {
                give_state(st);
                None
            }
        })
        .collect();
    let out = dev.tensor_from_vec(out, (n * k, n_out));
    if keep {
        let (plan, out_id) = (plan.clone(), out.clone());
        let tensors: Vec<(Mat<E>, Vector<E>)> =
            params.iter().map(|p| (p.w.clone(), p.b.clone())).collect();
        let mut states: Vec<ChunkState<E>> = states.into_iter().flatten().collect();
        tape.add_backward_op(move |grads| {
            let mut g: Vec<E> = E::take_grad(grads, &out_id)?;
            states
                .par_iter_mut()
                .zip(g.par_chunks_mut(CHUNK_POINTS * k * n_out))
                .for_each(|(st, g)| {
                    relayout(g, &mut st.out, k, n_out, true);
                    backward_chunk(&plan, &layers, d, st);
                });
            for (l, (w, b)) in tensors.iter().enumerate() {
                let gw = E::grad_mut(grads, w)?;
                for st in &states {
                    for (a, v) in gw.iter_mut().zip(&st.grad_w[l]) {
                        *a += *v;
                    }
                }
                if l + 1 < tensors.len() {
                    let gb = E::grad_mut(grads, b)?;
                    for st in &states {
                        for (a, v) in gb.iter_mut().zip(&st.grad_b[l]) {
                            *a += *v;
                        }
                    }
                }
            }
            for st in states {
                give_state(st);
            }
            Ok(())
        });
    }
    out
}
