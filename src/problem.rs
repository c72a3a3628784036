//! Equation files (TOML) → validated [`Problem`].
//!
//! The format is described in the README's "Equation files" section. Every
//! error names the file, line, column and what was expected.

use crate::config::RunConfig;
use crate::expr::{Expr, Predicate};
use crate::multi_index::MultiIndex;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

mod build;
mod error;
mod explain;
mod observations;
mod raw;
mod unknowns;

pub use error::ProblemError;
use error::Source;
pub use observations::Observations;
pub use unknowns::{Bounds, Unknown};

/// Equation files shipped with the crate, by name.
const BUILTINS: [(&str, &str); 8] = [
    ("burgers", include_str!("../equations/burgers.toml")),
    ("heat", include_str!("../equations/heat.toml")),
    ("kovasznay", include_str!("../equations/kovasznay.toml")),
    (
        "taylor-green",
        include_str!("../equations/taylor-green.toml"),
    ),
    ("cavity", include_str!("../equations/cavity.toml")),
    (
        "burgers-identify",
        include_str!("../equations/burgers_identify.toml"),
    ),
    (
        "burgers-identify-noisy",
        include_str!("../equations/burgers_identify_noisy.toml"),
    ),
    (
        "kovasznay-identify",
        include_str!("../equations/kovasznay_identify.toml"),
    ),
];

/// Data files of builtin equations, by the path their files name
/// (relative to `equations/`), embedded so builtins run from any folder.
const BUILTIN_DATA: [(&str, &str); 3] = [
    (
        "data/burgers_identify.csv",
        include_str!("../equations/data/burgers_identify.csv"),
    ),
    (
        "data/burgers_identify_noisy.csv",
        include_str!("../equations/data/burgers_identify_noisy.csv"),
    ),
    (
        "data/kovasznay_identify.csv",
        include_str!("../equations/data/kovasznay_identify.csv"),
    ),
];

/// The loss term of the observations.
pub const DATA_TERM: &str = "data";

/// The text of a data file of the builtin equations.
pub fn builtin_data(path: &str) -> Option<&'static str> {
    BUILTIN_DATA
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

/// The text of a builtin equation file: `(name, toml)`.
pub fn builtin(name: &str) -> Option<(&'static str, &'static str)> {
    BUILTINS.iter().copied().find(|(n, _)| *n == name)
}

/// Builtin equations as `(name, title)`.
pub fn builtins() -> Vec<(&'static str, String)> {
    BUILTINS
        .iter()
        .map(|&(name, text)| {
            let title = Problem::from_toml(text, &format!("builtin:{name}"))
                .map_or_else(|_| String::new(), |p| p.title);
            (name, title)
        })
        .collect()
}

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
    /// Points of the lower face of `input` paired with the same points on
    /// its upper face: values and first derivatives along `input` must match.
    Periodic { input: usize },
    /// The part of these faces where `predicate` holds (`where = "x > 0.5"`).
    FacesWhere {
        faces: Vec<Face>,
        predicate: Predicate,
        /// The predicate as written, for `pinn check`.
        text: String,
    },
}

impl Region {
    /// The faces of a face region (with or without a predicate), else none.
    pub fn faces(&self) -> &[Face] {
        match self {
            Region::Faces(faces) | Region::FacesWhere { faces, .. } => faces,
            Region::Interior | Region::Periodic { .. } => &[],
        }
    }
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

/// Reference tables shipped with the crate, by builtin reference name.
const BUILTIN_TABLES: [(&str, &str); 1] = [(
    "ghia-1982-re100",
    include_str!("../equations/data/ghia_1982_re100.csv"),
)];

/// The CSV text of a builtin reference table.
pub fn builtin_table(name: &str) -> Option<&'static str> {
    BUILTIN_TABLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
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
    /// Unknown coefficients (inverse problems), in file order.
    pub unknowns: Vec<Unknown>,
    /// Observed values that the `data` loss term fits.
    pub observations: Option<Observations>,
    pub reference: Option<Reference>,
    /// Evaluation grid, one axis per input in input order.
    pub grid: Vec<GridAxis>,
    /// The file's network/train settings over the crate defaults.
    pub config: RunConfig,
    /// The outputs (x and y components) that form a velocity field, drawn
    /// as speed and arrows.
    pub velocity: Option<(usize, usize)>,
    /// Per output: known only up to an added constant (a pressure with only
    /// its gradient determined), so compared after removing the means.
    pub up_to_constant: Vec<bool>,
}

impl Problem {
    /// Names of the loss terms: the terms, then `data` when there are observations.
    pub fn term_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.terms.iter().map(|(t, _)| t.name.clone()).collect();
        if self.observations.is_some() {
            names.push(DATA_TERM.into());
        }
        names
    }

    /// The raw parameters the unknown coefficients start from (see [`Bounds`]).
    pub fn raw_inits(&self) -> Vec<f64> {
        self.unknowns.iter().map(Unknown::raw_init).collect()
    }

    /// Derivatives of the outputs that `term` needs, closed under sub-multisets
    /// (the jet propagation needs every part of every requested index).
    pub fn derivatives(term: &Term) -> Vec<MultiIndex> {
        crate::multi_index::closure(&term.expr.derivatives())
    }
}

impl Problem {
    /// Parses and validates an equation file's text; `source` names it in
    /// errors (a path, or `builtin:NAME`) and anchors relative CSV paths.
    pub fn from_toml(text: &str, source: &str) -> Result<Problem, ProblemError> {
        let src = Source { text, name: source };
        let raw: raw::RawProblem = toml::from_str(text).map_err(|e| src.toml_error(&e))?;
        build::build(raw, &src)
    }

    /// Reads and parses an equation file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Problem, ProblemError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ProblemError::general(&name, format!("cannot read the equation file: {e}"))
        })?;
        Self::from_toml(&text, &name)
    }

    /// Loads an existing file, else a builtin equation of that name.
    pub fn load(name_or_path: &str) -> Result<Problem, ProblemError> {
        if Path::new(name_or_path).is_file() {
            return Self::from_file(name_or_path);
        }
        if let Some((name, text)) = builtin(name_or_path) {
            return Self::from_toml(text, &format!("builtin:{name}"));
        }
        let names: Vec<&str> = BUILTINS.iter().map(|(n, _)| *n).collect();
        Err(ProblemError::general(
            name_or_path,
            format!(
                "no such file, and no builtin equation of that name (builtins: {})",
                names.join(", ")
            ),
        ))
    }

    /// Human-readable summary for `pinn check`: what was understood from the file.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        // Writing to a String cannot fail; the results are ignored on purpose.
        let _ = writeln!(s, "{}: {}", self.name, self.title);
        let _ = writeln!(s, "source: {}", self.source);
        let _ = writeln!(s, "inputs:");
        for (name, [lo, hi]) in self.inputs.iter().zip(&self.domain) {
            let _ = writeln!(s, "  {name} in [{lo}, {hi}]");
        }
        let _ = writeln!(s, "outputs: {}", self.outputs.join(", "));
        if !self.constants.is_empty() {
            let _ = writeln!(s, "constants:");
            for (name, v) in &self.constants {
                let _ = writeln!(s, "  {name} = {v}");
            }
        }
        if !self.unknowns.is_empty() {
            let _ = writeln!(s, "unknowns (trained with the network):");
            for (k, u) in self.unknowns.iter().enumerate() {
                let truth = u.truth.map_or(String::new(), |t| format!(", truth {t}"));
                let _ = writeln!(
                    s,
                    "  {}: starts at {}, bounds {}{truth}",
                    u.name,
                    u.init,
                    u.bounds.text()
                );
                let used: Vec<&str> = self
                    .terms
                    .iter()
                    .filter(|(t, _)| t.expr.unknowns().contains(&k))
                    .map(|(t, _)| t.name.as_str())
                    .collect();
                let used = if used.is_empty() {
                    "no term (it cannot be identified)".to_string()
                } else {
                    used.join(", ")
                };
                let _ = writeln!(s, "    appears in: {used}");
            }
        }
        if let Some(o) = &self.observations {
            let observed: Vec<&str> = o
                .outputs
                .iter()
                .map(|&j| self.outputs[j].as_str())
                .collect();
            let noise = o.noise.map_or("not stated".to_string(), |n| n.to_string());
            let _ = writeln!(
                s,
                "observations: {} points of {} from {} (noise {noise}); loss term '{DATA_TERM}'",
                o.points.len(),
                observed.join(", "),
                o.file
            );
        }
        let _ = writeln!(s, "terms:");
        for (term, region) in &self.terms {
            let _ = writeln!(
                s,
                "  {} [{}]: {}",
                term.name,
                self.region_text(region),
                term.text
            );
            let _ = writeln!(s, "    {}", self.explain(term, region));
            let reads: Vec<String> = term
                .expr
                .output_derivatives()
                .iter()
                .map(|(out, d)| d.label(&self.outputs[*out], &self.inputs))
                .collect();
            let _ = writeln!(s, "    reads: {}", reads.join(", "));
        }
        let reference = match &self.reference {
            None => "none".to_string(),
            Some(Reference::BurgersColeHopf { nu }) => {
                format!("builtin burgers-cole-hopf (nu = {nu})")
            }
            Some(Reference::Exprs(_)) => "closed-form expression per output".to_string(),
            Some(Reference::Csv { path }) => format!("csv {}", path.display()),
            Some(Reference::BuiltinTable { name }) => format!("builtin table {name}"),
        };
        let _ = writeln!(s, "reference: {reference}");
        let shifted: Vec<&str> = self
            .outputs
            .iter()
            .zip(&self.up_to_constant)
            .filter(|(_, &flag)| flag)
            .map(|(o, _)| o.as_str())
            .collect();
        if !shifted.is_empty() {
            let _ = writeln!(
                s,
                "compared up to a constant (per time slice with an input t): {}",
                shifted.join(", ")
            );
        }
        if let Some((u, v)) = self.velocity {
            let _ = writeln!(
                s,
                "velocity: ({}, {}), drawn as speed and arrows",
                self.outputs[u], self.outputs[v]
            );
        }
        let axes: Vec<String> = self
            .inputs
            .iter()
            .zip(&self.grid)
            .map(|(name, g)| format!("{name}: {} points in [{}, {}]", g.n, g.lo, g.hi))
            .collect();
        let _ = writeln!(s, "grid: {}", axes.join("; "));
        let settings =
            toml::to_string(&self.config).unwrap_or_else(|e| format!("(cannot show: {e})\n"));
        let _ = write!(s, "settings:\n{}", indent(&settings));
        s
    }

    /// `interior` or the faces as written in `on`, e.g. `x = -1, x = 1`.
    pub fn region_text(&self, region: &Region) -> String {
        match region {
            Region::Interior => "interior".to_string(),
            Region::FacesWhere { faces, text, .. } => {
                format!(
                    "{} where {text}",
                    self.region_text(&Region::Faces(faces.clone()))
                )
            }
            Region::Faces(faces) => {
                let parts: Vec<String> = faces
                    .iter()
                    .map(|f| {
                        format!(
                            "{} = {}",
                            self.inputs[f.input],
                            self.domain[f.input][usize::from(f.upper)]
                        )
                    })
                    .collect();
                parts.join(", ")
            }
            Region::Periodic { input } => {
                let [lo, hi] = self.domain[*input];
                let name = &self.inputs[*input];
                format!("{name} = {lo} paired with {name} = {hi}")
            }
        }
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("  {l}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let p = Problem::from_toml(WAVE, "wave.toml").unwrap_or_else(|e| panic!("{e}"));
        // File order is kept; c2 is evaluated after c.
        assert_eq!(
            p.constants,
            vec![("c2".to_string(), 4.0), ("c".to_string(), 2.0)]
        );
        assert_eq!(p.domain[1], [-PI, PI]);
        assert_eq!(
            p.grid[1],
            GridAxis {
                lo: 0.0,
                hi: PI,
                n: 11
            }
        );
        assert_eq!(
            p.grid[0],
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
        assert_eq!(p.terms[1].1, faces);
        let names: Vec<&str> = p.terms.iter().map(|(t, _)| t.name.as_str()).collect();
        assert_eq!(names, ["wave", "bc", "velocity", "ic"]);
        assert_eq!(
            Problem::derivatives(&p.terms[0].0),
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
        let p = Problem::from_toml(WAVE, "wave.toml").unwrap_or_else(|e| panic!("{e}"));
        let Some(Reference::Exprs(exprs)) = &p.reference else {
            panic!("expected expressions, got {:?}", p.reference);
        };
        // cos(2 * 0.5) sin(pi / 2) = cos(1) = 0.5403023058681398.
        let v = exprs[0].eval(&mut crate::expr::PointEval::new(&[0.5, PI / 2.0]));
        assert!((v - 0.540_302_305_868_139_8).abs() < 1e-15);
    }

    #[test]
    fn network_and_train_overrides() {
        let text = format!(
            "{WAVE}\n[network]\nwidth = 8\n[train]\nadam_steps = 7\nweights = {{ ic = 10 }}\n"
        );
        let p = Problem::from_toml(&text, "wave.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((p.config.network.width, p.config.network.depth), (8, 3));
        assert_eq!(p.config.train.adam_steps, 7);
        assert_eq!(p.config.train.weights.get("ic"), Some(&10.0));
    }

    #[test]
    fn region_text_shows_bounds() {
        let p = Problem::from_toml(WAVE, "wave.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.region_text(&p.terms[3].1), "t = 0");
        assert_eq!(p.region_text(&Region::Interior), "interior");
    }
}
