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
//!
//! The interior inside a disk (a quantity's `within`) is integrated in
//! polar coordinates about its centre, from the edge of a concentric hole
//! of the shape (the annulus around a cylinder) out: Gauss–Legendre in the
//! radius, the trapezoid rule in the angle, so a smooth integrand there
//! converges exponentially — the weighted volume form of a force, whose
//! weight vanishes on the disk's edge, needs it.

use super::{Face, Geometry, Piece, Primitive, Region, Shape};
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

/// The rule of the interior of the domain inside `within`, a combination of
/// `g`'s primitives: polar about a 2D disk's centre, else tensor
/// Gauss–Legendre (Sobol points in 3D) over the box both the shape and the
/// combination fit in, with the nodes outside the domain or `within` dropped.
pub fn quadrature_within(domain: &[[f64; 2]], g: &Geometry, within: &Shape) -> Quadrature {
    let dim = domain.len();
    let others: Vec<usize> = (0..dim).filter(|i| !g.space.contains(i)).collect();
    let spatial = match within {
        Shape::Primitive(k) if g.dim() == 2 => match &g.primitives[*k] {
            Primitive::Ball { center, radius } => Some(polar(g, center, *radius)),
            _ => None,
        },
        _ => None,
    };
    let spatial = spatial.unwrap_or_else(|| {
        let bounds: Vec<[f64; 2]> = g
            .bounds_of(within)
            .iter()
            .zip(g.bounds())
            .map(|([lo, hi], [glo, ghi])| [lo.max(glo), hi.min(ghi).max(lo.max(glo))])
            .collect();
        if g.dim() < 3 {
            box_rule(&bounds, g.dim(), None)
        } else {
            sobol_rule(&bounds, |_| true)
        }
    });
    let mut out = Quadrature::default();
    for (p, w) in spatial.points.iter().zip(&spatial.weights) {
        if g.contains_within(within, p) {
            out.push(g.embed(p, dim), vec![0.0; dim], *w);
        }
    }
    out.times(&others, domain)
}

/// Polar nodes of the disk about `center` of `radius`, from the largest
/// concentric hole of the shape out (a hole: a disk of the geometry with
/// that centre whose inside, just within its edge, is outside the shape).
fn polar(g: &Geometry, center: &[f64], radius: f64) -> Quadrature {
    let directions = |r: f64| {
        (0..CURVE_NODES).map(move |i| {
            let t = 2.0 * PI * i as f64 / CURVE_NODES as f64;
            vec![center[0] + r * t.cos(), center[1] + r * t.sin()]
        })
    };
    let hole = g
        .primitives
        .iter()
        .filter_map(|p| match p {
            Primitive::Ball {
                center: c,
                radius: r,
            } if *r < radius && c.iter().zip(center).all(|(a, b)| (a - b).abs() <= g.tol) => {
                Some(*r)
            }
            _ => None,
        })
        .filter(|&r| directions(r * (1.0 - 1e-6)).all(|p| !g.contains(&p)))
        .fold(0.0, f64::max);
    let mut out = Quadrature::default();
    for (r, w) in composite(hole, radius) {
        for p in directions(r) {
            out.push(p, vec![0.0; 2], w * r * 2.0 * PI / CURVE_NODES as f64);
        }
    }
    out
}

/// Sobol points of the box `bounds` where `keep` holds, each weighted by
/// the box's volume over the points drawn.
fn sobol_rule(bounds: &[[f64; 2]], keep: impl Fn(&[f64]) -> bool) -> Quadrature {
    let dim = bounds.len();
    let volume: f64 = bounds.iter().map(|[lo, hi]| hi - lo).product();
    let w = volume / f64::from(INTERIOR_POINTS);
    let mut out = Quadrature::default();
    for k in 0..INTERIOR_POINTS {
        let p: Vec<f64> = bounds
            .iter()
            .enumerate()
            .map(|(d, [lo, hi])| {
                lo + (hi - lo) * f64::from(sobol_burley::sample(k, d as u32, 0x0A0A))
            })
            .collect();
        if keep(&p) {
            out.push(p, vec![0.0; dim], w);
        }
    }
    out
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
    let full = |q: &[f64]| {
        let mut p = vec![0.0; dim];
        for (&i, v) in free.iter().zip(q) {
            p[i] = *v;
        }
        if let Some((i, v)) = fixed {
            p[i] = v;
        }
        p
    };
    let bounds: Vec<[f64; 2]> = free.iter().map(|&i| domain[i]).collect();
    let mut rule = sobol_rule(&bounds, |q| g.holds(&full(q)));
    rule.points.iter_mut().for_each(|q| *q = full(q));
    rule.normals.iter_mut().for_each(|n| *n = vec![0.0; dim]);
    rule
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
