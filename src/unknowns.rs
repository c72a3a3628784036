//! Unknown coefficients of inverse problems: scalars trained with the network.
//!
//! A bounded coefficient is trained through a smooth change of variables
//! (value = g(raw), raw unconstrained) rather than by projection: L-BFGS
//! (argmin) has no bound constraints, and clipping a parameter after a step
//! breaks its line search and its curvature pairs, while a smooth g keeps the
//! problem unconstrained and differentiable. The transforms:
//!
//! | bounds        | value                       | why                                      |
//! |---------------|-----------------------------|------------------------------------------|
//! | none          | raw                         |                                          |
//! | `[lo, inf]`   | lo + exp(raw)               | a positive coefficient over decades (Raissi et al. train log ν) |
//! | `[-inf, hi]`  | hi − exp(raw)               | the mirror image                         |
//! | `[lo, hi]`    | lo + (hi − lo)·sigmoid(raw) | bounded on both sides                    |

/// Where a coefficient may lie, and the change of variables that keeps it there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bounds {
    Free,
    Above(f64),
    Below(f64),
    Between(f64, f64),
}

impl Bounds {
    /// The coefficient for a raw (trained) parameter.
    pub fn value(self, raw: f64) -> f64 {
        match self {
            Bounds::Free => raw,
            Bounds::Above(lo) => lo + raw.exp(),
            Bounds::Below(hi) => hi - raw.exp(),
            Bounds::Between(lo, hi) => lo + (hi - lo) / (1.0 + (-raw).exp()),
        }
    }

    /// The raw parameter of a coefficient strictly inside the bounds (inverse of [`Self::value`]).
    pub fn raw(self, value: f64) -> f64 {
        match self {
            Bounds::Free => value,
            Bounds::Above(lo) => (value - lo).ln(),
            Bounds::Below(hi) => (hi - value).ln(),
            Bounds::Between(lo, hi) => {
                let s = (value - lo) / (hi - lo);
                (s / (1.0 - s)).ln()
            }
        }
    }

    /// True when `value` is strictly inside (the transforms never reach a bound).
    pub fn contains(self, value: f64) -> bool {
        match self {
            Bounds::Free => value.is_finite(),
            Bounds::Above(lo) => value > lo,
            Bounds::Below(hi) => value < hi,
            Bounds::Between(lo, hi) => value > lo && value < hi,
        }
    }

    /// The bounds as written, e.g. `[0, inf]`, or `none`.
    pub fn text(self) -> String {
        match self {
            Bounds::Free => "none".into(),
            Bounds::Above(lo) => format!("[{lo}, inf] (trained as {lo} + exp(raw))"),
            Bounds::Below(hi) => format!("[-inf, {hi}] (trained as {hi} - exp(raw))"),
            Bounds::Between(lo, hi) => {
                format!("[{lo}, {hi}] (trained as {lo} + {}·sigmoid(raw))", hi - lo)
            }
        }
    }
}

/// An unknown coefficient declared in `[unknowns]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Unknown {
    pub name: String,
    /// The value training starts from.
    pub init: f64,
    pub bounds: Bounds,
    /// The true value, when known: the run reports the relative error.
    pub truth: Option<f64>,
}

impl Unknown {
    /// The raw parameter training starts from.
    pub fn raw_init(&self) -> f64 {
        self.bounds.raw(self.init)
    }

    /// |value − truth| / |truth| (absolute error when the truth is 0).
    pub fn relative_error(&self, value: f64) -> Option<f64> {
        self.truth.map(|t| {
            let scale = if t == 0.0 { 1.0 } else { t.abs() };
            (value - t).abs() / scale
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_invert_and_stay_inside() {
        let cases = [
            (Bounds::Free, -2.5),
            (Bounds::Above(0.0), 0.01 / std::f64::consts::PI),
            (Bounds::Below(1.0), -3.0),
            (Bounds::Between(0.0, 2.0), 1.5),
        ];
        for (b, v) in cases {
            let back = b.value(b.raw(v));
            assert!((back - v).abs() < 1e-14 * v.abs().max(1.0), "{b:?}: {back}");
            // Strictly inside for moderate raw values (in floating point a
            // sigmoid saturates to its bound once |raw| passes about 37).
            assert!(
                b.contains(b.value(10.0)) && b.contains(b.value(-10.0)),
                "{b:?}"
            );
        }
        // sigmoid(0) = 1/2: the middle of the interval.
        assert_eq!(Bounds::Between(1.0, 3.0).value(0.0), 2.0);
        assert!(!Bounds::Above(0.0).contains(0.0));
    }

    #[test]
    fn relative_error_of_a_coefficient() {
        let u = Unknown {
            name: "k".into(),
            init: 0.0,
            bounds: Bounds::Free,
            truth: Some(2.0),
        };
        assert_eq!(
            u.relative_error(2.1).map(|e| (e * 1e12).round()),
            Some(0.05e12)
        );
    }
}
