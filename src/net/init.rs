//! Parameter initialization for each network family.

use super::{real, Layer, Real};
use crate::config::{NetConfig, NetKind};
use dfdx::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal, Uniform};

/// How to draw one layer's weights and biases, from the family and position.
fn distributions(
    kind: NetKind,
    omega: f64,
    fan_in: usize,
    fan_out: usize,
    first: bool,
) -> (Draw, Draw) {
    let n = fan_in as f64;
    match kind {
        // Kaiming/He normal for every parameter: N(0, 2/fan_in).
        NetKind::SimpleSine => {
            let std = (2.0 / n).sqrt();
            (Draw::Normal(std), Draw::Normal(std))
        }
        // Sitzmann et al. (2020): first layer U(−1/n, 1/n), later layers
        // U(−√(6/n)/ω₀, √(6/n)/ω₀); biases keep PyTorch's Linear default U(±1/√n).
        NetKind::Siren => {
            let w = if first {
                1.0 / n
            } else {
                (6.0 / n).sqrt() / omega
            };
            (Draw::Uniform(w), Draw::Uniform(1.0 / n.sqrt()))
        }
        // Glorot/Xavier normal weights, zero biases (Raissi et al. 2019).
        NetKind::Tanh => {
            let std = (2.0 / (n + fan_out as f64)).sqrt();
            (Draw::Normal(std), Draw::Zero)
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Draw {
    Normal(f64),
    Uniform(f64),
    Zero,
}

impl Draw {
    /// Standard deviation of one draw.
    fn std(self) -> f64 {
        match self {
            Draw::Normal(std) => std,
            // U(−a, a) has variance a²/3.
            Draw::Uniform(a) => a / 3f64.sqrt(),
            Draw::Zero => 0.0,
        }
    }

    fn sample(self, rng: &mut StdRng, n: usize) -> Vec<f64> {
        match self {
            Draw::Normal(std) => {
                let d = Normal::new(0.0, std).expect("finite positive std");
                (0..n).map(|_| d.sample(rng)).collect()
            }
            Draw::Uniform(a) => {
                let d = Uniform::new_inclusive(-a, a);
                (0..n).map(|_| d.sample(rng)).collect()
            }
            Draw::Zero => vec![0.0; n],
        }
    }
}

/// Standard deviation of the first layer's weights at initialization, for
/// `input_dim` inputs and hidden `width` (the kernel bandwidth scales with it).
pub fn first_layer_weight_std(config: &NetConfig, input_dim: usize) -> f64 {
    let (w, _) = distributions(
        config.kind,
        config.omega_value(),
        input_dim,
        config.width,
        true,
    );
    w.std()
}

/// Draws all layers for the layer widths `widths` = [inputs, hidden…, outputs].
pub fn init_layers<E: Real>(dev: &Cpu, config: &NetConfig, widths: &[usize]) -> Vec<Layer<E>>
where
    Cpu: Device<E>,
{
    let mut rng = StdRng::seed_from_u64(config.seed);
    let n_layers = widths.len() - 1;
    (0..n_layers)
        .map(|l| {
            let (fan_in, fan_out) = (widths[l], widths[l + 1]);
            let (first, last) = (l == 0, l + 1 == n_layers);
            let (wd, bd) = distributions(config.kind, config.omega_value(), fan_in, fan_out, first);
            let w: Vec<E> = wd
                .sample(&mut rng, fan_in * fan_out)
                .into_iter()
                .map(real)
                .collect();
            let b: Vec<E> = bd.sample(&mut rng, fan_out).into_iter().map(real).collect();
            let scale = match (config.kind, first, last) {
                (_, _, true) | (NetKind::Tanh, _, _) => 1.0,
                (NetKind::SimpleSine, true, _) | (NetKind::Siren, _, _) => config.omega_value(),
                (NetKind::SimpleSine, false, _) => 1.0,
            };
            Layer {
                w: dev.tensor_from_vec(w, (fan_in, fan_out)),
                b: dev.tensor_from_vec(b, (fan_out,)),
                scale,
            }
        })
        .collect()
}
