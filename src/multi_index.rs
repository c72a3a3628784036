//! Multi-indices: which input derivative of an output is meant.
//!
//! A multi-index is a multiset of input directions, stored sorted: `[]` is the
//! value itself, `[1]` is ∂/∂x₁, `[0, 1, 1]` is ∂³/∂x₀∂x₁².

use std::fmt;

/// The highest derivative order an equation may use: the jets and their
/// tests go to order 4, and a jet's size grows combinatorially beyond.
pub const MAX_ORDER: usize = 4;

/// The nested central-difference stencil of the derivative along `dirs` at
/// `p` with step `h`: points and weights (each direction doubles the points,
/// weights ±1/(2h)). What the jets are checked against in the tests; the
/// error is O(h²) per direction.
pub fn central_stencil(p: &[f64], dirs: &[usize], h: f64) -> Vec<(Vec<f64>, f64)> {
    let mut stencil: Vec<(Vec<f64>, f64)> = vec![(p.to_vec(), 1.0)];
    for &d in dirs {
        stencil = stencil
            .into_iter()
            .flat_map(|(q, w)| {
                let (mut a, mut b) = (q.clone(), q);
                a[d] += h;
                b[d] -= h;
                [(a, w / (2.0 * h)), (b, -w / (2.0 * h))]
            })
            .collect();
    }
    stencil
}

/// A sorted multiset of input indices naming a partial derivative.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MultiIndex(Vec<usize>);

impl MultiIndex {
    /// The zeroth derivative (the value).
    pub fn value() -> Self {
        Self(Vec::new())
    }

    /// Builds a multi-index from directions in any order.
    pub fn new(mut dirs: Vec<usize>) -> Self {
        dirs.sort_unstable();
        Self(dirs)
    }

    /// Directions, sorted ascending.
    pub fn dirs(&self) -> &[usize] {
        &self.0
    }

    /// Derivative order |α|.
    pub fn order(&self) -> usize {
        self.0.len()
    }

    /// All distinct sub-multisets, including the empty one and `self`.
    pub fn sub_multisets(&self) -> Vec<MultiIndex> {
        let mut out: Vec<MultiIndex> = vec![MultiIndex::value()];
        for &d in &self.0 {
            let mut next = out.clone();
            for m in &out {
                let mut dirs = m.0.clone();
                dirs.push(d);
                next.push(MultiIndex::new(dirs));
            }
            next.sort();
            next.dedup();
            out = next;
        }
        out
    }

    /// Name in subscript form given input names, e.g. `u_tx` or `u` for the value.
    pub fn label(&self, output: &str, inputs: &[String]) -> String {
        if self.0.is_empty() {
            return output.to_string();
        }
        let single = inputs.iter().all(|n| n.chars().count() == 1);
        if single {
            let s: String = self.0.iter().map(|&d| inputs[d].as_str()).collect();
            format!("{output}_{s}")
        } else {
            let s: Vec<&str> = self.0.iter().map(|&d| inputs[d].as_str()).collect();
            format!("d({output}, {})", s.join(", "))
        }
    }
}

impl fmt::Display for MultiIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Closes a set of multi-indices under sub-multisets and sorts it by order
/// then lexicographically, so that every index comes after all of its parts.
pub fn closure(requested: &[MultiIndex]) -> Vec<MultiIndex> {
    let mut all: Vec<MultiIndex> = requested
        .iter()
        .flat_map(|m| m.sub_multisets())
        .chain(std::iter::once(MultiIndex::value()))
        .collect();
    all.sort_by(|a, b| a.order().cmp(&b.order()).then(a.cmp(b)));
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closure_of_uxx_and_ut() {
        let c = closure(&[MultiIndex::new(vec![1, 1]), MultiIndex::new(vec![0])]);
        let want = vec![
            MultiIndex::value(),
            MultiIndex::new(vec![0]),
            MultiIndex::new(vec![1]),
            MultiIndex::new(vec![1, 1]),
        ];
        assert_eq!(c, want);
    }

    #[test]
    fn mixed_third_order_parts() {
        let s = MultiIndex::new(vec![1, 0, 1]).sub_multisets();
        // {}, {0}, {1}, {0,1}, {1,1}, {0,1,1}
        assert_eq!(s.len(), 6);
    }

    #[test]
    fn labels() {
        let names = vec!["t".to_string(), "x".to_string()];
        assert_eq!(MultiIndex::new(vec![1, 0]).label("u", &names), "u_tx");
        assert_eq!(MultiIndex::value().label("u", &names), "u");
    }
}
