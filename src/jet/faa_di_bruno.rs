//! Set partitions for Faà di Bruno's formula on multi-indices.
//!
//! D_α f(z) = Σ_π f^(|π|)(z) Π_{B∈π} D_B z sums over the set partitions π of
//! the *positions* of α. Partitions whose blocks name the same multiset of
//! sub-indices give the same product, so they are merged with a multiplicity:
//! for α = xxxx, the three partitions {12|34}, {13|24}, {14|23} all give
//! (D_xx z)², counted once with multiplicity 3.

use crate::multi_index::MultiIndex;

/// One distinct term of Faà di Bruno's sum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionTerm {
    /// Positions in the jet index of D_B z for each block B, sorted.
    pub parts: Vec<usize>,
    /// How many set partitions give this same product.
    pub multiplicity: usize,
}

/// The distinct terms for D_α, with blocks located in `index` (which must
/// contain every sub-multiset of α).
pub fn partition_plan(alpha: &MultiIndex, index: &[MultiIndex]) -> Vec<PartitionTerm> {
    let dirs = alpha.dirs();
    let mut terms: Vec<PartitionTerm> = Vec::new();
    for partition in set_partitions(dirs.len()) {
        let mut parts: Vec<usize> = partition
            .iter()
            .map(|block| {
                let sub = MultiIndex::new(block.iter().map(|&p| dirs[p]).collect());
                index
                    .iter()
                    .position(|m| *m == sub)
                    .expect("jet index is closed under sub-multisets")
            })
            .collect();
        parts.sort_unstable();
        match terms.iter_mut().find(|t| t.parts == parts) {
            Some(t) => t.multiplicity += 1,
            None => terms.push(PartitionTerm {
                parts,
                multiplicity: 1,
            }),
        }
    }
    terms
}

/// All set partitions of {0, …, m−1} (Bell(m) of them); one empty partition for m = 0.
fn set_partitions(m: usize) -> Vec<Vec<Vec<usize>>> {
    let mut out: Vec<Vec<Vec<usize>>> = vec![Vec::new()];
    for item in 0..m {
        let mut next = Vec::new();
        for p in &out {
            for b in 0..p.len() {
                let mut q = p.clone();
                q[b].push(item);
                next.push(q);
            }
            let mut q = p.clone();
            q.push(vec![item]);
            next.push(q);
        }
        out = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::multi_index::closure;

    #[test]
    fn bell_numbers() {
        // Bell numbers B_0..B_5 = 1, 1, 2, 5, 15, 52 (OEIS A000110).
        let counts: Vec<usize> = (0..6).map(|m| set_partitions(m).len()).collect();
        assert_eq!(counts, vec![1, 1, 2, 5, 15, 52]);
    }

    #[test]
    fn second_derivative_terms() {
        // D_xx f(z) = f''(z) (z_x)² + f'(z) z_xx.
        let xx = MultiIndex::new(vec![0, 0]);
        let index = closure(std::slice::from_ref(&xx));
        let plan = partition_plan(&xx, &index);
        let x = index
            .iter()
            .position(|m| *m == MultiIndex::new(vec![0]))
            .unwrap();
        let xx_at = index.iter().position(|m| *m == xx).unwrap();
        assert_eq!(plan.len(), 2);
        assert!(plan.contains(&PartitionTerm {
            parts: vec![x, x],
            multiplicity: 1
        }));
        assert!(plan.contains(&PartitionTerm {
            parts: vec![xx_at],
            multiplicity: 1
        }));
    }

    #[test]
    fn fourth_order_multiplicities_sum_to_bell() {
        // 15 partitions of 4 positions merge into 5 distinct terms for xxxx:
        // z_xxxx, 4 z_x z_xxx, 3 z_xx², 6 z_x² z_xx, z_x⁴.
        let a = MultiIndex::new(vec![0, 0, 0, 0]);
        let index = closure(std::slice::from_ref(&a));
        let plan = partition_plan(&a, &index);
        let mut mults: Vec<usize> = plan.iter().map(|t| t.multiplicity).collect();
        mults.sort_unstable();
        assert_eq!(mults, vec![1, 1, 3, 4, 6]);
    }
}
