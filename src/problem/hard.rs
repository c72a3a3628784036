//! `[hard_constraints]`: `u = { value = "sin(pi * x)", distance = "t * x * (1 - x)" }`
//! makes output u = value + distance · N_u (see [`crate::constraint`]), and
//! the conditions that this satisfies whatever the network are left out of
//! the loss (their loss and gradient are zero).

use super::build::{inputs_only_expr, output_index};
use super::error::{ProblemError, Source};
use super::raw::{Entries, RawHard};
use super::{Problem, Term};
use crate::constraint::{HardConstraint, HardConstraints, Names};
use crate::expr::{BinOp, Expr, Func, PointEval, PointLeaves, Symbols, MAX_ORDER};
use crate::geometry::{Region, Sampler};
use crate::jet::TaylorPlan;
use crate::multi_index::{closure, MultiIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use toml::Spanned;

type Result<T> = std::result::Result<T, ProblemError>;

/// Points on a condition's faces where satisfaction is checked.
const PROBES: usize = 64;

/// The declared constraints; errors at the text they are about.
pub(super) fn declared(
    raw: Option<&Spanned<Entries<Spanned<RawHard>>>>,
    symbols: &Symbols,
    domain: &[[f64; 2]],
    terms: &[(Term, Region)],
    src: &Source,
) -> Result<Option<Arc<HardConstraints>>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let mut outputs: Vec<Option<HardConstraint>> = vec![None; symbols.outputs.len()];
    for (key, entry) in &raw.get_ref().0 {
        let out = output_index(key, symbols, src)?;
        let what = format!("the hard constraint of '{}'", key.get_ref());
        let hint = ": the constraint is fixed before training";
        let value = match &entry.get_ref().value {
            Some(v) => (
                inputs_only_expr(v, &what, hint, symbols, src)?,
                v.get_ref().clone(),
            ),
            None => (Expr::Num(0.0), "0".to_string()),
        };
        let d = &entry.get_ref().distance;
        let distance = inputs_only_expr(d, &what, hint, symbols, src)?;
        if vanishes_everywhere(&distance, domain) {
            return Err(src.in_string(
                d,
                0,
                format!(
                    "this distance is zero everywhere in the domain, so '{}' would not depend on the network",
                    key.get_ref()
                ),
            ));
        }
        if let Some((name, order)) = highest_order(terms, out) {
            return Err(src.error(
                key.span(),
                format!("hard constraints give derivatives up to order {MAX_ORDER}, and term '{name}' reads one of order {order}"),
            ));
        }
        outputs[out] = Some(HardConstraint {
            value: value.0,
            distance,
            value_text: value.1,
            distance_text: d.get_ref().clone(),
        });
    }
    let names = Names {
        inputs: symbols.inputs.clone(),
        outputs: symbols.outputs.clone(),
        constants: symbols.constants.clone(),
    };
    Ok(Some(Arc::new(HardConstraints::new(names, outputs))))
}

/// A term reading output `out` beyond [`MAX_ORDER`]: its name and that order.
fn highest_order(terms: &[(Term, Region)], out: usize) -> Option<(String, usize)> {
    terms.iter().find_map(|(t, _)| {
        let order = t
            .expr
            .output_derivatives()
            .iter()
            .filter(|(o, _)| *o == out)
            .map(|(_, d)| d.order())
            .max()?;
        (order > MAX_ORDER).then(|| (t.name.clone(), order))
    })
}

fn vanishes_everywhere(distance: &Expr, domain: &[[f64; 2]]) -> bool {
    Sampler::new(domain, 0)
        .draw(&Region::Interior, PROBES)
        .iter()
        .all(|p| distance.eval(&mut PointEval::new(p)) == 0.0)
}

/// Moves the conditions that `hard` satisfies exactly out of `terms`, and
/// returns them.
pub(super) fn split_satisfied(
    terms: &mut Vec<(Term, Region)>,
    hard: Option<&HardConstraints>,
    sampler: &Sampler,
) -> Vec<(Term, Region)> {
    let Some(hard) = hard else {
        return Vec::new();
    };
    let (satisfied, kept) = std::mem::take(terms)
        .into_iter()
        .partition(|(t, r)| satisfied_by(t, r, hard, sampler));
    *terms = kept;
    satisfied
}

/// True when the condition's residual vanishes, to 1e-10 of the size of
/// what it reads, on [`PROBES`] points of its faces for two unrelated
/// smooth stand-ins for the network's raw outputs: then it holds for any
/// network (a residual that depends on N at all differs between them).
fn satisfied_by(term: &Term, region: &Region, hard: &HardConstraints, sampler: &Sampler) -> bool {
    let faces = region.on_boundary();
    let reads_constrained = term
        .expr
        .output_derivatives()
        .iter()
        .any(|(o, _)| hard.get(*o).is_some());
    if !faces || !reads_constrained || !term.expr.unknowns().is_empty() {
        return false;
    }
    let index = closure(&term.expr.derivatives());
    if index.iter().any(|m| m.order() > MAX_ORDER) {
        return false;
    }
    let plan = TaylorPlan::new(&index);
    let mut sampler = sampler.clone();
    let domain = sampler.domain().to_vec();
    let domain = &domain;
    let points = sampler.draw(region, PROBES);
    let normals = sampler.normals(region, &points);
    let mut rng = StdRng::seed_from_u64(0x4841_5244);
    (0..2).all(|_| {
        let outputs: Vec<Expr> = (0..hard.outputs.len())
            .map(|j| constrained(hard, j, stand_in(&mut rng, domain)))
            .collect();
        points.iter().zip(&normals).all(|(p, n)| {
            let jets: Vec<Vec<f64>> = outputs.iter().map(|u| plan.eval(u, p)).collect();
            let mut leaves = Jets {
                index: &index,
                jets: &jets,
                point: p,
                normal: n,
                largest: 0.0,
            };
            let r = term.expr.eval(&mut leaves);
            let data = term.expr.eval(&mut PointEval::data_part(p).with_normal(n));
            r.abs() <= 1e-10 * (1.0 + leaves.largest.max(data.abs()))
        })
    })
}

/// g + d·N for a constrained output, N alone for a free one.
fn constrained(hard: &HardConstraints, out: usize, n: Expr) -> Expr {
    let bin = |op, a, b| Expr::Bin(op, Box::new(a), Box::new(b));
    match hard.get(out) {
        None => n,
        Some(c) => bin(
            BinOp::Add,
            c.value.clone(),
            bin(BinOp::Mul, c.distance.clone(), n),
        ),
    }
}

/// sin(a·x + b) + cos(c·x + e)/2 with random a, c of one to three half
/// periods across each input's range: smooth, and generic enough that no
/// condition involving N vanishes for it by chance.
fn stand_in(rng: &mut StdRng, domain: &[[f64; 2]]) -> Expr {
    let bin = |op, a, b| Expr::Bin(op, Box::new(a), Box::new(b));
    let mut wave = |f: Func| {
        let phase = Expr::Num(rng.gen_range(0.0..std::f64::consts::TAU));
        let arg = domain.iter().enumerate().fold(phase, |acc, (i, [lo, hi])| {
            let a = rng.gen_range(1.0..3.0) * std::f64::consts::PI / (hi - lo);
            bin(
                BinOp::Add,
                acc,
                bin(BinOp::Mul, Expr::Num(a), Expr::Input(i)),
            )
        });
        Expr::Call(f, Box::new(arg))
    };
    let s = wave(Func::Sin);
    let c = wave(Func::Cos);
    bin(BinOp::Add, s, bin(BinOp::Mul, Expr::Num(0.5), c))
}

/// A condition's leaves at one point: output derivatives from Taylor jets.
struct Jets<'a> {
    index: &'a [MultiIndex],
    /// Per output, one value per multi-index of `index`.
    jets: &'a [Vec<f64>],
    point: &'a [f64],
    normal: &'a [f64],
    /// The largest output derivative read, for the scale of the residual.
    largest: f64,
}

impl PointLeaves for Jets<'_> {
    fn at_input(&mut self, i: usize) -> f64 {
        self.point[i]
    }
    fn at_output(&mut self, out: usize, d: &MultiIndex) -> f64 {
        let k = self
            .index
            .iter()
            .position(|m| m == d)
            .expect("the index holds what the term reads");
        let v = self.jets[out][k];
        self.largest = self.largest.max(v.abs());
        v
    }
    fn at_normal(&mut self, i: usize) -> f64 {
        self.normal[i]
    }
    fn at_unknown(&mut self, _k: usize) -> f64 {
        f64::NAN
    }
}

impl Problem {
    /// One line per condition left out of the loss because the hard
    /// constraints satisfy it exactly.
    pub fn exact_conditions(&self) -> Vec<String> {
        let Some(hard) = &self.pde.hard else {
            return Vec::new();
        };
        self.pde
            .satisfied
            .iter()
            .map(|(t, _)| {
                let mut by: Vec<usize> = t
                    .expr
                    .output_derivatives()
                    .iter()
                    .map(|(o, _)| *o)
                    .filter(|&o| hard.get(o).is_some())
                    .collect();
                by.sort_unstable();
                by.dedup();
                let by: Vec<&str> = by.iter().map(|&o| self.pde.outputs[o].as_str()).collect();
                format!(
                    "condition {} satisfied exactly by the hard constraint on {}",
                    t.name,
                    by.join(", ")
                )
            })
            .collect()
    }
}
