//! Errors of a prediction against reference values on the evaluation grid.

/// Errors per output and the largest absolute error over all outputs.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Errors {
    /// ‖pred − ref‖₂ / ‖ref‖₂ (the measure of Raissi et al. and DeepXDE);
    /// NaN where it is undefined: no reference value, a zero reference (see
    /// `rms`), or a prediction that is not finite.
    pub rel_l2: Vec<f64>,
    /// Root-mean-square of pred − ref: the error reported for an output
    /// whose reference is zero, where the relative error divides by zero.
    pub rms: Vec<f64>,
    /// Per output: the reference is zero wherever it is given.
    pub zero_reference: Vec<bool>,
    /// Per output: the points with a reference value, where it is compared.
    pub compared: Vec<usize>,
    /// max |pred − ref|; NaN or infinite when a prediction is not finite.
    pub max_abs: f64,
}

impl Errors {
    /// What to say of output `j`: its relative L2 error, its RMS error
    /// (zero reference), that its prediction is not finite, or nothing (no
    /// reference value).
    pub fn describe(&self, j: usize) -> Option<String> {
        if self.compared[j] == 0 {
            None
        } else if self.rms[j].is_nan() {
            Some("not finite".to_string())
        } else if self.zero_reference[j] {
            Some(format!("RMS {:.3e} (zero reference)", self.rms[j]))
        } else {
            Some(format!("{:.3e}", self.rel_l2[j]))
        }
    }
}

/// The errors of `pred` against `reference`, per output. Points where the
/// reference is not finite (a table that gives some outputs only at some
/// points, as a blank cell) are left out; an output with no reference value
/// at all gets NaN. A prediction that is NaN or infinite where there is a
/// reference makes every error of its output NaN and `max_abs` NaN: an
/// error is never computed by skipping the points where it is undefined.
pub fn errors(pred: &[Vec<f64>], reference: &[Vec<f64>]) -> Errors {
    let mut max_abs = 0.0f64;
    let (mut rel_l2, mut rms) = (Vec::new(), Vec::new());
    let (mut zero_reference, mut compared) = (Vec::new(), Vec::new());
    for (p, r) in pred.iter().zip(reference) {
        let (mut num, mut den, mut n) = (0.0, 0.0, 0usize);
        for (a, b) in p.iter().zip(r).filter(|(_, b)| b.is_finite()) {
            num += (a - b) * (a - b);
            den += b * b;
            n += 1;
            // f64::max would skip a NaN; it must show instead.
            let d = (a - b).abs();
            max_abs = if d.is_nan() || max_abs.is_nan() {
                f64::NAN
            } else {
                max_abs.max(d)
            };
        }
        let undefined = n == 0 || !num.is_finite();
        rel_l2.push(if undefined || den == 0.0 {
            f64::NAN
        } else {
            (num / den).sqrt()
        });
        rms.push(if undefined {
            f64::NAN
        } else {
            (num / n as f64).sqrt()
        });
        zero_reference.push(n > 0 && den == 0.0);
        compared.push(n);
    }
    Errors {
        rel_l2,
        rms,
        zero_reference,
        compared,
        max_abs,
    }
}

/// Shifts each flagged output of `pred` by a constant per group of points
/// so that its mean over the group equals the reference's (over the points
/// where the reference is finite). A pressure whose gradient alone is
/// determined is compared this way; in time-dependent problems it is fixed
/// only up to a function of time, so the groups are the time slices.
/// `group[k]` is point k's group; other outputs are returned unchanged.
pub fn align_constants(
    pred: &[Vec<f64>],
    reference: &[Vec<f64>],
    flags: &[bool],
    group: &[usize],
) -> Vec<Vec<f64>> {
    let groups = group.iter().max().map_or(0, |g| g + 1);
    pred.iter()
        .zip(reference)
        .zip(flags.iter().chain(std::iter::repeat(&false)))
        .map(|((p, r), &flag)| {
            if !flag {
                return p.clone();
            }
            let mut sum = vec![0.0; groups];
            let mut count = vec![0usize; groups];
            for ((a, b), &g) in p.iter().zip(r).zip(group) {
                if b.is_finite() {
                    sum[g] += b - a;
                    count[g] += 1;
                }
            }
            p.iter()
                .zip(group)
                .map(|(a, &g)| {
                    if count[g] > 0 {
                        a + sum[g] / count[g] as f64
                    } else {
                        *a
                    }
                })
                .collect()
        })
        .collect()
}

/// Groups for [`align_constants`]: one per value of the input named `t`
/// when there is one, else a single group.
pub fn time_slices(inputs: &[String], points: &[Vec<f64>]) -> Vec<usize> {
    let Some(t) = inputs.iter().position(|n| n == "t") else {
        return vec![0; points.len()];
    };
    let mut times: Vec<f64> = points.iter().map(|p| p[t]).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    points
        .iter()
        .map(|p| times.partition_point(|&v| v < p[t]))
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
    fn a_nan_prediction_makes_the_errors_nan_not_smaller() {
        let e = errors(&[vec![f64::NAN, 1.0]], &[vec![1.0, 1.0]]);
        assert!(
            e.rel_l2[0].is_nan() && e.rms[0].is_nan() && e.max_abs.is_nan(),
            "{e:?}"
        );
        let inf = errors(&[vec![f64::INFINITY, 1.0]], &[vec![1.0, 1.0]]);
        assert!(
            inf.rel_l2[0].is_nan() && inf.max_abs.is_infinite(),
            "{inf:?}"
        );
    }

    #[test]
    fn a_zero_reference_gets_the_rms_error_not_a_relative_one() {
        // pred = (0.3, −0.4) against 0: RMS = √((0.09 + 0.16) / 2).
        let e = errors(
            &[vec![0.3, -0.4], vec![1.1, 2.0]],
            &[vec![0.0, 0.0], vec![1.0, 2.0]],
        );
        assert_eq!(e.zero_reference, [true, false]);
        assert!(e.rel_l2[0].is_nan());
        assert!((e.rms[0] - 0.125f64.sqrt()).abs() < 1e-15);
        assert!((e.rel_l2[1] - 0.1 / 5f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn a_constant_offset_is_removed_only_where_flagged() {
        // p = r + 7 exactly: aligned, the error is zero; u keeps its offset.
        let pred = vec![vec![8.0, 9.0, 10.0], vec![1.5, 2.5, 3.5]];
        let reference = vec![vec![1.0, 2.0, 3.0], vec![1.0, 2.0, 3.0]];
        let aligned = align_constants(&pred, &reference, &[true, false], &[0, 0, 0]);
        assert_eq!(aligned[0], reference[0]);
        assert_eq!(aligned[1], pred[1]);
        let e = errors(&aligned, &reference);
        assert_eq!(e.rel_l2[0], 0.0);
        assert!((e.max_abs - 0.5).abs() < 1e-15);
    }

    #[test]
    fn each_time_slice_gets_its_own_constant() {
        // p = r + c(t) with c = 7 at t = 0 and −2 at t = 1.
        let points = vec![
            vec![0.0, 0.1],
            vec![1.0, 0.1],
            vec![0.0, 0.2],
            vec![1.0, 0.2],
        ];
        let group = time_slices(&["t".to_string(), "x".to_string()], &points);
        assert_eq!(group, vec![0, 1, 0, 1]);
        let reference = vec![vec![1.0, 2.0, 3.0, 4.0]];
        let pred = vec![vec![8.0, 0.0, 10.0, 2.0]];
        assert_eq!(
            align_constants(&pred, &reference, &[true], &group),
            reference
        );
        let one = time_slices(&["x".to_string()], &points);
        assert_eq!(one, vec![0; 4]);
    }
}
