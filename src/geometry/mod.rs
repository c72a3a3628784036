//! The domain and where on it terms hold: the box, its faces, regions of
//! faces, and the placement of collocation points ([`Sampler`]).
//!
//! This is a foundation module: problems declare regions, training draws
//! points in them, and neither needs the other to do so.

mod sampler;

pub use sampler::Sampler;

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
}

impl Region {
    /// The faces of a face region (with or without a predicate), else none.
    pub fn faces(&self) -> &[Face] {
        match self {
            Region::Faces(faces) | Region::FacesWhere { faces, .. } => faces,
            Region::Interior | Region::Periodic { .. } => &[],
        }
    }
}
