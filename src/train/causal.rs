//! Causal training (Wang, Sankaran & Perdikaris 2024, "Respecting
//! causality for training physics-informed neural networks").
//!
//! A time-dependent residual minimized everywhere at once can settle on a
//! solution that is wrong early and right for the wrong reason later. The
//! time axis is cut into M equal chunks and the residual loss becomes
//!
//! ```text
//! L_r = (1/M) Σ_i w_i L_r(chunk i),   w_i = exp(−ε Σ_{k<i} L_r(chunk k) / L̄)
//! ```
//!
//! so a chunk counts only once every earlier one is small. L̄ is the mean
//! chunk loss at the first update, which makes ε scale-free: at the start
//! w_i ≈ exp(−ε·i) whatever the equation's units (the paper's ε = 1 is for
//! residuals of order one). As training lowers the early chunks' losses,
//! the later weights open towards 1.
//!
//! The weights are numbers, not part of the gradient (the paper's stop
//! gradient), and change only where the balance changes the term weights:
//! every `balance_every` Adam steps and where a quasi-Newton segment starts,
//! so the objective is fixed for each line search. Each point carries its
//! chunk's weight w_i·N/(M·n_i) (n_i points of N in chunk i), so the loss is
//! the weighted mean square and equals the plain one when every w_i = 1.

use serde::{Deserialize, Serialize};

/// The causal weights of one loss.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Causal {
    /// The time input and its interval.
    input: usize,
    span: [f64; 2],
    epsilon: f64,
    /// w_i per chunk, and L̄ once the first update has set it.
    pub weights: Vec<f64>,
    pub scale: Option<f64>,
}

impl Causal {
    /// Causal weights along input `input` over `span`, in `chunks` chunks.
    pub fn new(input: usize, span: [f64; 2], chunks: usize, epsilon: f64) -> Self {
        Self {
            input,
            span,
            epsilon,
            weights: vec![1.0; chunks.max(1)],
            scale: None,
        }
    }

    /// The chunk that holds `point`.
    fn chunk(&self, point: &[f64]) -> usize {
        let [lo, hi] = self.span;
        let m = self.weights.len();
        let s = (point[self.input] - lo) / (hi - lo);
        ((s * m as f64).floor().max(0.0) as usize).min(m - 1)
    }

    /// Per-point factors w_i·N/(M·n_i): the mean of factor × r² is
    /// (1/M) Σ_i w_i · mean of r² over chunk i.
    pub fn point_factors(&self, points: &[Vec<f64>]) -> Vec<f64> {
        let m = self.weights.len();
        let chunks: Vec<usize> = points.iter().map(|p| self.chunk(p)).collect();
        let mut counts = vec![0usize; m];
        for &c in &chunks {
            counts[c] += 1;
        }
        // Chunks without points drop out: the others share their 1/M.
        let filled = counts.iter().filter(|&&n| n > 0).count().max(1) as f64;
        let n = points.len() as f64;
        chunks
            .iter()
            .map(|&c| self.weights[c] * n / (filled * counts[c] as f64))
            .collect()
    }

    /// New weights from the squared residual `square[p]` at each of `points`.
    pub fn update(&mut self, points: &[Vec<f64>], square: &[f64]) {
        let m = self.weights.len();
        let (mut sum, mut count) = (vec![0.0; m], vec![0usize; m]);
        for (p, s) in points.iter().zip(square) {
            let c = self.chunk(p);
            sum[c] += s;
            count[c] += 1;
        }
        let losses: Vec<f64> = sum
            .iter()
            .zip(&count)
            .map(|(s, &n)| if n > 0 { s / n as f64 } else { 0.0 })
            .collect();
        let mean = losses.iter().sum::<f64>() / m as f64;
        if !mean.is_finite() || mean <= 0.0 {
            return;
        }
        let scale = *self.scale.get_or_insert(mean);
        let mut before = 0.0;
        for (w, l) in self.weights.iter_mut().zip(&losses) {
            *w = (-self.epsilon * before / scale).exp();
            before += l;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize) -> Vec<Vec<f64>> {
        (0..n).map(|i| vec![(i as f64 + 0.5) / n as f64]).collect()
    }

    #[test]
    fn equal_losses_give_exponentially_falling_weights_at_the_start() {
        let mut c = Causal::new(0, [0.0, 1.0], 4, 1.0);
        let pts = line(40);
        c.update(&pts, &[3.0; 40]);
        // Every chunk's loss is the mean L̄: w_i = exp(−i).
        for (i, w) in c.weights.iter().enumerate() {
            assert!((w - (-(i as f64)).exp()).abs() < 1e-12, "w_{i} = {w}");
        }
        // Once the losses are 1e-6 of L̄ every weight is 1 to 1e-5.
        c.update(&pts, &[3e-6; 40]);
        assert!(c.weights.iter().all(|w| (w - 1.0).abs() < 1e-5));
    }

    #[test]
    fn point_factors_average_to_the_chunk_weighted_mean() {
        let mut c = Causal::new(0, [0.0, 2.0], 2, 1.0);
        c.weights = vec![1.0, 0.25];
        // Three points in the first chunk, one in the second.
        let pts = vec![vec![0.1], vec![0.5], vec![0.9], vec![1.5]];
        let f = c.point_factors(&pts);
        let r2 = [1.0, 2.0, 3.0, 8.0];
        let weighted = f.iter().zip(&r2).map(|(f, r)| f * r).sum::<f64>() / 4.0;
        // (1/2)(1·mean(1,2,3) + 0.25·8) = (2 + 2)/2.
        assert!((weighted - 2.0).abs() < 1e-12);
        c.weights = vec![1.0, 1.0];
        let f = c.point_factors(&line(8));
        assert!(f.iter().all(|f| (f - 1.0).abs() < 1e-12));
    }
}
