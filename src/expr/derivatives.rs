//! Derivatives of the elementary functions at a number, for Taylor jets of
//! expressions over plain numbers (`jet::taylor`, used by hard constraints).
//!
//! One entry per function: a new [`Func`] needs its row here (the match is
//! exhaustive, so the compiler asks for it).

use super::Func;

/// The highest derivative order [`Func::derivatives`] gives.
pub const MAX_ORDER: usize = 4;

/// f(z), f'(z), …, f^(MAX_ORDER)(z).
pub type Derivatives = [f64; MAX_ORDER + 1];

impl Func {
    /// The function and its first [`MAX_ORDER`] derivatives at `z`.
    pub fn derivatives(self, z: f64) -> Derivatives {
        match self {
            Func::Sin => {
                let (s, c) = z.sin_cos();
                [s, c, -s, -c, s]
            }
            Func::Cos => {
                let (s, c) = z.sin_cos();
                [c, -s, -c, s, c]
            }
            Func::Tan => {
                // With T = tan z and S = T' = 1 + T².
                let t = z.tan();
                let s = 1.0 + t * t;
                [
                    t,
                    s,
                    2.0 * t * s,
                    2.0 * s * (1.0 + 3.0 * t * t),
                    8.0 * t * s * (2.0 + 3.0 * t * t),
                ]
            }
            Func::Exp => [z.exp(); MAX_ORDER + 1],
            Func::Log => [
                z.ln(),
                1.0 / z,
                -z.powi(-2),
                2.0 * z.powi(-3),
                -6.0 * z.powi(-4),
            ],
            Func::Sqrt => power(z, 0.5),
            Func::Tanh => {
                // With T = tanh z and S = T' = 1 − T².
                let t = z.tanh();
                let s = 1.0 - t * t;
                [
                    t,
                    s,
                    -2.0 * t * s,
                    2.0 * s * (3.0 * t * t - 1.0),
                    8.0 * t * s * (2.0 - 3.0 * t * t),
                ]
            }
            // Smooth away from 0, where no derivative exists anyway.
            Func::Abs => [z.abs(), z.signum(), 0.0, 0.0, 0.0],
        }
    }
}

/// z^p and its derivatives: p (p−1) ⋯ (p−k+1) z^(p−k).
pub fn power(z: f64, p: f64) -> Derivatives {
    let mut out = [0.0; MAX_ORDER + 1];
    let mut falling = 1.0;
    for (k, v) in out.iter_mut().enumerate() {
        let k = k as f64;
        *v = if falling == 0.0 {
            0.0
        } else if p.fract() == 0.0 {
            // Exact for negative z, where powf of an integer exponent is too.
            falling * z.powi((p - k) as i32)
        } else {
            falling * z.powf(p - k)
        };
        falling *= p - k;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central differences of f^(k−1) against f^(k), at points where every function is smooth.
    #[test]
    fn each_derivative_is_the_slope_of_the_one_before() {
        let funcs = [
            Func::Sin,
            Func::Cos,
            Func::Tan,
            Func::Exp,
            Func::Log,
            Func::Sqrt,
            Func::Tanh,
            Func::Abs,
        ];
        let h = 1e-5;
        for f in funcs {
            for z in [0.3, 0.9, 1.3] {
                let d = f.derivatives(z);
                assert!((d[0] - f.apply(z)).abs() < 1e-14, "{f:?} value at {z}");
                let (up, down) = (f.derivatives(z + h), f.derivatives(z - h));
                for k in 1..=MAX_ORDER {
                    let fd = (up[k - 1] - down[k - 1]) / (2.0 * h);
                    let err = (fd - d[k]).abs() / (1.0 + d[k].abs());
                    assert!(err < 1e-7, "{f:?} order {k} at {z}: {} vs {fd}", d[k]);
                }
            }
        }
    }

    #[test]
    fn powers_in_closed_form() {
        // (z³)' = 3z², (z³)'' = 6z, (z³)''' = 6, then 0; z^-1: −z⁻², 2z⁻³, −6z⁻⁴, 24z⁻⁵.
        assert_eq!(power(2.0, 3.0), [8.0, 12.0, 12.0, 6.0, 0.0]);
        assert_eq!(power(2.0, -1.0), [0.5, -0.25, 0.25, -0.375, 0.75]);
    }
}
