//! The domain and where on it terms hold: the box, its faces, regions of
//! faces, shapes beyond boxes ([`Geometry`]: primitives combined by union,
//! difference and intersection, with named boundary parts), and the
//! placement of collocation points ([`Sampler`]).
//!
//! This is a foundation module: problems declare regions, training draws
//! points in them, and neither needs the other to do so.

mod quadrature;
mod sampler;
mod shape;

pub use quadrature::{quadrature, quadrature_within, Quadrature};
pub use sampler::Sampler;
pub use shape::{crossing_edges, signed_area, Geometry, Piece, Primitive, Shape};

use crate::expr::Predicate;

/// One side of the box domain: input `input` held at its lower or upper bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Face {
    pub input: usize,
    pub upper: bool,
}

/// Where a term is enforced.
#[derive(Clone, Debug, PartialEq)]
pub enum Region {
    /// The interior of the box.
    Interior,
    /// The union of these faces of the box.
    Faces(Vec<Face>),
    /// Points of the lower face of `input` paired with the same points on
    /// its upper face: values and first derivatives along `input` must match.
    Periodic { input: usize },
    /// The part of these faces where `predicate` holds (`where = "x > 0.5"`).
    FacesWhere {
        faces: Vec<Face>,
        predicate: Predicate,
        /// The predicate as written, for `pinn check`.
        text: String,
    },
    /// The parts of the shape's boundary that these primitives of the
    /// [`Geometry`] make (`on = "cylinder"`; `on = "boundary"` lists all).
    Parts(Vec<usize>),
    /// The part of those parts where `predicate` holds.
    PartsWhere {
        parts: Vec<usize>,
        predicate: Predicate,
        text: String,
    },
}

impl Region {
    /// The faces of a face region (with or without a predicate), else none.
    pub fn faces(&self) -> &[Face] {
        match self {
            Region::Faces(faces) | Region::FacesWhere { faces, .. } => faces,
            _ => &[],
        }
    }

    /// The primitives of a part region (with or without a predicate), else none.
    pub fn parts(&self) -> &[usize] {
        match self {
            Region::Parts(parts) | Region::PartsWhere { parts, .. } => parts,
            _ => &[],
        }
    }

    /// Whether the region lies on the boundary (faces or parts), where
    /// points have normals.
    pub fn on_boundary(&self) -> bool {
        !matches!(self, Region::Interior | Region::Periodic { .. })
    }

    /// The predicate of a `where` region.
    pub fn predicate(&self) -> Option<&Predicate> {
        match self {
            Region::FacesWhere { predicate, .. } | Region::PartsWhere { predicate, .. } => {
                Some(predicate)
            }
            _ => None,
        }
    }
}
