//! `[unknowns]` of an equation file: each coefficient's start, bounds and
//! truth, as constant expressions.

use super::build::number;
use super::error::{ProblemError, Source};
use super::raw::{Entries, NumOrText, RawUnknown};
use crate::expr::Symbols;
use crate::unknowns::{Bounds, Unknown};
use toml::Spanned;

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
