//! Hard constraints: an output written as u = g + d·N_u, with g (`value`)
//! and d (`distance`) expressions of the inputs and constants, and N_u the
//! network's raw output. Where d = 0 the output equals g whatever the
//! network does, so Dirichlet and initial data hold exactly (DeepXDE's
//! output transforms; Sukumar & Srivastava 2022 on distance functions).
//!
//! The network carries its constraints ([`crate::net::Network`]), so every
//! reader of its outputs (the loss, predictions, a saved model) sees u, not
//! N; the jets apply the transform (`jet::hard`). A saved model keeps the
//! texts and the names they are written in, and reads them back.

use crate::expr::{parse_expr, Expr, PointEval, Symbols};
use serde::{Deserialize, Serialize};

/// One output's constraint.
#[derive(Clone, Debug)]
pub struct HardConstraint {
    /// g: the output's value where the distance vanishes.
    pub value: Expr,
    /// d: zero where the output must equal `value`.
    pub distance: Expr,
    /// The texts as written, for messages and saved models.
    pub value_text: String,
    pub distance_text: String,
}

/// The constraints of a network's outputs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "Saved", into = "Saved")]
pub struct HardConstraints {
    /// Per output: its constraint, or None where the network gives it directly.
    pub outputs: Vec<Option<HardConstraint>>,
    names: Names,
}

/// The names the expressions are written in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Names {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub constants: Vec<(String, f64)>,
}

impl HardConstraints {
    /// Constraints per output (one entry per name in `names.outputs`).
    pub fn new(names: Names, outputs: Vec<Option<HardConstraint>>) -> Self {
        assert_eq!(names.outputs.len(), outputs.len(), "one entry per output");
        Self { outputs, names }
    }

    /// The constraint of output `out`, if it has one.
    pub fn get(&self, out: usize) -> Option<&HardConstraint> {
        self.outputs.get(out).and_then(Option::as_ref)
    }

    /// `u = g + (d) · N_u` for output `out` (None without a constraint).
    pub fn formula(&self, out: usize) -> Option<String> {
        let c = self.get(out)?;
        let name = &self.names.outputs[out];
        Some(format!(
            "{name} = {} + ({}) · N_{name}",
            c.value_text, c.distance_text
        ))
    }

    /// The constrained output `out` at `point` from the network's raw value there.
    pub fn apply(&self, out: usize, point: &[f64], raw: f64) -> f64 {
        match self.get(out) {
            None => raw,
            Some(c) => {
                let g = c.value.eval(&mut PointEval::new(point));
                let d = c.distance.eval(&mut PointEval::new(point));
                g + d * raw
            }
        }
    }

    pub fn output_names(&self) -> &[String] {
        &self.names.outputs
    }
}

/// The saved form: texts and names, parsed again when read.
#[derive(Serialize, Deserialize)]
struct Saved {
    #[serde(flatten)]
    names: Names,
    constraints: Vec<SavedConstraint>,
}

#[derive(Serialize, Deserialize)]
struct SavedConstraint {
    output: String,
    value: String,
    distance: String,
}

impl From<HardConstraints> for Saved {
    fn from(h: HardConstraints) -> Saved {
        let constraints = h
            .outputs
            .iter()
            .zip(&h.names.outputs)
            .filter_map(|(c, name)| {
                c.as_ref().map(|c| SavedConstraint {
                    output: name.clone(),
                    value: c.value_text.clone(),
                    distance: c.distance_text.clone(),
                })
            })
            .collect();
        Saved {
            names: h.names,
            constraints,
        }
    }
}

impl TryFrom<Saved> for HardConstraints {
    type Error = String;

    fn try_from(s: Saved) -> Result<Self, String> {
        let symbols = Symbols::new(
            s.names.inputs.clone(),
            s.names.outputs.clone(),
            s.names.constants.clone(),
        );
        let parse = |text: &str| {
            parse_expr(text, &symbols)
                .ok()
                .filter(Expr::is_data_only)
                .ok_or_else(|| {
                    format!("hard constraint '{text}' does not read as an expression of the inputs")
                })
        };
        let mut outputs = vec![None; s.names.outputs.len()];
        for c in s.constraints {
            let out = s
                .names
                .outputs
                .iter()
                .position(|o| *o == c.output)
                .ok_or_else(|| format!("hard constraint on unknown output '{}'", c.output))?;
            outputs[out] = Some(HardConstraint {
                value: parse(&c.value)?,
                distance: parse(&c.distance)?,
                value_text: c.value,
                distance_text: c.distance,
            });
        }
        Ok(Self::new(s.names, outputs))
    }
}
