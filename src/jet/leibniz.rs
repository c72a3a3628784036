//! Leibniz's rule on multi-indices: D_α (a b) = Σ_{β ⊆ α} D_β a · D_{α∖β} b,
//! the sum over the subsets β of the *positions* of α. Subsets that name the
//! same pair of sub-multisets give the same product, so they are merged with
//! a multiplicity (for α = xx: a b_xx + 2 a_x b_x + a_xx b).

use crate::multi_index::MultiIndex;

/// One distinct term of Leibniz's sum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductTerm {
    /// Position in the jet index of D_β (the left factor's derivative).
    pub left: usize,
    /// Position of D_{α∖β} (the right factor's).
    pub right: usize,
    /// How many subsets of α's positions give this pair.
    pub multiplicity: usize,
}

/// The distinct terms for D_α of a product, located in `index` (which must
/// contain every sub-multiset of α).
pub fn product_plan(alpha: &MultiIndex, index: &[MultiIndex]) -> Vec<ProductTerm> {
    let dirs = alpha.dirs();
    let at = |sub: Vec<usize>| {
        let sub = MultiIndex::new(sub);
        index
            .iter()
            .position(|m| *m == sub)
            .expect("jet index is closed under sub-multisets")
    };
    let mut terms: Vec<ProductTerm> = Vec::new();
    for subset in 0u32..(1 << dirs.len()) {
        let (mut left, mut right) = (Vec::new(), Vec::new());
        for (p, &d) in dirs.iter().enumerate() {
            if subset & (1 << p) != 0 {
                left.push(d);
            } else {
                right.push(d);
            }
        }
        let (left, right) = (at(left), at(right));
        match terms
            .iter_mut()
            .find(|t| t.left == left && t.right == right)
        {
            Some(t) => t.multiplicity += 1,
            None => terms.push(ProductTerm {
                left,
                right,
                multiplicity: 1,
            }),
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::multi_index::closure;

    #[test]
    fn binomial_multiplicities_along_one_direction() {
        // D_xxxx (ab) = Σ_k C(4, k) D^k a D^(4−k) b.
        let a = MultiIndex::new(vec![0; 4]);
        let index = closure(std::slice::from_ref(&a));
        let mut mults: Vec<(usize, usize)> = product_plan(&a, &index)
            .iter()
            .map(|t| (index[t.left].order(), t.multiplicity))
            .collect();
        mults.sort_unstable();
        assert_eq!(mults, vec![(0, 1), (1, 4), (2, 6), (3, 4), (4, 1)]);
    }

    #[test]
    fn mixed_index_has_one_term_per_subset() {
        // D_tx (ab) = a b_tx + a_t b_x + a_x b_t + a_tx b: four distinct terms.
        let tx = MultiIndex::new(vec![0, 1]);
        let index = closure(std::slice::from_ref(&tx));
        let plan = product_plan(&tx, &index);
        assert_eq!(plan.len(), 4);
        assert!(plan.iter().all(|t| t.multiplicity == 1));
    }
}
