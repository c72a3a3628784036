//! `pinn fit`: a signal (audio, a picture, a CSV column) as an implicit
//! neural representation, the paper's other use of sinusoidal networks: a
//! network of the sample coordinates (time; or x, y) that reproduces the
//! samples.
//!
//! The network trains on every other sample along each axis and is scored
//! on the samples it never saw (see [`Split`]), by PSNR (see [`psnr`]).
//!
//! ```no_run
//! use pinn::fit::{fit_signal, FitConfig, FitOptions, LoadOptions, Signal, SignalSource};
//!
//! let source = SignalSource { file: "voice.wav".into(), options: LoadOptions::default() };
//! let signal = Signal::load(&source.file, &source.options)?;
//! let mut config = FitConfig::default();
//! config.network.omega = pinn::config::Omega::Value(3000.0);
//! let summary = fit_signal(&signal, &source, &config, &FitOptions::default(), "out".as_ref())?;
//! println!("{}", summary.line());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod compare;
mod omega;
mod output;
pub mod signal;
mod split;
mod train;

pub use compare::{compare, contenders, Contender, POOR_OMEGA_FACTOR, SIREN_OMEGA0};
pub use omega::{auto_omega, training_spectra};
pub use signal::{Colour, LoadOptions, Signal, SignalError, SignalKind};
pub use split::{psnr, Split};
pub use train::{fit, FitConfig, FitOptions, FitRecord, FitTrain, Fitted, FULL_BATCH_LIMIT};

use crate::config::NetKind;
use crate::report::ReportError;
use crate::train::Stop;
use std::path::{Path, PathBuf};

/// The file a signal came from and how it was read (for the run's config).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SignalSource {
    pub file: PathBuf,
    pub options: LoadOptions,
}

/// What one fit achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct FitSummary {
    pub signal: String,
    /// Which network, e.g. `simple-sine`.
    pub label: String,
    pub kind: NetKind,
    pub omega: f64,
    pub psnr_train: f64,
    pub psnr_heldout: f64,
    /// Training time.
    pub seconds: f64,
    pub steps: usize,
    pub stop: Stop,
    pub out_dir: PathBuf,
}

impl FitSummary {
    fn new(signal: &Signal, label: &str, config: &FitConfig, fitted: &Fitted, dir: &Path) -> Self {
        Self {
            signal: signal.name.clone(),
            label: label.to_string(),
            kind: config.network.kind,
            omega: config.network.omega_value(),
            psnr_train: fitted.psnr_train,
            psnr_heldout: fitted.psnr_heldout,
            seconds: fitted.seconds,
            steps: fitted.steps,
            stop: fitted.stop.clone(),
            out_dir: dir.to_path_buf(),
        }
    }

    /// The one line a fit ends with.
    pub fn line(&self) -> String {
        let omega = match self.kind {
            NetKind::Tanh => String::new(),
            _ => format!(" ω={}", self.omega),
        };
        format!(
            "{} {}{omega}: PSNR train {:.2} dB, held-out {:.2} dB, {:.1} s, {} steps ({}) -> {}",
            self.signal,
            self.label,
            self.psnr_train,
            self.psnr_heldout,
            self.seconds,
            self.steps,
            self.stop,
            self.out_dir.display()
        )
    }
}

/// Label of a network family, as on the command line.
pub fn kind_label(kind: NetKind) -> &'static str {
    match kind {
        NetKind::SimpleSine => "simple-sine",
        NetKind::Siren => "siren",
        NetKind::Tanh => "tanh",
    }
}

/// Fits `signal` with `config` and writes the run folder `out_dir`:
/// config.toml, history.csv/png, metrics.json, model.json, the
/// reconstruction (WAV, PNG or CSV like the input) and pictures.
pub fn fit_signal(
    signal: &Signal,
    source: &SignalSource,
    config: &FitConfig,
    options: &FitOptions,
    out_dir: &Path,
) -> Result<FitSummary, ReportError> {
    let split = Split::every_other(&signal.shape());
    let label = kind_label(config.network.kind);
    fit_into(signal, &split, source, config, options, label, out_dir).map(|(s, _)| s)
}

/// One fit on a given split, written to `dir`.
fn fit_into(
    signal: &Signal,
    split: &Split,
    source: &SignalSource,
    config: &FitConfig,
    options: &FitOptions,
    label: &str,
    dir: &Path,
) -> Result<(FitSummary, Fitted), ReportError> {
    output::create_dir(dir)?;
    output::write_config(dir, source, config)?;
    let fitted = fit(signal, split, config, options);
    let summary = FitSummary::new(signal, label, config, &fitted, dir);
    output::write_fit(dir, signal, split, &fitted, &summary)?;
    Ok((summary, fitted))
}
