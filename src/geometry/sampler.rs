//! Collocation points: the interior of the box domain and its faces.
//!
//! Points are drawn from an Owen-scrambled Sobol sequence (`sobol_burley`):
//! low-discrepancy like a grid, random like Monte Carlo, and a fresh
//! independent set for every draw (seed), so resampling is cheap and the
//! residual is never fitted only at fixed points.

use super::{Face, Region};
use crate::expr::Predicate;

/// Draws points in a box domain; every call to [`Sampler::draw`] uses new
/// scrambling seeds, so successive draws are independent.
#[derive(Clone, Debug)]
pub struct Sampler {
    domain: Vec<[f64; 2]>,
    seed: u32,
}

/// Sobol indices are 16-bit in `sobol_burley`; larger sets chain seeds.
const BLOCK: usize = 1 << 16;

impl Sampler {
    pub fn new(domain: &[[f64; 2]], seed: u64) -> Self {
        Self {
            domain: domain.to_vec(),
            seed: (seed as u32).wrapping_mul(0x9E37_79B9),
        }
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
            } => self.faces_where(faces, predicate, n),
            // The lower face; the loss pairs each point with its image on
            // the upper face (see [`periodic_twins`]).
            Region::Periodic { input } => self.faces(
                &[Face {
                    input: *input,
                    upper: false,
                }],
                n,
            ),
        }
    }

    /// `n` points of `faces` where `predicate` holds, by rejection (fewer
    /// only if the part is so small that 64 rounds of 2n draws miss it).
    fn faces_where(&mut self, faces: &[Face], predicate: &Predicate, n: usize) -> Vec<Vec<f64>> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..64 {
            out.extend(
                self.faces(faces, 2 * n)
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

    /// Outward unit normals of `points` drawn on the faces of `region`: each
    /// point takes the normal of the first listed face it lies on (points on
    /// no listed face, e.g. in the interior, get zero).
    pub fn normals(&self, region: &Region, points: &[Vec<f64>]) -> Vec<Vec<f64>> {
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
