//! What a PDE problem is, as the rest of the crate sees it: the equation
//! ([`Pde`]: inputs, outputs, constants, domain, terms, unknowns), the
//! observations of an inverse problem, and how a solution is judged
//! ([`Evaluation`]: reference, grid, outputs known up to a constant, the
//! velocity to draw).
//!
//! A problem comes from an equation file ([`EquationFile::load`], the format
//! is the README's "Equation files") or from Rust ([`ProblemBuilder`]); both
//! go through the same validation, and every error names the file, line,
//! column and what was expected. The run settings a file asks for come with
//! it ([`EquationFile::config`]) but are not part of the problem.

use crate::config::RunConfig;
use crate::constraint::HardConstraints;
use crate::expr::{Expr, Residual};
use crate::geometry::{Geometry, Region, Shape};
use crate::multi_index::MultiIndex;
use crate::unknowns::Unknown;
use std::path::PathBuf;
use std::sync::Arc;

mod build;
mod builder;
mod builder_shapes;
mod builtins;
mod describe;
mod error;
mod explain;
mod geometry;
mod hard;
mod load;
mod observations;
mod quantities;
mod raw;
mod settings;
mod unknowns;

pub use builder::{Condition, Number, ProblemBuilder, QuantitySpec, ShapeSpec, UnknownSpec};
pub use builtins::{builtin, builtin_data, builtin_table, builtins};
pub use error::ProblemError;
pub use load::{check, read_config};
pub use settings::TooLarge;

pub use observations::Observations;

/// The loss term of the observations.
pub const DATA_TERM: &str = "data";

/// Residuals written in Rust, by the names equation files call them
/// (`pde = { code = "NAME", reads = ["u_t", "u_xx"] }`).
#[derive(Clone, Default)]
pub struct CodeTerms(Vec<(String, Arc<dyn Residual>)>);

impl CodeTerms {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `residual` under `name` (a later one of the same name wins).
    pub fn with(mut self, name: &str, residual: impl Residual + 'static) -> Self {
        self.0.retain(|(n, _)| n != name);
        self.0.push((name.to_string(), Arc::new(residual)));
        self
    }

    pub(crate) fn get(&self, name: &str) -> Option<Arc<dyn Residual>> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.clone())
    }

    /// The registered names, in registration order.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|(n, _)| n.as_str()).collect()
    }
}

impl std::fmt::Debug for CodeTerms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CodeTerms").field(&self.names()).finish()
    }
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

/// A reference solution to compare against.
#[derive(Clone, Debug)]
pub enum Reference {
    /// Burgers by the Cole–Hopf transform with viscosity `nu`, u(0,x) = −sin πx on [−1,1].
    BurgersColeHopf { nu: f64 },
    /// One closed-form expression per output (inputs and constants only).
    Exprs(Vec<Expr>),
    /// A CSV table with one column per input and per output, by name.
    Csv { path: PathBuf },
    /// A CSV table shipped in the binary (see [`builtin_table`]).
    BuiltinTable { name: String },
}

/// Evaluation grid: per input, `n` evenly spaced values from `lo` to `hi` inclusive.
#[derive(Clone, Debug, PartialEq)]
pub struct GridAxis {
    pub lo: f64,
    pub hi: f64,
    pub n: usize,
}

/// The equation: what the network's outputs must satisfy, where.
#[derive(Clone, Debug)]
pub struct Pde {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    /// Named constants, already evaluated, in file order.
    pub constants: Vec<(String, f64)>,
    /// `[lo, hi]` per input, in input order (with a geometry: its bounding
    /// box in the inputs it spans).
    pub domain: Vec<[f64; 2]>,
    /// The shape of the domain in the inputs it spans (`[geometry]`); None:
    /// the whole box.
    pub geometry: Option<Arc<Geometry>>,
    /// PDE residuals (interior) and conditions (faces), each with its region.
    pub terms: Vec<(Term, Region)>,
    /// Unknown coefficients (inverse problems), in file order.
    pub unknowns: Vec<Unknown>,
    /// Outputs given as value + distance · network (`[hard_constraints]`).
    pub hard: Option<Arc<HardConstraints>>,
    /// Conditions that `hard` satisfies exactly, left out of `terms` (and
    /// so of the loss), in file order.
    pub satisfied: Vec<(Term, Region)>,
}

impl Pde {
    /// The input named `t`, the one causal training weights along (the
    /// parser and the evaluation read the same name from their own lists).
    pub fn time_input(&self) -> Option<usize> {
        self.inputs.iter().position(|n| n == "t")
    }

    /// Whether `point` (all inputs) lies in the domain's shape (always, for
    /// a box).
    pub fn inside(&self, point: &[f64]) -> bool {
        self.geometry.as_ref().is_none_or(|g| g.holds(point))
    }

    /// A sampler of this domain (its shape included).
    pub fn sampler(&self, seed: u64) -> crate::geometry::Sampler {
        crate::geometry::Sampler::new(&self.domain, seed).with_geometry(self.geometry.clone())
    }
}

/// How a trained network is judged and shown.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub reference: Option<Reference>,
    /// Evaluation grid, one axis per input in input order.
    pub grid: Vec<GridAxis>,
    /// Per output: known only up to an added constant (a pressure with only
    /// its gradient determined), so compared after removing the means.
    pub up_to_constant: Vec<bool>,
    /// The outputs (x and y components) that form a velocity field, drawn
    /// as speed and arrows.
    pub velocity: Option<(usize, usize)>,
    /// Derived quantities to report (`[quantities]`), in file order.
    pub quantities: Vec<Quantity>,
}

/// A number derived from the solution: an integral over a region, or a
/// value at a point (minus its value at another).
#[derive(Clone, Debug)]
pub struct Quantity {
    pub name: String,
    /// The expression as written.
    pub text: String,
    /// In the outputs, their derivatives, the inputs and the outward normal.
    pub expr: Expr,
    pub place: QuantityPlace,
    pub reference: Option<f64>,
}

/// Where a [`Quantity`] is taken.
#[derive(Clone, Debug)]
pub enum QuantityPlace {
    /// ∫ expr over the region (its measure: area, length, …).
    Integral(Region),
    /// ∫ expr over the interior of the domain inside `shape`, a combination
    /// of the geometry's primitives (`within = "near"`).
    Within { shape: Shape, text: String },
    /// expr(at) − expr(minus), or expr(at) alone.
    Points {
        at: Vec<f64>,
        minus: Option<Vec<f64>>,
    },
}

/// A validated problem, ready to sample and train.
#[derive(Clone, Debug)]
pub struct Problem {
    pub name: String,
    pub title: String,
    /// Where it came from (a path, `builtin:NAME`, or a builder's name).
    pub source: String,
    /// The equation file as read (for a built problem: as generated); a
    /// run folder keeps a copy.
    pub text: String,
    pub pde: Pde,
    /// Observed values that the `data` loss term fits.
    pub observations: Option<Observations>,
    /// The data files `text` names, and where.
    pub named_files: Vec<NamedFile>,
    pub evaluation: Evaluation,
}

/// A data file an equation file names: the byte span of the string that
/// names it in the file's text, and what it holds.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedFile {
    pub span: std::ops::Range<usize>,
    pub role: FileRole,
}

/// What a named data file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRole {
    Observations,
    Reference,
}

impl FileRole {
    /// Where a run folder keeps its copy, relative to the folder.
    pub fn copy_path(self) -> &'static str {
        match self {
            FileRole::Observations => "data/observations.csv",
            FileRole::Reference => "data/reference.csv",
        }
    }
}

impl Problem {
    /// The equation file's text with every named data file replaced by the
    /// run folder's copy of it (see [`FileRole::copy_path`]), so that the
    /// copy repeats the run wherever the original files were.
    pub fn text_with_copies(&self) -> String {
        let mut text = self.text.clone();
        let mut files = self.named_files.clone();
        // From the end, so earlier spans stay valid.
        files.sort_by_key(|f| std::cmp::Reverse(f.span.start));
        for f in files {
            let name = toml::Value::String(f.role.copy_path().to_string()).to_string();
            if text.get(f.span.clone()).is_some() {
                text.replace_range(f.span, &name);
            }
        }
        text
    }
}

/// An equation file: the problem it states and the run settings it asks
/// for (its `[network]`, `[adam]`, `[quasi_newton]`, `[sampling]` and
/// `[train]` tables over the defaults).
#[derive(Clone, Debug)]
pub struct EquationFile {
    pub problem: Problem,
    pub config: RunConfig,
}

impl Problem {
    /// Names of the loss terms: the terms, then `data` when there are observations.
    pub fn term_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.pde.terms.iter().map(|(t, _)| t.name.clone()).collect();
        if self.observations.is_some() {
            names.push(DATA_TERM.into());
        }
        names
    }

    /// The raw parameters the unknown coefficients start from (see
    /// [`crate::unknowns::Bounds`]).
    pub fn raw_inits(&self) -> Vec<f64> {
        self.pde.unknowns.iter().map(Unknown::raw_init).collect()
    }

    /// Derivatives of the outputs that `term` needs, closed under sub-multisets
    /// (the jet propagation needs every part of every requested index).
    pub fn derivatives(term: &Term) -> Vec<MultiIndex> {
        crate::multi_index::closure(&term.expr.derivatives())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Face;
    use std::f64::consts::PI;

    const WAVE: &str = r#"
name = "wave"
inputs = ["t", "x"]
outputs = ["u"]
constants = { c2 = "c^2", c = 2 }
domain = { t = [0, 1], x = ["-pi", "pi"] }
[residuals]
wave = "d(u, t, t) - c2 * u_xx"
[[conditions]]
on = "x = -pi, x = pi"
require = "u = 0"
[[conditions]]
name = "velocity"
on = "t = 0"
require = "u_t = 0"
[[conditions]]
on = "t = 0"
require = "u = sin(x)"
[reference]
u = "cos(c * t) * sin(x)"
grid = { x = [0, "pi", 11] }
"#;

    #[test]
    fn constants_in_any_order_and_expression_bounds() {
        let file = EquationFile::from_toml(WAVE, "wave.toml").unwrap_or_else(|e| panic!("{e}"));
        let p = file.problem.clone();
        // File order is kept; c2 is evaluated after c.
        assert_eq!(
            p.pde.constants,
            vec![("c2".to_string(), 4.0), ("c".to_string(), 2.0)]
        );
        assert_eq!(p.pde.domain[1], [-PI, PI]);
        assert_eq!(
            p.evaluation.grid[1],
            GridAxis {
                lo: 0.0,
                hi: PI,
                n: 11
            }
        );
        assert_eq!(
            p.evaluation.grid[0],
            GridAxis {
                lo: 0.0,
                hi: 1.0,
                n: 101
            }
        );
        let faces = Region::Faces(vec![
            Face {
                input: 1,
                upper: false,
            },
            Face {
                input: 1,
                upper: true,
            },
        ]);
        assert_eq!(p.pde.terms[1].1, faces);
        let names: Vec<&str> = p.pde.terms.iter().map(|(t, _)| t.name.as_str()).collect();
        assert_eq!(names, ["wave", "bc", "velocity", "ic"]);
        assert_eq!(
            Problem::derivatives(&p.pde.terms[0].0),
            vec![
                MultiIndex::value(),
                MultiIndex::new(vec![0]),
                MultiIndex::new(vec![1]),
                MultiIndex::new(vec![0, 0]),
                MultiIndex::new(vec![1, 1]),
            ]
        );
    }

    #[test]
    fn reference_expression_evaluates() {
        let file = EquationFile::from_toml(WAVE, "wave.toml").unwrap_or_else(|e| panic!("{e}"));
        let p = file.problem.clone();
        let Some(Reference::Exprs(exprs)) = &p.evaluation.reference else {
            panic!("expected expressions, got {:?}", p.evaluation.reference);
        };
        // cos(2 * 0.5) sin(pi / 2) = cos(1) = 0.5403023058681398.
        let v = exprs[0].eval(&mut crate::expr::PointEval::new(&[0.5, PI / 2.0]));
        assert!((v - 0.540_302_305_868_139_8).abs() < 1e-15);
    }

    #[test]
    fn network_and_train_overrides() {
        let text = format!(
            "{WAVE}\n[network]\nwidth = 8\n[adam]\nsteps = 7\n[train]\nweights = {{ ic = 10 }}\n"
        );
        let file = EquationFile::from_toml(&text, "wave.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (file.config.network.width, file.config.network.depth),
            (8, 3)
        );
        assert_eq!(file.config.adam.steps, 7);
        assert_eq!(file.config.train.weights.get("ic"), Some(&10.0));
    }

    #[test]
    fn region_text_shows_bounds() {
        let file = EquationFile::from_toml(WAVE, "wave.toml").unwrap_or_else(|e| panic!("{e}"));
        let p = file.problem.clone();
        assert_eq!(p.region_text(&p.pde.terms[3].1), "t = 0");
        assert_eq!(p.region_text(&Region::Interior), "interior");
    }
}
