//! What a problem is, in words, for `pinn check`.

use super::{EquationFile, Problem, Reference, DATA_TERM};
use crate::geometry::Region;
use std::fmt::Write as _;

impl EquationFile {
    /// The problem's description, then the run settings the file asks for.
    pub fn describe(&self) -> String {
        let settings =
            toml::to_string(&self.config).unwrap_or_else(|e| format!("(cannot show: {e})\n"));
        format!(
            "{}settings:\n{}",
            self.problem.describe(),
            indent(&settings)
        )
    }
}

impl Problem {
    /// Human-readable summary for `pinn check`: what was understood from the file.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        // Writing to a String cannot fail; the results are ignored on purpose.
        let _ = writeln!(s, "{}: {}", self.name, self.title);
        let _ = writeln!(s, "source: {}", self.source);
        let _ = writeln!(s, "inputs:");
        for (name, [lo, hi]) in self.pde.inputs.iter().zip(&self.pde.domain) {
            let _ = writeln!(s, "  {name} in [{lo}, {hi}]");
        }
        if let Some(g) = &self.pde.geometry {
            let space: Vec<&str> = g
                .space
                .iter()
                .map(|&i| self.pde.inputs[i].as_str())
                .collect();
            let measure = ["length", "area", "volume"][g.dim() - 1];
            let _ = writeln!(
                s,
                "geometry: {} in ({}), {measure} {:.6} (of the box: {:.6})",
                g.text,
                space.join(", "),
                g.volume,
                g.bounds().iter().map(|[lo, hi]| hi - lo).product::<f64>()
            );
        }
        let _ = writeln!(s, "outputs: {}", self.pde.outputs.join(", "));
        if !self.pde.constants.is_empty() {
            let _ = writeln!(s, "constants:");
            for (name, v) in &self.pde.constants {
                let _ = writeln!(s, "  {name} = {v}");
            }
        }
        if !self.pde.unknowns.is_empty() {
            let _ = writeln!(s, "unknowns (trained with the network):");
            for (k, u) in self.pde.unknowns.iter().enumerate() {
                let truth = u.truth.map_or(String::new(), |t| format!(", truth {t}"));
                let _ = writeln!(
                    s,
                    "  {}: starts at {}, bounds {}{truth}",
                    u.name,
                    u.init,
                    u.bounds.text()
                );
                let used: Vec<&str> = self
                    .pde
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
                .map(|&j| self.pde.outputs[j].as_str())
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
        for (term, region) in &self.pde.terms {
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
                .map(|(out, d)| d.label(&self.pde.outputs[*out], &self.pde.inputs))
                .collect();
            let _ = writeln!(s, "    reads: {}", reads.join(", "));
        }
        if let Some(hard) = &self.pde.hard {
            let _ = writeln!(s, "hard constraints (N_u: the network's own output):");
            for out in 0..self.pde.outputs.len() {
                if let Some(f) = hard.formula(out) {
                    let _ = writeln!(s, "  {f}");
                }
            }
            for ((term, region), line) in self.pde.satisfied.iter().zip(self.exact_conditions()) {
                let _ = writeln!(
                    s,
                    "  {} [{}]: {}",
                    term.name,
                    self.region_text(region),
                    term.text
                );
                let _ = writeln!(s, "    {line}; left out of the loss");
            }
        }
        let reference = match &self.evaluation.reference {
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
            .pde
            .outputs
            .iter()
            .zip(&self.evaluation.up_to_constant)
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
        if let Some((u, v)) = self.evaluation.velocity {
            let _ = writeln!(
                s,
                "velocity: ({}, {}), drawn as speed and arrows",
                self.pde.outputs[u], self.pde.outputs[v]
            );
        }
        let axes: Vec<String> = self
            .pde
            .inputs
            .iter()
            .zip(&self.evaluation.grid)
            .map(|(name, g)| format!("{name}: {} points in [{}, {}]", g.n, g.lo, g.hi))
            .collect();
        let _ = writeln!(s, "grid: {}", axes.join("; "));
        if self.pde.geometry.is_some() {
            let _ = writeln!(
                s,
                "  (points outside the shape are left out of errors and drawn blank)"
            );
        }
        for q in &self.evaluation.quantities {
            let place = match &q.place {
                super::QuantityPlace::Integral(r) => {
                    format!("integral over {} of", self.region_text(r))
                }
                super::QuantityPlace::Within { text, .. } => {
                    format!("integral over the interior within {text} of")
                }
                super::QuantityPlace::Points { at, minus } => match minus {
                    Some(m) => format!("at {} minus at {}:", point_text(at), point_text(m)),
                    None => format!("at {}:", point_text(at)),
                },
            };
            let reference = q
                .reference
                .map_or(String::new(), |r| format!(" (reference {r})"));
            let _ = writeln!(s, "quantity {}: {place} {}{reference}", q.name, q.text);
        }
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
                            self.pde.inputs[f.input],
                            self.pde.domain[f.input][usize::from(f.upper)]
                        )
                    })
                    .collect();
                parts.join(", ")
            }
            Region::Periodic { input } => {
                let [lo, hi] = self.pde.domain[*input];
                let name = &self.pde.inputs[*input];
                format!("{name} = {lo} paired with {name} = {hi}")
            }
            Region::Parts(parts) => self.parts_text(parts),
            Region::PartsWhere { parts, text, .. } => {
                format!("{} where {text}", self.parts_text(parts))
            }
        }
    }

    /// The names of a shape's parts as `on` lists them.
    pub fn parts_text(&self, parts: &[usize]) -> String {
        let Some(g) = &self.pde.geometry else {
            return String::new();
        };
        let names: Vec<&str> = parts.iter().map(|&k| g.names[k].as_str()).collect();
        names.join(", ")
    }
}

/// A point as `(0.2, 0.1)`.
pub(super) fn point_text(p: &[f64]) -> String {
    let v: Vec<String> = p.iter().map(|x| x.to_string()).collect();
    format!("({})", v.join(", "))
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
