//! Quadrature rules over regions: points, weights and outward normals whose
//! weighted sums integrate over the interior, box faces or parts of a
//! shape's boundary (derived quantities such as the drag on a cylinder).
//!
//! Closed curves (circles, ellipses) use the trapezoid rule in their angle,
//! which converges exponentially for smooth periodic integrands; straight
//! pieces and inputs outside the shape use composite Gauss–Legendre
//! (`gauss-quad`); a piece only partly on the boundary keeps the nodes that
//! are on it (first order at the cut). The interior of a shape uses 2^16
//! Sobol points of the box, the ones outside dropped (quasi-Monte Carlo,
//! about 1e-4 of the box's volume).

use super::{Face, Geometry, Piece, Region};
use gauss_quad::legendre::GaussLegendre;
use std::f64::consts::PI;

/// The rule of a region.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Quadrature {
    pub points: Vec<Vec<f64>>,
    pub weights: Vec<f64>,
    pub normals: Vec<Vec<f64>>,
}

/// Nodes of a closed curve's trapezoid rule.
const CURVE_NODES: usize = 1024;
/// Panels and nodes per panel along a straight piece or an input's range.
const PANELS: usize = 32;
const PANEL_NODES: usize = 4;
/// Sobol points of the box for an interior with a shape.
const INTERIOR_POINTS: u32 = 1 << 16;

impl Quadrature {
    /// Σ wₖ f(pₖ, nₖ).
    pub fn integrate(&self, f: impl Fn(&[f64], &[f64]) -> f64) -> f64 {
        self.points
            .iter()
            .zip(&self.normals)
            .zip(&self.weights)
            .map(|((p, n), w)| w * f(p, n))
            .sum()
    }

    fn push(&mut self, point: Vec<f64>, normal: Vec<f64>, weight: f64) {
        self.points.push(point);
        self.normals.push(normal);
        self.weights.push(weight);
    }

    /// Every node times the rule of the inputs `others` over their ranges.
    fn times(self, others: &[usize], domain: &[[f64; 2]]) -> Self {
        let mut out = self;
        for &i in others {
            let [lo, hi] = domain[i];
            let line = composite(lo, hi);
            let mut next = Quadrature::default();
            for ((p, n), w) in out.points.iter().zip(&out.normals).zip(&out.weights) {
                for &(x, v) in &line {
                    let mut q = p.clone();
                    q[i] = x;
                    next.push(q, n.clone(), w * v);
                }
            }
            out = next;
        }
        out
    }
}

/// Composite Gauss–Legendre nodes and weights on [lo, hi].
fn composite(lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let rule = GaussLegendre::new(PANEL_NODES.try_into().expect("nonzero"));
    let h = (hi - lo) / PANELS as f64;
    (0..PANELS)
        .flat_map(|k| {
            let a = lo + h * k as f64;
            rule.as_node_weight_pairs()
                .iter()
                .map(move |&(x, w)| (a + 0.5 * h * (x + 1.0), 0.5 * h * w))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The rule of `region` of the box `domain`, on `geometry` when given.
pub fn quadrature(domain: &[[f64; 2]], geometry: Option<&Geometry>, region: &Region) -> Quadrature {
    let dim = domain.len();
    let space: Vec<usize> = geometry.map_or_else(|| (0..dim).collect(), |g| g.space.clone());
    let others: Vec<usize> = (0..dim).filter(|i| !space.contains(i)).collect();
    let mut rule = match (region, geometry) {
        (Region::Interior, None) => box_rule(domain, dim, None),
        (Region::Interior, Some(g)) => inside(domain, g, None),
        (Region::Faces(faces) | Region::FacesWhere { faces, .. }, _) => {
            let mut out = Quadrature::default();
            for f in faces {
                let part = face_rule(domain, geometry, f, &others);
                out.points.extend(part.points);
                out.normals.extend(part.normals);
                out.weights.extend(part.weights);
            }
            out
        }
        (Region::Parts(parts) | Region::PartsWhere { parts, .. }, Some(g)) => {
            pieces_rule(g, &g.part_pieces(parts), dim).times(&others, domain)
        }
        _ => Quadrature::default(),
    };
    if let Some(p) = region.predicate() {
        for (w, x) in rule.weights.iter_mut().zip(&rule.points) {
            if !p.holds(x) {
                *w = 0.0;
            }
        }
    }
    rule
}

/// Tensor composite Gauss–Legendre over the box (input `fixed.0` held at
/// `fixed.1`).
fn box_rule(domain: &[[f64; 2]], dim: usize, fixed: Option<(usize, f64)>) -> Quadrature {
    let mut start = Quadrature::default();
    let mut p = vec![0.0; dim];
    if let Some((i, v)) = fixed {
        p[i] = v;
    }
    start.push(p, vec![0.0; dim], 1.0);
    let free: Vec<usize> = (0..dim)
        .filter(|&i| Some(i) != fixed.map(|f| f.0))
        .collect();
    start.times(&free, domain)
}

/// Sobol points of the box inside the shape, each weighted by the box's
/// volume over their count.
fn inside(domain: &[[f64; 2]], g: &Geometry, fixed: Option<(usize, f64)>) -> Quadrature {
    let dim = domain.len();
    let free: Vec<usize> = (0..dim)
        .filter(|&i| Some(i) != fixed.map(|f| f.0))
        .collect();
    let volume: f64 = free.iter().map(|&i| domain[i][1] - domain[i][0]).product();
    let w = volume / f64::from(INTERIOR_POINTS);
    let mut out = Quadrature::default();
    for k in 0..INTERIOR_POINTS {
        let mut p = vec![0.0; dim];
        for (d, &i) in free.iter().enumerate() {
            let [lo, hi] = domain[i];
            p[i] = lo + (hi - lo) * f64::from(sobol_burley::sample(k, d as u32, 0x0A0A));
        }
        if let Some((i, v)) = fixed {
            p[i] = v;
        }
        if g.holds(&p) {
            out.push(p, vec![0.0; dim], w);
        }
    }
    out
}

/// The rule of one box face: on a shape, its boundary in that plane (an
/// input it spans) or its inside with the input held (another input).
fn face_rule(
    domain: &[[f64; 2]],
    geometry: Option<&Geometry>,
    f: &Face,
    others: &[usize],
) -> Quadrature {
    let dim = domain.len();
    let at = domain[f.input][usize::from(f.upper)];
    let normal = || {
        let mut n = vec![0.0; dim];
        n[f.input] = if f.upper { 1.0 } else { -1.0 };
        n
    };
    let Some(g) = geometry else {
        let mut rule = box_rule(domain, dim, Some((f.input, at)));
        rule.normals.iter_mut().for_each(|n| *n = normal());
        return rule;
    };
    let Some(axis) = g.space.iter().position(|&i| i == f.input) else {
        let mut rule = inside(domain, g, Some((f.input, at)));
        rule.normals.iter_mut().for_each(|n| *n = normal());
        return rule;
    };
    pieces_rule(g, &g.pieces_in_plane(axis, at), dim).times(others, domain)
}

/// The nodes of `pieces` (`(primitive, piece)`) that lie on the shape's
/// boundary, with the shape's outward normals, in full input coordinates
/// (inputs the shape does not span at 0, filled in by [`Quadrature::times`]).
fn pieces_rule(g: &Geometry, pieces: &[(usize, usize)], dim: usize) -> Quadrature {
    let mut out = Quadrature::default();
    for &(k, j) in pieces {
        piece_rule(g, k, &g.pieces[k][j], dim, &mut out);
    }
    out
}

/// Adds the nodes of `piece` (of primitive k) that lie on the boundary.
fn piece_rule(g: &Geometry, k: usize, piece: &Piece, dim: usize, out: &mut Quadrature) {
    let measure = piece.measure();
    let nodes: Vec<(Vec<f64>, Vec<f64>, f64)> = match piece {
        Piece::EllipseCurve { center, radii, .. } => (0..CURVE_NODES)
            .map(|i| {
                let t = 2.0 * PI * i as f64 / CURVE_NODES as f64;
                let [a, b] = *radii;
                let p = vec![center[0] + a * t.cos(), center[1] + b * t.sin()];
                let (nx, ny) = (t.cos() / a, t.sin() / b);
                let len = nx.hypot(ny);
                let speed = (a * t.sin()).hypot(b * t.cos());
                (
                    p,
                    vec![nx / len, ny / len],
                    speed * 2.0 * PI / CURVE_NODES as f64,
                )
            })
            .collect(),
        Piece::Sphere { center, .. } if center.len() == 2 => (0..CURVE_NODES)
            .map(|i| {
                let (p, n) = piece.at(&[i as f64 / CURVE_NODES as f64]);
                (p, n, measure / CURVE_NODES as f64)
            })
            .collect(),
        _ => {
            // [0, 1]^params: composite Gauss–Legendre per parameter, except
            // a sphere's angle (trapezoid).
            let params = g.piece_params();
            let mut grid: Vec<(Vec<f64>, f64)> = vec![(Vec::new(), 1.0)];
            for d in 0..params {
                let line: Vec<(f64, f64)> = match piece {
                    Piece::Sphere { .. } if d == 1 => (0..CURVE_NODES / 8)
                        .map(|i| {
                            (
                                i as f64 / (CURVE_NODES / 8) as f64,
                                8.0 / CURVE_NODES as f64,
                            )
                        })
                        .collect(),
                    _ => composite(0.0, 1.0),
                };
                grid = grid
                    .iter()
                    .flat_map(|(u, w)| {
                        line.iter().map(move |&(x, v)| {
                            let mut u = u.clone();
                            u.push(x);
                            (u, w * v)
                        })
                    })
                    .collect();
            }
            grid.into_iter()
                .map(|(u, w)| {
                    let (p, n) = piece.at(&u);
                    (p, n, measure * w)
                })
                .collect()
        }
    };
    for (s, n, w) in nodes {
        let Some(sign) = g.on_boundary(k, &s, &n) else {
            continue;
        };
        let outward: Vec<f64> = n.iter().map(|v| sign * v).collect();
        out.push(g.embed(&s, dim), g.embed(&outward, dim), w);
    }
}
