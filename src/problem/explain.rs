//! What each term of a problem is, in words, for `pinn check`.

use super::build::is_initial;
use super::describe::point_text;
use super::{Problem, Term};
use crate::expr::Symbols;
use crate::geometry::{Primitive, Region};

impl Problem {
    /// The kind of a term and where it holds, e.g. `Neumann condition
    /// (outward normal derivative) on x = 0 (normal -x), x = 1 (normal +x)`.
    pub fn explain(&self, term: &Term, region: &Region) -> String {
        match region {
            Region::Interior => "PDE residual, enforced at interior points".to_string(),
            Region::Periodic { input } => {
                let name = &self.pde.inputs[*input];
                let [lo, hi] = self.pde.domain[*input];
                format!(
                    "periodic condition: every output and its first {name}-derivative take the same values at {name} = {lo} and {name} = {hi}"
                )
            }
            Region::Parts(parts) => {
                let kind = self.condition_kind(term);
                let places: Vec<String> = parts.iter().map(|&k| self.describe_part(k)).collect();
                format!("{kind}, on {}", places.join("; "))
            }
            Region::PartsWhere { parts, text, .. } => format!(
                "{}, where {text}",
                self.explain(term, &Region::Parts(parts.clone()))
            ),
            Region::FacesWhere { faces, text, .. } => format!(
                "{}, where {text}",
                self.explain(term, &Region::Faces(faces.clone()))
            ),
            Region::Faces(faces) => {
                let symbols = Symbols::new(
                    self.pde.inputs.clone(),
                    self.pde.outputs.clone(),
                    Vec::new(),
                );
                let kind = self.condition_kind(term);
                let kind = if is_initial(faces, &symbols) {
                    format!("initial condition, {kind}")
                } else {
                    kind
                };
                let places: Vec<String> = faces
                    .iter()
                    .map(|f| {
                        let name = &self.pde.inputs[f.input];
                        let sign = if f.upper { '+' } else { '-' };
                        format!(
                            "{name} = {} (outward normal {sign}{name})",
                            self.pde.domain[f.input][usize::from(f.upper)]
                        )
                    })
                    .collect();
                format!("{kind}, on {}", places.join(", "))
            }
        }
    }

    /// A part of the shape's boundary in words: its primitive, its measure
    /// on the boundary and where its outward normal points.
    fn describe_part(&self, k: usize) -> String {
        let Some(g) = &self.pde.geometry else {
            return String::new();
        };
        let what = match &g.primitives[k] {
            Primitive::Rectangle { lo, hi } => {
                format!("rectangle {} to {}", point_text(lo), point_text(hi))
            }
            Primitive::Ball { center, radius } => {
                let kind = if center.len() == 3 { "ball" } else { "disk" };
                format!("{kind} of radius {radius} at {}", point_text(center))
            }
            Primitive::Ellipse { center, radii } => format!(
                "ellipse of radii {} and {} at {}",
                radii[0],
                radii[1],
                point_text(center)
            ),
            Primitive::Polygon { vertices } => format!("polygon of {} vertices", vertices.len()),
        };
        let unit = match g.dim() {
            1 => "end points",
            2 => "long",
            _ => "in area",
        };
        let normal = match g.orientation(k) {
            Some(s) if s < 0.0 => "outward normal into it (a hole: out of the domain)",
            _ => "outward normal out of it",
        };
        format!(
            "{} ({what}; {:.6} {unit} on the boundary; {normal})",
            g.names[k],
            g.part_measure(k)
        )
    }

    /// Dirichlet (values only), Neumann (normal derivatives only), Robin
    /// (both), or a general derivative condition.
    fn condition_kind(&self, term: &Term) -> String {
        let reads = term.expr.output_derivatives();
        let values = reads.iter().any(|(_, d)| d.order() == 0);
        let derivatives: Vec<String> = reads
            .iter()
            .filter(|(_, d)| d.order() > 0)
            .map(|(out, d)| d.label(&self.pde.outputs[*out], &self.pde.inputs))
            .collect();
        match (term.expr.reads_normal(), values, derivatives.is_empty()) {
            (true, false, _) => "Neumann condition on the outward normal derivative".to_string(),
            (true, true, _) => {
                "Robin condition on the value and the outward normal derivative".to_string()
            }
            (false, _, true) => "Dirichlet condition on the values".to_string(),
            (false, _, false) => format!("condition on the derivatives {}", derivatives.join(", ")),
        }
    }
}
