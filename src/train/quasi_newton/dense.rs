//! The full-memory quasi-Newton models: the inverse Hessian H as a dense
//! n×n matrix, updated by BFGS, self-scaled BFGS or self-scaled Broyden.
//!
//! A curvature pair's information never expires here, unlike in L-BFGS;
//! on the Burgers problem L-BFGS improved steadily with its memory (100 →
//! 1000 pairs), and dense BFGS is that trend's limit. Its cost is n² per
//! iteration in memory traffic (one matrix–vector product and one rank-2
//! update per step, fused into one pass), which suits networks up to a few
//! thousand parameters. H is symmetric, so only its upper triangle is kept
//! (n(n+1)/2 numbers): the pass is bound by memory bandwidth, and this halves it.
//!
//! Self-scaling (Oren & Luenberger 1974; Al-Baali's choice, as in Urbán,
//! Stefanou & Pons 2025, J. Comput. Phys. 523, "Unveiling the optimization
//! process of physics informed neural networks") multiplies the old model by
//! 1/τ before each update, τ = min(1, sᵀy / sᵀBs) with B = H⁻¹: when the
//! model overestimates the curvature along the step, the whole matrix is
//! relaxed rather than only the direction of the step.
//!
//! Self-scaled Broyden (the same paper, eqs. 13–23; Kiyani et al. 2025,
//! CMAME 446, "Optimizing the optimizer for PINNs") also chooses, per step,
//! the member φ of the Broyden family (φ = 1 is BFGS, φ = 0 DFP):
//! H ← (H − w wᵀ/yᵀw + φ·yᵀw·v vᵀ)/τ + ρ s sᵀ, with w = H y, ρ = 1/sᵀy,
//! v = ρ s − w/yᵀw, and θ, φ, τ from b = ρ sᵀBs, h = ρ yᵀw, a = b h − 1
//! (see [`broyden_coefficients`]).

use super::solver::{Curvature, QuasiNewton};
use crate::simd::{dot, update_upper_row_dot};
use rayon::prelude::*;

/// BFGS with a dense inverse Hessian.
pub type Bfgs = QuasiNewton<DenseInverse>;

impl Bfgs {
    pub fn dense(self_scaling: bool, tol_grad: f64) -> Self {
        let update = if self_scaling {
            DenseUpdate::SelfScaledBfgs
        } else {
            DenseUpdate::Bfgs
        };
        QuasiNewton::new(DenseInverse::new(update), tol_grad)
    }
}

/// How a dense model learns a curvature pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DenseUpdate {
    Bfgs,
    SelfScaledBfgs,
    SelfScaledBroyden,
}

/// The inverse Hessian model H, its upper triangle row by row (row i from
/// the diagonal on, see [`row_start`]); empty until the first pair (then
/// H₀ = γI with γ = sᵀy / yᵀy, Nocedal & Wright eq. 6.20, for BFGS; the
/// identity scaled by the first τ for self-scaled Broyden).
///
/// The matrix is the only large object, so each iteration passes over it
/// once: the rank-2 update of a step is held back (`pending`) and applied
/// row by row in the same pass that multiplies H by the next gradient, and
/// the next search direction follows from that product algebraically.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DenseInverse {
    n: usize,
    /// H's upper triangle with `pending` still to apply.
    h: Vec<f64>,
    pending: Option<Update>,
    update: DenseUpdate,
    /// The gradient g of the last direction asked for, and d = −H·g: the
    /// line search's step is a multiple of d, which gives sᵀBs without B
    /// and H·g without another product.
    last: Option<(Vec<f64>, Vec<f64>)>,
    /// The next direction, known before it is asked for: (g, −H·g).
    next: Option<(Vec<f64>, Vec<f64>)>,
    /// Pairs learnt (skipped ones not counted).
    updates: usize,
}

/// H ← scale·H + css·s sᵀ + csw·(s wᵀ + w sᵀ) + cww·w wᵀ: every update of
/// the family in the basis of the step s and w = H·y.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Update {
    scale: f64,
    s: Vec<f64>,
    w: Vec<f64>,
    css: f64,
    csw: f64,
    cww: f64,
}

impl Update {
    /// Row i of the update: H_new,i = scale·H_i + a·w + b·s with
    /// [scale, a, b] returned, a = csw s_i + cww w_i, b = css s_i + csw w_i.
    fn row(&self, i: usize) -> [f64; 3] {
        let (si, wi) = (self.s[i], self.w[i]);
        [
            self.scale,
            self.csw * si + self.cww * wi,
            self.css * si + self.csw * wi,
        ]
    }

    /// No change: H_new = H.
    fn none(n: usize) -> Self {
        Self {
            scale: 1.0,
            s: vec![0.0; n],
            w: vec![0.0; n],
            css: 0.0,
            csw: 0.0,
            cww: 0.0,
        }
    }

    /// (H_new·v)_i from (H·v)_i and the dot products of v with w and s.
    fn apply_to(&self, i: usize, hv: f64, wv: f64, sv: f64) -> f64 {
        let [scale, a, b] = self.row(i);
        scale * hv + a * wv + b * sv
    }
}

/// θ, φ and the factor 1/τ of self-scaled Broyden (Urbán et al. 2025,
/// eqs. 13–23), from b = ρ·sᵀBs, h = ρ·yᵀHy, the parameter count n and
/// whether this is the first pair; None where they are not finite or would
/// not keep the model positive definite (the caller then makes a BFGS update).
fn broyden_coefficients(b: f64, h: f64, n: usize, first: bool) -> Option<(f64, f64)> {
    let a = b * h - 1.0;
    let c = (a / (1.0 + a)).abs().sqrt();
    let rho_minus = (h * (1.0 - c)).min(1.0);
    let theta_minus = (rho_minus - 1.0) / a;
    let theta_plus = 1.0 / rho_minus;
    let theta = theta_minus.max(theta_plus.min((1.0 - b) / b));
    let sigma = 1.0 + theta * a;
    let tau = if first {
        h / sigma
    } else {
        let rho_k = (1.0 / b).min(1.0);
        let root = sigma.abs().powf(1.0 / (1.0 - n as f64));
        if theta <= 0.0 {
            (rho_k * root).min(sigma)
        } else {
            rho_k * root.min(1.0 / theta)
        }
    };
    let phi = (1.0 - theta) / sigma;
    let ok = [a, theta, sigma, tau, phi].iter().all(|v| v.is_finite()) && sigma > 0.0 && tau > 0.0;
    ok.then_some((phi, 1.0 / tau))
}

impl DenseInverse {
    pub fn new(update: DenseUpdate) -> Self {
        Self {
            n: 0,
            h: Vec::new(),
            pending: None,
            update,
            last: None,
            next: None,
            updates: 0,
        }
    }

    /// Pairs learnt so far.
    pub fn updates(&self) -> usize {
        self.updates
    }

    /// H·v (H = I before the first pair), applying a pending update on the
    /// way: each entry of the triangle is updated and used for both its row
    /// and its mirror in one pass. The rows are cut into [`BLOCKS`] parts of
    /// equal size, one task each with its own partial product, and the
    /// partials are added in block order: the same bits on any number of
    /// cores.
    fn apply(&mut self, v: &[f64]) -> Vec<f64> {
        if self.h.is_empty() {
            return v.to_vec();
        }
        let n = self.n;
        let update = self.pending.take().unwrap_or_else(|| Update::none(n));
        let mut blocks = Vec::with_capacity(BLOCKS);
        let mut rest = self.h.as_mut_slice();
        let mut first_row = 0;
        for end_row in block_ends(n) {
            let len = row_start(n, end_row) - row_start(n, first_row);
            let (block, tail) = std::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            blocks.push((first_row..end_row, block));
            first_row = end_row;
        }
        let partials: Vec<Vec<f64>> = blocks
            .into_par_iter()
            .map(|(rows, block)| {
                let mut out = vec![0.0; n];
                let mut offset = 0;
                for i in rows {
                    let row = &mut block[offset..offset + n - i];
                    offset += n - i;
                    let coef @ [scale, a, b] = update.row(i);
                    row[0] = scale * row[0] + a * update.w[i] + b * update.s[i];
                    let diagonal = row[0] * v[i];
                    let right = [&update.w[i + 1..], &update.s[i + 1..], &v[i + 1..]];
                    let along =
                        update_upper_row_dot(&mut row[1..], coef, right, v[i], &mut out[i + 1..]);
                    out[i] += diagonal + along;
                }
                out
            })
            .collect();
        let mut sum = vec![0.0; n];
        for partial in &partials {
            for (s, p) in sum.iter_mut().zip(partial) {
                *s += p;
            }
        }
        sum
    }

    /// The matrix H itself, all n×n entries row-major.
    pub fn matrix(&mut self) -> Vec<f64> {
        if self.pending.is_some() {
            let zeros = vec![0.0; self.n];
            self.apply(&zeros);
        }
        let n = self.n;
        let mut full = vec![0.0; n * n];
        for i in 0..n {
            for j in i..n {
                let entry = self.h[row_start(n, i) + j - i];
                full[i * n + j] = entry;
                full[j * n + i] = entry;
            }
        }
        full
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

    /// The update of a pair (s, y) with w = H·y (H the model before it).
    fn coefficients(
        &self,
        s: &[f64],
        y: &[f64],
        w: &[f64],
        sbs: Option<f64>,
        first: bool,
    ) -> Update {
        let sy = dot(s, y);
        let rho = 1.0 / sy;
        let yw = dot(y, w);
        let broyden = match (self.update, sbs) {
            (DenseUpdate::SelfScaledBroyden, Some(sbs)) => {
                broyden_coefficients(rho * sbs, rho * yw, s.len(), first)
            }
            _ => None,
        };
        let (scale, css, csw, cww) = match broyden {
            // (H − w wᵀ/yw + φ·yw·v vᵀ)/τ + ρ s sᵀ with v = ρ s − w/yw.
            Some((phi, inv_tau)) => (
                inv_tau,
                rho + phi * yw * rho * rho * inv_tau,
                -phi * rho * inv_tau,
                (phi - 1.0) * inv_tau / yw,
            ),
            // BFGS of the scaled model H̃ = scale·H, with ũ = scale·w:
            // H̃ − ρ(s ũᵀ + ũ sᵀ) + (ρ² yᵀũ + ρ) s sᵀ.
            None => {
                let scale = if first {
                    // H₀ = γI: the old model I scaled by γ.
                    sy / dot(y, y)
                } else if self.update == DenseUpdate::Bfgs {
                    1.0
                } else {
                    1.0 / sbs.map_or(1.0, |sbs| (sy / sbs).min(1.0))
                };
                (scale, rho * rho * yw * scale + rho, -rho * scale, 0.0)
            }
        };
        Update {
            scale,
            s: s.to_vec(),
            w: w.to_vec(),
            css,
            csw,
            cww,
        }
    }
}

/// The parts the triangle's rows are cut into for [`DenseInverse::apply`]: a
/// fixed number, so the partial sums and their order do not depend on the
/// cores.
const BLOCKS: usize = 16;

/// Where row i of an n×n upper triangle starts (row k holds n − k entries).
fn row_start(n: usize, i: usize) -> usize {
    i * (2 * n + 1 - i) / 2
}

/// The end rows of the [`BLOCKS`] parts of an n×n triangle, each with about
/// the same number of entries.
fn block_ends(n: usize) -> Vec<usize> {
    let total = row_start(n, n);
    let mut ends = Vec::with_capacity(BLOCKS);
    let mut row = 0;
    for b in 1..=BLOCKS {
        let target = total * b / BLOCKS;
        while row < n && row_start(n, row + 1) <= target {
            row += 1;
        }
        ends.push(if b == BLOCKS { n } else { row });
    }
    ends
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

    /// Learns the pair (s, y) by the model's update (see [`Update`]); a step
    /// without positive curvature (sᵀy ≤ 0) is skipped.
    fn remember(&mut self, from: &[f64], to: &[f64], grad_from: &[f64], grad_to: &[f64]) {
        let s: Vec<f64> = to.iter().zip(from).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = grad_to.iter().zip(grad_from).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if !(sy > 0.0 && sy.is_finite()) {
            return;
        }
        let n = s.len();
        let first = self.h.is_empty();
        let sbs = self.model_curvature(&s, grad_from);
        if first {
            self.n = n;
            self.h = vec![0.0; row_start(n, n)];
            for i in 0..n {
                self.h[row_start(n, i)] = 1.0;
            }
        }
        // H·y = H·g_to − H·g_from, with H·g_from = −d when d was the direction.
        let h_grad_to = self.apply(grad_to);
        let h_grad_from = match &self.last {
            Some((g, d)) if g.as_slice() == grad_from => d.iter().map(|v| -v).collect(),
            _ => self.apply(grad_from),
        };
        let w: Vec<f64> = h_grad_to
            .iter()
            .zip(&h_grad_from)
            .map(|(a, b)| a - b)
            .collect();
        let update = self.coefficients(&s, &y, &w, sbs, first);
        // −H_new·g_to from H·g_to, without touching the matrix.
        let (sg, wg) = (dot(&s, grad_to), dot(&w, grad_to));
        let next = h_grad_to
            .iter()
            .enumerate()
            .map(|(i, &hg)| -update.apply_to(i, hg, wg, sg))
            .collect();
        self.next = Some((grad_to.to_vec(), next));
        self.pending = Some(update);
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
        // 6: fewer rows than blocks; 50: every block holds rows.
        for n in [6, 50] {
            textbook_bfgs_case(n);
        }
    }

    fn textbook_bfgs_case(n: usize) {
        let (a, steps) = pairs(n, 5);
        let mut model = DenseInverse::new(DenseUpdate::Bfgs);
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
        let matrix = model.matrix();
        for i in 0..n {
            for j in 0..n {
                let (m, t) = (matrix[i * n + j], h[(i, j)]);
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
        let mut model = DenseInverse::new(DenseUpdate::SelfScaledBfgs);
        let mut x = DVector::from_fn(n, |i, _| 1.0 + i as f64);
        for _ in 0..4 {
            let g = &a * &x;
            let d = DVector::from_vec(model.direction(g.as_slice()));
            let next = &x + &d * 0.05;
            let g1 = &a * &next;
            let sbs = model.model_curvature((&next - &x).as_slice(), g.as_slice());
            if let (Some(sbs), false) = (sbs, model.h.is_empty()) {
                // B = H⁻¹ of the model before the update.
                let h = DMatrix::from_row_slice(n, n, &model.matrix());
                let s = &next - &x;
                let b = h.try_inverse().unwrap();
                let direct = s.dot(&(&b * &s));
                assert!((sbs - direct).abs() < 1e-9 * direct, "{sbs} vs {direct}");
            }
            model.remember(x.as_slice(), next.as_slice(), g.as_slice(), g1.as_slice());
            // The direction derived without the matrix equals −H·g.
            let derived = model.direction(g1.as_slice());
            let h = DMatrix::from_row_slice(n, n, &model.matrix());
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
        let h = DMatrix::from_row_slice(n, n, &model.matrix());
        assert!((&h - h.transpose()).abs().max() < 1e-12);
        assert!(h.cholesky().is_some(), "not positive definite");
    }

    /// Self-scaled Broyden against the paper's recursion written out with
    /// matrices (Urbán et al. 2025, eqs. 13–23, from the model's H and
    /// B = H⁻¹ by nalgebra, not from the model's shortcuts): the matrices
    /// agree after every update, the secant equation H·y = s holds and the
    /// model stays symmetric positive definite.
    #[test]
    fn self_scaled_broyden_matches_the_papers_recursion() {
        let n = 6;
        let a = DMatrix::from_fn(n, n, |i, j| {
            if i == j {
                4.0 + 3.0 * i as f64
            } else {
                0.4 / (1.0 + (i + j) as f64)
            }
        });
        // A non-quadratic term so that the curvature varies along the path.
        let grad = |x: &DVector<f64>| &a * x + x.map(|v| v * v * v);
        let mut model = DenseInverse::new(DenseUpdate::SelfScaledBroyden);
        let mut x = DVector::from_fn(n, |i, _| 0.8 - 0.3 * i as f64);
        let mut h = DMatrix::<f64>::identity(n, n);
        let mut phis = Vec::new();
        for k in 0..8 {
            let g = grad(&x);
            let d = DVector::from_vec(model.direction(g.as_slice()));
            let next = &x + &d * (0.3 + 0.1 * (k % 3) as f64);
            let g1 = grad(&next);
            let (s, y) = (&next - &x, &g1 - &g);
            // The paper's quantities from H (the reference matrix so far).
            let rho = 1.0 / s.dot(&y);
            let hy = &h * &y;
            let yhy = y.dot(&hy);
            let b_mat = h.clone().try_inverse().expect("H invertible");
            let bk = rho * s.dot(&(&b_mat * &s));
            let hk = rho * yhy;
            let ak = bk * hk - 1.0;
            let ck = (ak / (1.0 + ak)).abs().sqrt();
            let rho_minus = (hk * (1.0 - ck)).min(1.0);
            let theta = ((rho_minus - 1.0) / ak).max((1.0 / rho_minus).min((1.0 - bk) / bk));
            let sigma = 1.0 + theta * ak;
            let tau = if k == 0 {
                hk / sigma
            } else {
                let root = sigma.abs().powf(1.0 / (1.0 - n as f64));
                if theta <= 0.0 {
                    ((1.0 / bk).min(1.0) * root).min(sigma)
                } else {
                    (1.0 / bk).min(1.0) * root.min(1.0 / theta)
                }
            };
            let phi = (1.0 - theta) / sigma;
            let v = &s * rho - &hy / yhy;
            h = (&h - &hy * hy.transpose() / yhy + &v * v.transpose() * (phi * yhy)) / tau
                + &s * s.transpose() * rho;
            phis.push(phi);
            model.remember(x.as_slice(), next.as_slice(), g.as_slice(), g1.as_slice());
            let m = DMatrix::from_row_slice(n, n, &model.matrix());
            let scale = h.abs().max();
            assert!(
                (&m - &h).abs().max() < 1e-10 * scale,
                "step {k}: {m} vs {h}"
            );
            let my = &m * &y;
            assert!(
                (&my - &s).abs().max() < 1e-10 * (1.0 + s.abs().max()),
                "secant, step {k}"
            );
            assert!((&m - m.transpose()).abs().max() < 1e-12 * scale);
            assert!(
                m.clone().cholesky().is_some(),
                "not positive definite at step {k}"
            );
            x = next;
        }
        // The family member is chosen per step, not fixed at BFGS (φ = 1).
        assert!(phis.iter().any(|p| (p - 1.0).abs() > 1e-3), "φ: {phis:?}");
        assert_eq!(model.updates(), 8);
    }

    /// Where its coefficients cannot be used (no model curvature along the
    /// step), self-scaled Broyden makes the BFGS update: the secant equation
    /// still holds.
    #[test]
    fn self_scaled_broyden_without_a_direction_falls_back_to_bfgs() {
        let mut model = DenseInverse::new(DenseUpdate::SelfScaledBroyden);
        let (from, to) = ([1.0, 2.0, -1.0], [0.5, 1.0, 0.0]);
        let (g0, g1) = ([2.0, 8.0, -3.0], [1.0, 4.0, 0.0]);
        model.remember(&from, &to, &g0, &g1);
        let s: Vec<f64> = to.iter().zip(&from).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g1.iter().zip(&g0).map(|(a, b)| a - b).collect();
        let hy = model.apply(&y);
        for (a, b) in hy.iter().zip(&s) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    /// A step without positive curvature is not learnt.
    #[test]
    fn skips_pairs_without_positive_curvature() {
        let mut model = DenseInverse::new(DenseUpdate::SelfScaledBfgs);
        model.remember(&[0.0, 0.0], &[1.0, 0.0], &[0.0, 0.0], &[-1.0, 0.0]);
        assert_eq!(model.updates(), 0);
        assert_eq!(model.direction(&[2.0, -1.0]), vec![-2.0, 1.0]);
    }
}
