//! Networks: the simple sinusoidal network, SIREN and a tanh MLP, sharing one
//! parameter layout (a stack of affine layers with a per-layer input scale).
//!
//! Every family is `y = W_L h + b_L` on top of hidden layers
//! `h_l = act(s_l (W_l h_{l-1} + b_l))`; they differ only in the activation,
//! the scales `s_l` and the initialization:
//!
//! | family      | act  | s_1 | s_l (l>1) | init                                         |
//! |-------------|------|-----|-----------|----------------------------------------------|
//! | simple sine | sin  | ω   | 1         | every W and b ~ N(0, 2/fan_in)               |
//! | SIREN       | sin  | ω₀  | ω₀        | W₁ ~ U(±1/n), W_l ~ U(±√(6/n)/ω₀), b ~ U(±1/√n) |
//! | tanh        | tanh | 1   | 1         | W ~ N(0, 2/(fan_in+fan_out)), b = 0          |

mod init;
mod save;

pub use init::{first_layer_weight_std, init_layers};
pub use save::{load, save, SavedNet};

use crate::config::{NetConfig, NetKind};
use crate::constraint::HardConstraints;
use crate::scalar::{real, Real};
use dfdx::prelude::*;
use std::sync::Arc;

/// Matrix with runtime shape: a batch of row vectors, or a weight matrix.
pub type Mat<E> = Tensor<(usize, usize), E, Cpu>;
/// Vector with runtime length: one value per point, or a bias.
pub type Vector<E> = Tensor<(usize,), E, Cpu>;

/// Hidden-layer activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Sin,
    Tanh,
}

/// One affine layer: `z = s · (a W + b)` with `W` stored as (fan_in, fan_out).
#[derive(Clone, Debug)]
pub struct Layer<E: Real> {
    pub w: Mat<E>,
    pub b: Vector<E>,
    /// Scale applied to the pre-activation (ω for the first sine layer).
    pub scale: f64,
}

/// A fully connected network with affine input normalization.
#[derive(Clone, Debug)]
pub struct Network<E: Real> {
    pub config: NetConfig,
    pub activation: Activation,
    /// Hidden layers followed by the linear output layer.
    pub layers: Vec<Layer<E>>,
    /// Per input: (centre, half-width) so that x_norm = (x − centre) / half-width ∈ [−1, 1].
    pub normalization: Vec<(f64, f64)>,
    /// Unknown coefficients of an inverse problem, as raw (unconstrained)
    /// scalars trained with the weights; the problem's bounds map them to
    /// values (see `unknowns::Bounds`). Empty for forward problems.
    pub unknowns: Vec<Tensor<(), E, Cpu>>,
    /// Outputs the network gives through a hard constraint u = g + d·N
    /// (see [`crate::constraint`]); None: every output is the network's own.
    pub hard: Option<Arc<HardConstraints>>,
    pub dev: Cpu,
}

impl<E: Real> Network<E>
where
    Cpu: Device<E>,
{
    /// Builds and initializes a network for inputs on `domain` ([lo, hi] per input).
    pub fn new(config: &NetConfig, domain: &[[f64; 2]], n_outputs: usize) -> Self {
        let dev = Cpu::default();
        let mut widths = vec![domain.len()];
        widths.extend(std::iter::repeat_n(config.width, config.depth));
        widths.push(n_outputs);
        let layers = init_layers(&dev, config, &widths);
        let activation = match config.kind {
            NetKind::SimpleSine | NetKind::Siren => Activation::Sin,
            NetKind::Tanh => Activation::Tanh,
        };
        let normalization = domain
            .iter()
            .map(|[lo, hi]| (0.5 * (lo + hi), 0.5 * (hi - lo)))
            .collect();
        Self {
            config: config.clone(),
            activation,
            layers,
            normalization,
            unknowns: Vec::new(),
            hard: None,
            dev,
        }
    }

    /// The same network with its outputs given through `hard`.
    pub fn with_hard_constraints(mut self, hard: Option<Arc<HardConstraints>>) -> Self {
        self.hard = hard;
        self
    }

    /// The same network with trainable scalars appended (raw values).
    pub fn with_unknowns(mut self, raw: &[f64]) -> Self {
        self.unknowns = raw
            .iter()
            .map(|&v| self.dev.tensor_from_vec(vec![real::<E>(v)], ()))
            .collect();
        self
    }

    /// The unknowns' raw parameters as numbers.
    pub fn unknown_raws(&self) -> Vec<f64> {
        self.unknowns.iter().map(|c| c.as_vec()[0].into()).collect()
    }

    pub fn n_inputs(&self) -> usize {
        self.normalization.len()
    }

    pub fn n_outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.b.shape().0)
    }

    /// Total number of trainable scalars (weights, biases and coefficients).
    pub fn n_params(&self) -> usize {
        self.n_layer_params() + self.unknowns.len()
    }

    /// Number of weights and biases.
    pub fn n_layer_params(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.w.shape().0 * l.w.shape().1 + l.b.shape().0)
            .sum()
    }

    /// All parameters as one f64 vector (layer by layer: W row-major, then
    /// b; then the coefficients).
    pub fn flat_params(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.n_params());
        for l in &self.layers {
            out.extend(l.w.as_vec().into_iter().map(Into::into));
            out.extend(l.b.as_vec().into_iter().map(Into::into));
        }
        out.extend(self.unknown_raws());
        out
    }

    /// Replaces all parameters from a vector laid out as [`Self::flat_params`].
    pub fn set_flat_params(&mut self, flat: &[f64]) {
        assert_eq!(flat.len(), self.n_params(), "parameter vector length");
        let mut at = 0;
        for l in &mut self.layers {
            let (r, c) = *l.w.shape();
            let w: Vec<E> = flat[at..at + r * c].iter().map(|&v| real(v)).collect();
            at += r * c;
            let b: Vec<E> = flat[at..at + c].iter().map(|&v| real(v)).collect();
            at += c;
            l.w = self.dev.tensor_from_vec(w, (r, c));
            l.b = self.dev.tensor_from_vec(b, (c,));
        }
        for (c, &v) in self.unknowns.iter_mut().zip(&flat[at..]) {
            *c = self.dev.tensor_from_vec(vec![real::<E>(v)], ());
        }
    }

    /// Maps physical points (one row of `n_inputs` coordinates each) to the
    /// network's normalized coordinates, as an (N, d) matrix.
    pub fn normalize(&self, points: &[Vec<f64>]) -> Mat<E> {
        let d = self.n_inputs();
        let mut data = Vec::with_capacity(points.len() * d);
        for p in points {
            for (i, &(c, h)) in self.normalization.iter().enumerate() {
                data.push(real((p[i] - c) / h));
            }
        }
        self.dev.tensor_from_vec(data, (points.len(), d))
    }
}

impl<E: Real> Network<E>
where
    Cpu: Device<E>,
{
    /// Pre-activations s·(aW + b) of every hidden layer at `points`, one
    /// vector (N × width, row-major) per layer: what the initialization is
    /// judged by (their spread should not drift with depth).
    pub fn preactivations(&self, points: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let mut a = self.normalize(points);
        let mut out = Vec::new();
        for layer in &self.layers[..self.layers.len() - 1] {
            let shape = (a.shape().0, layer.w.shape().1);
            let z = (a.matmul(layer.w.clone())
                + layer.b.clone().broadcast_like::<_, Axis<0>>(&shape))
                * real::<E>(layer.scale);
            out.push(z.as_vec().into_iter().map(Into::into).collect());
            a = match self.activation {
                Activation::Sin => z.sin(),
                Activation::Tanh => z.tanh(),
            };
        }
        out
    }
}
