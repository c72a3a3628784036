//! Hard constraints on a batch: D_α u for u = g + d·N,
//!
//!   D_α u = D_α g + Σ_{β ⊆ α} D_β d · D_{α∖β} N   (Leibniz over α's positions),
//!
//! with the jets of g and d (inputs only) computed once per batch by
//! [`TaylorPlan`] and kept as constant vectors; only D_γ N is on the tape.
//! Terms whose coefficient m·D_β d vanishes at every point are dropped, so on
//! a face where d = 0 the output is g with no dependence on the network.

use super::taylor::TaylorPlan;
use crate::constraint::HardConstraints;
use crate::multi_index::MultiIndex;
use crate::net::Vector;
use crate::scalar::{real, Real};
use dfdx::prelude::*;
use std::sync::{Arc, Mutex};

/// D_α of one constrained output, as constants and network derivatives.
#[derive(Debug)]
pub(super) struct Transformed<E: Real> {
    /// D_α g at every point; None where it is zero at all of them.
    pub offset: Option<Vector<E>>,
    /// (position γ of D_γ N in the index, m·D_β d at every point).
    pub terms: Vec<(usize, Vector<E>)>,
}

/// Per output (None: unconstrained), per multi-index of the jet index.
#[derive(Debug)]
pub(super) struct HardJets<E: Real> {
    pub outputs: Vec<Option<Vec<Transformed<E>>>>,
}

impl<E: Real> HardJets<E>
where
    Cpu: Device<E>,
{
    fn new(hard: &HardConstraints, index: &[MultiIndex], points: &[Vec<f64>], dev: &Cpu) -> Self {
        let plan = TaylorPlan::new(index);
        let column = |values: &dyn Fn(usize) -> f64| -> Option<Vector<E>> {
            let v: Vec<f64> = (0..points.len()).map(values).collect();
            v.iter()
                .any(|&x| x != 0.0)
                .then(|| dev.tensor_from_vec(v.into_iter().map(real).collect(), (points.len(),)))
        };
        let outputs = hard
            .outputs
            .iter()
            .map(|c| {
                let c = c.as_ref()?;
                let g: Vec<Vec<f64>> = points.iter().map(|p| plan.eval(&c.value, p)).collect();
                let d: Vec<Vec<f64>> = points.iter().map(|p| plan.eval(&c.distance, p)).collect();
                let per_index = plan
                    .products
                    .iter()
                    .enumerate()
                    .map(|(k, products)| Transformed {
                        offset: column(&|r| g[r][k]),
                        terms: products
                            .iter()
                            .filter_map(|t| {
                                let m = t.multiplicity as f64;
                                column(&|r| m * d[r][t.left]).map(|coef| (t.right, coef))
                            })
                            .collect(),
                    })
                    .collect();
                Some(per_index)
            })
            .collect();
        Self { outputs }
    }
}

/// A batch's hard-constraint jets, computed on first use for each jet index
/// asked for (a batch's points are fixed; a loss group asks for one index).
#[derive(Clone, Debug, Default)]
pub(super) struct HardCache<E: Real> {
    /// The physical points, kept when the network has constraints.
    points: Option<Arc<Vec<Vec<f64>>>>,
    jets: Arc<Mutex<Vec<Cached<E>>>>,
}

/// Jets keyed by the constraints (their address) and the jet index.
type Cached<E> = (usize, Vec<MultiIndex>, Arc<HardJets<E>>);

impl<E: Real> HardCache<E>
where
    Cpu: Device<E>,
{
    pub fn new(keep: bool, points: &[Vec<f64>]) -> Self {
        Self {
            points: keep.then(|| Arc::new(points.to_vec())),
            jets: Arc::default(),
        }
    }

    /// The jets of `hard` for `index`, or `fallback`'s points when the batch
    /// kept none (it was made for a network without constraints).
    pub fn get(
        &self,
        hard: &Arc<HardConstraints>,
        index: &[MultiIndex],
        fallback: impl FnOnce() -> Vec<Vec<f64>>,
        dev: &Cpu,
    ) -> Arc<HardJets<E>> {
        let key = Arc::as_ptr(hard) as usize;
        let mut jets = self.jets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, _, j)) = jets.iter().find(|(h, i, _)| *h == key && i == index) {
            return j.clone();
        }
        let made = match &self.points {
            Some(p) => HardJets::new(hard, index, p, dev),
            None => HardJets::new(hard, index, &fallback(), dev),
        };
        let made = Arc::new(made);
        jets.push((key, index.to_vec(), made.clone()));
        made
    }
}
