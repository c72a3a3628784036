//! Adam (Kingma & Ba 2015) on the flattened parameters.
//!
//! dfdx's own Adam needs const-shaped modules (or storage types that generic
//! code cannot name), and the update is a few lines, so it lives here, in
//! f64 whatever the network's precision.

/// Adam state for a parameter vector.
pub struct Adam {
    beta1: f64,
    beta2: f64,
    eps: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    /// Standard hyperparameters β = (0.9, 0.999), ε = 1e-8.
    pub fn new(n_params: usize) -> Self {
        Self {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            m: vec![0.0; n_params],
            v: vec![0.0; n_params],
            t: 0,
        }
    }

    /// Updates `params` in place from `grad` with learning rate `lr`.
    pub fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        self.t += 1;
        let c1 = 1.0 - self.beta1.powi(self.t);
        let c2 = 1.0 - self.beta2.powi(self.t);
        for (((p, g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            *m = self.beta1 * *m + (1.0 - self.beta1) * g;
            *v = self.beta2 * *v + (1.0 - self.beta2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + self.eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_moves_each_parameter_by_lr() {
        // With bias correction the first step is lr·g/(|g| + ε) ≈ lr·sign(g).
        let mut adam = Adam::new(2);
        let mut p = vec![1.0, -1.0];
        adam.step(&mut p, &[0.5, -2.0], 0.1);
        let want = [
            1.0 - 0.1 * 0.5 / (0.5 + 1e-8),
            -1.0 + 0.1 * 2.0 / (2.0 + 1e-8),
        ];
        assert!(
            (p[0] - want[0]).abs() < 1e-15 && (p[1] - want[1]).abs() < 1e-15,
            "{p:?}"
        );
    }

    #[test]
    fn minimizes_a_quadratic() {
        let mut adam = Adam::new(1);
        let mut p = vec![3.0];
        for _ in 0..2000 {
            let g = [2.0 * (p[0] - 1.0)];
            adam.step(&mut p, &g, 0.05);
        }
        assert!((p[0] - 1.0).abs() < 1e-3, "{p:?}");
    }
}
