//! Exact viscous Burgers solution by the Cole–Hopf transform.
//!
//! For u_t + u u_x = ν u_xx with u(0, x) = −sin(πx) (periodic extension, so
//! u(t, ±1) = 0), Cole–Hopf gives
//!   u(t, x) = −∫ sin(π(x−η)) f(x−η) e^{−η²/4νt} dη / ∫ f(x−η) e^{−η²/4νt} dη,
//!   f(y) = exp(−cos(πy) / (2πν)).
//! With η = sqrt(4νt)·s both integrals take the Gauss–Hermite form
//! ∫ e^{−s²} g(s) ds; the common factor sqrt(4νt) cancels in the ratio.

use super::gauss_hermite::gauss_hermite;
use std::f64::consts::PI;

/// Default number of Gauss–Hermite nodes: 100 matches the published reference
/// grid (`tests/data/burgers_reference.csv`) to about 4e-11.
pub const DEFAULT_NODES: usize = 100;

/// Cole–Hopf evaluator for Burgers' equation on x ∈ [−1, 1] with
/// u(0, x) = −sin(πx) and viscosity ν; precomputes the quadrature rule.
#[derive(Clone, Debug)]
pub struct BurgersColeHopf {
    nu: f64,
    nodes: Vec<f64>,
    weights: Vec<f64>,
}

impl BurgersColeHopf {
    /// Evaluator with viscosity `nu` and [`DEFAULT_NODES`] quadrature nodes.
    pub fn new(nu: f64) -> Self {
        Self::with_nodes(nu, DEFAULT_NODES)
    }

    /// Evaluator with an explicit number of Gauss–Hermite nodes.
    pub fn with_nodes(nu: f64, n: usize) -> Self {
        let (nodes, weights) = gauss_hermite(n);
        Self { nu, nodes, weights }
    }

    /// Viscosity ν.
    pub fn nu(&self) -> f64 {
        self.nu
    }

    /// u(t, x). `t <= 0` returns the initial condition −sin(πx).
    pub fn u(&self, t: f64, x: f64) -> f64 {
        if t <= 0.0 {
            return -(PI * x).sin();
        }
        let scale = (4.0 * self.nu * t).sqrt();
        let inv = 1.0 / (2.0 * PI * self.nu);
        // f(y) = exp(−cos(πy)/(2πν)) reaches e^{±1/(2πν)}, which overflows
        // for small ν; the ratio is unchanged by a common factor, so shift
        // every exponent by the largest one before exponentiating.
        let exponents: Vec<f64> = self
            .nodes
            .iter()
            .map(|s| -(PI * (x - scale * s)).cos() * inv)
            .collect();
        let shift = exponents.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (mut num, mut den) = (0.0, 0.0);
        for ((s, w), e) in self.nodes.iter().zip(&self.weights).zip(&exponents) {
            let fw = w * (e - shift).exp();
            num += (PI * (x - scale * s)).sin() * fw;
            den += fw;
        }
        -num / den
    }
}
