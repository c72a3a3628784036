//! Errors of a prediction against reference values on the evaluation grid.

/// Relative L2 error per output and the largest absolute error over all outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Errors {
    pub rel_l2: Vec<f64>,
    pub max_abs: f64,
}

/// ‖pred − ref‖₂ / ‖ref‖₂ per output (the measure of Raissi et al. and
/// DeepXDE), and max |pred − ref|. A zero reference gives the absolute L2 norm.
pub fn errors(pred: &[Vec<f64>], reference: &[Vec<f64>]) -> Errors {
    let mut max_abs = 0.0f64;
    let rel_l2 = pred
        .iter()
        .zip(reference)
        .map(|(p, r)| {
            let (mut num, mut den) = (0.0, 0.0);
            for (a, b) in p.iter().zip(r) {
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
}
