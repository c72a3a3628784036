//! Statistics of pre-activations and activations per hidden layer at
//! initialization (the simple sine network keeps them stable with depth,
//! like SIREN; README, "ω from the kernel bandwidth", the initialization
//! check), on random inputs in [−1, 1]^d.

use crate::config::NetConfig;
use crate::net::{Activation, Network};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Values of one quantity in one layer, summarized.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSummary {
    pub mean: f64,
    pub std: f64,
    /// Centres of the histogram bins.
    pub centers: Vec<f64>,
    /// Probability density per bin.
    pub density: Vec<f64>,
}

/// Equal-width histogram bins over [lo, hi]; values outside are not counted
/// (the density then integrates to less than 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bins {
    pub lo: f64,
    pub hi: f64,
    pub count: usize,
}

impl Bins {
    /// Bins for activations of either family: sin and tanh lie in [−1, 1].
    pub fn activations(count: usize) -> Self {
        Self {
            lo: -1.0,
            hi: 1.0,
            count,
        }
    }

    /// Symmetric bins [−m, m] around 0 covering every value given.
    pub fn symmetric_cover<'a>(values: impl IntoIterator<Item = &'a f64>, count: usize) -> Self {
        let m = values.into_iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let m = if m > 0.0 { m } else { 1.0 };
        Self {
            lo: -m,
            hi: m,
            count,
        }
    }

    pub fn width(&self) -> f64 {
        (self.hi - self.lo) / self.count as f64
    }

    pub fn centers(&self) -> Vec<f64> {
        let w = self.width();
        (0..self.count)
            .map(|k| self.lo + w * (k as f64 + 0.5))
            .collect()
    }

    /// Mean, standard deviation and histogram density of `values`.
    pub fn summarize(&self, values: &[f64]) -> LayerSummary {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let w = self.width();
        let mut counts = vec![0usize; self.count];
        for &v in values {
            if (self.lo..=self.hi).contains(&v) {
                counts[(((v - self.lo) / w) as usize).min(self.count - 1)] += 1;
            }
        }
        LayerSummary {
            mean,
            std: var.sqrt(),
            centers: self.centers(),
            density: counts.iter().map(|&c| c as f64 / (n * w)).collect(),
        }
    }
}

/// Every hidden layer's pre-activations and activations at init: one vector
/// (points × width values) per layer each.
#[derive(Clone, Debug)]
pub struct LayerValues {
    pub preactivations: Vec<Vec<f64>>,
    pub activations: Vec<Vec<f64>>,
}

/// The values of `config`'s network (its seed) on `points` inputs drawn
/// uniformly from [−1, 1]^`input_dim` with `point_seed`.
pub fn layer_values(
    config: &NetConfig,
    input_dim: usize,
    points: usize,
    point_seed: u64,
) -> LayerValues {
    let domain = vec![[-1.0, 1.0]; input_dim];
    let net = Network::<f64>::new(config, &domain, 1);
    let mut rng = StdRng::seed_from_u64(point_seed);
    let xs: Vec<Vec<f64>> = (0..points)
        .map(|_| (0..input_dim).map(|_| rng.gen_range(-1.0..=1.0)).collect())
        .collect();
    let preactivations = net.preactivations(&xs);
    let act = |z: f64| match net.activation {
        Activation::Sin => z.sin(),
        Activation::Tanh => z.tanh(),
    };
    let activations = preactivations
        .iter()
        .map(|z| z.iter().map(|&v| act(v)).collect())
        .collect();
    LayerValues {
        preactivations,
        activations,
    }
}
