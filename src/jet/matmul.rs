//! Matrix products on row-major slices by the `gemm` crate, which picks its
//! kernels (AVX-512, AVX2 + FMA, …) for the CPU at run time. Each call runs
//! on the calling thread: the parallelism is over chunks of points (see
//! [`super::network`]), which keeps every sum in a fixed order.

use crate::scalar::Real;

/// One product `dst = lhs · rhs` with the operands' strides (column, row).
#[allow(clippy::too_many_arguments)]
fn gemm<E: Real>(
    dst: &mut [E],
    lhs: (&[E], isize, isize),
    rhs: (&[E], isize, isize),
    m: usize,
    k: usize,
    n: usize,
) {
    assert!(dst.len() == m * n && lhs.0.len() == m * k && rhs.0.len() == k * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        dst.fill(E::zero());
        return;
    }
    // SAFETY: the asserts above bound every index the strides reach:
    // dst (m × n, row stride n), lhs (m × k), rhs (k × n) as given.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            lhs.0.as_ptr(),
            lhs.1,
            lhs.2,
            rhs.0.as_ptr(),
            rhs.1,
            rhs.2,
            E::zero(),
            E::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `dst (m × n) = a (m × k) · b (k × n)`.
pub fn nn<E: Real>(dst: &mut [E], a: &[E], b: &[E], m: usize, k: usize, n: usize) {
    gemm(dst, (a, 1, k as isize), (b, 1, n as isize), m, k, n);
}

/// `dst (k × n) = aᵀ · b` for a (m × k) and b (m × n).
pub fn tn<E: Real>(dst: &mut [E], a: &[E], b: &[E], m: usize, k: usize, n: usize) {
    gemm(dst, (a, k as isize, 1), (b, 1, n as isize), k, m, n);
}

/// `dst (m × k) = a (m × n) · bᵀ` for b (k × n).
pub fn nt<E: Real>(dst: &mut [E], a: &[E], b: &[E], m: usize, n: usize, k: usize) {
    gemm(dst, (a, 1, n as isize), (b, n as isize, 1), m, n, k);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|l| a[i * k + l] * b[l * n + j]).sum();
            }
        }
        c
    }

    fn transpose(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
        let mut t = vec![0.0; a.len()];
        for i in 0..rows {
            for j in 0..cols {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        t
    }

    #[test]
    fn the_three_products_match_a_naive_loop() {
        let (m, k, n) = (37, 5, 11);
        let a: Vec<f64> = (0..m * k).map(|i| ((i * 7) % 13) as f64 - 6.0).collect();
        let b: Vec<f64> = (0..k * n).map(|i| ((i * 5) % 11) as f64 - 5.0).collect();
        let mut c = vec![f64::NAN; m * n];
        nn(&mut c, &a, &b, m, k, n);
        assert_eq!(c, naive(&a, &b, m, k, n));
        // aᵀ·c' with a (m × k), c' (m × n): against the transposed copy.
        let mut t = vec![f64::NAN; k * n];
        tn(&mut t, &a, &c, m, k, n);
        assert_eq!(t, naive(&transpose(&a, m, k), &c, k, m, n));
        // c · bᵀ with c (m × n), b (k × n).
        let mut u = vec![f64::NAN; m * k];
        nt(&mut u, &c, &transpose(&b, n, k), m, n, k);
        assert_eq!(u, naive(&c, &b, m, n, k));
    }
}
