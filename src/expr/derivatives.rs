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
            Func::Sinh => {
                let (s, c) = (z.sinh(), z.cosh());
                [s, c, s, c, s]
            }
            Func::Cosh => {
                let (s, c) = (z.sinh(), z.cosh());
                [c, s, c, s, c]
            }
            Func::Sech => {
                // With S = sech z, T = tanh z (S² = 1 − T²): S' = −ST,
                // S'' = S(2T² − 1), S''' = ST(5 − 6T²), S'''' = S(24T⁴ − 28T² + 5).
                let (s, t) = (Func::Sech.apply(z), z.tanh());
                let t2 = t * t;
                [
                    s,
                    -s * t,
                    s * (2.0 * t2 - 1.0),
                    s * t * (5.0 - 6.0 * t2),
                    s * (24.0 * t2 * t2 - 28.0 * t2 + 5.0),
                ]
            }
            Func::Atan => {
                // With Q = 1/(1 + z²): Q, −2zQ², (6z² − 2)Q³, 24z(1 − z²)Q⁴.
                let q = 1.0 / (1.0 + z * z);
                [
                    z.atan(),
                    q,
                    -2.0 * z * q * q,
                    (6.0 * z * z - 2.0) * q.powi(3),
                    24.0 * z * (1.0 - z * z) * q.powi(4),
                ]
            }
            Func::Erf => {
                // erf^(k+1) = (2/√π) e^(−z²) (−1)^k H_k(z), H the Hermite
                // polynomials 1, 2z, 4z² − 2, 8z³ − 12z.
                let g = std::f64::consts::FRAC_2_SQRT_PI * (-z * z).exp();
                [
                    Func::Erf.apply(z),
                    g,
                    -2.0 * z * g,
                    (4.0 * z * z - 2.0) * g,
                    (12.0 * z - 8.0 * z.powi(3)) * g,
                ]
            }
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
            Func::Sinh,
            Func::Cosh,
            Func::Sech,
            Func::Atan,
            Func::Erf,
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
