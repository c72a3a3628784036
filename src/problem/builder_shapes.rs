//! The shapes and derived quantities of a [`super::ProblemBuilder`]: what
//! `[geometry]` and `[quantities]` say in a file, as Rust values that write
//! those tables.

use super::builder::{key, quoted, Number};
use std::fmt::Write as _;

/// A primitive of the geometry, for [`super::ProblemBuilder::shape`].
#[derive(Clone, Debug, PartialEq)]
pub enum ShapeSpec {
    /// The box `lo ≤ p ≤ hi` (one to three coordinates).
    Rectangle { lo: Vec<Number>, hi: Vec<Number> },
    /// `|p − center| ≤ radius` (an interval, a disk or a ball).
    Disk { center: Vec<Number>, radius: Number },
    /// `((x − cx)/a)² + ((y − cy)/b)² ≤ 1`.
    Ellipse {
        center: [Number; 2],
        radii: [Number; 2],
    },
    /// A simple polygon, its vertices in either order.
    Polygon(Vec<[Number; 2]>),
}

fn numbers(v: &[Number]) -> String {
    let items: Vec<String> = v.iter().map(Number::toml).collect();
    format!("[{}]", items.join(", "))
}

impl ShapeSpec {
    /// The box with corners `lo` and `hi`.
    pub fn rectangle(lo: &[f64], hi: &[f64]) -> Self {
        Self::Rectangle {
            lo: lo.iter().map(|&v| v.into()).collect(),
            hi: hi.iter().map(|&v| v.into()).collect(),
        }
    }

    /// The disk (ball) about `center` of `radius`.
    pub fn disk(center: &[f64], radius: impl Into<Number>) -> Self {
        Self::Disk {
            center: center.iter().map(|&v| v.into()).collect(),
            radius: radius.into(),
        }
    }

    /// The inline table of the file, e.g. `{ disk = [0.0, 0.0], radius = "r" }`.
    fn toml(&self) -> String {
        match self {
            Self::Rectangle { lo, hi } => {
                format!("{{ rectangle = [{}, {}] }}", numbers(lo), numbers(hi))
            }
            Self::Disk { center, radius } => format!(
                "{{ disk = {}, radius = {} }}",
                numbers(center),
                radius.toml()
            ),
            Self::Ellipse { center, radii } => format!(
                "{{ ellipse = {}, radii = {} }}",
                numbers(center),
                numbers(radii)
            ),
            Self::Polygon(vertices) => {
                let v: Vec<String> = vertices.iter().map(|p| numbers(p)).collect();
                format!("{{ polygon = [{}] }}", v.join(", "))
            }
        }
    }
}

/// A derived quantity, for [`super::ProblemBuilder::quantity`].
#[derive(Clone, Debug, PartialEq)]
pub struct QuantitySpec {
    expression: String,
    over: Option<String>,
    within: Option<String>,
    at: Option<Vec<Number>>,
    minus: Option<Vec<Number>>,
    reference: Option<Number>,
}

impl QuantitySpec {
    /// ∫ `expression` over `over` (`"interior"`, a part such as
    /// `"cylinder"`, or faces such as `"x = 0"`).
    pub fn integral(expression: &str, over: &str) -> Self {
        Self {
            expression: expression.to_string(),
            over: Some(over.to_string()),
            within: None,
            at: None,
            minus: None,
            reference: None,
        }
    }

    /// `expression` at the point `at`.
    pub fn value(expression: &str, at: &[f64]) -> Self {
        Self {
            expression: expression.to_string(),
            over: None,
            within: None,
            at: Some(at.iter().map(|&v| v.into()).collect()),
            minus: None,
            reference: None,
        }
    }

    /// An interior integral only inside these shapes of the geometry.
    pub fn within(mut self, shapes: &str) -> Self {
        self.within = Some(shapes.to_string());
        self
    }

    /// A value minus the value at `point`.
    pub fn minus(mut self, point: &[f64]) -> Self {
        self.minus = Some(point.iter().map(|&v| v.into()).collect());
        self
    }

    /// The value it should have (reported with the relative error).
    pub fn reference(mut self, value: impl Into<Number>) -> Self {
        self.reference = Some(value.into());
        self
    }

    fn toml(&self) -> String {
        let kind = if self.over.is_some() {
            "integral"
        } else {
            "value"
        };
        let mut fields = vec![format!("{kind} = {}", quoted(&self.expression))];
        let texts = [("over", &self.over), ("within", &self.within)];
        for (key, v) in texts {
            if let Some(v) = v {
                fields.push(format!("{key} = {}", quoted(v)));
            }
        }
        for (key, v) in [("at", &self.at), ("minus", &self.minus)] {
            if let Some(v) = v {
                fields.push(format!("{key} = {}", numbers(v)));
            }
        }
        if let Some(r) = &self.reference {
            fields.push(format!("reference = {}", r.toml()));
        }
        format!("{{ {} }}", fields.join(", "))
    }
}

/// What a builder holds of `[geometry]` and `[quantities]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Shapes {
    pub primitives: Vec<(String, ShapeSpec)>,
    pub combination: Option<String>,
    pub sides: Vec<(String, String)>,
    pub quantities: Vec<(String, QuantitySpec)>,
}

impl Shapes {
    /// The `[geometry]` table, if any shape was given.
    pub fn write_geometry(&self, s: &mut String) {
        let mut rows: Vec<(&str, String)> = self
            .primitives
            .iter()
            .map(|(n, spec)| (n.as_str(), spec.toml()))
            .collect();
        rows.extend(self.combination.iter().map(|c| ("shape", quoted(c))));
        rows.extend(self.sides.iter().map(|(n, f)| (n.as_str(), quoted(f))));
        if !self.primitives.is_empty() {
            write_table(s, "geometry", &rows);
        }
    }

    /// The `[quantities]` table, if any.
    pub fn write_quantities(&self, s: &mut String) {
        let rows: Vec<(&str, String)> = self
            .quantities
            .iter()
            .map(|(n, q)| (n.as_str(), q.toml()))
            .collect();
        if !rows.is_empty() {
            write_table(s, "quantities", &rows);
        }
    }
}

/// `[name]` and a `key = value` line per row.
fn write_table(s: &mut String, name: &str, rows: &[(&str, String)]) {
    let _ = writeln!(s, "\n[{name}]");
    for (k, v) in rows {
        let _ = writeln!(s, "{} = {v}", key(k));
    }
}
