//! `pinn fit --compare`: the simple sinusoidal network at a chosen ω, the
//! same network at deliberately poor ω, SIREN and a tanh MLP, trained on
//! one split with one budget, side by side.

use super::output::{picture_size, rgb, WindowView};
use super::signal::Signal;
use super::split::Split;
use super::train::{FitConfig, FitOptions, Fitted};
use super::{fit_into, kind_label, FitSummary, SignalSource};
use crate::config::{NetConfig, NetKind, Omega};
use crate::report::{pictures, windows, write_cells_csv, Cell, Picture, ReportError};
use std::path::Path;

/// SIREN's first-layer and hidden frequency ω₀ (Sitzmann et al. 2020).
pub const SIREN_OMEGA0: f64 = 30.0;

/// How far the deliberately poor ω lie from the chosen one: a decade below
/// (the kernel's band too narrow: the fit blurs) and a decade above (too
/// wide: it fits the training samples but rings between them).
pub const POOR_OMEGA_FACTOR: f64 = 10.0;

/// One network of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Contender {
    /// Name of its run folder and row, e.g. `simple-sine-low`.
    pub label: String,
    pub network: NetConfig,
}

/// The networks a comparison trains, all with `base`'s width, depth, seed
/// and precision: simple sine at `omega`, at `omega / 10` and `omega · 10`,
/// SIREN with ω₀ = 30, and tanh. `omega` is the one choice a caller makes
/// (by hand, or from a bandwidth rule).
pub fn contenders(base: &NetConfig, omega: f64) -> Vec<Contender> {
    let with = |label: &str, kind: NetKind, omega: f64| Contender {
        label: label.to_string(),
        network: NetConfig {
            kind,
            omega: Omega::Value(omega),
            ..base.clone()
        },
    };
    vec![
        with("simple-sine", NetKind::SimpleSine, omega),
        with(
            "simple-sine-low",
            NetKind::SimpleSine,
            omega / POOR_OMEGA_FACTOR,
        ),
        with(
            "simple-sine-high",
            NetKind::SimpleSine,
            omega * POOR_OMEGA_FACTOR,
        ),
        with("siren", NetKind::Siren, SIREN_OMEGA0),
        // tanh reads no ω; its record shows the comparison's.
        with(kind_label(NetKind::Tanh), NetKind::Tanh, omega),
    ]
}

/// Trains every contender on one split with `config.train`, each into its
/// own folder under `out_dir`, then writes compare.csv (net, ω, PSNR on
/// training and held-out samples, seconds) and compare.png.
pub fn compare(
    signal: &Signal,
    source: &SignalSource,
    config: &FitConfig,
    omega: f64,
    options: &FitOptions,
    out_dir: &Path,
) -> Result<Vec<FitSummary>, ReportError> {
    let split = Split::every_other(&signal.shape());
    let mut results = Vec::new();
    for c in contenders(&config.network, omega) {
        let run = FitConfig {
            network: c.network.clone(),
            train: config.train.clone(),
        };
        let dir = out_dir.join(&c.label);
        results.push(fit_into(
            signal, &split, source, &run, options, &c.label, &dir,
        )?);
    }
    write_table(out_dir, &results)?;
    match signal.axes.len() {
        1 => window_picture(out_dir, signal, &split, &results)?,
        _ => picture_row(out_dir, signal, &results)?,
    }
    Ok(results.into_iter().map(|(s, _)| s).collect())
}

fn write_table(dir: &Path, results: &[(FitSummary, Fitted)]) -> Result<(), ReportError> {
    let header = ["net", "omega", "psnr_train", "psnr_heldout", "seconds"].map(String::from);
    let rows: Vec<Vec<Cell>> = results
        .iter()
        .map(|(s, _)| {
            let omega = match s.kind {
                NetKind::Tanh => Cell::Text(String::new()),
                _ => Cell::Number(s.omega),
            };
            vec![
                Cell::Text(s.label.clone()),
                omega,
                Cell::Number(s.psnr_train),
                Cell::Number(s.psnr_heldout),
                Cell::Number(s.seconds),
            ]
        })
        .collect();
    write_cells_csv(dir.join("compare.csv"), &header, &rows)
}

/// A subplot caption: network, ω and held-out PSNR.
fn caption(s: &FitSummary) -> String {
    match s.kind {
        NetKind::Tanh => format!("{}: {:.1} dB", s.label, s.psnr_heldout),
        _ => format!("{} ω={}: {:.1} dB", s.label, s.omega, s.psnr_heldout),
    }
}

/// Pictures: the original and every reconstruction in a row.
fn picture_row(
    dir: &Path,
    signal: &Signal,
    results: &[(FitSummary, Fitted)],
) -> Result<(), ReportError> {
    let (width, height) = picture_size(signal);
    let mut bytes = vec![rgb(signal, &signal.channels)];
    let mut captions = vec!["original".to_string()];
    for (s, f) in results {
        bytes.push(rgb(signal, &f.prediction));
        captions.push(caption(s));
    }
    let panels: Vec<Picture<'_>> = captions
        .iter()
        .zip(&bytes)
        .map(|(caption, rgb)| Picture {
            caption,
            width,
            height,
            rgb,
        })
        .collect();
    pictures(
        dir.join("compare.png"),
        &format!("{}: reconstructions (held-out PSNR)", signal.name),
        &panels,
    )
}

/// 1-D: a zoomed window of each fit against the held-out samples.
fn window_picture(
    dir: &Path,
    signal: &Signal,
    split: &Split,
    results: &[(FitSummary, Fitted)],
) -> Result<(), ReportError> {
    let view = WindowView::new(signal, split);
    let captions: Vec<String> = results.iter().map(|(s, _)| caption(s)).collect();
    let panels: Vec<_> = captions
        .iter()
        .zip(results)
        .map(|(c, (_, f))| view.panel(c, &f.prediction[0]))
        .collect();
    windows(
        dir.join("compare.png"),
        &format!(
            "{}: fits against the held-out samples (held-out PSNR)",
            signal.name
        ),
        (&signal.axis_names[0], &signal.channel_names[0]),
        ("fit", "held-out samples"),
        &panels,
    )
}
