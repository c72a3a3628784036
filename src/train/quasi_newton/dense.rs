//! The full-memory model of BFGS: the inverse Hessian H as a dense n×n
//! matrix, with optional self-scaling.
//!
//! A curvature pair's information never expires here, unlike in L-BFGS;
//! on the Burgers problem L-BFGS improved steadily with its memory (100 →
//! 1000 pairs), and dense BFGS is that trend's limit. Its cost is n² per
//! iteration in memory traffic (one matrix–vector product and one rank-2
//! update per step), which suits networks up to a few thousand parameters.
//!
//! Self-scaling (Oren & Luenberger 1974; Al-Baali's choice, as in Urbán,
//! Stefanou & Pons 2025, J. Comput. Phys. 523, "Unveiling the optimization
//! process of physics informed neural networks") multiplies the old model by
//! 1/τ before each update, τ = min(1, sᵀy / sᵀBs) with B = H⁻¹: when the
//! model overestimates the curvature along the step, the whole matrix is
//! relaxed rather than only the direction of the step.

use super::solver::{Curvature, QuasiNewton};
use rayon::prelude::*;

/// BFGS with a dense inverse Hessian.
pub type Bfgs = QuasiNewton<DenseInverse>;

impl Bfgs {
    pub fn dense(self_scaling: bool, tol_grad: f64) -> Self {
        QuasiNewton::new(DenseInverse::new(self_scaling), tol_grad)
    }
}

/// The inverse Hessian model H, row-major; empty until the first pair (then
/// H₀ = γI with γ = sᵀy / yᵀy, Nocedal & Wright eq. 6.20).
///
/// The matrix is the only large object, so each iteration passes over it
/// once: the rank-2 update of a step is held back (`pending`) and applied
/// row by row in the same pass that multiplies H by the next gradient, and
/// the next search direction follows from that product algebraically.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DenseInverse {
    n: usize,
    /// H with `pending` still to apply.
    h: Vec<f64>,
    pending: Option<Update>,
    self_scaling: bool,
    /// The gradient g of the last direction asked for, and d = −H·g: the
    /// line search's step is a multiple of d, which gives sᵀBs without B
    /// and H·g without another product.
    last: Option<(Vec<f64>, Vec<f64>)>,
    /// The next direction, known before it is asked for: (g, −H·g).
    next: Option<(Vec<f64>, Vec<f64>)>,
    /// Pairs learnt (skipped ones not counted).
    updates: usize,
}

/// H ← scale·H − ρ(s uᵀ + u sᵀ) + c ssᵀ.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Update {
    scale: f64,
    s: Vec<f64>,
    u: Vec<f64>,
    rho: f64,
    c: f64,
}

impl DenseInverse {
    pub fn new(self_scaling: bool) -> Self {
        Self {
            n: 0,
            h: Vec::new(),
            pending: None,
            self_scaling,
            last: None,
            next: None,
            updates: 0,
        }
    }

    /// Pairs learnt so far.
    pub fn updates(&self) -> usize {
        self.updates
    }

    /// H·v (H = I before the first pair), applying a pending update on the way.
    fn apply(&mut self, v: &[f64]) -> Vec<f64> {
        if self.h.is_empty() {
            return v.to_vec();
        }
        let pending = self.pending.take();
        self.h
            .par_chunks_mut(self.n)
            .enumerate()
            .map(|(i, row)| {
                if let Some(p) = &pending {
                    let (si, ui) = (p.s[i], p.u[i]);
                    for ((h, &sj), &uj) in row.iter_mut().zip(&p.s).zip(&p.u) {
                        *h = p.scale * *h - p.rho * (si * uj + ui * sj) + p.c * si * sj;
                    }
                }
                dot(row, v)
            })
            .collect()
    }

    /// The matrix H itself.
    pub fn matrix(&mut self) -> &[f64] {
        if self.pending.is_some() {
            let zeros = vec![0.0; self.n];
            self.apply(&zeros);
        }
        &self.h
    }

    /// sᵀBs with B = H⁻¹, for a step s = α·d along the last direction
    /// d = −H·g: Bs = −α·g, so sᵀBs = −α·sᵀg. None when there is no such
    /// direction for `grad_from`.
    fn model_curvature(&self, s: &[f64], grad_from: &[f64]) -> Option<f64> {
        let (g, d) = self.last.as_ref()?;
        if g.as_slice() != grad_from {
            return None;
        }
        let alpha = dot(s, d) / dot(d, d);
        let sbs = -alpha * dot(s, grad_from);
        (alpha > 0.0 && sbs > 0.0 && sbs.is_finite()).then_some(sbs)
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Curvature for DenseInverse {
    const NAME: &'static str = "BFGS";

    fn direction(&mut self, grad: &[f64]) -> Vec<f64> {
        let d = match self.next.take() {
            Some((g, d)) if g.as_slice() == grad => d,
            _ => self.apply(grad).into_iter().map(|v| -v).collect(),
        };
        self.last = Some((grad.to_vec(), d.clone()));
        d
    }

    /// The BFGS update of the (scaled) model H̃ = H/τ:
    /// H ← (I − ρsyᵀ) H̃ (I − ρysᵀ) + ρssᵀ
    ///   = H̃ − ρ(s uᵀ + u sᵀ) + (ρ² yᵀu + ρ) ssᵀ, with u = H̃y, ρ = 1/sᵀy.
    /// A step without positive curvature (sᵀy ≤ 0) is skipped.
    fn remember(&mut self, from: &[f64], to: &[f64], grad_from: &[f64], grad_to: &[f64]) {
        let s: Vec<f64> = to.iter().zip(from).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = grad_to.iter().zip(grad_from).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if !(sy > 0.0 && sy.is_finite()) {
            return;
        }
        let n = s.len();
        // The factor 1/τ on the old model.
        let scale = if self.h.is_empty() {
            // H₀ = γI: the old model I scaled by γ.
            self.n = n;
            self.h = vec![0.0; n * n];
            self.h
                .par_chunks_mut(n)
                .enumerate()
                .for_each(|(i, row)| row[i] = 1.0);
            sy / dot(&y, &y)
        } else if self.self_scaling {
            let sbs = self.model_curvature(&s, grad_from);
            1.0 / sbs.map_or(1.0, |sbs| (sy / sbs).min(1.0))
        } else {
            1.0
        };
        // H·y = H·g_to − H·g_from, with H·g_from = −d when d was the direction.
        let h_grad_to = self.apply(grad_to);
        let h_grad_from = match &self.last {
            Some((g, d)) if g.as_slice() == grad_from => d.iter().map(|v| -v).collect(),
            _ => self.apply(grad_from),
        };
        let u: Vec<f64> = h_grad_to
            .iter()
            .zip(&h_grad_from)
            .map(|(a, b)| scale * (a - b))
            .collect();
        let rho = 1.0 / sy;
        let c = rho * rho * dot(&y, &u) + rho;
        // −H_new·g_to from H·g_to, without touching the matrix.
        let (ug, sg) = (dot(&u, grad_to), dot(&s, grad_to));
        let next = h_grad_to
            .iter()
            .zip(s.iter().zip(&u))
            .map(|(&hg, (&si, &ui))| -(scale * hg - rho * (si * ug + ui * sg) + c * si * sg))
            .collect();
        self.next = Some((grad_to.to_vec(), next));
        self.pending = Some(Update {
            scale,
            s,
            u,
            rho,
            c,
        });
        self.updates += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{DMatrix, DVector};

    /// A step: (from, to).
    type Step = (DVector<f64>, DVector<f64>);

    /// Steps on the quadratic ½xᵀAx with A symmetric positive definite.
    fn pairs(n: usize, count: usize) -> (DMatrix<f64>, Vec<Step>) {
        let a = DMatrix::from_fn(n, n, |i, j| {
            if i == j {
                3.0 + i as f64
            } else {
                0.3 / (1.0 + (i + j) as f64)
            }
        });
        let mut x = DVector::from_fn(n, |i, _| 0.5 - 0.2 * i as f64);
        let mut out = Vec::new();
        for k in 0..count {
            let step = DVector::from_fn(n, |i, _| ((i * 7 + k * 3) % 5) as f64 * 0.1 - 0.2);
            out.push((x.clone(), &x + &step));
            x += step;
        }
        (a, out)
    }

    /// Without scaling, the model equals the textbook recursion
    /// H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ from H₀ = γI (Nocedal & Wright
    /// eq. 6.17 and 6.20) computed with nalgebra, and satisfies the secant
    /// equation H·y = s for the newest pair.
    #[test]
    fn update_matches_textbook_bfgs_and_secant_equation() {
        let n = 6;
        let (a, steps) = pairs(n, 5);
        let mut model = DenseInverse::new(false);
        let mut h: Option<DMatrix<f64>> = None;
        let (mut s, mut y) = (DVector::zeros(n), DVector::zeros(n));
        for (from, to) in &steps {
            let (g0, g1) = (&a * from, &a * to);
            model.remember(from.as_slice(), to.as_slice(), g0.as_slice(), g1.as_slice());
            s = to - from;
            y = &g1 - &g0;
            let rho = 1.0 / s.dot(&y);
            let old = h.unwrap_or_else(|| DMatrix::identity(n, n) * (s.dot(&y) / y.dot(&y)));
            let left = DMatrix::identity(n, n) - &s * y.transpose() * rho;
            h = Some(&left * old * left.transpose() + &s * s.transpose() * rho);
        }
        let h = h.unwrap();
        for i in 0..n {
            for j in 0..n {
                let (m, t) = (model.matrix()[i * n + j], h[(i, j)]);
                assert!((m - t).abs() < 1e-12 * (1.0 + t.abs()), "{m} vs {t}");
            }
        }
        let hy = model.apply(y.as_slice());
        for (hy, s) in hy.iter().zip(s.iter()) {
            assert!((hy - s).abs() < 1e-12, "{hy} vs {s}");
        }
        assert_eq!(model.updates(), 5);
    }

    /// With self-scaling, the model still satisfies the secant equation and
    /// stays symmetric positive definite (Cholesky succeeds); the scaling
    /// factor follows sᵀBs = −α·sᵀg for a step along the last direction; the
    /// next direction, derived from one product with H, equals −H·g.
    #[test]
    fn self_scaled_update_keeps_secant_equation_and_definiteness() {
        let n = 5;
        let a = DMatrix::from_fn(n, n, |i, j| if i == j { 10.0 + i as f64 } else { 0.5 });
        let mut model = DenseInverse::new(true);
        let mut x = DVector::from_fn(n, |i, _| 1.0 + i as f64);
        for _ in 0..4 {
            let g = &a * &x;
            let d = DVector::from_vec(model.direction(g.as_slice()));
            let next = &x + &d * 0.05;
            let g1 = &a * &next;
            let sbs = model.model_curvature((&next - &x).as_slice(), g.as_slice());
            if let (Some(sbs), false) = (sbs, model.h.is_empty()) {
                // B = H⁻¹ of the model before the update.
                let h = DMatrix::from_row_slice(n, n, model.matrix());
                let s = &next - &x;
                let b = h.try_inverse().unwrap();
                let direct = s.dot(&(&b * &s));
                assert!((sbs - direct).abs() < 1e-9 * direct, "{sbs} vs {direct}");
            }
            model.remember(x.as_slice(), next.as_slice(), g.as_slice(), g1.as_slice());
            // The direction derived without the matrix equals −H·g.
            let derived = model.direction(g1.as_slice());
            let h = DMatrix::from_row_slice(n, n, model.matrix());
            let direct = -(&h * &g1);
            for (a, b) in derived.iter().zip(direct.iter()) {
                assert!((a - b).abs() < 1e-10 * (1.0 + b.abs()), "{a} vs {b}");
            }
            let hy = model.apply((&g1 - &g).as_slice());
            for (hy, s) in hy.iter().zip((&next - &x).iter()) {
                assert!((hy - s).abs() < 1e-10, "{hy} vs {s}");
            }
            x = next;
        }
        let h = DMatrix::from_row_slice(n, n, model.matrix());
        assert!((&h - h.transpose()).abs().max() < 1e-12);
        assert!(h.cholesky().is_some(), "not positive definite");
    }

    /// A step without positive curvature is not learnt.
    #[test]
    fn skips_pairs_without_positive_curvature() {
        let mut model = DenseInverse::new(true);
        model.remember(&[0.0, 0.0], &[1.0, 0.0], &[0.0, 0.0], &[-1.0, 0.0]);
        assert_eq!(model.updates(), 0);
        assert_eq!(model.direction(&[2.0, -1.0]), vec![-2.0, 1.0]);
    }
}
