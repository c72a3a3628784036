//! The `data` loss term of an inverse problem: mean squared misfit of the
//! network's outputs to the observations.

use crate::jet::{weighted_sum, Batch, Outputs, Tracer};
use crate::multi_index::MultiIndex;
use crate::net::{Network, Vector};
use crate::problem::Observations;
use crate::scalar::{real, Real};
use dfdx::prelude::*;

/// Observation points, prepared once, and the observed values.
pub(super) struct DataTerm<E: Real> {
    batch: Batch<E>,
    /// Observed outputs, by index, with their values at the batch's points.
    targets: Vec<(usize, Vector<E>)>,
}

impl<E: Real> DataTerm<E>
where
    Cpu: Device<E>,
{
    pub fn new(observations: &Observations, net: &Network<E>) -> Self {
        let n = observations.points.len();
        let targets = observations
            .outputs
            .iter()
            .zip(&observations.values)
            .map(|(&j, v)| {
                let v: Vec<E> = v.iter().map(|&x| real(x)).collect();
                (j, net.dev.tensor_from_vec(v, (n,)))
            })
            .collect();
        Self {
            batch: Batch::new(net, &observations.points),
            targets,
        }
    }

    /// (1/m) Σ_j mean_i (y_j(x_i) − y_obs_ij)² over the m observed outputs.
    pub fn loss<T: Tape<E, Cpu>>(
        &self,
        tr: &mut Tracer<E, T>,
        net: &Network<E>,
    ) -> Tensor<(), E, Cpu> {
        let value = MultiIndex::value();
        let mut outputs = Outputs::new(tr, net, &self.batch, std::slice::from_ref(&value));
        let misfits: Vec<Tensor<(), E, Cpu>> = self
            .targets
            .iter()
            .map(|(j, target)| {
                let pred = outputs.get(tr, *j, &value);
                let diff = tr.sub(&pred, target);
                tr.mean_square(&diff)
            })
            .collect();
        let share = vec![1.0 / misfits.len() as f64; misfits.len()];
        weighted_sum(tr, &misfits, &share)
    }
}
