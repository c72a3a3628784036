//! Vectorized kernels over slices: sine and cosine together, and the
//! products the jets sum, each compiled for AVX-512, for AVX2 + FMA and for
//! the baseline x86-64 and chosen once at run time (`multiversion`), so one
//! binary runs on any x86-64 CPU and uses the widest vectors it has.
//!
//! The loops are written branch-free over plain slices so that the compiler
//! vectorizes them inside each target's clone; nothing here is `unsafe`.
//!
//! Sine and cosine (Cephes' polynomials, Moshier 1989) reduce x by the
//! nearest multiple j of π/2 in Cody–Waite form, r = x − j·P₁ − j·P₂ − j·P₃,
//! where j·P₁ and j·P₂ are exact up to a bound on |j|; beyond that bound
//! (|x| > [`SinCos::FAST_LIMIT`]) and for NaN and ±∞ the standard library's
//! functions are used element by element. The quadrant comes from the low
//! bits of j, read from the "magic number" rounding 1.5·2^p + x·2/π.

use multiversion::multiversion;

/// sin and cos of every element of a slice at once.
pub trait SinCos: Sized {
    /// |x| up to which the vector path is used; std's beyond.
    const FAST_LIMIT: f64;

    /// `s[i] = sin x[i]`, `c[i] = cos x[i]` (equal lengths).
    fn sin_cos_into(x: &[Self], s: &mut [Self], c: &mut [Self]);
}

macro_rules! sin_cos_impl {
    ($t:ty, $bits:ty, $vector:ident, $limit:expr, $magic:expr, $p1:expr, $p2:expr, $p3:expr,
     [$($s:expr),*], [$($c:expr),*]) => {
        /// sin and cos of one element by the vector path's arithmetic
        /// (valid for |x| ≤ FAST_LIMIT).
        #[inline(always)]
        fn lane(x: $t) -> ($t, $t) {
            const MAGIC: $t = $magic;
            const SHIFT: u32 = <$bits>::BITS - 1;
            let shifted = x * core::f64::consts::FRAC_2_PI as $t + MAGIC;
            let quadrant = shifted.to_bits();
            let j = shifted - MAGIC;
            let r = ((x - j * $p1) - j * $p2) - j * $p3;
            let z = r * r;
            let mut ps: $t = 0.0;
            $(ps = ps * z + $s;)*
            let mut pc: $t = 0.0;
            $(pc = pc * z + $c;)*
            let sin_r = r + r * z * ps;
            let cos_r = 1.0 - 0.5 * z + z * z * pc;
            let odd = quadrant & 1 != 0;
            let (s, c) = if odd { (cos_r, sin_r) } else { (sin_r, cos_r) };
            // sin changes sign in quadrants 2 and 3, cos in 1 and 2.
            let s_sign = (quadrant & 2) << (SHIFT - 1);
            let c_sign = (quadrant.wrapping_add(1) & 2) << (SHIFT - 1);
            (<$t>::from_bits(s.to_bits() ^ s_sign), <$t>::from_bits(c.to_bits() ^ c_sign))
        }

        #[multiversion(targets(
            "x86_64+avx512f+avx512vl+avx512dq+avx512bw",
            "x86_64+avx2+fma",
        ))]
        /// Returns whether an element is beyond the limit or NaN, by a
        /// branch-free reduction (the common case needs no scalar pass).
        fn $vector(x: &[$t], s: &mut [$t], c: &mut [$t]) -> bool {
            // Several vectors' worth at a time: one element's polynomials
            // are a chain of dependent operations, and independent chains
            // side by side keep the vector units busy. With the branch-free
            // check below instead of a scalar pass, measured on one AVX2
            // core: f32 2.8 → 1.2 ns per element, f64 4.3 → 3.5 ns. The
            // arithmetic of each element is unchanged.
            const BLOCK: usize = 128 / core::mem::size_of::<$t>();
            const LIMIT: $t = $limit;
            let n = x.len().min(s.len()).min(c.len());
            let split = n - n % BLOCK;
            for ((xb, sb), cb) in x[..split]
                .chunks_exact(BLOCK)
                .zip(s[..split].chunks_exact_mut(BLOCK))
                .zip(c[..split].chunks_exact_mut(BLOCK))
            {
                for l in 0..BLOCK {
                    (sb[l], cb[l]) = lane(xb[l]);
                }
            }
            for i in split..n {
                (s[i], c[i]) = lane(x[i]);
            }
            x.iter()
                .fold(false, |any, x| any | (x.abs() > LIMIT) | x.is_nan())
        }

        impl SinCos for $t {
            const FAST_LIMIT: f64 = $limit;

            fn sin_cos_into(x: &[$t], s: &mut [$t], c: &mut [$t]) {
                assert!(x.len() == s.len() && x.len() == c.len(), "sin_cos: equal lengths");
                if !$vector(x, s, c) {
                    return;
                }
                const LIMIT: $t = $limit;
                for ((x, s), c) in x.iter().zip(s.iter_mut()).zip(c.iter_mut()) {
                    // Also NaN and ±∞.
                    if x.abs() > LIMIT || x.is_nan() {
                        (*s, *c) = x.sin_cos();
                    }
                }
            }
        }
    };
}

// The constants as Cephes prints them (more digits than the type holds).
#[allow(clippy::excessive_precision)]
mod f64_kernel {
    use super::*;
    // π/2 in three parts (fdlibm's pio2_1, pio2_2 of 33 bits each, and the
    // rest pio2_2t, given by their bits): j·P₁ and j·P₂ are exact for
    // |j| < 2^20, so |x| ≤ 1e6 keeps full accuracy.
    sin_cos_impl!(
        f64,
        u64,
        sin_cos_f64,
        1.0e6,
        6755399441055744.0,
        f64::from_bits(0x3FF9_21FB_5440_0000),
        f64::from_bits(0x3DD0_B461_1A60_0000),
        f64::from_bits(0x3BA3_198A_2E03_7073),
        [
            1.58962301576546568060e-10,
            -2.50507477628578072866e-8,
            2.75573136213857245213e-6,
            -1.98412698295895385996e-4,
            8.33333333332211858878e-3,
            -1.66666666666666307295e-1
        ],
        [
            -1.13585365213876817300e-11,
            2.08757008419747316778e-9,
            -2.75573141792967388112e-7,
            2.48015872888517045348e-5,
            -1.38888888888730564116e-3,
            4.16666666666665929218e-2
        ]
    );
}

#[allow(clippy::excessive_precision)]
mod f32_kernel {
    use super::*;
    // Cephes' sinf/cosf split of π/2 (DP1..DP3 doubled), exact for the
    // multiples |x| ≤ 8192 reaches.
    sin_cos_impl!(
        f32,
        u32,
        sin_cos_f32,
        8192.0,
        12582912.0,
        1.5703125,
        4.837512969970703125e-4,
        7.54978995489188216e-8,
        [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1],
        [
            2.443315711809948e-5,
            -1.388731625493765e-3,
            4.166664568298827e-2
        ]
    );
}

/// `dst[i] (+)= coef · f[i] · Π_j factors[j][i]`: one term of a jet's sum
/// (Faà di Bruno's, or its derivative in the backward pass); `accumulate`
/// adds to `dst` instead of overwriting it. All slices have `dst`'s length.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2+fma"))]
pub fn product_term<E: num_traits::Float>(
    dst: &mut [E],
    coef: E,
    f: &[E],
    factors: &[&[E]],
    accumulate: bool,
) {
    let n = dst.len();
    let f = &f[..n];
    // The common arities as fixed loops (the compiler vectorizes each);
    // more factors fold one at a time into `dst`.
    macro_rules! run {
        (|$i:ident| $term:expr) => {
            if accumulate {
                for $i in 0..n {
                    dst[$i] = dst[$i] + $term;
                }
            } else {
                for $i in 0..n {
                    dst[$i] = $term;
                }
            }
        };
    }
    match factors {
        [] => run!(|i| coef * f[i]),
        [a] => {
            let a = &a[..n];
            run!(|i| coef * f[i] * a[i])
        }
        [a, b] => {
            let (a, b) = (&a[..n], &b[..n]);
            run!(|i| coef * f[i] * a[i] * b[i])
        }
        [a, b, c] => {
            let (a, b, c) = (&a[..n], &b[..n], &c[..n]);
            run!(|i| coef * f[i] * a[i] * b[i] * c[i])
        }
        [a, b, c, d] => {
            let (a, b, c, d) = (&a[..n], &b[..n], &c[..n], &d[..n]);
            run!(|i| coef * f[i] * a[i] * b[i] * c[i] * d[i])
        }
        // A 4th-order jet's backward: four blocks and the incoming gradient.
        [a, b, c, d, e] => {
            let (a, b, c, d, e) = (&a[..n], &b[..n], &c[..n], &d[..n], &e[..n]);
            run!(|i| coef * f[i] * a[i] * b[i] * c[i] * d[i] * e[i])
        }
        [a, b, c, d, e, rest @ ..] => {
            // Not reached by the jets (orders ≤ 4): fold through a copy.
            let mut tmp: Vec<E> = (0..n)
                .map(|i| coef * f[i] * a[i] * b[i] * c[i] * d[i] * e[i])
                .collect();
            for r in rest {
                for (t, v) in tmp.iter_mut().zip(&r[..n]) {
                    *t = *t * *v;
                }
            }
            run!(|i| tmp[i])
        }
    }
}

/// `dst[i] = a[i] + b[i % b.len()]`: a row vector added to every row.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2+fma"))]
pub fn add_rows<E: num_traits::Float>(dst: &mut [E], b: &[E]) {
    for row in dst.chunks_exact_mut(b.len()) {
        for (d, v) in row.iter_mut().zip(b) {
            *d = *d + *v;
        }
    }
}

/// Adds every row of `rows` (a multiple of `acc.len()` long) into `acc`.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2+fma"))]
pub fn sum_rows<E: num_traits::Float>(acc: &mut [E], rows: &[E]) {
    for row in rows.chunks_exact(acc.len()) {
        for (a, v) in acc.iter_mut().zip(row) {
            *a = *a + *v;
        }
    }
}

/// Partial sums a dot product keeps: a fixed number written out in the
/// source, so the order of the additions (and the result, to the bit) is
/// the same whatever vector width the CPU has.
const LANES: usize = 16;

#[inline(always)]
fn lane_sum(acc: [f64; LANES], tail: f64) -> f64 {
    let mut a = acc;
    let mut width = LANES / 2;
    while width > 0 {
        for i in 0..width {
            a[i] += a[i + width];
        }
        width /= 2;
    }
    a[0] + tail
}

/// Σ a[i]·b[i] (equal lengths), vectorized with a fixed summation order.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2+fma"))]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; LANES];
    let split = n - n % LANES;
    for (ca, cb) in a[..split]
        .chunks_exact(LANES)
        .zip(b[..split].chunks_exact(LANES))
    {
        for l in 0..LANES {
            acc[l] += ca[l] * cb[l];
        }
    }
    let tail: f64 = a[split..].iter().zip(&b[split..]).map(|(x, y)| x * y).sum();
    lane_sum(acc, tail)
}

/// One row of a symmetric matrix kept as its upper triangle, the part right
/// of the diagonal (`row[k]` is H[i, i+1+k]; `u`, `s`, `v` and `col` start at
/// index i+1 too): every entry becomes `scale·row[k] + a·u[k] + b·s[k]` (a
/// row of a rank-2 update), then Σ row[k]·v[k] is returned (the row's part of
/// (H·v)_i, in [`dot`]'s order) and `row[k]·vi` is added into `col[k]` (the
/// mirrored entry's part of (H·v)_{i+1+k}), all in one pass over the row.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2+fma"))]
pub fn update_upper_row_dot(
    row: &mut [f64],
    coef: [f64; 3],
    [u, s, v]: [&[f64]; 3],
    vi: f64,
    col: &mut [f64],
) -> f64 {
    let [scale, a, b] = coef;
    let n = row.len();
    let (u, s, v, col) = (&u[..n], &s[..n], &v[..n], &mut col[..n]);
    let mut acc = [0.0; LANES];
    let split = n - n % LANES;
    for ((((cr, cu), cs), cv), cc) in row[..split]
        .chunks_exact_mut(LANES)
        .zip(u[..split].chunks_exact(LANES))
        .zip(s[..split].chunks_exact(LANES))
        .zip(v[..split].chunks_exact(LANES))
        .zip(col[..split].chunks_exact_mut(LANES))
    {
        for l in 0..LANES {
            cr[l] = scale * cr[l] + a * cu[l] + b * cs[l];
            acc[l] += cr[l] * cv[l];
            cc[l] += cr[l] * vi;
        }
    }
    let mut tail = 0.0;
    for j in split..n {
        row[j] = scale * row[j] + a * u[j] + b * s[j];
        tail += row[j] * v[j];
        col[j] += row[j] * vi;
    }
    lane_sum(acc, tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<E: SinCos + num_traits::Float + Into<f64>>(xs: &[E], tol: f64) {
        let mut s = vec![E::zero(); xs.len()];
        let mut c = vec![E::zero(); xs.len()];
        E::sin_cos_into(xs, &mut s, &mut c);
        for ((x, s), c) in xs.iter().zip(&s).zip(&c) {
            let (rs, rc) = x.sin_cos();
            let (rs, rc): (f64, f64) = (rs.into(), rc.into());
            let err = ((*s).into() - rs).abs().max(((*c).into() - rc).abs());
            assert!(
                err <= tol,
                "sin_cos({}) = ({}, {}), std ({rs}, {rc})",
                (*x).into(),
                (*s).into(),
                (*c).into()
            );
        }
    }

    /// Arguments over many periods, near multiples of π/2, at and beyond
    /// the vector path's limit, and the special values.
    fn arguments(limit: f64) -> Vec<f64> {
        let mut xs: Vec<f64> = (-20000..=20000).map(|i| i as f64 * 1.0e-3).collect();
        xs.extend((-5000..=5000).map(|i| i as f64 * 0.7391));
        for k in -2000..2000 {
            let m = k as f64 * std::f64::consts::FRAC_PI_2;
            xs.extend([m, m * (1.0 + 1e-15), m * (1.0 - 1e-12)]);
        }
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            xs.push((u - 0.5) * 4.0 * limit);
        }
        xs.extend([limit, -limit, limit * 1.0001, 1e30, -1e30, 0.0, -0.0]);
        xs
    }

    // Tolerance: std's sin/cos are within 1 ulp; the vector path adds the
    // reduction's and the polynomial's rounding. Measured: within 1 epsilon
    // of the type in absolute terms (|sin|, |cos| ≤ 1) on every argument
    // here; the bound is 2.
    #[test]
    fn vectorized_sin_cos_matches_std_in_f64() {
        let xs = arguments(f64::FAST_LIMIT);
        check::<f64>(&xs, 2.0 * f64::EPSILON);
    }

    #[test]
    fn vectorized_sin_cos_matches_std_in_f32() {
        let xs: Vec<f32> = arguments(f32::FAST_LIMIT)
            .into_iter()
            .map(|x| x as f32)
            .collect();
        check::<f32>(&xs, 2.0 * f32::EPSILON as f64);
    }

    /// One argument beyond the fast path's reach (or NaN) at either end of
    /// a block or in the tail after the last block: the whole slice is
    /// checked, and only that element takes std's path.
    #[test]
    fn an_argument_beyond_the_limit_is_found_anywhere_in_a_slice() {
        for n in [1, 7, 16, 31, 32, 33, 100, 300] {
            for at in [0, 15, 16, 31, 32, n - 1] {
                for odd in [1e30, -5e6, f64::NAN, f64::INFINITY] {
                    if at >= n {
                        continue;
                    }
                    let mut xs: Vec<f64> = (0..n).map(|i| i as f64 * 0.37 - 3.0).collect();
                    xs[at] = odd;
                    let (mut s, mut c) = (vec![0.0; n], vec![0.0; n]);
                    f64::sin_cos_into(&xs, &mut s, &mut c);
                    let (rs, rc) = odd.sin_cos();
                    let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
                    assert!(same(s[at], rs) && same(c[at], rc), "n {n} at {at} x {odd}");
                    let xf: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
                    let (mut sf, mut cf) = (vec![0.0f32; n], vec![0.0f32; n]);
                    f32::sin_cos_into(&xf, &mut sf, &mut cf);
                    let (rs, rc) = xf[at].sin_cos();
                    let same = |a: f32, b: f32| a == b || (a.is_nan() && b.is_nan());
                    assert!(same(sf[at], rs) && same(cf[at], rc), "f32 n {n} at {at}");
                }
            }
        }
    }

    #[test]
    fn special_values_follow_std() {
        let xs = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0];
        let (mut s, mut c) = ([0.0f64; 5], [0.0f64; 5]);
        f64::sin_cos_into(&xs, &mut s, &mut c);
        assert!(s[..3].iter().all(|v| v.is_nan()) && c[..3].iter().all(|v| v.is_nan()));
        // sin ±0 = 0 (the sign of the zero is not kept), cos ±0 = 1.
        assert_eq!((s[3], c[3]), (0.0, 1.0));
        assert_eq!((s[4], c[4]), (0.0, 1.0));
    }

    #[test]
    fn dot_products_match_a_compensated_sum_and_the_fused_update_its_formula() {
        for n in [0, 1, 15, 16, 17, 1000, 2241] {
            let a: Vec<f64> = (0..n)
                .map(|i| ((i * 37) % 101) as f64 / 50.0 - 1.0)
                .collect();
            let b: Vec<f64> = (0..n)
                .map(|i| ((i * 53) % 97) as f64 / 40.0 - 1.2)
                .collect();
            // The exact sum of the exact products (each product of two
            // numbers with ≤ 7 significant bits is exact; the sum of
            // integers multiples of 1/2000 is exact in f64).
            let exact: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!(
                (dot(&a, &b) - exact).abs() <= 1e-12 * (1.0 + exact.abs()),
                "n {n}"
            );
            let (u, s) = (b.clone(), a.clone());
            let mut row = a.clone();
            let mut col: Vec<f64> = (0..n).map(|j| j as f64).collect();
            let vi = 0.75;
            let got = update_upper_row_dot(&mut row, [0.5, 2.0, -3.0], [&u, &s, &b], vi, &mut col);
            for j in 0..n {
                assert_eq!(row[j], 0.5 * a[j] + 2.0 * u[j] + -3.0 * s[j]);
                assert_eq!(col[j], j as f64 + row[j] * vi);
            }
            assert_eq!(got, dot(&row, &b), "n {n}");
        }
    }

    #[test]
    fn product_terms_match_their_formula_for_every_arity() {
        let n = 37;
        let col = |k: usize| -> Vec<f64> { (0..n).map(|i| 1.0 + 0.01 * (i * k) as f64).collect() };
        let f = col(1);
        let factors: Vec<Vec<f64>> = (2..9).map(col).collect();
        for arity in 0..=7 {
            let refs: Vec<&[f64]> = factors[..arity].iter().map(|v| v.as_slice()).collect();
            let mut dst = col(9);
            product_term(&mut dst, 3.0, &f, &refs, true);
            for i in 0..n {
                let want = col(9)[i] + 3.0 * f[i] * refs.iter().map(|r| r[i]).product::<f64>();
                assert!((dst[i] - want).abs() <= 1e-12 * want.abs(), "arity {arity}");
            }
            product_term(&mut dst, 3.0, &f, &refs, false);
            let want = 3.0 * f[5] * refs.iter().map(|r| r[5]).product::<f64>();
            assert!((dst[5] - want).abs() <= 1e-12 * want.abs());
        }
    }
}
