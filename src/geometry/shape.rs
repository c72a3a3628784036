//! Shapes in space: primitives (rectangle or box, disk or ball, ellipse,
//! polygon) combined by union, difference and intersection, with what the
//! sampler needs of them: membership, the pieces of their boundaries with
//! outward normals, and which of a primitive's boundary points lie on the
//! boundary of the combination.
//!
//! Coordinates here are the spatial ones only (the inputs the shape spans,
//! in the order of `[geometry] space`).

/// A primitive shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Primitive {
    /// The axis-aligned box lo ≤ p ≤ hi (an interval in 1D, a rectangle in 2D).
    Rectangle { lo: Vec<f64>, hi: Vec<f64> },
    /// |p − center| ≤ radius (an interval in 1D, a disk in 2D, a ball in 3D).
    Ball { center: Vec<f64>, radius: f64 },
    /// ((x − cx)/a)² + ((y − cy)/b)² ≤ 1, in 2D.
    Ellipse { center: [f64; 2], radii: [f64; 2] },
    /// A simple polygon (its vertices in either order), in 2D.
    Polygon { vertices: Vec<[f64; 2]> },
}

/// A combination of named primitives (indices into [`Geometry::primitives`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Primitive(usize),
    Union(Box<Shape>, Box<Shape>),
    Difference(Box<Shape>, Box<Shape>),
    Intersection(Box<Shape>, Box<Shape>),
}

/// One smooth piece of a primitive's boundary.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    /// The side of a box where coordinate `axis` is `at`, over the box's
    /// ranges in the other coordinates; `outward` is +1 or −1 along `axis`.
    Side {
        axis: usize,
        at: f64,
        outward: f64,
        ranges: Vec<[f64; 2]>,
    },
    /// A polygon edge from a to b; the outward normal is on its right
    /// (vertices counter-clockwise).
    Segment { a: [f64; 2], b: [f64; 2] },
    /// The circle (2D) or sphere (3D) |p − center| = radius.
    Sphere { center: Vec<f64>, radius: f64 },
    /// An ellipse's curve, sampled by arc length from a table of its
    /// cumulative length over the angle.
    EllipseCurve {
        center: [f64; 2],
        radii: [f64; 2],
        cumulative: Vec<f64>,
    },
}

/// Angle steps of an ellipse's arc-length table.
const ELLIPSE_STEPS: usize = 4096;

impl Piece {
    /// Length (2D), area (3D) or 1 (a point, 1D).
    pub fn measure(&self) -> f64 {
        match self {
            Piece::Side { ranges, .. } => ranges.iter().map(|[lo, hi]| hi - lo).product(),
            Piece::Segment { a, b } => (b[0] - a[0]).hypot(b[1] - a[1]),
            Piece::Sphere { center, radius } => match center.len() {
                1 => 1.0,
                2 => 2.0 * std::f64::consts::PI * radius,
                _ => 4.0 * std::f64::consts::PI * radius * radius,
            },
            Piece::EllipseCurve { cumulative, .. } => *cumulative.last().unwrap_or(&0.0),
        }
    }

    /// The point at parameters `u` (uniform in [0, 1)^params gives points
    /// uniform by measure) and its outward normal.
    pub fn at(&self, u: &[f64]) -> (Vec<f64>, Vec<f64>) {
        match self {
            Piece::Side {
                axis,
                at,
                outward,
                ranges,
            } => {
                let mut free = ranges.iter().zip(u);
                let dim = ranges.len() + 1;
                let p = (0..dim)
                    .map(|i| {
                        if i == *axis {
                            *at
                        } else {
                            free.next().map_or(0.0, |([lo, hi], v)| lo + (hi - lo) * v)
                        }
                    })
                    .collect();
                (p, axis_normal(dim, *axis, *outward))
            }
            Piece::Segment { a, b } => {
                let t = u.first().copied().unwrap_or(0.5);
                let p = vec![a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
                (p, segment_normal(a, b).to_vec())
            }
            Piece::Sphere { center, radius } => {
                let n = match center.len() {
                    1 => vec![if u.first().copied().unwrap_or(0.0) < 0.5 {
                        -1.0
                    } else {
                        1.0
                    }],
                    2 => {
                        let phi = 2.0 * std::f64::consts::PI * u[0];
                        vec![phi.cos(), phi.sin()]
                    }
                    _ => {
                        // Archimedes: z uniform in [−1, 1] is uniform by area.
                        let z = 1.0 - 2.0 * u[0];
                        let phi = 2.0 * std::f64::consts::PI * u[1];
                        let r = (1.0 - z * z).max(0.0).sqrt();
                        vec![r * phi.cos(), r * phi.sin(), z]
                    }
                };
                let p = center.iter().zip(&n).map(|(c, v)| c + radius * v).collect();
                (p, n)
            }
            Piece::EllipseCurve {
                center,
                radii,
                cumulative,
            } => {
                let theta = ellipse_angle(cumulative, u[0]);
                let [a, b] = *radii;
                let p = vec![center[0] + a * theta.cos(), center[1] + b * theta.sin()];
                let (nx, ny) = (theta.cos() / a, theta.sin() / b);
                let len = nx.hypot(ny);
                (p, vec![nx / len, ny / len])
            }
        }
    }

    /// How far `p` is from the piece (an estimate for the ellipse, exact to
    /// first order near it), and the outward normal there.
    pub fn nearest(&self, p: &[f64]) -> (f64, Vec<f64>) {
        match self {
            Piece::Side {
                axis,
                at,
                outward,
                ranges,
            } => {
                let mut d2 = (p[*axis] - at).powi(2);
                let others = (0..p.len()).filter(|i| i != axis);
                for (i, [lo, hi]) in others.zip(ranges) {
                    let out = (lo - p[i]).max(p[i] - hi).max(0.0);
                    d2 += out * out;
                }
                (d2.sqrt(), axis_normal(p.len(), *axis, *outward))
            }
            Piece::Segment { a, b } => {
                let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                let len2 = dx * dx + dy * dy;
                let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0);
                let (qx, qy) = (a[0] + t * dx, a[1] + t * dy);
                ((p[0] - qx).hypot(p[1] - qy), segment_normal(a, b).to_vec())
            }
            Piece::Sphere { center, radius } => {
                let r = distance(p, center);
                let n = if r > 0.0 {
                    p.iter().zip(center).map(|(x, c)| (x - c) / r).collect()
                } else {
                    let mut n = vec![0.0; p.len()];
                    n[0] = 1.0;
                    n
                };
                ((r - radius).abs(), n)
            }
            Piece::EllipseCurve { center, radii, .. } => {
                let [a, b] = *radii;
                let (x, y) = ((p[0] - center[0]) / a, (p[1] - center[1]) / b);
                let (gx, gy) = (2.0 * x / a, 2.0 * y / b);
                let g = gx.hypot(gy).max(f64::MIN_POSITIVE);
                ((x * x + y * y - 1.0).abs() / g, vec![gx / g, gy / g])
            }
        }
    }

    /// Whether the whole piece lies in the plane where coordinate `axis` is
    /// `at` (the sides a box-face condition such as `x = 0` selects).
    pub fn in_plane(&self, axis: usize, at: f64, tol: f64) -> bool {
        match self {
            Piece::Side { axis: a, at: v, .. } => *a == axis && (v - at).abs() <= tol,
            Piece::Segment { a, b } => (a[axis] - at).abs() <= tol && (b[axis] - at).abs() <= tol,
            Piece::Sphere { .. } | Piece::EllipseCurve { .. } => false,
        }
    }
}

/// The unit vector ±e_axis in `dim` dimensions.
fn axis_normal(dim: usize, axis: usize, sign: f64) -> Vec<f64> {
    let mut n = vec![0.0; dim];
    n[axis] = sign;
    n
}

/// The outward normal of the edge a → b of a counter-clockwise polygon.
fn segment_normal(a: &[f64; 2], b: &[f64; 2]) -> [f64; 2] {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len = dx.hypot(dy);
    [dy / len, -dx / len]
}

fn distance(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}

/// The cumulative arc length of the ellipse (a cos θ, b sin θ) at
/// θ = 2πk/steps, k = 0 … steps, by the trapezoid rule on the speed (a
/// periodic integrand, so the total converges exponentially).
fn ellipse_table([a, b]: [f64; 2]) -> Vec<f64> {
    let h = 2.0 * std::f64::consts::PI / ELLIPSE_STEPS as f64;
    let speed = |k: usize| {
        let t = h * k as f64;
        (a * t.sin()).hypot(b * t.cos())
    };
    let mut out = Vec::with_capacity(ELLIPSE_STEPS + 1);
    let mut total = 0.0;
    out.push(0.0);
    for k in 0..ELLIPSE_STEPS {
        total += 0.5 * h * (speed(k) + speed(k + 1));
        out.push(total);
    }
    out
}

/// The angle where the arc length is the share `u` of the perimeter.
fn ellipse_angle(cumulative: &[f64], u: f64) -> f64 {
    let target = u * cumulative[cumulative.len() - 1];
    let k = cumulative
        .partition_point(|&c| c <= target)
        .clamp(1, cumulative.len() - 1);
    let (lo, hi) = (cumulative[k - 1], cumulative[k]);
    let frac = if hi > lo {
        (target - lo) / (hi - lo)
    } else {
        0.0
    };
    2.0 * std::f64::consts::PI * ((k - 1) as f64 + frac) / (cumulative.len() - 1) as f64
}

impl Primitive {
    /// The space dimension.
    pub fn dim(&self) -> usize {
        match self {
            Primitive::Rectangle { lo, .. } => lo.len(),
            Primitive::Ball { center, .. } => center.len(),
            Primitive::Ellipse { .. } | Primitive::Polygon { .. } => 2,
        }
    }

    /// Whether `p` lies in the primitive grown by `margin` (shrunk where it
    /// is negative).
    pub fn contains(&self, p: &[f64], margin: f64) -> bool {
        match self {
            Primitive::Rectangle { lo, hi } => p
                .iter()
                .zip(lo.iter().zip(hi))
                .all(|(x, (l, h))| *x >= l - margin && *x <= h + margin),
            Primitive::Ball { center, radius } => distance(p, center) <= radius + margin,
            Primitive::Ellipse { center, radii } => {
                let (a, b) = (radii[0] + margin, radii[1] + margin);
                if a <= 0.0 || b <= 0.0 {
                    return false;
                }
                let (x, y) = ((p[0] - center[0]) / a, (p[1] - center[1]) / b);
                x * x + y * y <= 1.0
            }
            Primitive::Polygon { vertices } => {
                let inside = winding_inside(vertices, [p[0], p[1]]);
                if inside == (margin >= 0.0) {
                    return inside;
                }
                // Outside and growing, or inside and shrinking: by the
                // distance to the nearest edge.
                let n = vertices.len();
                let edge = (0..n)
                    .map(|i| {
                        let (a, b) = (vertices[i], vertices[(i + 1) % n]);
                        Piece::Segment { a, b }.nearest(p).0
                    })
                    .fold(f64::INFINITY, f64::min);
                (edge <= margin.abs()) != inside
            }
        }
    }

    /// The bounding box.
    pub fn bounds(&self) -> Vec<[f64; 2]> {
        match self {
            Primitive::Rectangle { lo, hi } => lo.iter().zip(hi).map(|(l, h)| [*l, *h]).collect(),
            Primitive::Ball { center, radius } => {
                center.iter().map(|c| [c - radius, c + radius]).collect()
            }
            Primitive::Ellipse { center, radii } => (0..2)
                .map(|i| [center[i] - radii[i], center[i] + radii[i]])
                .collect(),
            Primitive::Polygon { vertices } => (0..2)
                .map(|i| {
                    let vs = vertices.iter().map(|v| v[i]);
                    [
                        vs.clone().fold(f64::INFINITY, f64::min),
                        vs.fold(f64::NEG_INFINITY, f64::max),
                    ]
                })
                .collect(),
        }
    }

    /// The pieces of the boundary, each with its outward normal.
    pub fn pieces(&self) -> Vec<Piece> {
        match self {
            Primitive::Rectangle { lo, hi } => {
                let dim = lo.len();
                let mut out = Vec::with_capacity(2 * dim);
                for axis in 0..dim {
                    let ranges: Vec<[f64; 2]> = (0..dim)
                        .filter(|&i| i != axis)
                        .map(|i| [lo[i], hi[i]])
                        .collect();
                    for (at, outward) in [(lo[axis], -1.0), (hi[axis], 1.0)] {
                        out.push(Piece::Side {
                            axis,
                            at,
                            outward,
                            ranges: ranges.clone(),
                        });
                    }
                }
                out
            }
            Primitive::Ball { center, radius } if center.len() == 1 => {
                let c = center[0];
                Primitive::Rectangle {
                    lo: vec![c - radius],
                    hi: vec![c + radius],
                }
                .pieces()
            }
            Primitive::Ball { center, radius } => vec![Piece::Sphere {
                center: center.clone(),
                radius: *radius,
            }],
            Primitive::Ellipse { center, radii } => vec![Piece::EllipseCurve {
                center: *center,
                radii: *radii,
                cumulative: ellipse_table(*radii),
            }],
            Primitive::Polygon { vertices } => {
                let ccw = signed_area(vertices) > 0.0;
                let n = vertices.len();
                (0..n)
                    .map(|i| {
                        let (a, b) = (vertices[i], vertices[(i + 1) % n]);
                        if ccw {
                            Piece::Segment { a, b }
                        } else {
                            Piece::Segment { a: b, b: a }
                        }
                    })
                    .collect()
            }
        }
    }
}

/// Twice the signed area (positive counter-clockwise), by the shoelace formula.
pub fn signed_area(vertices: &[[f64; 2]]) -> f64 {
    let n = vertices.len();
    (0..n)
        .map(|i| {
            let (a, b) = (vertices[i], vertices[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum::<f64>()
        / 2.0
}

/// Whether `p` is inside the polygon by its winding number (Sunday 2001).
fn winding_inside(vertices: &[[f64; 2]], p: [f64; 2]) -> bool {
    let n = vertices.len();
    let mut winding = 0i32;
    for i in 0..n {
        let (a, b) = (vertices[i], vertices[(i + 1) % n]);
        let side = (b[0] - a[0]) * (p[1] - a[1]) - (p[0] - a[0]) * (b[1] - a[1]);
        if a[1] <= p[1] {
            if b[1] > p[1] && side > 0.0 {
                winding += 1;
            }
        } else if b[1] <= p[1] && side < 0.0 {
            winding -= 1;
        }
    }
    winding != 0
}

/// The first pair of edges (i, j) of a polygon that cross or touch other
/// than at their shared vertex; None for a simple polygon.
pub fn crossing_edges(vertices: &[[f64; 2]]) -> Option<(usize, usize)> {
    let n = vertices.len();
    let edge = |i: usize| (vertices[i], vertices[(i + 1) % n]);
    for i in 0..n {
        for j in i + 1..n {
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            let (a, b) = edge(i);
            let (c, d) = edge(j);
            if adjacent {
                // Neighbours share one vertex; they fail only by folding back.
                let (shared, p, q) = if j == i + 1 { (b, a, d) } else { (a, b, c) };
                let cross = (p[0] - shared[0]) * (q[1] - shared[1])
                    - (p[1] - shared[1]) * (q[0] - shared[0]);
                let dot = (p[0] - shared[0]) * (q[0] - shared[0])
                    + (p[1] - shared[1]) * (q[1] - shared[1]);
                if cross == 0.0 && dot > 0.0 {
                    return Some((i, j));
                }
            } else if segments_meet(a, b, c, d) {
                return Some((i, j));
            }
        }
    }
    None
}

/// Whether the closed segments ab and cd share a point.
fn segments_meet(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let orient = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        let v = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
        if v > 0.0 {
            1
        } else if v < 0.0 {
            -1
        } else {
            0
        }
    };
    let within = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        r[0] >= p[0].min(q[0])
            && r[0] <= p[0].max(q[0])
            && r[1] >= p[1].min(q[1])
            && r[1] <= p[1].max(q[1])
    };
    let (o1, o2, o3, o4) = (
        orient(a, b, c),
        orient(a, b, d),
        orient(c, d, a),
        orient(c, d, b),
    );
    if o1 != o2 && o3 != o4 {
        return true;
    }
    (o1 == 0 && within(a, b, c))
        || (o2 == 0 && within(a, b, d))
        || (o3 == 0 && within(c, d, a))
        || (o4 == 0 && within(c, d, b))
}

/// A shape in space: named primitives, their combination, and the
/// tolerances its boundary tests use.
#[derive(Clone, Debug, PartialEq)]
pub struct Geometry {
    /// The inputs the shape spans (indices into the problem's inputs).
    pub space: Vec<usize>,
    pub names: Vec<String>,
    pub primitives: Vec<Primitive>,
    pub shape: Shape,
    /// The combination as written (`channel - cylinder`).
    pub text: String,
    /// Each primitive's boundary pieces.
    pub pieces: Vec<Vec<Piece>>,
    /// The share of each piece that lies on the shape's boundary (estimated
    /// from [`SHARE_PROBES`] evenly spread points of it).
    pub shares: Vec<Vec<f64>>,
    /// Lengths: points closer than this to a boundary count as on it
    /// (1e-9 of the bounding box), and the step taken off a boundary point
    /// to tell which side of another primitive it is on (1e-7).
    pub tol: f64,
    pub step: f64,
    /// The shape's area (2D) or volume (3D; length in 1D), estimated from
    /// [`VOLUME_PROBES`] Sobol points of its bounding box.
    pub volume: f64,
}

/// Points of the bounding box behind [`Geometry::volume`].
pub const VOLUME_PROBES: u32 = 1 << 16;

/// Steps per piece of [`Geometry::outline`].
pub const OUTLINE_STEPS: usize = 400;

/// Points per piece behind [`Geometry::shares`].
pub const SHARE_PROBES: usize = 4096;

impl Geometry {
    /// The geometry of `shape` over `primitives` named `names`, spanning the
    /// inputs `space`.
    pub fn new(
        space: Vec<usize>,
        names: Vec<String>,
        primitives: Vec<Primitive>,
        shape: Shape,
        text: String,
    ) -> Self {
        let pieces: Vec<Vec<Piece>> = primitives.iter().map(Primitive::pieces).collect();
        let mut g = Self {
            space,
            names,
            primitives,
            shape,
            text,
            pieces,
            shares: Vec::new(),
            tol: 0.0,
            step: 0.0,
            volume: 0.0,
        };
        let size = g
            .bounds()
            .iter()
            .map(|[lo, hi]| hi - lo)
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE);
        g.tol = 1e-9 * size;
        g.step = 1e-7 * size;
        g.volume = g.probe_volume();
        g.shares = (0..g.primitives.len())
            .map(|k| {
                (0..g.pieces[k].len())
                    .map(|j| g.probe_share(k, j))
                    .collect()
            })
            .collect();
        g
    }

    pub fn dim(&self) -> usize {
        self.space.len()
    }

    /// A box that holds the shape: the hull of a union's, the left
    /// operand's of a difference, the overlap of an intersection's (of zero
    /// width where they do not overlap).
    pub fn bounds(&self) -> Vec<[f64; 2]> {
        self.bounds_of(&self.shape)
    }

    /// A box that holds `shape`, a combination of this geometry's primitives.
    pub fn bounds_of(&self, shape: &Shape) -> Vec<[f64; 2]> {
        match shape {
            Shape::Primitive(k) => self.primitives[*k].bounds(),
            Shape::Difference(a, _) => self.bounds_of(a),
            Shape::Union(a, b) | Shape::Intersection(a, b) => {
                let union = matches!(shape, Shape::Union(..));
                self.bounds_of(a)
                    .iter()
                    .zip(self.bounds_of(b))
                    .map(|([alo, ahi], [blo, bhi])| {
                        if union {
                            [alo.min(blo), ahi.max(bhi)]
                        } else {
                            let lo = alo.max(blo);
                            [lo, ahi.min(bhi).max(lo)]
                        }
                    })
                    .collect()
            }
        }
    }

    /// Whether the spatial point `p` is in the shape (closed, up to `tol`).
    pub fn contains(&self, p: &[f64]) -> bool {
        self.contains_in(&self.shape, p, self.tol)
    }

    /// Whether the spatial point `p` is in the shape and in `within`, another
    /// combination of its primitives (closed, up to `tol`).
    pub fn contains_within(&self, within: &Shape, p: &[f64]) -> bool {
        self.contains(p) && self.contains_in(within, p, self.tol)
    }

    fn contains_in(&self, shape: &Shape, p: &[f64], margin: f64) -> bool {
        match shape {
            Shape::Primitive(k) => self.primitives[*k].contains(p, margin),
            Shape::Union(a, b) => self.contains_in(a, p, margin) || self.contains_in(b, p, margin),
            Shape::Intersection(a, b) => {
                self.contains_in(a, p, margin) && self.contains_in(b, p, margin)
            }
            Shape::Difference(a, b) => {
                self.contains_in(a, p, margin) && !self.contains_in(b, p, -margin)
            }
        }
    }

    /// Whether the point `p` of primitive `k`'s boundary, with that
    /// primitive's outward normal `n`, lies on the shape's boundary, and if
    /// so the sign that turns `n` into the shape's outward normal (−1 on the
    /// boundary of a hole).
    ///
    /// Where two boundaries coincide, the point is kept once: from the left
    /// operand, unless the two sides face each other (then it is inside).
    pub fn on_boundary(&self, k: usize, p: &[f64], n: &[f64]) -> Option<f64> {
        self.on_boundary_in(&self.shape, k, p, n)
    }

    fn on_boundary_in(&self, shape: &Shape, k: usize, p: &[f64], n: &[f64]) -> Option<f64> {
        let off = |sign: f64, by: f64| -> Vec<f64> {
            p.iter().zip(n).map(|(x, v)| x + sign * by * v).collect()
        };
        match shape {
            Shape::Primitive(i) => (*i == k).then_some(1.0),
            Shape::Union(a, b) => {
                if let Some(s) = self.on_boundary_in(a, k, p, n) {
                    // Just outside A must be outside B too.
                    return (!self.contains_in(b, &off(s, self.step), 0.0)).then_some(s);
                }
                let s = self.on_boundary_in(b, k, p, n)?;
                (!self.contains_in(a, p, self.tol)).then_some(s)
            }
            Shape::Intersection(a, b) => {
                if let Some(s) = self.on_boundary_in(a, k, p, n) {
                    // Just inside A must be inside B.
                    return self.contains_in(b, &off(-s, self.step), 0.0).then_some(s);
                }
                let s = self.on_boundary_in(b, k, p, n)?;
                self.contains_in(a, p, -self.tol).then_some(s)
            }
            Shape::Difference(a, b) => {
                if let Some(s) = self.on_boundary_in(a, k, p, n) {
                    return (!self.contains_in(b, &off(-s, self.step), 0.0)).then_some(s);
                }
                // B's boundary bounds the difference from outside B.
                let s = self.on_boundary_in(b, k, p, n)?;
                self.contains_in(a, p, -self.tol).then_some(-s)
            }
        }
    }

    /// The volume by the share of Sobol points of the bounding box inside.
    fn probe_volume(&self) -> f64 {
        let bounds = self.bounds();
        let inside = (0..VOLUME_PROBES)
            .filter(|&i| {
                let p: Vec<f64> = bounds
                    .iter()
                    .enumerate()
                    .map(|(d, [lo, hi])| {
                        lo + (hi - lo) * sobol_burley::sample(i, d as u32, 0x0B0E) as f64
                    })
                    .collect();
                self.contains(&p)
            })
            .count();
        let box_volume: f64 = bounds.iter().map(|[lo, hi]| hi - lo).product();
        box_volume * inside as f64 / f64::from(VOLUME_PROBES)
    }

    /// Parameters a point of a boundary piece is drawn from (in [0, 1) each).
    pub fn piece_params(&self) -> usize {
        self.dim().saturating_sub(1)
    }

    /// [`Shape`]'s [`Geometry::on_boundary`] at evenly spread points of
    /// piece j of primitive k ([`SHARE_PROBES`] of them; one for a point).
    fn probes(&self, k: usize, j: usize) -> impl Iterator<Item = Option<f64>> + '_ {
        let params = self.piece_params();
        let count = if params == 0 { 1 } else { SHARE_PROBES as u32 };
        (0..count).map(move |i| {
            let u: Vec<f64> = (0..params as u32)
                .map(|d| sobol_burley::sample(i, d, 0x5EED) as f64)
                .collect();
            let (p, n) = self.pieces[k][j].at(&u);
            self.on_boundary(k, &p, &n)
        })
    }

    /// The share of piece j of primitive k on the shape's boundary.
    fn probe_share(&self, k: usize, j: usize) -> f64 {
        let (kept, all) = self.probes(k, j).fold((0usize, 0usize), |(kept, all), s| {
            (kept + usize::from(s.is_some()), all + 1)
        });
        kept as f64 / all as f64
    }

    /// The measure of piece j of primitive k that lies on the boundary.
    pub fn piece_measure(&self, k: usize, j: usize) -> f64 {
        self.pieces[k][j].measure() * self.shares[k][j]
    }

    /// The measure (length, area) of primitive k's part of the shape's
    /// boundary.
    pub fn part_measure(&self, k: usize) -> f64 {
        (0..self.pieces[k].len())
            .map(|j| self.piece_measure(k, j))
            .sum()
    }

    /// Every piece `(primitive, piece)` of the primitives `parts`.
    pub fn part_pieces(&self, parts: &[usize]) -> Vec<(usize, usize)> {
        parts
            .iter()
            .flat_map(|&k| (0..self.pieces[k].len()).map(move |j| (k, j)))
            .collect()
    }

    /// The pieces of the shape's primitives in the plane where spatial
    /// coordinate `axis` is `at` (a box face such as `x = 0`).
    pub fn pieces_in_plane(&self, axis: usize, at: f64) -> Vec<(usize, usize)> {
        self.part_pieces(&self.used())
            .into_iter()
            .filter(|&(k, j)| self.pieces[k][j].in_plane(axis, at, self.tol))
            .collect()
    }

    /// The coordinates of `point` (all inputs) the shape spans.
    pub fn spatial(&self, point: &[f64]) -> Vec<f64> {
        self.space.iter().map(|&i| point[i]).collect()
    }

    /// Whether `point` (all inputs) lies in the shape.
    pub fn holds(&self, point: &[f64]) -> bool {
        self.contains(&self.spatial(point))
    }

    /// The spatial vector `s` among `dim` inputs (zero in the others).
    pub fn embed(&self, s: &[f64], dim: usize) -> Vec<f64> {
        let mut out = vec![0.0; dim];
        for (&i, v) in self.space.iter().zip(s) {
            out[i] = *v;
        }
        out
    }

    /// The outward normal of the shape at the spatial boundary point `p`,
    /// from the nearest piece among primitives `parts` that has `p` on the
    /// shape's boundary; zero when none is within 1e-6 of the box size.
    pub fn normal(&self, parts: &[usize], p: &[f64]) -> Vec<f64> {
        let mut best: Option<(f64, Vec<f64>)> = None;
        for &k in parts {
            for piece in &self.pieces[k] {
                let (d, n) = piece.nearest(p);
                if d > 1e3 * self.step || best.as_ref().is_some_and(|(b, _)| d >= *b) {
                    continue;
                }
                if let Some(s) = self.on_boundary(k, p, &n) {
                    best = Some((d, n.iter().map(|v| s * v).collect()));
                }
            }
        }
        best.map_or_else(|| vec![0.0; p.len()], |(_, n)| n)
    }

    /// The shape's boundary as polylines (2D shapes; none otherwise): every
    /// piece walked in [`OUTLINE_STEPS`] steps, cut where it leaves the
    /// boundary.
    pub fn outline(&self) -> Vec<Vec<[f64; 2]>> {
        if self.dim() != 2 {
            return Vec::new();
        }
        let mut lines = Vec::new();
        for k in self.used() {
            for piece in &self.pieces[k] {
                let mut run: Vec<[f64; 2]> = Vec::new();
                for i in 0..=OUTLINE_STEPS {
                    // The last step closes a curve (u = 1 is u = 0 again).
                    let u = (i as f64 / OUTLINE_STEPS as f64).min(1.0 - 1e-12);
                    let (p, n) = piece.at(&[u]);
                    if self.on_boundary(k, &p, &n).is_some() {
                        run.push([p[0], p[1]]);
                    } else if run.len() > 1 {
                        lines.push(std::mem::take(&mut run));
                    } else {
                        run.clear();
                    }
                }
                if run.len() > 1 {
                    lines.push(run);
                }
            }
        }
        lines
    }

    /// The sign that turns primitive k's outward normals into the shape's
    /// where its boundary is the shape's (−1: a hole), from the first probe
    /// point of its pieces on the boundary.
    pub fn orientation(&self, k: usize) -> Option<f64> {
        (0..self.pieces[k].len()).find_map(|j| self.probes(k, j).flatten().next())
    }

    /// The primitives used in the combination.
    pub fn used(&self) -> Vec<usize> {
        fn walk(s: &Shape, out: &mut Vec<usize>) {
            match s {
                Shape::Primitive(k) => out.push(*k),
                Shape::Union(a, b) | Shape::Difference(a, b) | Shape::Intersection(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.shape, &mut out);
        out
    }
}
