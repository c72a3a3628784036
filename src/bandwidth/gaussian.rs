//! The closed-form one-layer approximation of the kernel (dashed in the
//! README's spectrum picture, "ω from the kernel bandwidth"): for one
//! sine layer with weights of standard deviation σ and a wide random bias,
//! E[sin(ω(w·x+b)) sin(ω(w·x'+b))] ≈ ½ exp(−ω²σ²|x−x'|²/2). Along a line
//! it is a Gaussian of length s = 1/(ωσ), and so is its spectrum:
//!
//! ```text
//! F(f) = ∫ ½ e^{−r²/(2s²)} e^{−2πifr} dr = ½ √(2π) s · e^{−2π²s²f²}
//! |F(f)|² ∝ e^{−4π²s²f²}   ⇒   share of energy below f = erf(2π s f)
//! ```
//!
//! so the energy share `p` lies below the angular frequency
//! 2πf = erf⁻¹(p)/s = erf⁻¹(p)·ωσ: a bandwidth exactly linear in ω with
//! κ = erf⁻¹(p)·σ (σ² = 2/fan_in for the simple sine network).

use crate::config::{NetConfig, NetKind};
use crate::net::first_layer_weight_std;
use std::f64::consts::PI;

/// The Gaussian approximation ½ exp(−r²/(2s²)) of a sine network's kernel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GaussianKernel {
    /// ωσ: the first layer's frequency times its weight standard deviation,
    /// rad per unit of normalized input.
    pub rate: f64,
}

impl GaussianKernel {
    /// The approximation for a sine network with `input_dim` inputs; `None`
    /// for the tanh network, which has no sine layer to approximate.
    pub fn for_net(config: &NetConfig, input_dim: usize) -> Option<Self> {
        match config.kind {
            NetKind::SimpleSine | NetKind::Siren => Some(Self {
                rate: config.omega_value() * first_layer_weight_std(config, input_dim),
            }),
            NetKind::Tanh => None,
        }
    }

    /// Kernel length s = 1/(ωσ).
    pub fn length(&self) -> f64 {
        1.0 / self.rate
    }

    /// ½ exp(−(ωσ r)²/2) at distance `r`.
    pub fn value(&self, r: f64) -> f64 {
        0.5 * (-0.5 * (self.rate * r).powi(2)).exp()
    }

    /// |F(f)| of the row along a line, `f` in cycles per unit.
    pub fn magnitude(&self, f: f64) -> f64 {
        let s = self.length();
        0.5 * (2.0 * PI).sqrt() * s * (-2.0 * (PI * s * f).powi(2)).exp()
    }

    /// Angular frequency (rad per unit) below which `share` of the
    /// one-sided spectral energy lies: erf⁻¹(share)·ωσ.
    pub fn bandwidth(&self, share: f64) -> f64 {
        erf_inverse(share) * self.rate
    }
}

/// erf⁻¹(p) for p in [0, 1), by bisection on `libm::erf` (erf is monotone;
/// 80 halvings of [0, 6] reach f64 resolution); `inf` for p = 1.
pub fn erf_inverse(p: f64) -> f64 {
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let (mut lo, mut hi) = (0.0, 6.0);
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if libm::erf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_inverse_matches_tabulated_values() {
        // erf⁻¹(0.99) = 1.8213863677184496, erf⁻¹(0.5) = 0.4769362762044699
        // (Abramowitz & Stegun Table 7.1, to double precision).
        assert!((erf_inverse(0.99) - 1.8213863677184496).abs() < 1e-12);
        assert!((erf_inverse(0.5) - 0.4769362762044699).abs() < 1e-12);
    }

    #[test]
    fn simple_sine_kappa_is_erfinv_times_sqrt_two_over_fan_in() {
        let config = NetConfig {
            omega: crate::config::Omega::Value(3.0),
            ..NetConfig::default()
        };
        let g = GaussianKernel::for_net(&config, 2).expect("sine net");
        // σ² = 2/2 = 1, so the 99% bandwidth is erf⁻¹(0.99)·ω.
        assert!((g.bandwidth(0.99) - 1.8213863677184496 * 3.0).abs() < 1e-9);
        // The transform at f = 0 is the integral ½√(2π)s of the row.
        assert!((g.magnitude(0.0) - 0.5 * (2.0 * PI).sqrt() / 3.0).abs() < 1e-12);
    }
}
