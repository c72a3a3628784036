//! Equation files (TOML) → validated [`Problem`].
//!
//! See DESIGN.md §3 for the format. Every error names the file, line, column
//! and what was expected.

use crate::config::RunConfig;
use crate::expr::Expr;
use crate::multi_index::MultiIndex;
use std::path::PathBuf;

/// One side of the box domain: input `input` held at its lower or upper bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Face {
    pub input: usize,
    pub upper: bool,
}

/// A loss term: a residual that should vanish on its points.
#[derive(Clone, Debug)]
pub struct Term {
    /// Name used in logs, weights and CSV columns (e.g. `momentum`, `ic`, `bc`).
    pub name: String,
    /// The expression whose square is averaged (for conditions: lhs − rhs).
    pub expr: Expr,
    /// The text as written in the file, for `pinn check` and logs.
    pub text: String,
}

/// Where a term is enforced.
#[derive(Clone, Debug, PartialEq)]
pub enum Region {
    /// The interior of the box.
    Interior,
    /// The union of these faces of the box.
    Faces(Vec<Face>),
}

/// A reference solution to compare against.
#[derive(Clone, Debug)]
pub enum Reference {
    /// Burgers by the Cole–Hopf transform with viscosity `nu`, u(0,x) = −sin πx on [−1,1].
    BurgersColeHopf { nu: f64 },
    /// One closed-form expression per output (inputs and constants only).
    Exprs(Vec<Expr>),
    /// A CSV table with one column per input and per output, by name.
    Csv { path: PathBuf },
}

/// Evaluation grid: per input, `n` evenly spaced values from `lo` to `hi` inclusive.
#[derive(Clone, Debug, PartialEq)]
pub struct GridAxis {
    pub lo: f64,
    pub hi: f64,
    pub n: usize,
}

/// A validated problem, ready to sample and train.
#[derive(Clone, Debug)]
pub struct Problem {
    pub name: String,
    pub title: String,
    /// Where the file came from (a path, or `builtin:NAME`).
    pub source: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    /// Named constants, already evaluated, in file order.
    pub constants: Vec<(String, f64)>,
    /// `[lo, hi]` per input, in input order.
    pub domain: Vec<[f64; 2]>,
    /// PDE residuals (interior) and conditions (faces), each with its region.
    pub terms: Vec<(Term, Region)>,
    pub reference: Option<Reference>,
    /// Evaluation grid, one axis per input in input order.
    pub grid: Vec<GridAxis>,
    /// The file's network/train settings over the crate defaults.
    pub config: RunConfig,
}

impl Problem {
    /// Derivatives of the outputs that `term` needs, closed under sub-multisets
    /// (the jet propagation needs every part of every requested index).
    pub fn derivatives(term: &Term) -> Vec<MultiIndex> {
        crate::multi_index::closure(&term.expr.derivatives())
    }
}
