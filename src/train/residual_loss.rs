//! The PINN loss: weighted mean-squared residuals of every term on its points.

use super::Objective;
use crate::config::{Placement, RunConfig};
use crate::geometry::{Region, Sampler};
use crate::jet::{flatten_grads, weighted_sum, Batch, JetField, Outputs, Tracer};
use crate::multi_index::{closure, MultiIndex};
use crate::net::{Network, Vector};
use crate::problem::Problem;
use crate::scalar::{real, Real};
use crate::unknowns::Bounds;
use dfdx::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha12Rng;

use super::balance::balanced_weights;
use super::causal::Causal;
use super::data::DataTerm;
use crate::config::Balance;

/// The state of a [`ResidualLoss`]'s points, for checkpoints.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PointsState {
    pub groups: Vec<GroupPoints>,
    pub sampler: u32,
    pub rng: ChaCha12Rng,
    /// The terms' weights (an automatic balance changes them) and whether
    /// it has made its first update.
    pub weights: Vec<f64>,
    pub balanced: bool,
    /// The causal weights, when training is causal.
    pub causal: Option<Causal>,
}

/// One point group's points in a checkpoint.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupPoints {
    /// The current points, fresh and refined.
    pub points: Vec<Vec<f64>>,
    /// The refined points alone (kept across resampling).
    pub refined: Vec<Vec<f64>>,
}

/// Terms that share a point set (all interior residuals; each condition).
struct Group<E: Real> {
    region: Region,
    n_points: usize,
    terms: Vec<usize>,
    /// Output derivatives the group's terms read, closed under sub-multisets.
    index: Vec<MultiIndex>,
    /// Points added where the residual was largest; kept across resampling.
    refined: Vec<Vec<f64>>,
    /// The current points (fresh and refined) and their prepared batch.
    points: Vec<Vec<f64>>,
    batch: Option<Batch<E>>,
    /// For a periodic condition: the points' images on the upper face.
    twin: Option<Batch<E>>,
    /// √ of the causal factor of each point (interior residuals of a
    /// causal loss): the mean square of factor × residual is the causal loss.
    causal_roots: Option<Vector<E>>,
}

/// Loss assembly for a problem: the terms, their weights and their points.
pub struct ResidualLoss<E: Real> {
    problem: Problem,
    pub names: Vec<String>,
    pub weights: Vec<f64>,
    groups: Vec<Group<E>>,
    /// The observations' misfit, the last loss term (inverse problems).
    data: Option<DataTerm<E>>,
    /// How each unknown coefficient's raw parameter maps to its value.
    bounds: Vec<Bounds>,
    sampler: Sampler,
    /// Placement of fresh interior points, with RAD's (k, c).
    sampling: (Placement, f64, f64),
    /// Candidates scored per residual-based placement.
    candidates: usize,
    /// Draws RAD's points from the candidates.
    /// ChaCha12, the generator behind `StdRng`, named so a checkpoint can hold it.
    rng: ChaCha12Rng,
    /// How the weights are set, and whether the balance has made its first
    /// update (see `train::balance`).
    balance: Balance,
    balanced: bool,
    /// Causal weights along t for the interior residuals (`train::causal`).
    causal: Option<Causal>,
}

impl<E: Real> ResidualLoss<E>
where
    Cpu: Device<E>,
{
    /// Groups the problem's terms and draws a first set of points.
    pub fn new(problem: &Problem, config: &RunConfig, net: &Network<E>) -> Self {
        Self::with_seed(problem, config, net, net.config.seed)
    }

    /// As [`ResidualLoss::new`], with the point sets drawn from `seed`.
    ///
    /// `net` must carry the problem's unknown coefficients
    /// ([`Network::with_unknowns`] with [`Problem::raw_inits`]).
    pub fn with_seed(problem: &Problem, config: &RunConfig, net: &Network<E>, seed: u64) -> Self {
        assert_eq!(
            net.unknowns.len(),
            problem.pde.unknowns.len(),
            "the network carries one raw parameter per unknown coefficient"
        );
        let names = problem.term_names();
        let weights = names
            .iter()
            .map(|n| config.train.weights.get(n).copied().unwrap_or(1.0))
            .collect();
        let mut groups: Vec<Group<E>> = Vec::new();
        for (k, (_, region)) in problem.pde.terms.iter().enumerate() {
            let n_points = match region {
                Region::Interior => config.sampling.interior_points,
                _ => config.sampling.condition_points,
            };
            let shared = groups
                .iter_mut()
                .find(|g| *region == Region::Interior && g.region == Region::Interior);
            match shared {
                Some(g) => g.terms.push(k),
                None => groups.push(Group {
                    region: region.clone(),
                    n_points,
                    terms: vec![k],
                    index: Vec::new(),
                    refined: Vec::new(),
                    points: Vec::new(),
                    batch: None,
                    twin: None,
                    causal_roots: None,
                }),
            }
        }
        for g in &mut groups {
            let wanted: Vec<MultiIndex> = g
                .terms
                .iter()
                .flat_map(|&k| problem.pde.terms[k].0.expr.derivatives())
                .collect();
            g.index = closure(&wanted);
        }
        let mut objective = Self {
            problem: problem.clone(),
            names,
            weights,
            groups,
            data: problem.observations.as_ref().map(|o| DataTerm::new(o, net)),
            bounds: problem.pde.unknowns.iter().map(|u| u.bounds).collect(),
            sampler: problem.pde.sampler(seed),
            sampling: (
                config.sampling.placement,
                config.sampling.residual_exponent,
                config.sampling.residual_offset,
            ),
            candidates: config.sampling.candidates,
            rng: ChaCha12Rng::seed_from_u64(seed ^ 0x5A4D_504C),
            balance: config.train.balance_scheme(),
            balanced: false,
            causal: causal_weights(problem, config),
        };
        objective.resample(net);
        objective
    }

    /// Fresh points for group `gi`, plus its refined points.
    fn redraw(&mut self, net: &Network<E>, gi: usize) {
        let (region, n) = (self.groups[gi].region.clone(), self.groups[gi].n_points);
        let mut points = match (self.sampling, &region) {
            ((Placement::Residual, k, c), Region::Interior) => {
                self.draw_by_residual(net, gi, n, k, c)
            }
            _ => self.sampler.draw(&region, n),
        };
        points.extend(self.groups[gi].refined.iter().cloned());
        self.set_points(net, gi, points);
    }

    /// Makes `points` group `gi`'s points, with their batches.
    fn set_points(&mut self, net: &Network<E>, gi: usize, points: Vec<Vec<f64>>) {
        let region = self.groups[gi].region.clone();
        let mut batch = Batch::new(net, &points);
        let mut twin = None;
        match &region {
            Region::Interior => {}
            Region::Periodic { input } => {
                let images = self.sampler.periodic_twins(*input, &points);
                twin = Some(Batch::new(net, &images));
            }
            _ => {
                batch = batch.with_normals(net, &self.sampler.normals(&region, &points));
            }
        }
        let g = &mut self.groups[gi];
        g.batch = Some(batch);
        g.twin = twin;
        g.points = points;
        self.set_causal_roots(net, gi);
    }

    /// The causal factors of group `gi`'s points (interior only).
    fn set_causal_roots(&mut self, net: &Network<E>, gi: usize) {
        let g = &mut self.groups[gi];
        g.causal_roots = match (&self.causal, &g.region) {
            (Some(c), Region::Interior) => {
                let roots: Vec<E> = c
                    .point_factors(&g.points)
                    .iter()
                    .map(|f| real(f.sqrt()))
                    .collect();
                Some(net.dev.tensor_from_vec(roots, (g.points.len(),)))
            }
            _ => None,
        };
    }

    /// New causal weights from the unweighted squared residuals of the
    /// interior points (the paper's per-chunk residual losses).
    fn update_causal(&mut self, net: &Network<E>) {
        let Some(gi) = self
            .groups
            .iter()
            .position(|g| g.region == Region::Interior)
        else {
            return;
        };
        if self.causal.is_none() {
            return;
        }
        let points = self.groups[gi].points.clone();
        let ones = vec![1.0; self.weights.len()];
        let square = self.pointwise_residual(net, gi, &points, &ones);
        if let Some(c) = self.causal.as_mut() {
            c.update(&points, &square);
        }
        self.set_causal_roots(net, gi);
    }

    /// What a checkpoint keeps of the loss: every group's points (RAD's
    /// depend on the network when they were drawn, so they are kept, not
    /// redrawn), the refined points, and the state of both generators.
    pub fn points_state(&self) -> PointsState {
        PointsState {
            groups: self
                .groups
                .iter()
                .map(|g| GroupPoints {
                    points: g.points.clone(),
                    refined: g.refined.clone(),
                })
                .collect(),
            sampler: self.sampler.state(),
            rng: self.rng.clone(),
            weights: self.weights.clone(),
            balanced: self.balanced,
            causal: self.causal.clone(),
        }
    }

    /// Puts the loss back in the state of [`Self::points_state`]; an error
    /// when the state is of a loss with other groups.
    pub fn restore_points(&mut self, net: &Network<E>, state: PointsState) -> Result<(), String> {
        // Everything is checked before anything changes.
        if state.groups.len() != self.groups.len() {
            return Err(format!(
                "the checkpoint has {} point sets, the problem {}",
                state.groups.len(),
                self.groups.len()
            ));
        }
        let dim = net.n_inputs();
        let mut all = state
            .groups
            .iter()
            .flat_map(|g| g.points.iter().chain(&g.refined));
        if all.any(|p| p.len() != dim) {
            return Err(format!(
                "the checkpoint's points do not have {dim} coordinates"
            ));
        }
        if state.weights.len() != self.weights.len() {
            return Err(format!(
                "the checkpoint has {} loss weights, the problem {}",
                state.weights.len(),
                self.weights.len()
            ));
        }
        if state.causal.is_some() != self.causal.is_some() {
            return Err(
                "the checkpoint's training is causal where the run's is not, or the other way"
                    .into(),
            );
        }
        self.sampler.set_state(state.sampler);
        self.rng = state.rng;
        self.weights = state.weights;
        self.balanced = state.balanced;
        // Before the points: their causal factors come from these weights.
        self.causal = state.causal;
        for (gi, GroupPoints { points, refined }) in state.groups.into_iter().enumerate() {
            self.groups[gi].refined = refined;
            self.set_points(net, gi, points);
        }
        Ok(())
    }

    /// Sets how many interior points the next draw takes.
    pub fn set_interior_count(&mut self, n: usize) {
        for g in &mut self.groups {
            if g.region == Region::Interior {
                g.n_points = n;
            }
        }
    }

    /// The current interior collocation points (None without an interior term).
    pub fn interior_points(&self) -> Option<&[Vec<f64>]> {
        self.groups
            .iter()
            .find(|g| g.region == Region::Interior)
            .map(|g| g.points.as_slice())
    }

    /// RAD (Wu et al. 2023, "A comprehensive study of non-adaptive and
    /// residual-based adaptive sampling for PINNs"): `n` of the candidate
    /// points, drawn without replacement with probability ∝ ε^k/mean(ε^k) + c.
    /// The offset c keeps a uniform share, so no region is left empty; the
    /// residual share puts points where the solution is steep (a shock).
    fn draw_by_residual(
        &mut self,
        net: &Network<E>,
        gi: usize,
        n: usize,
        k: f64,
        c: f64,
    ) -> Vec<Vec<f64>> {
        let candidates = self.sampler.draw(&Region::Interior, self.candidates.max(n));
        let eps: Vec<f64> = self
            .pointwise_residual(net, gi, &candidates, &self.weights)
            .iter()
            .map(|s| s.sqrt().powf(k))
            .collect();
        let mean = eps.iter().sum::<f64>() / eps.len() as f64;
        let density = |i: usize| {
            let p = if mean > 0.0 { eps[i] / mean } else { 0.0 } + c;
            if p.is_finite() && p > 0.0 {
                p
            } else {
                c.max(f64::MIN_POSITIVE)
            }
        };
        match rand::seq::index::sample_weighted(&mut self.rng, candidates.len(), density, n) {
            Ok(picked) => picked.iter().map(|i| candidates[i].clone()).collect(),
            // Only if every weight is unusable: fall back to the first n (uniform) candidates.
            Err(_) => candidates.into_iter().take(n).collect(),
        }
    }

    /// Residual-based adaptive refinement (Lu et al., DeepXDE): evaluates the
    /// interior residuals on the configured number of fresh candidate points and adds the `keep`
    /// points where the weighted squared residual is largest to the interior
    /// set for good. Returns the mean weighted squared residual of the added
    /// points (0 if there is no interior term).
    pub fn refine(&mut self, net: &Network<E>, keep: usize) -> f64 {
        let Some(gi) = self
            .groups
            .iter()
            .position(|g| g.region == Region::Interior)
        else {
            return 0.0;
        };
        let points = self.sampler.draw(&Region::Interior, self.candidates);
        let score = self.pointwise_residual(net, gi, &points, &self.weights);
        let mut order: Vec<usize> = (0..points.len()).collect();
        order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
        order.truncate(keep);
        let added = order.iter().map(|&i| score[i]).sum::<f64>() / keep.max(1) as f64;
        self.groups[gi]
            .refined
            .extend(order.iter().map(|&i| points[i].clone()));
        self.redraw(net, gi);
        added
    }

    /// Σ_k w_k r_k² at each point for the terms of group `gi`.
    fn pointwise_residual(
        &self,
        net: &Network<E>,
        gi: usize,
        points: &[Vec<f64>],
        weights: &[f64],
    ) -> Vec<f64> {
        let g = &self.groups[gi];
        let mut score = vec![0.0; points.len()];
        let mut at = 0;
        for chunk in points.chunks(4096) {
            let mut tr = Tracer::<E, NoneTape>::new(&net.dev);
            let unknowns = tr.unknown_values(net, &self.bounds);
            let batch = Batch::new(net, chunk);
            let mut outputs = Outputs::new(&mut tr, net, &batch, &g.index);
            for &k in &g.terms {
                let r = self.problem.pde.terms[k]
                    .0
                    .expr
                    .eval(&mut JetField::new(&mut tr, &mut outputs).with_unknowns(&unknowns));
                for (s, v) in score[at..].iter_mut().zip(r.value.as_vec()) {
                    let v: f64 = v.into();
                    *s += weights[k] * v * v;
                }
            }
            at += chunk.len();
        }
        score
    }

    /// The gradient of every term's loss alone (one recorded pass per term).
    fn term_gradients(&self, net: &Network<E>) -> Vec<Vec<f64>> {
        (0..self.names.len())
            .map(|k| {
                let mut tr = Tracer::<E, OwnedTape<E, Cpu>>::new(&net.dev);
                let terms = self.term_losses(&mut tr, net);
                let mut one = vec![0.0; terms.len()];
                one[k] = 1.0;
                let total = weighted_sum(&mut tr, &terms, &one);
                flatten_grads(&tr.backward(&total, net))
            })
            .collect()
    }

    /// Mean-squared residual of every term, recorded on `tr`.
    fn term_losses<T: Tape<E, Cpu>>(
        &self,
        tr: &mut Tracer<E, T>,
        net: &Network<E>,
    ) -> Vec<Tensor<(), E, Cpu>> {
        let mut losses: Vec<Option<Tensor<(), E, Cpu>>> = vec![None; self.names.len()];
        let unknowns = tr.unknown_values(net, &self.bounds);
        for g in &self.groups {
            let batch = g.batch.as_ref().expect("points are drawn in new()");
            let mut outputs = Outputs::new(tr, net, batch, &g.index);
            if let Some(twin) = &g.twin {
                let mut images = Outputs::new(tr, net, twin, &g.index);
                for &k in &g.terms {
                    losses[k] = Some(self.periodic_loss(tr, k, &mut outputs, &mut images));
                }
                continue;
            }
            for &k in &g.terms {
                let r = self.problem.pde.terms[k]
                    .0
                    .expr
                    .eval(&mut JetField::new(tr, &mut outputs).with_unknowns(&unknowns));
                losses[k] = Some(match &g.causal_roots {
                    Some(roots) => {
                        let scaled = tr.mul(&r.value, roots);
                        tr.mean_square(&scaled)
                    }
                    None => tr.mean_square(&r.value),
                });
            }
        }
        if let Some(data) = &self.data {
            // The data term is named last (Problem::term_names).
            losses[self.names.len() - 1] = Some(data.loss(tr, net));
        }
        losses
            .into_iter()
            .map(|l| l.expect("every term belongs to a group"))
            .collect()
    }

    /// Σ over the quantities a periodic term matches (its expression's
    /// output derivatives) of the mean-squared difference between the lower
    /// face and its image on the upper face.
    fn periodic_loss<T: Tape<E, Cpu>>(
        &self,
        tr: &mut Tracer<E, T>,
        k: usize,
        lower: &mut Outputs<E>,
        upper: &mut Outputs<E>,
    ) -> Tensor<(), E, Cpu> {
        let parts = self.problem.pde.terms[k].0.expr.output_derivatives();
        let squares: Vec<Tensor<(), E, Cpu>> = parts
            .iter()
            .map(|(out, d)| {
                let (a, b) = (lower.get(tr, *out, d), upper.get(tr, *out, d));
                let jump = tr.sub(&a, &b);
                tr.mean_square(&jump)
            })
            .collect();
        weighted_sum(tr, &squares, &vec![1.0; squares.len()])
    }

    /// The unknown coefficients' values (through their bounds' transforms).
    pub fn unknown_values(&self, net: &Network<E>) -> Vec<f64> {
        self.bounds
            .iter()
            .zip(net.unknown_raws())
            .map(|(b, raw)| b.value(raw))
            .collect()
    }
}

impl<E: Real> Objective<E> for ResidualLoss<E>
where
    Cpu: Device<E>,
{
    fn names(&self) -> &[String] {
        &self.names
    }

    /// Per-term losses (unweighted) without recording a tape.
    fn losses(&self, net: &Network<E>) -> Vec<f64> {
        let mut tr = Tracer::<E, NoneTape>::new(&net.dev);
        self.term_losses(&mut tr, net)
            .iter()
            .map(|l| l.as_vec()[0].into())
            .collect()
    }

    /// Per-term losses and the gradient of the weighted total with respect to
    /// every parameter (see [`crate::jet::Recording::backward`]).
    fn losses_and_gradient(&self, net: &Network<E>) -> (Vec<f64>, Vec<f64>) {
        let mut tr = Tracer::<E, OwnedTape<E, Cpu>>::new(&net.dev);
        let terms = self.term_losses(&mut tr, net);
        let values = terms.iter().map(|l| l.as_vec()[0].into()).collect();
        let total = weighted_sum(&mut tr, &terms, &self.weights);
        (values, flatten_grads(&tr.backward(&total, net)))
    }

    fn total(&self, losses: &[f64]) -> f64 {
        losses.iter().zip(&self.weights).map(|(l, w)| l * w).sum()
    }

    /// Draws fresh collocation points for every group (refined points stay).
    fn resample(&mut self, net: &Network<E>) {
        for gi in 0..self.groups.len() {
            self.redraw(net, gi);
        }
    }

    fn rebalance(&mut self, net: &Network<E>) -> Option<Vec<f64>> {
        self.update_causal(net);
        if self.balance == Balance::Fixed {
            return None;
        }
        let grads = self.term_gradients(net);
        // The PDE residuals are the interior terms; conditions and the data
        // term (named last, beyond the PDE's terms) are not.
        let residual: Vec<bool> = (0..self.names.len())
            .map(|k| {
                let term = self.problem.pde.terms.get(k);
                term.is_some_and(|(_, r)| *r == Region::Interior)
            })
            .collect();
        let first = !self.balanced;
        self.weights = balanced_weights(self.balance, &grads, &residual, &self.weights, first);
        self.balanced = true;
        Some(self.weights.clone())
    }

    fn set_weights(&mut self, weights: &[f64]) {
        self.weights = weights.to_vec();
    }
}

/// The causal weights a run asks for: along the input named `t`, when the
/// problem has one and `[train] causal` is on.
fn causal_weights(problem: &Problem, config: &RunConfig) -> Option<Causal> {
    let t = problem.pde.time_input()?;
    config.train.causal.then(|| {
        Causal::new(
            t,
            problem.pde.domain[t],
            config.train.causal_chunks,
            config.train.causal_epsilon,
        )
    })
}
