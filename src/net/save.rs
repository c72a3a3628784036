//! Saving and loading trained networks as JSON (config, normalization, parameters).

use super::{Network, Real};
use crate::config::NetConfig;
use crate::constraint::HardConstraints;
use dfdx::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The on-disk form of a network.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SavedNet {
    pub config: NetConfig,
    /// Per input: (centre, half-width) of the normalization.
    pub normalization: Vec<(f64, f64)>,
    /// Layer widths [inputs, hidden…, outputs].
    pub widths: Vec<usize>,
    /// Weights and biases, laid out as [`Network::flat_params`].
    pub params: Vec<f64>,
    /// Raw parameters of the unknown coefficients of an inverse problem
    /// (none for forward problems); `coefficients` in earlier files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(alias = "coefficients")]
    pub unknowns: Vec<f64>,
    /// The outputs' hard constraints: the model's outputs are g + d·N, not
    /// the raw network's N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard_constraints: Option<HardConstraints>,
}

/// Captures a network for writing.
pub fn save<E: Real>(net: &Network<E>) -> SavedNet
where
    Cpu: Device<E>,
{
    let mut widths = vec![net.n_inputs()];
    widths.extend(net.layers.iter().map(|l| l.w.shape().1));
    SavedNet {
        config: net.config.clone(),
        normalization: net.normalization.clone(),
        widths,
        params: net.flat_params()[..net.n_layer_params()].to_vec(),
        unknowns: net.unknown_raws(),
        hard_constraints: net.hard.as_deref().cloned(),
    }
}

/// Rebuilds a network; errors when the parameter count does not match the widths.
pub fn load<E: Real>(saved: &SavedNet) -> Result<Network<E>, String>
where
    Cpu: Device<E>,
{
    let w = &saved.widths;
    if w.len() < 2 || w[1..w.len() - 1].iter().any(|&h| h != saved.config.width) {
        return Err(format!("layer widths {w:?} do not match the saved config"));
    }
    let domain: Vec<[f64; 2]> = saved
        .normalization
        .iter()
        .map(|&(c, h)| [c - h, c + h])
        .collect();
    if domain.len() != w[0] {
        return Err("normalization does not match the input count".into());
    }
    let mut net = Network::<E>::new(&saved.config, &domain, w[w.len() - 1])
        .with_unknowns(&saved.unknowns)
        .with_hard_constraints(saved.hard_constraints.clone().map(Arc::new));
    if saved.params.len() != net.n_layer_params() {
        return Err(format!(
            "{} parameters saved, {} expected",
            saved.params.len(),
            net.n_layer_params()
        ));
    }
    let mut all = saved.params.clone();
    all.extend(&saved.unknowns);
    net.set_flat_params(&all);
    net.normalization = saved.normalization.clone();
    Ok(net)
}
