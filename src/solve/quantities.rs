//! Derived quantities of a trained network (`[quantities]`): the
//! expression's jets at the nodes of the region's quadrature rule, or at
//! the quantity's points, summed with their weights.

use crate::geometry::{quadrature, quadrature_within};
use crate::jet::{Batch, JetField, Outputs, Tracer};
use crate::multi_index::closure;
use crate::net::Network;
use crate::problem::{Problem, Quantity, QuantityPlace};
use crate::scalar::Real;
use crate::unknowns::Bounds;
use dfdx::prelude::*;

/// A quantity's value, and its reference when the file gives one.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QuantityValue {
    pub name: String,
    pub value: f64,
    pub reference: Option<f64>,
}

impl QuantityValue {
    /// |value − reference| / |reference| (none for a zero reference).
    pub fn relative_error(&self) -> Option<f64> {
        self.reference
            .filter(|r| *r != 0.0)
            .map(|r| (self.value - r).abs() / r.abs())
    }

    /// `c_D 5.571200 (reference 5.5795, 0.149% off)`; a zero reference
    /// gets the absolute difference.
    pub fn describe(&self) -> String {
        match (self.reference, self.relative_error()) {
            (Some(r), Some(e)) => format!(
                "{} {:.6} (reference {r}, {:.3}% off)",
                self.name,
                self.value,
                100.0 * e
            ),
            (Some(r), None) => format!(
                "{} {:.3e} (reference {r}, off by {:.1e})",
                self.name,
                self.value,
                (self.value - r).abs()
            ),
            _ => format!("{} {:.6}", self.name, self.value),
        }
    }
}

/// Every quantity of `problem` for `net`.
pub fn quantities<E: Real>(net: &Network<E>, problem: &Problem) -> Vec<QuantityValue>
where
    Cpu: Device<E>,
{
    problem
        .evaluation
        .quantities
        .iter()
        .map(|q| QuantityValue {
            name: q.name.clone(),
            value: value(net, problem, q),
            reference: q.reference,
        })
        .collect()
}

fn value<E: Real>(net: &Network<E>, problem: &Problem, q: &Quantity) -> f64
where
    Cpu: Device<E>,
{
    let dim = problem.pde.inputs.len();
    let (points, normals, weights) = match &q.place {
        QuantityPlace::Integral(region) => {
            let rule = quadrature(&problem.pde.domain, problem.pde.geometry.as_deref(), region);
            (rule.points, rule.normals, rule.weights)
        }
        QuantityPlace::Within { shape, .. } => {
            let geometry = problem
                .pde
                .geometry
                .as_deref()
                .expect("within needs a geometry");
            let rule = quadrature_within(&problem.pde.domain, geometry, shape);
            (rule.points, rule.normals, rule.weights)
        }
        QuantityPlace::Points { at, minus } => {
            let mut points = vec![at.clone()];
            let mut weights = vec![1.0];
            if let Some(m) = minus {
                points.push(m.clone());
                weights.push(-1.0);
            }
            let normals = vec![vec![0.0; dim]; points.len()];
            (points, normals, weights)
        }
    };
    let values = expression_values(net, problem, q, &points, &normals);
    values.iter().zip(&weights).map(|(v, w)| v * w).sum()
}

/// The quantity's expression at `points` with outward `normals`.
fn expression_values<E: Real>(
    net: &Network<E>,
    problem: &Problem,
    q: &Quantity,
    points: &[Vec<f64>],
    normals: &[Vec<f64>],
) -> Vec<f64>
where
    Cpu: Device<E>,
{
    let index = closure(&q.expr.derivatives());
    let bounds: Vec<Bounds> = problem.pde.unknowns.iter().map(|u| u.bounds).collect();
    let mut out = Vec::with_capacity(points.len());
    for (chunk, normal) in points.chunks(4096).zip(normals.chunks(4096)) {
        let mut tr = Tracer::<E, NoneTape>::new(&net.dev);
        let unknowns = tr.unknown_values(net, &bounds);
        let batch = Batch::new(net, chunk).with_normals(net, normal);
        let mut outputs = Outputs::new(&mut tr, net, &batch, &index);
        let r = q
            .expr
            .eval(&mut JetField::new(&mut tr, &mut outputs).with_unknowns(&unknowns));
        out.extend(r.value.as_vec().into_iter().map(Into::<f64>::into));
    }
    out
}
