//! Value-only regression: the network's outputs (the empty derivative set)
//! against target values, for fitting a signal rather than an equation.

use super::{flatten_grads, weighted_sum, Batch, Evaluating, Outputs, Recording, Tracer};
use crate::multi_index::MultiIndex;
use crate::net::{Network, Vector};
use crate::scalar::{real, Real};
use dfdx::prelude::*;

/// Target values on a batch, one vector per network output.
#[derive(Clone, Debug)]
pub struct Targets<E: Real> {
    per_output: Vec<Vector<E>>,
}

impl<E: Real> Targets<E>
where
    Cpu: Device<E>,
{
    /// `values[j]` holds output `j` at every point of the batch, in order.
    pub fn new(net: &Network<E>, values: &[Vec<f64>]) -> Self {
        let per_output = values
            .iter()
            .map(|v| {
                let data: Vec<E> = v.iter().map(|&x| real(x)).collect();
                net.dev.tensor_from_vec(data, (v.len(),))
            })
            .collect();
        Self { per_output }
    }
}

/// The mean squared error over every point and output (each output weighs
/// the same), recorded on `tr`.
fn mse_on<E: Real, T: Tape<E, Cpu>>(
    tr: &mut Tracer<E, T>,
    net: &Network<E>,
    batch: &Batch<E>,
    targets: &Targets<E>,
) -> Tensor<(), E, Cpu>
where
    Cpu: Device<E>,
{
    let value = MultiIndex::value();
    let mut outputs = Outputs::new(tr, net, batch, std::slice::from_ref(&value));
    let per_output: Vec<Tensor<(), E, Cpu>> = targets
        .per_output
        .iter()
        .enumerate()
        .map(|(j, target)| {
            let pred = outputs.get(tr, j, &value);
            let residual = tr.sub(&pred, target);
            tr.mean_square(&residual)
        })
        .collect();
    let weights = vec![1.0 / per_output.len().max(1) as f64; per_output.len()];
    weighted_sum(tr, &per_output, &weights)
}

/// Mean squared error over every point and output, without a tape.
pub fn mse<E: Real>(net: &Network<E>, batch: &Batch<E>, targets: &Targets<E>) -> f64
where
    Cpu: Device<E>,
{
    let mut tr = Evaluating::<E>::new(&net.dev);
    mse_on(&mut tr, net, batch, targets).as_vec()[0].into()
}

/// Mean squared error over every point and output (each output weighs the
/// same), and its gradient laid out as [`Network::flat_params`].
pub fn mse_and_gradient<E: Real>(
    net: &Network<E>,
    batch: &Batch<E>,
    targets: &Targets<E>,
) -> (f64, Vec<f64>)
where
    Cpu: Device<E>,
{
    let mut tr = Recording::<E>::new(&net.dev);
    let total = mse_on(&mut tr, net, batch, targets);
    let loss: f64 = total.as_vec()[0].into();
    (loss, flatten_grads(&tr.backward(&total, net)))
}
