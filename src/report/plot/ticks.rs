//! Label text for ticks and values: short, no float noise
//! (0.30000000000000004), scientific notation only where plain decimals
//! would be unreadable, and a typographic minus sign (U+2212) as in print.

/// Label for tick value `v` on an axis from `lo` to `hi`. One axis uses
/// one style: scientific when its largest magnitude is below 1e−2 or from
/// 1e5 on, otherwise decimals enough to tell ticks a tenth of the span apart.
pub fn tick_label(v: f64, (lo, hi): (f64, f64)) -> String {
    let span = (hi - lo).abs();
    if v == 0.0 || v.abs() < span * 1e-9 {
        return "0".into();
    }
    let magnitude = lo.abs().max(hi.abs());
    if !(1e-2..1e5).contains(&magnitude) {
        return sci_label(v);
    }
    let step = (span / 10.0).max(magnitude * 1e-6);
    let decimals = (-step.log10().floor()).clamp(0.0, 6.0) as usize;
    minus(trim_zeros(format!("{v:.decimals$}")))
}

/// A value shown on its own (e.g. "t = 0.25"): up to 6 significant digits.
pub fn value_label(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if (1e-3..1e5).contains(&a) {
        let decimals = (5 - a.log10().floor() as i32).clamp(0, 8) as usize;
        minus(trim_zeros(format!("{v:.decimals$}")))
    } else {
        minus(format!("{v:e}"))
    }
}

/// `2.5e−3`, `1e−8`: two significant digits, trailing zeros dropped.
pub fn sci_label(v: f64) -> String {
    let s = format!("{v:.1e}");
    minus(match s.split_once('e') {
        Some((m, e)) => format!("{}e{e}", trim_zeros(m.to_string())),
        None => s,
    })
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" {
            "0".into()
        } else {
            t.to_string()
        }
    } else {
        s
    }
}

fn minus(s: String) -> String {
    s.replace('-', "\u{2212}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_short_and_use_a_true_minus() {
        // Expected strings chosen by hand: the label rules above.
        assert_eq!(tick_label(0.30000000000000004, (0.0, 1.0)), "0.3");
        assert_eq!(tick_label(-0.5, (-1.0, 1.0)), "\u{2212}0.5");
        assert_eq!(tick_label(1e-17, (-1.0, 1.0)), "0");
        assert_eq!(tick_label(2000.0, (0.0, 10000.0)), "2000");
        assert_eq!(tick_label(5e-4, (0.0, 1e-3)), "5e\u{2212}4");
        assert_eq!(tick_label(0.001, (-1e-3, 1e-3)), "1e\u{2212}3");
        assert_eq!(sci_label(2.5e-3), "2.5e\u{2212}3");
        assert_eq!(value_label(0.25), "0.25");
        assert_eq!(value_label(0.75), "0.75");
        assert_eq!(value_label(1.0 / 3.0), "0.333333");
    }
}
