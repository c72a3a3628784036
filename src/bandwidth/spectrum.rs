//! Spectra of uniformly sampled signals, and the energy frequency: the
//! frequency below which a given share of the spectral energy lies.
//!
//! Frequencies are in cycles per unit of the sample coordinate. Bin k of an
//! N-point DFT sits at f_k = k / (N Δ); the one-sided energy of bin k is
//! |F_k|² for k = 0 (and the Nyquist bin of even N) and 2|F_k|² otherwise,
//! so the bins k = 0..=N/2 hold all of Σ|F_k|².
//!
//! **The mean is removed** (the DC bin is left out of the energy) by
//! [`energy_frequency`] and [`EnergySpectrum::share_frequency`]. For a
//! signal that is the only sensible choice: a constant offset is learned by
//! the output bias, not by the spectral bias of the network, and its energy
//! would otherwise swamp the measure (1 + 0.1 sin(8πx) would read as nearly
//! 0 Hz). For a kernel row it is what keeps the measure independent of the
//! window: the deep NTK decays to a constant floor (the output bias adds 1 to
//! every entry), and a constant on a window of length L puts energy ∝ L into
//! the DC bin alone. The price is the DC bin's share of the kernel's own
//! bump, about (Δf/2)·2/(√(2π)σ_E) for a Gaussian of energy-spectrum width
//! σ_E: windows must be long against the kernel (see [`super::measure`]).
//!
//! Within a bin the cumulative energy rises linearly, bin k covering
//! [(k − ½)Δf, (k + ½)Δf] (the Nyquist bin of even N only up to N/2·Δf),
//! so the energy frequency is a continuous measure: a pure sine exactly on
//! bin k gives f_k + (share − ½)Δf.

use nalgebra::DMatrix;
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

/// One-sided energy per DFT bin of equally long signals, summed or averaged.
#[derive(Clone, Debug, PartialEq)]
pub struct EnergySpectrum {
    /// Samples per signal.
    pub len: usize,
    /// Sample spacing Δ (units of the coordinate).
    pub spacing: f64,
    /// One-sided energy of bins k = 0..=len/2.
    pub energy: Vec<f64>,
}

impl EnergySpectrum {
    /// The spectrum of one signal.
    ///
    /// # Panics
    /// If `samples` is empty or `spacing` is not positive.
    pub fn of(samples: &[f64], spacing: f64) -> Self {
        Self::mean_of([samples], spacing)
    }

    /// The mean one-sided energy of `signals`, which must all be of one
    /// non-zero length.
    ///
    /// # Panics
    /// If there are no signals, they differ in length or are empty, or
    /// `spacing` is not positive.
    pub fn mean_of<'a>(signals: impl IntoIterator<Item = &'a [f64]>, spacing: f64) -> Self {
        assert!(spacing > 0.0, "sample spacing must be positive");
        let mut planner = FftPlanner::<f64>::new();
        let mut sum: Option<Self> = None;
        let mut count = 0;
        for s in signals {
            let n = s.len();
            assert!(n > 0, "a signal needs samples");
            let acc = sum.get_or_insert_with(|| Self {
                len: n,
                spacing,
                energy: vec![0.0; n / 2 + 1],
            });
            assert_eq!(acc.len, n, "signals of different lengths");
            let mut buf: Vec<Complex<f64>> = s.iter().map(|&v| Complex::new(v, 0.0)).collect();
            planner.plan_fft_forward(n).process(&mut buf);
            for (k, e) in acc.energy.iter_mut().enumerate() {
                *e += one_sided_weight(k, n) * buf[k].norm_sqr();
            }
            count += 1;
        }
        let mut mean = sum.expect("at least one signal");
        mean.energy.iter_mut().for_each(|e| *e /= count as f64);
        mean
    }

    /// Bin spacing Δf = 1 / (N Δ), cycles per unit.
    pub fn bin_width(&self) -> f64 {
        1.0 / (self.len as f64 * self.spacing)
    }

    /// Frequencies f_k of the bins, cycles per unit.
    pub fn frequencies(&self) -> Vec<f64> {
        let df = self.bin_width();
        (0..self.energy.len()).map(|k| k as f64 * df).collect()
    }

    /// |F_k|·Δ per bin (root mean square over averaged signals): the DFT
    /// scaled to approximate the continuous Fourier transform ∫ f e^{−2πifx} dx,
    /// so spectra of different grids and closed forms compare directly.
    pub fn magnitudes(&self) -> Vec<f64> {
        self.energy
            .iter()
            .enumerate()
            .map(|(k, e)| (e / one_sided_weight(k, self.len)).sqrt() * self.spacing)
            .collect()
    }

    /// The lowest frequency below which `share` of the energy beyond the DC
    /// bin lies (the mean is removed; see the module doc). 0 when there is
    /// no such energy (a constant signal).
    ///
    /// # Panics
    /// If `share` is not in (0, 1].
    pub fn share_frequency(&self, share: f64) -> f64 {
        assert!(
            share > 0.0 && share <= 1.0,
            "energy share must be in (0, 1]"
        );
        let df = self.bin_width();
        let total: f64 = self.energy[1..].iter().sum();
        if total <= 0.0 || total.is_nan() {
            return 0.0;
        }
        let target = share * total;
        let nyquist = (self.len / 2) as f64 * df;
        let mut below = 0.0;
        for (k, &e) in self.energy.iter().enumerate().skip(1) {
            let lo = (k as f64 - 0.5) * df;
            let hi = ((k as f64 + 0.5) * df).min(nyquist);
            if e > 0.0 && below + e >= target {
                return lo + (hi - lo) * ((target - below) / e).clamp(0.0, 1.0);
            }
            below += e;
        }
        nyquist
    }
}

fn one_sided_weight(k: usize, n: usize) -> f64 {
    if k == 0 || 2 * k == n {
        1.0
    } else {
        2.0
    }
}

/// Frequencies (cycles per unit) and magnitudes |F_k|·Δ of the one-sided
/// spectrum of `samples` taken `spacing` apart.
pub fn magnitude_spectrum(samples: &[f64], spacing: f64) -> (Vec<f64>, Vec<f64>) {
    let s = EnergySpectrum::of(samples, spacing);
    (s.frequencies(), s.magnitudes())
}

/// The lowest frequency (cycles per unit) below which `share` of the
/// spectral energy of `samples` lies, mean removed.
pub fn energy_frequency(samples: &[f64], spacing: f64, share: f64) -> f64 {
    EnergySpectrum::of(samples, spacing).share_frequency(share)
}

/// Energy frequencies of a 2D grid of samples along each axis:
/// `[along rows' index (axis 0), along columns' index (axis 1)]`, from 1D
/// FFTs of every column (axis 0) and every row (axis 1), energies averaged
/// over them. `spacing` is [Δ0, Δ1].
pub fn axis_energy_frequencies(grid: &DMatrix<f64>, spacing: [f64; 2], share: f64) -> [f64; 2] {
    let columns: Vec<Vec<f64>> = grid
        .column_iter()
        .map(|c| c.iter().copied().collect())
        .collect();
    let rows: Vec<Vec<f64>> = grid
        .row_iter()
        .map(|r| r.iter().copied().collect())
        .collect();
    let along = |lines: &[Vec<f64>], d: f64| {
        EnergySpectrum::mean_of(lines.iter().map(Vec::as_slice), d).share_frequency(share)
    };
    [along(&columns, spacing[0]), along(&rows, spacing[1])]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// `n` samples of `f` at x = −L + kΔ, Δ = 2L/n.
    fn sampled(f: impl Fn(f64) -> f64, half_width: f64, n: usize) -> (Vec<f64>, f64) {
        let dx = 2.0 * half_width / n as f64;
        ((0..n).map(|k| f(-half_width + dx * k as f64)).collect(), dx)
    }

    #[test]
    fn a_pure_sine_reads_its_frequency() {
        // 3 cycles per unit on [−2, 2): 12 whole periods, exactly bin 12 of
        // Δf = 1/4. All energy in that bin: f + (share − ½)Δf.
        let (s, dx) = sampled(|x| (2.0 * PI * 3.0 * x + 0.4).sin(), 2.0, 256);
        let f = energy_frequency(&s, dx, 0.99);
        assert!((f - (3.0 + 0.49 * 0.25)).abs() < 1e-9, "{f}");
    }

    #[test]
    fn the_share_picks_the_sine_that_holds_it() {
        // Amplitudes 1 and 0.3: energies 1 : 0.09, so 1/1.09 = 91.7% at 2 Hz.
        let signal = |x: f64| (2.0 * PI * 2.0 * x).sin() + 0.3 * (2.0 * PI * 7.0 * x).cos();
        let (s, dx) = sampled(signal, 1.0, 512);
        let df = 0.5;
        let low = energy_frequency(&s, dx, 0.9);
        let high = energy_frequency(&s, dx, 0.95);
        assert!((low - 2.0).abs() <= df / 2.0, "{low}");
        assert!((high - 7.0).abs() <= df / 2.0, "{high}");
    }

    #[test]
    fn the_mean_is_removed() {
        let (s, dx) = sampled(|x| 1.0 + 0.1 * (2.0 * PI * 4.0 * x).sin(), 1.0, 256);
        let f = energy_frequency(&s, dx, 0.99);
        assert!((f - 4.0).abs() <= 0.25, "{f}");
        assert_eq!(energy_frequency(&[2.5; 64], 0.1, 0.99), 0.0);
    }

    #[test]
    fn a_gaussian_meets_its_erf_closed_form() {
        // exp(−x²/(2s²)) has |F|² ∝ exp(−4π²s²f²): the share p lies below
        // f = erf⁻¹(p)/(2πs), erf⁻¹(0.99) = 1.8213863677184496. The window
        // [−10, 10] (Δf = 0.05) puts 0.9% of the energy in the DC bin, which
        // the measure leaves out: that moves f by +0.12%, hence 0.5%.
        let s_len = 0.05;
        let (s, dx) = sampled(|x| (-x * x / (2.0 * s_len * s_len)).exp(), 10.0, 4000);
        let expected = 1.8213863677184496 / (2.0 * PI * s_len);
        let f = energy_frequency(&s, dx, 0.99);
        assert!((f / expected - 1.0).abs() < 5e-3, "{f} vs {expected}");
    }

    #[test]
    fn magnitudes_approximate_the_continuous_transform() {
        // ∫ exp(−x²/(2s²)) e^{−2πifx} dx = s√(2π) exp(−2π²s²f²).
        let s_len = 0.3;
        let (s, dx) = sampled(|x| (-x * x / (2.0 * s_len * s_len)).exp(), 8.0, 1024);
        let (freqs, mags) = magnitude_spectrum(&s, dx);
        for k in [0, 5, 20] {
            let f = freqs[k];
            let exact = s_len * (2.0 * PI).sqrt() * (-2.0 * (PI * s_len * f).powi(2)).exp();
            assert!(
                (mags[k] - exact).abs() < 1e-9,
                "bin {k}: {} vs {exact}",
                mags[k]
            );
        }
    }

    #[test]
    fn a_separable_grid_has_one_frequency_per_axis() {
        // sin(2π·3·x) along axis 0 (Δ0 = 1/32 on [−1, 1), Δf0 = 0.5) times
        // cos(2π·5·y) along axis 1 (Δ1 = 1/64 on [−2, 2), Δf1 = 0.25).
        let (n0, n1) = (64, 256);
        let grid = DMatrix::from_fn(n0, n1, |i, j| {
            let x = -1.0 + i as f64 / 32.0;
            let y = -2.0 + j as f64 / 64.0;
            (2.0 * PI * 3.0 * x).sin() * (2.0 * PI * 5.0 * y).cos()
        });
        let [f0, f1] = axis_energy_frequencies(&grid, [1.0 / 32.0, 1.0 / 64.0], 0.99);
        assert!((f0 - (3.0 + 0.49 * 0.5)).abs() < 1e-9, "{f0}");
        assert!((f1 - (5.0 + 0.49 * 0.25)).abs() < 1e-9, "{f1}");
    }
}
