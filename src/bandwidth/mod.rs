//! Kernel bandwidth of sinusoidal networks (README, "ω from the kernel
//! bandwidth"): the empirical NTK at initialization, its spectrum, the
//! measured bandwidth and the fit bandwidth = κ·ω behind the rule
//! ω = 2π·f_max/κ.
//!
//! ```
//! use pinn::bandwidth::{fit_kappa, measure_bandwidth, DEFAULT_SHARE};
//! use pinn::config::NetKind;
//!
//! // Bandwidth (rad per unit of normalized input) of width-32, depth-2
//! // simple sine networks with one input, at two ω, two seeds each.
//! let omegas = [1.0, 4.0];
//! let b: Vec<f64> = omegas
//!     .iter()
//!     .map(|&w| measure_bandwidth(NetKind::SimpleSine, 32, 2, 1, w, 2, DEFAULT_SHARE))
//!     .collect();
//! let fit = fit_kappa(&omegas, &b);
//! assert!(fit.kappa > 1.0 && b[1] > 2.0 * b[0]);
//! ```

pub mod dispersion;
pub mod files;
pub mod gaussian;
pub mod init_stats;
pub mod kappa;
pub mod measure;
pub mod ntk;
pub mod rule;
pub mod spectrum;
pub mod study;

pub use files::run_ntk;
pub use gaussian::GaussianKernel;
pub use kappa::{
    fit_kappa, kappa_for, measure_kappa, omega_at, omega_for_frequency, KappaFit, KAPPA_TABLE,
};
pub use measure::{measure, measure_bandwidth, KernelGrid, Measurement, DEFAULT_SHARE};
pub use ntk::{gram_eigenvalues, ntk, ntk_gram, param_jacobian};
pub use rule::{Direction, OmegaChoice, DATA_SHARE, NO_DATA_FREQUENCY, SAMPLES_PER_PERIOD};
pub use spectrum::{axis_energy_frequencies, energy_frequency, magnitude_spectrum, EnergySpectrum};
pub use study::{NtkError, NtkOptions, NtkStudy};
