//! What the optimizer phases minimize.

use crate::net::Network;
use crate::scalar::Real;

/// A loss of the network's parameters: named terms, a weighted total, and
/// the training points it is measured on, which may change between steps.
pub trait Objective<E: Real> {
    /// The terms' names, in the order of [`Self::losses`].
    fn names(&self) -> &[String];
    /// Per-term losses (unweighted), without a tape.
    fn losses(&self, net: &Network<E>) -> Vec<f64>;
    /// Per-term losses and the gradient of the weighted total, laid out as
    /// [`Network::flat_params`].
    fn losses_and_gradient(&self, net: &Network<E>) -> (Vec<f64>, Vec<f64>);
    /// Weighted total of per-term losses.
    fn total(&self, losses: &[f64]) -> f64;
    /// Moves on to fresh training points (new collocation points, the next
    /// minibatch); the loss before and after are not comparable.
    fn resample(&mut self, net: &Network<E>);
    /// Updates the terms' weights, when the objective balances them
    /// (`train::balance`), and returns the new ones; None: unchanged.
    fn rebalance(&mut self, _net: &Network<E>) -> Option<Vec<f64>> {
        None
    }
    /// Takes the weights another objective of the same terms chose (the
    /// held-out loss follows the training loss's balance).
    fn set_weights(&mut self, _weights: &[f64]) {}
}
