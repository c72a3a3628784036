//! Gauss–Hermite quadrature by the Golub–Welsch method.
//!
//! The nodes of the n-point rule for ∫ e^{−s²} g(s) ds are the eigenvalues of
//! the symmetric tridiagonal Jacobi matrix of the Hermite recurrence (zero
//! diagonal, off-diagonal sqrt(k/2), k = 1..n−1). The unit eigenvector for
//! node x is proportional to (p_0(x), …, p_{n−1}(x)), the orthonormal Hermite
//! polynomials, so Golub–Welsch's weight sqrt(π)·v0² equals the Christoffel
//! number 1 / Σ_k p_k(x)². We evaluate that sum by the recurrence instead of
//! reading v0 from the eigen-solver: the solver gets v0 only to an absolute
//! 1e-16, which for n = 100 leaves the outer weights (true value ~1e-79) at
//! ~1e-33, and Cole–Hopf multiplies exactly those weights by e^{±1/(2πν)}
//! (~e^{100} apart for ν = 0.01/π), so the Burgers solution near the shock
//! comes out O(1) wrong. The recurrence gives every weight to relative
//! precision.

use nalgebra::{DMatrix, SymmetricEigen};

/// Nodes (ascending) and weights of the `n`-point Gauss–Hermite rule for
/// ∫ e^{−s²} g(s) ds ≈ Σ w_i g(s_i); exact for polynomials g of degree
/// ≤ 2n − 1. `n = 0` gives empty vectors.
pub fn gauss_hermite(n: usize) -> (Vec<f64>, Vec<f64>) {
    if n == 0 {
        return (Vec::new(), Vec::new());
    }
    let mut jacobi = DMatrix::<f64>::zeros(n, n);
    for k in 1..n {
        let off = (k as f64 / 2.0).sqrt();
        jacobi[(k - 1, k)] = off;
        jacobi[(k, k - 1)] = off;
    }
    let mut nodes: Vec<f64> = SymmetricEigen::new(jacobi)
        .eigenvalues
        .iter()
        .copied()
        .collect();
    nodes.sort_by(f64::total_cmp);
    let weights = nodes.iter().map(|&x| christoffel_weight(x, n)).collect();
    (nodes, weights)
}

/// 1 / Σ_{k<n} p_k(x)² for the Hermite polynomials orthonormal under e^{−s²}.
///
/// Runs the recurrence on r_k = π^{1/4} p_k(x) (so r_0 = 1):
/// r_{k+1} = sqrt(2/(k+1)) x r_k − sqrt(k/(k+1)) r_{k−1}. The terms grow like
/// e^{x²/2}, which overflows for n ≳ 350, so the running values are rescaled
/// and the scale is kept as a logarithm; tiny weights then underflow to 0
/// gracefully instead of becoming NaN.
fn christoffel_weight(x: f64, n: usize) -> f64 {
    const BIG: f64 = 1e100;
    let (mut prev, mut cur) = (0.0_f64, 1.0_f64);
    let mut sum = 1.0_f64;
    let mut log_scale = 0.0_f64; // r_k = cur · e^{log_scale}
    for k in 0..n.saturating_sub(1) {
        let kf = k as f64;
        let next = (2.0 / (kf + 1.0)).sqrt() * x * cur - (kf / (kf + 1.0)).sqrt() * prev;
        prev = cur;
        cur = next;
        sum += cur * cur;
        if cur.abs() > BIG {
            prev /= BIG;
            cur /= BIG;
            sum /= BIG * BIG;
            log_scale += BIG.ln();
        }
    }
    // Σ p_k² = π^{−1/2} · sum · e^{2·log_scale}.
    let log_w = 0.5 * std::f64::consts::PI.ln() - sum.ln() - 2.0 * log_scale;
    log_w.exp()
}
