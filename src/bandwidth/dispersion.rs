//! Frequencies the equation itself carries into a direction its known data
//! leaves blank.
//!
//! A wave released from rest at t = 0 has initial data that varies in x
//! only, yet oscillates in t: the equation u_tt = c²·u_xx turns a spatial
//! frequency k into a temporal one c·k. Along a direction no known data
//! varies in, the rule reads the equation's linear part instead: a plane
//! wave exp(i(k·x + f·t)) balances two pure derivatives c_a·∂_t^a and
//! c_b·∂_x^b of the residual when |c_a|·(2πf)^a = |c_b|·(2πk)^b, so
//!
//! ```text
//! f = ((|c_b| / |c_a|)·(2πk)^b)^(1/a) / 2π,
//! ```
//!
//! with k the known data's frequency along x. The coefficients are those of
//! the residual linearized at u = 0 (a nonlinear term such as u·u_x has
//! none and implies nothing), in normalized coordinates (a derivative along
//! an input of length L scales by 2/L), averaged over a few interior points.
//! For a diffusion term (a = 1, b = 2) the same balance gives the decay rate
//! ν(2πk)²/2π: not an oscillation, but it is small wherever diffusion is, so
//! it asks for no more band than the data already does.
//!
//! Measured on the wave file of benches/problems (README, "Defaults").

use crate::expr::{Expr, PointLeaves};
use crate::geometry::Region;
use crate::multi_index::MultiIndex;
use crate::problem::Problem;

/// Per input, the highest frequency (cycles per normalized unit) that the
/// residuals' dispersion relations carry into it from the `known`
/// frequencies of the other directions; None where nothing is implied.
pub fn implied_frequencies(problem: &Problem, known: &[Option<f64>]) -> Vec<Option<f64>> {
    let dim = problem.pde.inputs.len();
    let mut out = vec![None; dim];
    for (term, region) in &problem.pde.terms {
        if *region != Region::Interior {
            continue;
        }
        let pure: Vec<(usize, usize, usize, f64)> = pure_derivatives(&term.expr, dim)
            .into_iter()
            .filter_map(|(o, d, dir)| {
                let c = normalized_coefficient(problem, &term.expr, o, &d);
                (c > 0.0).then_some((o, dir, d.order(), c))
            })
            .collect();
        for &(o, i, a, c_a) in &pure {
            for &(p, j, b, c_b) in &pure {
                let Some(k) = known[j] else { continue };
                if p != o || j == i {
                    continue;
                }
                let rad = (c_b / c_a * (2.0 * std::f64::consts::PI * k).powi(b as i32))
                    .powf(1.0 / a as f64);
                let f = rad / (2.0 * std::f64::consts::PI);
                if f.is_finite() && f > 0.0 {
                    out[i] = Some(out[i].map_or(f, |g: f64| g.max(f)));
                }
            }
        }
    }
    out
}

/// The derivatives of order ≥ 1 along a single input that `expr` reads:
/// (output, multi-index, the input).
fn pure_derivatives(expr: &Expr, dim: usize) -> Vec<(usize, MultiIndex, usize)> {
    let mut out: Vec<(usize, MultiIndex, usize)> = Vec::new();
    for (o, d) in expr.output_derivatives() {
        let Some(&first) = d.dirs().first() else {
            continue;
        };
        if first < dim
            && d.dirs().iter().all(|&k| k == first)
            && !out.contains(&(o, d.clone(), first))
        {
            out.push((o, d, first));
        }
    }
    out
}

/// |∂R/∂(∂^d u_o)| at u = 0, in normalized coordinates, averaged over the
/// points of a 3^dim grid inside the domain (0 where it is not finite).
fn normalized_coefficient(problem: &Problem, expr: &Expr, out: usize, d: &MultiIndex) -> f64 {
    let domain = &problem.pde.domain;
    let dim = domain.len();
    let scale: f64 = d
        .dirs()
        .iter()
        .map(|&k| (domain[k][1] - domain[k][0]) / 2.0)
        .product();
    let (mut sum, mut n) = (0.0, 0usize);
    for flat in 0..3usize.pow(dim as u32) {
        let point: Vec<f64> = (0..dim)
            .map(|k| {
                let step = (flat / 3usize.pow(k as u32)) % 3;
                let [lo, hi] = domain[k];
                lo + (hi - lo) * (0.25 + 0.25 * step as f64)
            })
            .collect();
        let c = linear_coefficient(expr, &point, out, d);
        if c.is_finite() {
            sum += c.abs();
            n += 1;
        }
    }
    if n == 0 {
        return 0.0;
    }
    // ∂/∂x = (2/L)·∂/∂u: a coefficient of ∂_x^b in physical units is
    // (2/L)^b times as large in normalized ones.
    sum / n as f64 / scale
}

/// ∂R/∂(∂^d u_out) at u = 0 and `point`, by a central difference (R is a
/// polynomial in the leaves for the equations this is meant for, so the
/// step size hardly matters).
fn linear_coefficient(expr: &Expr, point: &[f64], out: usize, d: &MultiIndex) -> f64 {
    const STEP: f64 = 1e-6;
    let at = |v: f64| {
        expr.eval(&mut Probe {
            point,
            out,
            d,
            value: v,
        })
    };
    (at(STEP) - at(-STEP)) / (2.0 * STEP)
}

/// Leaves at one point with every output derivative zero but one.
struct Probe<'a> {
    point: &'a [f64],
    out: usize,
    d: &'a MultiIndex,
    value: f64,
}

impl PointLeaves for Probe<'_> {
    fn at_input(&mut self, i: usize) -> f64 {
        self.point[i]
    }
    fn at_output(&mut self, out: usize, d: &MultiIndex) -> f64 {
        if out == self.out && d == self.d {
            self.value
        } else {
            0.0
        }
    }
    fn at_normal(&mut self, _i: usize) -> f64 {
        0.0
    }
    fn at_unknown(&mut self, _k: usize) -> f64 {
        // As in the rule's data part: an unknown coefficient counts as 1.
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::EquationFile;

    fn implied(text: &str, known: &[Option<f64>]) -> Vec<Option<f64>> {
        let file = EquationFile::from_toml(text, "t.toml").expect("valid");
        implied_frequencies(&file.problem, known)
    }

    #[test]
    fn a_wave_carries_its_spatial_frequency_into_time_at_speed_c() {
        // u_tt = 9 u_xx on t ∈ [0, 2], x ∈ [0, 1]: a frequency k (normalized,
        // x has length 1) is 2k cycles per unit x, f = 3·2k cycles per unit
        // t, and t has length 2: 6k per normalized unit of t.
        let text = r#"
name = "probe"
inputs = ["t", "x"]
outputs = ["u"]
domain = { t = [0, 2], x = [0, 1] }
[residuals]
wave = "u_tt - 9 * u_xx"
"#;
        let f = implied(text, &[None, Some(1.5)]);
        assert!(f[1].is_none(), "t's frequency is not known: {f:?}");
        let t = f[0].expect("t implied");
        assert!((t - 6.0 * 1.5).abs() < 1e-6, "{t}");
    }

    #[test]
    fn an_airy_term_implies_the_cube_law_and_nonlinear_terms_imply_nothing() {
        let text = r#"
name = "probe"
inputs = ["t", "x"]
outputs = ["u"]
domain = { t = [-1, 1], x = [-1, 1] }
[residuals]
r = "u_t + u * u_x + 2 * u_xxx"
"#;
        let t = implied(text, &[None, Some(1.0)])[0].expect("t implied");
        // 2·(2π)³ / 2π = 8π² cycles; u·u_x contributes nothing at u = 0.
        let want = 2.0 * (2.0 * std::f64::consts::PI).powi(3) / (2.0 * std::f64::consts::PI);
        assert!((t - want).abs() < 1e-6 * want, "{t} vs {want}");
        let none = implied(
            text.replace("2 * u_xxx", "u_x * u_xx").as_str(),
            &[None, Some(1.0)],
        );
        assert_eq!(none[0], None);
    }
}
