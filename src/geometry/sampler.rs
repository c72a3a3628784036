//! Collocation points: the interior of the domain, its faces and the parts
//! of a shape's boundary.
//!
//! Points are drawn from an Owen-scrambled Sobol sequence (`sobol_burley`):
//! low-discrepancy like a grid, random like Monte Carlo, and a fresh
//! independent set for every draw (seed), so resampling is cheap and the
//! residual is never fitted only at fixed points. On a shape (a
//! [`Geometry`]), interior points are drawn in its bounding box and kept
//! inside it, and boundary points are drawn on the pieces of its
//! primitives' boundaries in proportion to the measure of each piece that
//! lies on the shape's boundary, and kept there: both are uniform by
//! volume and by length or area.

use super::{Face, Geometry, Region};
use crate::expr::Predicate;
use std::sync::Arc;

/// Draws points in a box domain or on a shape within it; every call to
/// [`Sampler::draw`] uses new scrambling seeds, so successive draws are
/// independent.
#[derive(Clone, Debug)]
pub struct Sampler {
    domain: Vec<[f64; 2]>,
    geometry: Option<Arc<Geometry>>,
    seed: u32,
}

/// Rounds of rejection a draw may take before it returns fewer points (a
/// part so small that its candidates keep missing it).
const ROUNDS: usize = 64;

/// Sobol indices are 16-bit in `sobol_burley`; larger sets chain seeds.
const BLOCK: usize = 1 << 16;

impl Sampler {
    pub fn new(domain: &[[f64; 2]], seed: u64) -> Self {
        Self {
            domain: domain.to_vec(),
            geometry: None,
            seed: (seed as u32).wrapping_mul(0x9E37_79B9),
        }
    }

    /// Draws on the shape `geometry` (none: the whole box).
    pub fn with_geometry(mut self, geometry: Option<Arc<Geometry>>) -> Self {
        self.geometry = geometry;
        self
    }

    fn next_seed(&mut self) -> u32 {
        self.seed = self.seed.wrapping_add(0x6D2B_79F5);
        self.seed
    }

    /// `n` points in the unit cube of dimension `dim`.
    fn unit(&mut self, n: usize, dim: usize) -> Vec<Vec<f64>> {
        let mut out = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let seed = self.next_seed();
            let m = (n - start).min(BLOCK);
            for i in 0..m {
                out.push(
                    (0..dim)
                        .map(|d| sobol_burley::sample(i as u32, d as u32, seed) as f64)
                        .collect(),
                );
            }
            start += m;
        }
        out
    }

    /// `n` points of `region`: uniform in the box, or spread over the faces
    /// in proportion to their measure (equally for point faces in 1D).
    pub fn draw(&mut self, region: &Region, n: usize) -> Vec<Vec<f64>> {
        if let Some(g) = self.geometry.clone() {
            return self.draw_on_shape(&g, region, n);
        }
        match region {
            Region::Interior => {
                let dim = self.domain.len();
                let domain = self.domain.clone();
                self.unit(n, dim)
                    .into_iter()
                    .map(|u| scale(&domain, &u))
                    .collect()
            }
            Region::Faces(faces) => self.faces(faces, n),
            Region::FacesWhere {
                faces, predicate, ..
            } => self.restricted(&Region::Faces(faces.clone()), predicate, n),
            // The lower face; the loss pairs each point with its image on
            // the upper face (see [`periodic_twins`]).
            Region::Periodic { input } => self.faces(&[lower(*input)], n),
            // Parts need a shape; without one they have no points.
            Region::Parts(_) | Region::PartsWhere { .. } => Vec::new(),
        }
    }

    /// `n` points of `region` on the shape `g`.
    fn draw_on_shape(&mut self, g: &Geometry, region: &Region, n: usize) -> Vec<Vec<f64>> {
        match region {
            Region::Interior => self.inside(g, n, None),
            Region::Faces(faces) => self.shape_faces(g, faces, n),
            Region::Periodic { input } => self.shape_faces(g, &[lower(*input)], n),
            Region::Parts(parts) => self.on_pieces(g, &g.part_pieces(parts), n),
            Region::FacesWhere {
                faces, predicate, ..
            } => self.restricted(&Region::Faces(faces.clone()), predicate, n),
            Region::PartsWhere {
                parts, predicate, ..
            } => self.restricted(&Region::Parts(parts.clone()), predicate, n),
        }
    }

    /// `n` points of `base` where `predicate` holds, by rejection (fewer
    /// only if the part is so small that [`ROUNDS`] rounds of 2n draws miss
    /// it).
    fn restricted(&mut self, base: &Region, predicate: &Predicate, n: usize) -> Vec<Vec<f64>> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..ROUNDS {
            out.extend(
                self.draw(base, 2 * n)
                    .into_iter()
                    .filter(|p| predicate.holds(p)),
            );
            if out.len() >= n {
                break;
            }
        }
        out.truncate(n);
        out
    }

    /// `n` points inside the shape (with input `fixed.0` held at `fixed.1`),
    /// by rejection from the box.
    fn inside(&mut self, g: &Geometry, n: usize, fixed: Option<(usize, f64)>) -> Vec<Vec<f64>> {
        let dim = self.domain.len();
        // Candidates from the shape's own box, which it fills well.
        let mut domain = self.domain.clone();
        for (&i, b) in g.space.iter().zip(g.bounds()) {
            domain[i] = b;
        }
        let mut out = Vec::with_capacity(n);
        let (mut batch, mut drawn) = (n.max(64), 0usize);
        for _ in 0..ROUNDS {
            for u in self.unit(batch, dim) {
                let mut p = scale(&domain, &u);
                if let Some((i, v)) = fixed {
                    p[i] = v;
                }
                if out.len() < n && g.holds(&p) {
                    out.push(p);
                }
            }
            drawn += batch;
            if out.len() >= n {
                break;
            }
            // The next batch sized by the share accepted so far.
            let rate = (out.len() as f64 / drawn as f64).max(1e-3);
            batch = ((n - out.len()) as f64 / rate * 1.2) as usize + 64;
        }
        out
    }

    /// `n` points on the pieces `(primitive, piece)` of the shape's
    /// boundary, split by the measure of each on the boundary, the inputs
    /// the shape does not span uniform over their ranges.
    fn on_pieces(&mut self, g: &Geometry, pieces: &[(usize, usize)], n: usize) -> Vec<Vec<f64>> {
        let weights: Vec<f64> = pieces.iter().map(|&(k, j)| g.piece_measure(k, j)).collect();
        let counts = split(n, &weights);
        let dim = self.domain.len();
        let others: Vec<usize> = (0..dim).filter(|i| !g.space.contains(i)).collect();
        let params = g.piece_params();
        let mut out = Vec::with_capacity(n);
        for (&(k, j), &count) in pieces.iter().zip(&counts) {
            let piece = &g.pieces[k][j];
            let mut got = 0;
            for _ in 0..ROUNDS {
                if got >= count {
                    break;
                }
                for u in self.unit(2 * (count - got) + 8, params + others.len()) {
                    let (s, normal) = piece.at(&u[..params]);
                    if got == count || g.on_boundary(k, &s, &normal).is_none() {
                        continue;
                    }
                    let mut p = g.embed(&s, dim);
                    for (&i, v) in others.iter().zip(&u[params..]) {
                        let [lo, hi] = self.domain[i];
                        p[i] = lo + (hi - lo) * v;
                    }
                    out.push(p);
                    got += 1;
                }
            }
        }
        out
    }

    /// `n` points of box faces on the shape: a face of an input the shape
    /// spans is the shape's boundary in that plane; a face of another input
    /// (t = 0) is the shape's inside with that input held.
    fn shape_faces(&mut self, g: &Geometry, faces: &[Face], n: usize) -> Vec<Vec<f64>> {
        let others_extent = |skip: Option<usize>| -> f64 {
            (0..self.domain.len())
                .filter(|i| !g.space.contains(i) && Some(*i) != skip)
                .map(|i| self.domain[i][1] - self.domain[i][0])
                .product()
        };
        // Per face: the boundary pieces in its plane (none for a face of an
        // input the shape does not span) and its measure.
        type FacePlan = (Face, Vec<(usize, usize)>, f64);
        let plan: Vec<FacePlan> = faces
            .iter()
            .map(|f| match g.space.iter().position(|&i| i == f.input) {
                Some(axis) => {
                    let pieces = g.pieces_in_plane(axis, self.bound(f));
                    let length: f64 = pieces.iter().map(|&(k, j)| g.piece_measure(k, j)).sum();
                    (*f, pieces, length * others_extent(None))
                }
                None => (*f, Vec::new(), g.volume * others_extent(Some(f.input))),
            })
            .collect();
        let weights: Vec<f64> = plan.iter().map(|(_, _, w)| *w).collect();
        let counts = split(n, &weights);
        let mut out = Vec::with_capacity(n);
        for ((face, pieces, _), count) in plan.iter().zip(counts) {
            if g.space.contains(&face.input) {
                out.extend(self.on_pieces(g, pieces, count));
            } else {
                let at = self.bound(face);
                out.extend(self.inside(g, count, Some((face.input, at))));
            }
        }
        out
    }

    /// Outward unit normals of `points` drawn on the faces of `region`: each
    /// point takes the normal of the first listed face it lies on (points on
    /// no listed face, e.g. in the interior, get zero).
    pub fn normals(&self, region: &Region, points: &[Vec<f64>]) -> Vec<Vec<f64>> {
        if let (Some(g), parts @ [_, ..]) = (&self.geometry, region.parts()) {
            return points
                .iter()
                .map(|p| g.embed(&g.normal(parts, &g.spatial(p)), self.domain.len()))
                .collect();
        }
        let faces = region.faces();
        points
            .iter()
            .map(|p| {
                let mut n = vec![0.0; self.domain.len()];
                if let Some(f) = faces.iter().find(|f| p[f.input] == self.bound(f)) {
                    n[f.input] = if f.upper { 1.0 } else { -1.0 };
                }
                n
            })
            .collect()
    }

    /// The images of lower-face points of `input` on its upper face.
    pub fn periodic_twins(&self, input: usize, points: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let hi = self.domain[input][1];
        points
            .iter()
            .map(|p| {
                let mut q = p.clone();
                q[input] = hi;
                q
            })
            .collect()
    }

    fn faces(&mut self, faces: &[Face], n: usize) -> Vec<Vec<f64>> {
        let dim = self.domain.len();
        if dim == 1 {
            // A face of an interval is a point: one sample says all.
            return faces.iter().map(|f| vec![self.bound(f)]).collect();
        }
        let measure: Vec<f64> = faces
            .iter()
            .map(|f| {
                (0..dim)
                    .filter(|&i| i != f.input)
                    .map(|i| self.domain[i][1] - self.domain[i][0])
                    .product()
            })
            .collect();
        let total: f64 = measure.iter().sum();
        let mut out = Vec::with_capacity(n);
        for (k, face) in faces.iter().enumerate() {
            // Every face gets a point, so with fewer points than faces the
            // earlier ones may already have taken more than n.
            let share = if k + 1 == faces.len() {
                n.saturating_sub(out.len())
            } else {
                ((n as f64) * measure[k] / total).round() as usize
            };
            let at = self.bound(face);
            let domain = self.domain.clone();
            for u in self.unit(share.max(1), dim - 1) {
                let mut free = u.into_iter();
                let p: Vec<f64> = (0..dim)
                    .map(|i| {
                        if i == face.input {
                            at
                        } else {
                            let [lo, hi] = domain[i];
                            lo + (hi - lo) * free.next().unwrap_or(0.5)
                        }
                    })
                    .collect();
                out.push(p);
            }
        }
        out
    }

    /// The box it draws in.
    pub fn domain(&self) -> &[[f64; 2]] {
        &self.domain
    }

    /// The scrambling seed of the next draw: with the domain, all that
    /// decides the draws to come (kept by checkpoints).
    pub fn state(&self) -> u32 {
        self.seed
    }

    /// Continues from a [`Self::state`].
    pub fn set_state(&mut self, seed: u32) {
        self.seed = seed;
    }

    fn bound(&self, f: &Face) -> f64 {
        self.domain[f.input][usize::from(f.upper)]
    }
}

/// The lower face of `input`.
fn lower(input: usize) -> Face {
    Face {
        input,
        upper: false,
    }
}

/// `n` split in proportion to `weights`, rounded, the last taking the rest
/// (none for a zero weight).
fn split(n: usize, weights: &[f64]) -> Vec<usize> {
    let total: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(weights.len());
    let mut given = 0usize;
    let last = weights.iter().rposition(|w| *w > 0.0);
    for (i, w) in weights.iter().enumerate() {
        let share = if *w <= 0.0 || total <= 0.0 {
            0
        } else if Some(i) == last {
            n.saturating_sub(given)
        } else {
            ((n as f64) * w / total).round() as usize
        };
        given += share;
        out.push(share);
    }
    out
}

fn scale(domain: &[[f64; 2]], u: &[f64]) -> Vec<f64> {
    domain
        .iter()
        .zip(u)
        .map(|([lo, hi], v)| lo + (hi - lo) * v)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_points_lie_in_the_box_and_fill_it() {
        let mut s = Sampler::new(&[[0.0, 1.0], [-1.0, 1.0]], 1);
        let pts = s.draw(&Region::Interior, 1024);
        assert_eq!(pts.len(), 1024);
        assert!(pts
            .iter()
            .all(|p| (0.0..=1.0).contains(&p[0]) && (-1.0..=1.0).contains(&p[1])));
        // Low discrepancy: each of the 16 quarter-by-quarter cells gets 64 ± 8.
        let mut cells = [0usize; 16];
        for p in &pts {
            let i = ((p[0] * 4.0) as usize).min(3);
            let j = (((p[1] + 1.0) * 2.0) as usize).min(3);
            cells[i * 4 + j] += 1;
        }
        assert!(cells.iter().all(|&c| (56..=72).contains(&c)), "{cells:?}");
    }

    #[test]
    fn successive_draws_differ() {
        let mut s = Sampler::new(&[[0.0, 1.0]], 1);
        assert_ne!(s.draw(&Region::Interior, 8), s.draw(&Region::Interior, 8));
    }

    #[test]
    fn faces_split_by_measure() {
        // t ∈ [0, 1], x ∈ [−1, 1]: the face t = 0 has measure 2, x = ±1 measure 1 each.
        let mut s = Sampler::new(&[[0.0, 1.0], [-1.0, 1.0]], 2);
        let faces = [
            Face {
                input: 1,
                upper: false,
            },
            Face {
                input: 1,
                upper: true,
            },
            Face {
                input: 0,
                upper: false,
            },
        ];
        let pts = s.draw(&Region::Faces(faces.to_vec()), 400);
        assert_eq!(pts.len(), 400);
        let on_left = pts.iter().filter(|p| p[1] == -1.0).count();
        let on_t0 = pts.iter().filter(|p| p[0] == 0.0).count();
        assert_eq!(on_left, 100);
        assert_eq!(on_t0, 200);
    }
}
