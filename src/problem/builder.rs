//! Problems declared in Rust: [`ProblemBuilder`] writes the equation file
//! its calls describe and validates it exactly as a file is validated, so a
//! problem built in code gets the same checks and the same errors (they
//! point into the generated text, shown with the error).

use super::builder_shapes::Shapes;
pub use super::builder_shapes::{QuantitySpec, ShapeSpec};
use super::{CodeTerms, EquationFile, ProblemError};
use crate::config::RunConfig;
use crate::expr::{Residual, Value, Values};
use std::fmt::Write as _;

/// A number in a problem: a value, or a constant expression of earlier
/// constants (`"0.01 / pi"`).
#[derive(Clone, Debug, PartialEq)]
pub enum Number {
    Value(f64),
    Expr(String),
}

impl From<f64> for Number {
    fn from(v: f64) -> Self {
        Number::Value(v)
    }
}

impl From<&str> for Number {
    fn from(s: &str) -> Self {
        Number::Expr(s.to_string())
    }
}

impl Number {
    pub(super) fn toml(&self) -> String {
        match self {
            Number::Value(v) => toml::Value::Float(*v).to_string(),
            Number::Expr(s) => quoted(s),
        }
    }
}

/// What a residual or condition requires: an expression (an equation for a
/// condition), or Rust code with the expressions it reads.
enum Requirement {
    Text(String),
    Code { reads: Vec<String> },
}

/// A condition for [`ProblemBuilder::condition`].
pub struct Condition {
    name: Option<String>,
    on: Option<String>,
    require: Option<Requirement>,
    code: Option<Box<dyn Residual>>,
    predicate: Option<String>,
    periodic: Option<String>,
}

impl Condition {
    /// A condition on faces, e.g. `Condition::on("x = 0, x = 1")`.
    pub fn on(faces: &str) -> Self {
        Self {
            on: Some(faces.to_string()),
            ..Self::empty()
        }
    }

    /// Periodic in `input`: every output and its first derivative along it
    /// agree on its two faces.
    pub fn periodic(input: &str) -> Self {
        Self {
            periodic: Some(input.to_string()),
            ..Self::empty()
        }
    }

    fn empty() -> Self {
        Self {
            name: None,
            on: None,
            require: None,
            code: None,
            predicate: None,
            periodic: None,
        }
    }

    /// The equation that must hold there, e.g. `"u = sin(pi * x)"`, `"u_n = 0"`.
    pub fn require(mut self, equation: &str) -> Self {
        self.require = Some(Requirement::Text(equation.to_string()));
        self
    }

    /// Rust code whose value must vanish there, reading `reads` (e.g.
    /// `["u", "x"]`) through [`Values::read`] in that order.
    pub fn require_code(
        mut self,
        reads: &[&str],
        code: impl Fn(&mut dyn Values) -> Value + Send + Sync + 'static,
    ) -> Self {
        self.require = Some(Requirement::Code {
            reads: reads.iter().map(|r| r.to_string()).collect(),
        });
        self.code = Some(Box::new(code));
        self
    }

    /// Only where `predicate` holds, e.g. `"x > 0.5"`.
    pub fn only_where(mut self, predicate: &str) -> Self {
        self.predicate = Some(predicate.to_string());
        self
    }

    /// The term's name (default: `ic`, `bc`, `periodic_x`, numbered when taken).
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }
}

/// An unknown coefficient for [`ProblemBuilder::unknown`].
#[derive(Clone, Debug, PartialEq)]
pub struct UnknownSpec {
    pub init: Number,
    /// `[lo, hi]`; either may be infinite (`f64::INFINITY`: no bound).
    pub bounds: Option<[Number; 2]>,
    pub truth: Option<Number>,
}

/// Builds a [`super::Problem`] (with its run settings) in Rust.
///
/// ```
/// use pinn::problem::{Condition, ProblemBuilder};
/// let file = ProblemBuilder::new("decay")
///     .inputs(&["t"])
///     .outputs(&["u"])
///     .domain("t", 0.0, 1.0)
///     .residual("ode", "u_t + u")
///     .condition(Condition::on("t = 0").require("u = 1"))
///     .reference("u", "exp(-t)")
///     .build()
///     .expect("valid");
/// assert_eq!(file.problem.term_names(), ["ode", "ic"]);
/// ```
pub struct ProblemBuilder {
    name: String,
    title: Option<String>,
    inputs: Vec<String>,
    outputs: Vec<String>,
    constants: Vec<(String, Number)>,
    domain: Vec<(String, Number, Number)>,
    residuals: Vec<(String, Requirement)>,
    conditions: Vec<Condition>,
    unknowns: Vec<(String, UnknownSpec)>,
    observations: Option<String>,
    references: Vec<(String, String)>,
    grid: Vec<(String, Number, Number, usize)>,
    up_to_constant: Vec<String>,
    velocity: Option<[String; 2]>,
    /// (output, value, distance) per hard constraint.
    hard: Vec<(String, String, String)>,
    config: Option<RunConfig>,
    codes: CodeTerms,
    shapes: Shapes,
}

impl ProblemBuilder {
    /// A problem named `name` (letters, digits, `-` and `_`: it names run folders).
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            title: None,
            inputs: Vec::new(),
            outputs: Vec::new(),
            constants: Vec::new(),
            domain: Vec::new(),
            residuals: Vec::new(),
            conditions: Vec::new(),
            unknowns: Vec::new(),
            observations: None,
            references: Vec::new(),
            grid: Vec::new(),
            up_to_constant: Vec::new(),
            velocity: None,
            hard: Vec::new(),
            config: None,
            codes: CodeTerms::new(),
            shapes: Shapes::default(),
        }
    }

    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.to_string());
        self
    }

    /// The network's inputs, in order.
    pub fn inputs(mut self, names: &[&str]) -> Self {
        self.inputs = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// The network's outputs, in order.
    pub fn outputs(mut self, names: &[&str]) -> Self {
        self.outputs = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// A named constant: a number or an expression of other constants.
    pub fn constant(mut self, name: &str, value: impl Into<Number>) -> Self {
        self.constants.push((name.to_string(), value.into()));
        self
    }

    /// The interval `[lo, hi]` of an input.
    pub fn domain(mut self, input: &str, lo: impl Into<Number>, hi: impl Into<Number>) -> Self {
        self.domain.push((input.to_string(), lo.into(), hi.into()));
        self
    }

    /// A PDE residual as an expression, e.g. `"u_t - alpha * u_xx"`.
    pub fn residual(mut self, name: &str, expression: &str) -> Self {
        self.residuals
            .push((name.to_string(), Requirement::Text(expression.to_string())));
        self
    }

    /// A PDE residual as Rust code reading `reads` (e.g. `["u_t", "u_xx"]`)
    /// through [`Values::read`], in that order; it runs on the same jets.
    pub fn residual_code(
        mut self,
        name: &str,
        reads: &[&str],
        code: impl Fn(&mut dyn Values) -> Value + Send + Sync + 'static,
    ) -> Self {
        let reads = reads.iter().map(|r| r.to_string()).collect();
        self.residuals
            .push((name.to_string(), Requirement::Code { reads }));
        self.codes = self.codes.with(&residual_code_name(name), code);
        self
    }

    pub fn condition(mut self, mut condition: Condition) -> Self {
        if let Some(code) = condition.code.take() {
            let name = condition_code_name(self.conditions.len());
            self.codes = self.codes.with(&name, BoxedResidual(code));
        }
        self.conditions.push(condition);
        self
    }

    /// An unknown coefficient trained with the network (inverse problems).
    pub fn unknown(mut self, name: &str, spec: UnknownSpec) -> Self {
        self.unknowns.push((name.to_string(), spec));
        self
    }

    /// Observations from a CSV file (a column per input and per observed output).
    pub fn observations(mut self, csv: &str) -> Self {
        self.observations = Some(csv.to_string());
        self
    }

    /// The exact solution of an output, an expression of inputs and constants.
    pub fn reference(mut self, output: &str, expression: &str) -> Self {
        self.references
            .push((output.to_string(), quoted(expression)));
        self
    }

    /// A reference table (`csv`) or builtin (`builtin`), by its key.
    pub fn reference_source(mut self, key: &str, value: &str) -> Self {
        self.references.push((key.to_string(), quoted(value)));
        self
    }

    /// The evaluation grid along an input: `n` points from `lo` to `hi`.
    pub fn grid(
        mut self,
        input: &str,
        lo: impl Into<Number>,
        hi: impl Into<Number>,
        n: usize,
    ) -> Self {
        self.grid.push((input.to_string(), lo.into(), hi.into(), n));
        self
    }

    /// Outputs compared after removing their mean (a pressure).
    pub fn up_to_constant(mut self, outputs: &[&str]) -> Self {
        self.up_to_constant = outputs.iter().map(|o| o.to_string()).collect();
        self
    }

    /// The two outputs drawn as a velocity field.
    pub fn velocity(mut self, x: &str, y: &str) -> Self {
        self.velocity = Some([x.to_string(), y.to_string()]);
        self
    }

    /// Output `output` as `value + distance · N` (`[hard_constraints]`):
    /// it equals `value` wherever `distance` vanishes, whatever the network.
    pub fn hard_constraint(mut self, output: &str, value: &str, distance: &str) -> Self {
        self.hard
            .push((output.to_string(), value.to_string(), distance.to_string()));
        self
    }

    /// A primitive shape named `name` (`[geometry]`); with shapes, `domain`
    /// is needed only for the inputs they do not span (`t`).
    pub fn shape(mut self, name: &str, spec: ShapeSpec) -> Self {
        self.shapes.primitives.push((name.to_string(), spec));
        self
    }

    /// How the shapes combine, e.g. `"plate - hole"` (+ union, - difference,
    /// & intersection); not needed for a single shape.
    pub fn combine(mut self, combination: &str) -> Self {
        self.shapes.combination = Some(combination.to_string());
        self
    }

    /// A name for faces of the shape's box (`side("inlet", "x = 0")`), for
    /// conditions and quantities.
    pub fn side(mut self, name: &str, faces: &str) -> Self {
        self.shapes
            .sides
            .push((name.to_string(), faces.to_string()));
        self
    }

    /// A derived quantity, reported with the errors (`[quantities]`).
    pub fn quantity(mut self, name: &str, spec: QuantitySpec) -> Self {
        self.shapes.quantities.push((name.to_string(), spec));
        self
    }

    /// Run settings (network, Adam, quasi-Newton, sampling, training).
    pub fn config(mut self, config: RunConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// The equation file these calls describe.
    pub fn text(&self) -> String {
        let mut s = String::new();
        // Writing to a String cannot fail; the results are ignored on purpose.
        let _ = writeln!(s, "name = {}", quoted(&self.name));
        if let Some(t) = &self.title {
            let _ = writeln!(s, "title = {}", quoted(t));
        }
        let _ = writeln!(s, "inputs = {}", list(&self.inputs));
        let _ = writeln!(s, "outputs = {}", list(&self.outputs));
        let constants: Vec<String> = self
            .constants
            .iter()
            .map(|(k, v)| format!("{} = {}", key(k), v.toml()))
            .collect();
        let _ = writeln!(s, "constants = {{ {} }}", constants.join(", "));
        let domain: Vec<String> = self
            .domain
            .iter()
            .map(|(k, lo, hi)| format!("{} = [{}, {}]", key(k), lo.toml(), hi.toml()))
            .collect();
        if !domain.is_empty() || self.shapes.primitives.is_empty() {
            let _ = writeln!(s, "domain = {{ {} }}", domain.join(", "));
        }
        if let Some([x, y]) = &self.velocity {
            let _ = writeln!(s, "velocity = {}", list(&[x.clone(), y.clone()]));
        }
        self.shapes.write_geometry(&mut s);
        let _ = writeln!(s, "\n[residuals]");
        for (name, req) in &self.residuals {
            let _ = writeln!(s, "{} = {}", key(name), req.toml(&residual_code_name(name)));
        }
        for (k, c) in self.conditions.iter().enumerate() {
            let _ = writeln!(s, "\n[[conditions]]");
            let fields = [
                ("name", c.name.as_ref().map(|n| quoted(n))),
                ("on", c.on.as_ref().map(|o| quoted(o))),
                ("where", c.predicate.as_ref().map(|p| quoted(p))),
                ("periodic", c.periodic.as_ref().map(|p| quoted(p))),
                (
                    "require",
                    c.require.as_ref().map(|r| r.toml(&condition_code_name(k))),
                ),
            ];
            for (field, value) in fields {
                if let Some(v) = value {
                    let _ = writeln!(s, "{field} = {v}");
                }
            }
        }
        self.write_unknowns(&mut s);
        if let Some(csv) = &self.observations {
            let _ = writeln!(s, "\n[observations]\ncsv = {}", quoted(csv));
        }
        self.write_reference(&mut s);
        self.shapes.write_quantities(&mut s);
        if !self.hard.is_empty() {
            let _ = writeln!(s, "\n[hard_constraints]");
            for (out, value, distance) in &self.hard {
                let (v, d) = (quoted(value), quoted(distance));
                let _ = writeln!(s, "{} = {{ value = {v}, distance = {d} }}", key(out));
            }
        }
        if let Some(config) = &self.config {
            // Serializing plain settings cannot fail.
            let _ = write!(s, "\n{}", toml::to_string(config).unwrap_or_default());
        }
        s
    }

    fn write_unknowns(&self, s: &mut String) {
        if self.unknowns.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n[unknowns]");
        for (name, u) in &self.unknowns {
            let mut parts = vec![format!("init = {}", u.init.toml())];
            if let Some([lo, hi]) = &u.bounds {
                parts.push(format!("bounds = [{}, {}]", lo.toml(), hi.toml()));
            }
            if let Some(t) = &u.truth {
                parts.push(format!("truth = {}", t.toml()));
            }
            let _ = writeln!(s, "{} = {{ {} }}", key(name), parts.join(", "));
        }
    }

    fn write_reference(&self, s: &mut String) {
        if self.references.is_empty() && self.grid.is_empty() && self.up_to_constant.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n[reference]");
        for (k, v) in &self.references {
            let _ = writeln!(s, "{} = {v}", key(k));
        }
        if !self.grid.is_empty() {
            let axes: Vec<String> = self
                .grid
                .iter()
                .map(|(k, lo, hi, n)| format!("{} = [{}, {}, {n}]", key(k), lo.toml(), hi.toml()))
                .collect();
            let _ = writeln!(s, "grid = {{ {} }}", axes.join(", "));
        }
        if !self.up_to_constant.is_empty() {
            let _ = writeln!(s, "up_to_constant = {}", list(&self.up_to_constant));
        }
    }

    /// Validates the problem as an equation file is validated; errors point
    /// into [`Self::text`], named `NAME (ProblemBuilder)`.
    pub fn build(self) -> Result<EquationFile, ProblemError> {
        let source = format!("{} (ProblemBuilder)", self.name);
        EquationFile::from_toml_with(&self.text(), &source, &self.codes)
    }
}

impl Requirement {
    fn toml(&self, code_name: &str) -> String {
        match self {
            Requirement::Text(t) => quoted(t),
            Requirement::Code { reads } => {
                format!(
                    "{{ code = {}, reads = {} }}",
                    quoted(code_name),
                    list(reads)
                )
            }
        }
    }
}

/// A boxed residual as a registrable one.
struct BoxedResidual(Box<dyn Residual>);

impl Residual for BoxedResidual {
    fn eval(&self, values: &mut dyn Values) -> Value {
        self.0.eval(values)
    }
}

/// The name a residual's code is registered under.
fn residual_code_name(term: &str) -> String {
    format!("residual {term}")
}

/// The name the `k`-th condition's code is registered under.
fn condition_code_name(k: usize) -> String {
    format!("condition {}", k + 1)
}

/// A TOML string literal.
pub(super) fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML key: bare when it can be, else quoted (the validator then says
/// what is wrong with the name).
pub(super) fn key(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        s.to_string()
    } else {
        quoted(s)
    }
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| quoted(i)).collect();
    format!("[{}]", quoted.join(", "))
}
