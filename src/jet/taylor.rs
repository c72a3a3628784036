//! Derivatives of an expression of the inputs at one point, by forward
//! Taylor jets over plain numbers, with no tape: a value is one number per
//! multi-index of a jet index (D_α of the expression there).
//!
//! - inputs:    D_i x_i = 1, higher orders 0;
//! - products:  Leibniz over the subsets of α's positions ([`product_plan`]);
//! - functions: Faà di Bruno over set partitions ([`partition_plan`]) with
//!   f^(k) from [`Func::derivatives`], powers with [`power`].
//!
//! Used for hard constraints, whose value and distance read only inputs, so
//! their jets at a batch's points are computed once per batch.

use super::leibniz::{product_plan, ProductTerm};
use super::{partition_plan, PartitionTerm};
use crate::expr::{
    max_takes_second, min_takes_second, power, Derivatives, Expr, Field, Func, MAX_ORDER,
};
use crate::multi_index::MultiIndex;

/// The Leibniz and Faà di Bruno terms of every multi-index of a jet index.
#[derive(Clone, Debug)]
pub struct TaylorPlan {
    pub index: Vec<MultiIndex>,
    pub(super) products: Vec<Vec<ProductTerm>>,
    partitions: Vec<Vec<PartitionTerm>>,
}

impl TaylorPlan {
    /// Plans for `index`, which must be closed under sub-multisets, sorted
    /// by order (see [`crate::multi_index::closure`]) and of order at most
    /// [`MAX_ORDER`].
    pub fn new(index: &[MultiIndex]) -> Self {
        assert!(
            index.iter().all(|m| m.order() <= MAX_ORDER),
            "Taylor jets go up to order {MAX_ORDER}"
        );
        Self {
            index: index.to_vec(),
            products: index.iter().map(|a| product_plan(a, index)).collect(),
            partitions: index.iter().map(|a| partition_plan(a, index)).collect(),
        }
    }

    /// D_α of `expr` at `point` for every α of the index, in index order.
    pub fn eval(&self, expr: &Expr, point: &[f64]) -> Vec<f64> {
        expr.eval(&mut TaylorField { plan: self, point })
    }

    /// D_α f(z) for every α, from f's derivatives at z's value.
    fn compose(&self, f: &Derivatives, z: &[f64]) -> Vec<f64> {
        self.partitions
            .iter()
            .map(|terms| {
                terms
                    .iter()
                    .map(|t| {
                        let product: f64 = t.parts.iter().map(|&p| z[p]).product();
                        t.multiplicity as f64 * f[t.parts.len()] * product
                    })
                    .sum()
            })
            .collect()
    }

    fn zero(&self) -> Vec<f64> {
        vec![0.0; self.index.len()]
    }
}

/// An expression [`Field`] of Taylor jets at one point.
struct TaylorField<'a> {
    plan: &'a TaylorPlan,
    point: &'a [f64],
}

impl Field for TaylorField<'_> {
    type V = Vec<f64>;

    fn input(&mut self, i: usize) -> Vec<f64> {
        let mut v = self.plan.zero();
        for (k, m) in self.plan.index.iter().enumerate() {
            match m.dirs() {
                [] => v[k] = self.point[i],
                [d] if *d == i => v[k] = 1.0,
                _ => {}
            }
        }
        v
    }
    // The parser keeps outputs, normals and unknowns out of what is
    // evaluated here; NaN makes any misuse visible.
    fn output(&mut self, _out: usize, _d: &MultiIndex) -> Vec<f64> {
        vec![f64::NAN; self.plan.index.len()]
    }
    fn normal(&mut self, _i: usize) -> Vec<f64> {
        vec![f64::NAN; self.plan.index.len()]
    }
    fn unknown(&mut self, _k: usize) -> Vec<f64> {
        vec![f64::NAN; self.plan.index.len()]
    }
    fn constant(&mut self, c: f64) -> Vec<f64> {
        let mut v = self.plan.zero();
        v[0] = c;
        v
    }
    fn add(&mut self, a: &Vec<f64>, b: &Vec<f64>) -> Vec<f64> {
        a.iter().zip(b).map(|(x, y)| x + y).collect()
    }
    fn sub(&mut self, a: &Vec<f64>, b: &Vec<f64>) -> Vec<f64> {
        a.iter().zip(b).map(|(x, y)| x - y).collect()
    }
    fn mul(&mut self, a: &Vec<f64>, b: &Vec<f64>) -> Vec<f64> {
        self.plan
            .products
            .iter()
            .map(|terms| {
                terms
                    .iter()
                    .map(|t| t.multiplicity as f64 * a[t.left] * b[t.right])
                    .sum()
            })
            .collect()
    }
    fn div(&mut self, a: &Vec<f64>, b: &Vec<f64>) -> Vec<f64> {
        let inverse = self.powi(b, -1);
        self.mul(a, &inverse)
    }
    fn neg(&mut self, a: &Vec<f64>) -> Vec<f64> {
        a.iter().map(|x| -x).collect()
    }
    fn add_scalar(&mut self, a: &Vec<f64>, c: f64) -> Vec<f64> {
        let mut v = a.clone();
        v[0] += c;
        v
    }
    fn mul_scalar(&mut self, a: &Vec<f64>, c: f64) -> Vec<f64> {
        a.iter().map(|x| x * c).collect()
    }
    fn powi(&mut self, a: &Vec<f64>, n: i32) -> Vec<f64> {
        self.plan.compose(&power(a[0], f64::from(n)), a)
    }
    fn powf(&mut self, a: &Vec<f64>, p: f64) -> Vec<f64> {
        self.plan.compose(&power(a[0], p), a)
    }
    fn func(&mut self, f: Func, a: &Vec<f64>) -> Vec<f64> {
        self.plan.compose(&f.derivatives(a[0]), a)
    }
    // The chosen argument's jet, by the value (as every other evaluation).
    fn min(&mut self, a: &Vec<f64>, b: &Vec<f64>) -> Vec<f64> {
        if min_takes_second(a[0], b[0]) { b } else { a }.clone()
    }
    fn max(&mut self, a: &Vec<f64>, b: &Vec<f64>) -> Vec<f64> {
        if max_takes_second(a[0], b[0]) { b } else { a }.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{parse_expr, Symbols};
    use crate::multi_index::closure;

    fn expr(text: &str) -> Expr {
        let symbols = Symbols::new(vec!["t".into(), "x".into()], vec!["u".into()], Vec::new());
        parse_expr(text, &symbols).unwrap_or_else(|e| panic!("{text}: {}", e.message))
    }

    fn jets(text: &str, point: &[f64], wanted: &[Vec<usize>]) -> Vec<(MultiIndex, f64)> {
        let requested: Vec<MultiIndex> = wanted.iter().cloned().map(MultiIndex::new).collect();
        let plan = TaylorPlan::new(&closure(&requested));
        let v = plan.eval(&expr(text), point);
        plan.index.iter().cloned().zip(v).collect()
    }

    fn at(jets: &[(MultiIndex, f64)], dirs: Vec<usize>) -> f64 {
        let m = MultiIndex::new(dirs);
        jets.iter().find(|(k, _)| *k == m).expect("requested").1
    }

    #[test]
    fn closed_forms() {
        let (t, x) = (0.3_f64, 0.7_f64);
        // t · x · (1 − x): D_t = x(1−x), D_x = t(1−2x), D_xx = −2t, D_tx = 1−2x.
        let j = jets("t * x * (1 - x)", &[t, x], &[vec![0, 1], vec![1, 1]]);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-14;
        assert!(close(at(&j, vec![]), t * x * (1.0 - x)));
        assert!(close(at(&j, vec![0]), x * (1.0 - x)));
        assert!(close(at(&j, vec![1]), t * (1.0 - 2.0 * x)));
        assert!(close(at(&j, vec![1, 1]), -2.0 * t));
        assert!(close(at(&j, vec![0, 1]), 1.0 - 2.0 * x));
        // sin(πx) e^(−t): D_xxxx = π⁴ sin(πx) e^(−t), D_ttxx = −π² sin(πx) e^(−t).
        let j = jets(
            "sin(pi * x) * exp(-t)",
            &[t, x],
            &[vec![1; 4], vec![0, 0, 1, 1]],
        );
        let pi = std::f64::consts::PI;
        let base = (pi * x).sin() * (-t).exp();
        assert!((at(&j, vec![1; 4]) - pi.powi(4) * base).abs() < 1e-12);
        assert!((at(&j, vec![0, 0, 1, 1]) + pi * pi * base).abs() < 1e-12);
        // 1 / (1 + x²) at x = 0.7: D_x = −2x/(1+x²)².
        let j = jets("1 / (1 + x^2)", &[t, x], &[vec![1]]);
        assert!((at(&j, vec![1]) + 2.0 * x / (1.0 + x * x).powi(2)).abs() < 1e-14);
    }

    /// Every derivative up to order 4 against nested central differences of
    /// the value (one Richardson step), for expressions using every operation.
    #[test]
    fn derivatives_match_finite_differences() {
        let texts = [
            "sin(3 * x + t) * cos(t * x) / (2 + x)",
            "exp(-t) * sqrt(1.5 + x) + log(2 + t * x) - tan(0.4 * x)",
            "tanh(2 * x - t)^3 + (1 + t)^1.5 * abs(x + 3) + 2^x",
            "sinh(x - t) * cosh(t) + sech(2 * x) - atan(3 * x * t) + erf(x + t)",
            "min(x * x, t + 0.5) + max(sin(x), cos(t))",
        ];
        let wanted: Vec<Vec<usize>> = vec![
            vec![0, 0, 0, 0],
            vec![1, 1, 1, 1],
            vec![0, 1, 1, 1],
            vec![0, 0, 1, 1],
            vec![0, 0, 0, 1],
        ];
        let point = [0.35, 0.6];
        for text in texts {
            let e = expr(text);
            let value = |p: &[f64]| TaylorPlan::new(&[MultiIndex::value()]).eval(&e, p)[0];
            for (m, v) in jets(text, &point, &wanted) {
                // Steps that balance truncation (h⁴ after Richardson) against
                // rounding (eps/h^k).
                let (h, tol) = match m.order() {
                    0 => continue,
                    1 | 2 => (1e-3, 1e-7),
                    3 => (5e-3, 1e-6),
                    _ => (1e-2, 1e-5),
                };
                let fd = nested_difference(&value, &point, m.dirs(), h);
                let err = (v - fd).abs() / (1.0 + v.abs());
                assert!(
                    err < tol,
                    "{text}: D{m} jet {v}, differences {fd} ({err:e})"
                );
            }
        }
    }

    fn nested_difference(f: &dyn Fn(&[f64]) -> f64, p: &[f64], dirs: &[usize], h: f64) -> f64 {
        let once = |h: f64| {
            let stencil = crate::multi_index::central_stencil(p, dirs, h);
            stencil.iter().map(|(q, w)| w * f(q)).sum::<f64>()
        };
        (4.0 * once(h / 2.0) - once(h)) / 3.0
    }
}
