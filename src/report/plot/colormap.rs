//! Perceptually uniform colour maps, interpolated between anchor colours
//! sampled from matplotlib's viridis and inferno (both CC0): lightness rises
//! monotonically, so the picture reads the same in greyscale and to
//! colour-blind readers, unlike rainbow maps.

use plotters::style::RGBColor;

/// A sequential colour map from low (0) to high (1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colormap {
    /// Blue–green–yellow, for fields (prediction, reference).
    Viridis,
    /// Black–red–yellow, for error magnitudes: zero error is dark.
    Inferno,
}

const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

const INFERNO: [(u8, u8, u8); 9] = [
    (0, 0, 4),
    (31, 12, 72),
    (85, 15, 109),
    (136, 34, 106),
    (186, 54, 85),
    (227, 89, 51),
    (249, 140, 10),
    (249, 201, 50),
    (252, 255, 164),
];

/// Colour for cells whose value is NaN or infinite.
pub const MISSING: RGBColor = RGBColor(200, 200, 200);

impl Colormap {
    /// Colour at `t` in [0, 1] (clamped; NaN gives [`MISSING`]).
    pub fn at(self, t: f64) -> RGBColor {
        if t.is_nan() {
            return MISSING;
        }
        let anchors = match self {
            Colormap::Viridis => &VIRIDIS,
            Colormap::Inferno => &INFERNO,
        };
        let pos = t.clamp(0.0, 1.0) * (anchors.len() - 1) as f64;
        let i = (pos.floor() as usize).min(anchors.len() - 2);
        let f = pos - i as f64;
        let (a, b) = (anchors[i], anchors[i + 1]);
        let mix = |u: u8, v: u8| (u as f64 + (v as f64 - u as f64) * f).round() as u8;
        RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_match_anchors_and_lightness_rises() {
        // Ends are the first and last anchors (matplotlib viridis: #440154,
        // #fde725). Luma (Rec. 601) must increase along both maps.
        assert_eq!(Colormap::Viridis.at(0.0), RGBColor(68, 1, 84));
        assert_eq!(Colormap::Viridis.at(1.0), RGBColor(253, 231, 37));
        assert_eq!(Colormap::Viridis.at(f64::NAN), MISSING);
        assert_eq!(Colormap::Inferno.at(2.0), Colormap::Inferno.at(1.0));
        for map in [Colormap::Viridis, Colormap::Inferno] {
            let luma = |t: f64| {
                let RGBColor(r, g, b) = map.at(t);
                0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64
            };
            for k in 0..20 {
                let (a, b) = (k as f64 / 20.0, (k + 1) as f64 / 20.0);
                assert!(luma(b) > luma(a), "{map:?} at {a}");
            }
        }
    }
}
