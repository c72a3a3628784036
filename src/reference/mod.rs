//! Reference solutions: nothing is trusted without one.
//!
//! - [`BurgersColeHopf`]: exact viscous Burgers by the Cole–Hopf transform,
//!   integrals by [`gauss_hermite`] quadrature;
//! - [`Table`]: values read from a CSV file by [`load_table`];
//! - analytic expressions of the equation file ([`crate::expr::Expr`]).
//!
//! [`ReferenceSolution`] puts the three behind one `eval_points` call, and
//! [`grid_points`] / [`detect_grid`] give the row-major grids reports draw.

mod cole_hopf;
mod error;
mod gauss_hermite;
mod grid;
mod table;

pub use cole_hopf::{BurgersColeHopf, DEFAULT_NODES};
pub use error::ReferenceError;
pub use gauss_hermite::gauss_hermite;
pub use grid::{detect_grid, grid_index, grid_points, linspace, tensor_product, GridAxes};
pub use table::{load_table, parse_table, table_from_text, Table, TableProblem};

use crate::expr::{Expr, PointEval};
use std::collections::HashMap;

/// A reference solution that can be evaluated at points (coordinates in the
/// problem's input order, physical units).
#[derive(Clone, Debug)]
pub enum ReferenceSolution {
    /// Burgers' u(t, x); points are `[t, x]`, one output.
    BurgersColeHopf(BurgersColeHopf),
    /// Tabulated values; only the table's own points can be evaluated.
    Table(Table),
    /// One data-only expression per output, evaluated with [`PointEval`].
    Exprs(Vec<Expr>),
}

impl ReferenceSolution {
    /// Number of outputs the reference provides.
    pub fn n_outputs(&self) -> usize {
        match self {
            ReferenceSolution::BurgersColeHopf(_) => 1,
            ReferenceSolution::Table(t) => t.values.len(),
            ReferenceSolution::Exprs(e) => e.len(),
        }
    }

    /// The points the reference is defined on, if it is only defined on some
    /// (a table); evaluate there to compare against it.
    pub fn native_points(&self) -> Option<&[Vec<f64>]> {
        match self {
            ReferenceSolution::Table(t) => Some(&t.points),
            _ => None,
        }
    }

    /// Values per output, one per point. A table answers only at its own
    /// points (exact coordinate match) and errors on any other point rather
    /// than inventing an interpolant.
    pub fn eval_points(&self, points: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, ReferenceError> {
        match self {
            ReferenceSolution::BurgersColeHopf(b) => {
                // A point without two coordinates is a caller bug; NaN shows
                // it in the error metrics instead of panicking mid-report.
                let coord = |p: &[f64], i: usize| p.get(i).copied().unwrap_or(f64::NAN);
                Ok(vec![points
                    .iter()
                    .map(|p| b.u(coord(p, 0), coord(p, 1)))
                    .collect()])
            }
            ReferenceSolution::Exprs(exprs) => Ok(exprs
                .iter()
                .map(|e| {
                    points
                        .iter()
                        .map(|p| e.eval(&mut PointEval::new(p)))
                        .collect()
                })
                .collect()),
            ReferenceSolution::Table(t) => table_lookup(t, points),
        }
    }
}

/// Exact lookup by coordinate bits (with −0 folded onto +0).
fn table_lookup(t: &Table, points: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, ReferenceError> {
    let key = |p: &[f64]| -> Vec<u64> { p.iter().map(|v| (v + 0.0).to_bits()).collect() };
    let index: HashMap<Vec<u64>, usize> = t
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| (key(p), i))
        .collect();
    let rows = points
        .iter()
        .map(|p| {
            index
                .get(&key(p))
                .copied()
                .ok_or_else(|| ReferenceError::PointNotInTable { point: p.clone() })
        })
        .collect::<Result<Vec<usize>, _>>()?;
    Ok(t.values
        .iter()
        .map(|col| rows.iter().map(|&r| col[r]).collect())
        .collect())
}
