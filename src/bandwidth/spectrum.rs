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
//! σ_E: windows must be long against the kernel (see `kappa`).
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
        if !(total > 0.0) {
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
