//! Automatic loss weights from the terms' parameter gradients.
//!
//! Both schemes look at the gradient ∇θ L_i of every term's mean-squared
//! loss on the current points and set the weights so that no term's pull on
//! the parameters drowns the others':
//! - `grad-norm` (Wang, Wang & Perdikaris 2023; jaxpi's `grad_norm`):
//!   λ̂_i = Σ_j ‖∇L_j‖ / ‖∇L_i‖, so every weighted gradient has the same norm;
//! - `annealing` (Wang, Teng & Perdikaris 2021, Algorithm 1): residuals keep
//!   weight 1 and every other term gets λ̂_i = max|∇L_r| / mean|∇L_i|, L_r the
//!   sum of the residuals.
//!
//! The new weights are a moving average λ ← α·λ + (1 − α)·λ̂ with α =
//! [`MOMENTUM`] (0.9 in both papers), except at the first update, which
//! takes λ̂ as it is: the starting weights are a guess, not a history, and
//! averaging from them would leave a 1e4 imbalance at 1e3 for a dozen updates.
//!
//! When they change: every `balance_every` Adam steps, and in the
//! quasi-Newton phase only where a segment starts (the points change there
//! too). Between those the objective is fixed, as a line search and a
//! curvature model need. The model is carried across the change as it is
//! across a point change, not reset: the self-scaled update rescales the
//! whole inverse Hessian by the next step's measured curvature, which takes
//! up the change of overall scale at once, and later updates correct its
//! directions (a reset would throw away thousands of iterations' worth of
//! curvature each segment); L-BFGS takes its
//! initial matrix γI from the newest pair at every iteration, and the pairs
//! of the old weights leave its memory as new ones come in.

use crate::config::Balance;

/// Weight of the previous weights in the moving average.
pub const MOMENTUM: f64 = 0.9;

/// The weights `scheme` gives terms with gradients `grads` (one flat vector
/// per term; `residual[i]` says whether term i is a PDE residual), from the
/// current weights `old`; `first` marks the first update (no averaging).
/// A term with a zero gradient keeps its weight; `fixed` changes nothing.
pub fn balanced_weights(
    scheme: Balance,
    grads: &[Vec<f64>],
    residual: &[bool],
    old: &[f64],
    first: bool,
) -> Vec<f64> {
    let target: Vec<Option<f64>> = match scheme {
        Balance::Fixed => return old.to_vec(),
        Balance::GradNorm => {
            let norms: Vec<f64> = grads.iter().map(|g| norm(g)).collect();
            let sum: f64 = norms.iter().sum();
            norms.iter().map(|&n| (n > 0.0).then(|| sum / n)).collect()
        }
        Balance::Annealing => {
            let n = grads.first().map_or(0, Vec::len);
            let mut r = vec![0.0; n];
            for (g, _) in grads.iter().zip(residual).filter(|(_, &is)| is) {
                for (a, b) in r.iter_mut().zip(g) {
                    *a += b;
                }
            }
            let max_r = r.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            grads
                .iter()
                .zip(residual)
                .map(|(g, &is)| {
                    let mean = g.iter().map(|v| v.abs()).sum::<f64>() / g.len().max(1) as f64;
                    match is {
                        true => Some(1.0),
                        false => (mean > 0.0 && max_r > 0.0).then(|| max_r / mean),
                    }
                })
                .collect()
        }
    };
    target
        .iter()
        .zip(old)
        .map(|(t, &w)| match t {
            Some(t) if t.is_finite() && first => *t,
            Some(t) if t.is_finite() => MOMENTUM * w + (1.0 - MOMENTUM) * t,
            _ => w,
        })
        .collect()
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grad_norm_equalizes_the_weighted_gradients_then_averages() {
        let grads = vec![vec![3.0, 4.0], vec![0.0, 0.5]];
        let w = balanced_weights(Balance::GradNorm, &grads, &[true, false], &[1.0, 1.0], true);
        // Norms 5 and 0.5, sum 5.5: weights 1.1 and 11.
        assert!(
            (w[0] - 1.1).abs() < 1e-12 && (w[1] - 11.0).abs() < 1e-12,
            "{w:?}"
        );
        let next = balanced_weights(
            Balance::GradNorm,
            &grads,
            &[true, false],
            &[2.0, 1.0],
            false,
        );
        assert!(
            (next[0] - (0.9 * 2.0 + 0.1 * 1.1)).abs() < 1e-12,
            "{next:?}"
        );
        assert!((next[1] - (0.9 + 0.1 * 11.0)).abs() < 1e-12, "{next:?}");
    }

    #[test]
    fn annealing_sets_max_of_the_residual_over_mean_of_the_condition() {
        let grads = vec![vec![1.0, -6.0], vec![2.0, 2.0], vec![0.5, -1.5]];
        let w = balanced_weights(
            Balance::Annealing,
            &grads,
            &[true, true, false],
            &[1.0, 1.0, 1.0],
            true,
        );
        // Residual sum (3, −4): max 4; the condition's mean |g| is 1.
        assert_eq!(w, vec![1.0, 1.0, 4.0]);
    }

    #[test]
    fn a_zero_gradient_keeps_its_weight_and_fixed_changes_nothing() {
        let grads = vec![vec![1.0], vec![0.0]];
        let w = balanced_weights(Balance::GradNorm, &grads, &[true, false], &[1.0, 7.0], true);
        assert_eq!(w[1], 7.0);
        let fixed = balanced_weights(Balance::Fixed, &grads, &[true, false], &[3.0, 7.0], true);
        assert_eq!(fixed, vec![3.0, 7.0]);
    }
}
