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

use super::build::number;
use super::error::{ProblemError, Source};
use super::raw::{Entries, NumOrText, RawUnknown};
use crate::expr::Symbols;
use toml::Spanned;

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

/// `[unknowns]`: initial values, bounds and true values are constant
/// expressions (they may use the constants).
pub(super) fn declared(
    raw: &Entries<Spanned<RawUnknown>>,
    symbols: &Symbols,
    src: &Source,
) -> Result<Vec<Unknown>, ProblemError> {
    let mut out = Vec::new();
    for (key, spec) in &raw.0 {
        let spec = spec.get_ref();
        let bounds = match &spec.bounds {
            None => Bounds::Free,
            Some(b) => bounds(b, symbols, src)?,
        };
        let init = number(&spec.init, symbols, src)?;
        if !bounds.contains(init) {
            return Err(src.error(
                spec.init.span(),
                format!(
                    "the initial value {init} of '{}' must lie strictly inside its bounds {}",
                    key.get_ref(),
                    bounds.text()
                ),
            ));
        }
        let truth = match &spec.truth {
            Some(t) => Some(number(t, symbols, src)?),
            None => None,
        };
        out.push(Unknown {
            name: key.get_ref().clone(),
            init,
            bounds,
            truth,
        });
    }
    Ok(out)
}

/// `bounds = [lo, hi]`; either side may be TOML's `inf` (`[0, inf]`: positive).
fn bounds(
    raw: &Spanned<Vec<Spanned<NumOrText>>>,
    symbols: &Symbols,
    src: &Source,
) -> Result<Bounds, ProblemError> {
    let [lo, hi] = raw.get_ref().as_slice() else {
        return Err(src.error(
            raw.span(),
            format!(
                "expected bounds = [lo, hi] (inf for no bound), found {} values",
                raw.get_ref().len()
            ),
        ));
    };
    let side = |v: &Spanned<NumOrText>| match v.get_ref() {
        NumOrText::Num(x) if x.is_infinite() => Ok(*x),
        _ => number(v, symbols, src),
    };
    let (lo_v, hi_v) = (side(lo)?, side(hi)?);
    if lo_v >= hi_v {
        return Err(src.error(
            raw.span(),
            format!("empty bounds: {lo_v} is not below {hi_v}"),
        ));
    }
    Ok(match (lo_v.is_finite(), hi_v.is_finite()) {
        (true, true) => Bounds::Between(lo_v, hi_v),
        (true, false) => Bounds::Above(lo_v),
        (false, true) => Bounds::Below(hi_v),
        (false, false) => Bounds::Free,
    })
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
