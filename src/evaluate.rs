//! Errors of a prediction against reference values on the evaluation grid.

/// Relative L2 error per output and the largest absolute error over all outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Errors {
    pub rel_l2: Vec<f64>,
    pub max_abs: f64,
}

/// ‖pred − ref‖₂ / ‖ref‖₂ per output (the measure of Raissi et al. and
/// DeepXDE), and max |pred − ref|. A zero reference gives the absolute L2 norm.
/// Points where the reference is not finite (a table that gives some outputs
/// only at some points, as a blank cell) are left out; an output with no
/// reference value at all gets NaN.
pub fn errors(pred: &[Vec<f64>], reference: &[Vec<f64>]) -> Errors {
    let mut max_abs = 0.0f64;
    let rel_l2 = pred
        .iter()
        .zip(reference)
        .map(|(p, r)| {
            let (mut num, mut den) = (0.0, 0.0);
            let pairs = p.iter().zip(r).filter(|(_, b)| b.is_finite());
            if pairs.clone().next().is_none() {
                return f64::NAN;
            }
            for (a, b) in pairs {
                num += (a - b) * (a - b);
                den += b * b;
                max_abs = max_abs.max((a - b).abs());
            }
            if den > 0.0 {
                (num / den).sqrt()
            } else {
                num.sqrt()
            }
        })
        .collect();
    Errors { rel_l2, max_abs }
}

/// Shifts each flagged output of `pred` by a constant so that its mean
/// equals the reference's mean (over the points where the reference is
/// finite): a pressure whose gradient alone is determined is compared this
/// way. Other outputs are returned unchanged.
pub fn align_constants(pred: &[Vec<f64>], reference: &[Vec<f64>], flags: &[bool]) -> Vec<Vec<f64>> {
    pred.iter()
        .zip(reference)
        .zip(flags.iter().chain(std::iter::repeat(&false)))
        .map(|((p, r), &flag)| {
            let pairs: Vec<(f64, f64)> = p
                .iter()
                .zip(r)
                .filter(|(_, b)| b.is_finite())
                .map(|(a, b)| (*a, *b))
                .collect();
            if !flag || pairs.is_empty() {
                return p.clone();
            }
            let n = pairs.len() as f64;
            let shift = pairs.iter().map(|(a, b)| b - a).sum::<f64>() / n;
            p.iter().map(|a| a + shift).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_l2_by_hand() {
        // pred − ref = (0.1, −0.2); ‖ref‖ = 5 (3-4-5): rel = √0.05 / 5.
        let e = errors(&[vec![3.1, 3.8]], &[vec![3.0, 4.0]]);
        assert!((e.rel_l2[0] - 0.05f64.sqrt() / 5.0).abs() < 1e-15);
        assert!((e.max_abs - 0.2).abs() < 1e-12);
    }

    #[test]
    fn blank_reference_cells_are_skipped() {
        // Only the first point has a reference: |3.1 − 3| / 3.
        let e = errors(&[vec![3.1, 100.0]], &[vec![3.0, f64::NAN]]);
        assert!((e.rel_l2[0] - 0.1 / 3.0).abs() < 1e-14);
        assert!((e.max_abs - 0.1).abs() < 1e-12);
        assert!(errors(&[vec![1.0]], &[vec![f64::NAN]]).rel_l2[0].is_nan());
    }

    #[test]
    fn a_constant_offset_is_removed_only_where_flagged() {
        // p = r + 7 exactly: aligned, the error is zero; u keeps its offset.
        let pred = vec![vec![8.0, 9.0, 10.0], vec![1.5, 2.5, 3.5]];
        let reference = vec![vec![1.0, 2.0, 3.0], vec![1.0, 2.0, 3.0]];
        let aligned = align_constants(&pred, &reference, &[true, false]);
        assert_eq!(aligned[0], reference[0]);
        assert_eq!(aligned[1], pred[1]);
        let e = errors(&aligned, &reference);
        assert_eq!(e.rel_l2[0], 0.0);
        assert!((e.max_abs - 0.5).abs() < 1e-15);
    }
}
