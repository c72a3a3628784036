//! The run folder of a fit: config, history, metrics, model, the
//! reconstruction in the signal's own format, and pictures.

use super::signal::{to_pixels, write_png, write_wav, Signal, SignalKind};
use super::split::Split;
use super::train::Fitted;
use super::{FitConfig, FitSummary, SignalSource};
use crate::report::{
    curves, heatmaps, line_1d, pictures, windows, write_bytes_atomic, write_json,
    write_solution_csv, write_table_csv, OutputColumns, Panel, Picture, ReportError, Window,
};
use serde::Serialize;
use std::path::Path;

/// Samples shown in a zoomed window of a 1-D signal.
const WINDOW_SAMPLES: usize = 200;

/// Creates the run folder.
pub fn create_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// config.toml: the file, how it was read, the network and the training,
/// every setting resolved, so the fit can be repeated.
pub fn write_config(
    dir: &Path,
    source: &SignalSource,
    config: &FitConfig,
) -> Result<(), ReportError> {
    #[derive(Serialize)]
    struct ConfigFile<'a> {
        file: &'a Path,
        signal: &'a super::LoadOptions,
        network: &'a crate::config::NetConfig,
        train: &'a super::FitTrain,
    }
    let file = ConfigFile {
        file: &source.file,
        signal: &source.options,
        network: &config.network,
        train: &config.train,
    };
    let text = toml::to_string(&file).map_err(|e| ReportError::shape(dir, e.to_string()))?;
    write_bytes_atomic(dir.join("config.toml"), text.as_bytes())
}

/// Everything a finished fit writes besides its config.
pub fn write_fit(
    dir: &Path,
    signal: &Signal,
    split: &Split,
    fitted: &Fitted,
    summary: &FitSummary,
) -> Result<(), ReportError> {
    write_history(dir, signal, fitted)?;
    write_json(
        dir.join("metrics.json"),
        &metrics(signal, split, fitted, summary),
    )?;
    let model = serde_json::to_value(&fitted.network).unwrap_or_default();
    write_json(dir.join("model.json"), &model)?;
    write_reconstruction(dir, signal, &fitted.prediction)?;
    match signal.axes.len() {
        1 => line_pictures(dir, signal, split, &fitted.prediction),
        _ => picture_pictures(dir, signal, &fitted.prediction),
    }
}

fn write_history(dir: &Path, signal: &Signal, fitted: &Fitted) -> Result<(), ReportError> {
    let header: Vec<String> = ["step", "seconds", "loss", "psnr_train", "psnr_heldout"]
        .map(String::from)
        .to_vec();
    let rows: Vec<Vec<f64>> = fitted
        .history
        .iter()
        .map(|r| {
            vec![
                r.step as f64,
                r.seconds,
                r.loss,
                r.psnr_train,
                r.psnr_heldout,
            ]
        })
        .collect();
    write_table_csv(dir.join("history.csv"), &header, &rows)?;
    let steps: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    let column = |k: usize| rows.iter().map(|r| r[k]).collect::<Vec<f64>>();
    let (train, heldout) = (column(3), column(4));
    curves(
        dir.join("history.png"),
        &format!("{}: PSNR while training", signal.name),
        ("step", &steps),
        "PSNR (dB)",
        &[("training samples", &train), ("held-out samples", &heldout)],
        false,
    )
}

fn metrics(signal: &Signal, split: &Split, fitted: &Fitted, s: &FitSummary) -> serde_json::Value {
    serde_json::json!({
        "signal": signal.name,
        "shape": signal.shape(),
        "channels": signal.channel_names,
        "train_samples": split.train.len(),
        "heldout_samples": split.heldout.len(),
        "peak_to_peak": signal.peak_to_peak(),
        "psnr_definition": "20*log10(peak_to_peak / RMSE), RMSE over the samples and all channels",
        "network": s.label,
        "omega": s.omega,
        "n_params": fitted.n_params,
        "steps": fitted.steps,
        "train_seconds": fitted.seconds,
        "stopped_by": fitted.stop.reason,
        "final_loss": fitted.history.last().map(|r| r.loss),
        "psnr_train": fitted.psnr_train,
        "psnr_heldout": fitted.psnr_heldout,
    })
}

/// The prediction on every sample, in the signal's own format.
fn write_reconstruction(
    dir: &Path,
    signal: &Signal,
    prediction: &[Vec<f64>],
) -> Result<(), ReportError> {
    match &signal.kind {
        SignalKind::Audio { sample_rate } => write_wav(
            &dir.join("reconstruction.wav"),
            *sample_rate,
            &prediction[0],
        ),
        SignalKind::Picture { .. } => {
            let (w, h) = picture_size(signal);
            write_png(&dir.join("reconstruction.png"), w, h, prediction)
        }
        SignalKind::Table { .. } => {
            let columns: Vec<OutputColumns> = signal
                .channel_names
                .iter()
                .zip(prediction.iter().zip(&signal.channels))
                .map(|(name, (pred, truth))| OutputColumns {
                    name: name.clone(),
                    pred: pred.clone(),
                    reference: Some(truth.clone()),
                })
                .collect();
            write_solution_csv(
                dir.join("reconstruction.csv"),
                &signal.axis_names,
                &signal.points(),
                &columns,
            )
        }
    }
}

/// 1-D: signal and fit overlaid, the error against time, and a zoomed
/// window of the fit against the held-out samples.
fn line_pictures(
    dir: &Path,
    signal: &Signal,
    split: &Split,
    prediction: &[Vec<f64>],
) -> Result<(), ReportError> {
    let (t, truth, fit) = (&signal.axes[0], &signal.channels[0], &prediction[0]);
    let name = &signal.channel_names[0];
    line_1d(
        dir.join("fit.png"),
        &format!("{}: fit (solid) and signal (dashed)", signal.name),
        (&signal.axis_names[0], t),
        name,
        fit,
        Some(truth),
    )?;
    let error: Vec<f64> = fit.iter().zip(truth).map(|(f, s)| f - s).collect();
    curves(
        dir.join("error.png"),
        &format!("{}: error of the fit", signal.name),
        (&signal.axis_names[0], t),
        "fit − signal",
        &[("error", &error)],
        false,
    )?;
    let view = WindowView::new(signal, split);
    let caption = format!(
        "{} samples from t = {:.4}",
        view.range.len(),
        t[view.range.start]
    );
    windows(
        dir.join("window.png"),
        &format!("{}: zoom on the fit and the held-out samples", signal.name),
        (&signal.axis_names[0], name),
        ("fit", "held-out samples"),
        &[view.panel(&caption, fit)],
    )
}

/// A zoomed window of a 1-D signal: where its energy is largest (the most
/// demanding part to fit), with the held-out samples inside it.
pub struct WindowView<'a> {
    signal: &'a Signal,
    pub range: std::ops::Range<usize>,
    heldout_t: Vec<f64>,
    heldout_v: Vec<f64>,
}

impl<'a> WindowView<'a> {
    pub fn new(signal: &'a Signal, split: &Split) -> Self {
        let range = loudest_window(&signal.channels[0], WINDOW_SAMPLES);
        let inside: Vec<usize> = split
            .heldout
            .iter()
            .copied()
            .filter(|i| range.contains(i))
            .collect();
        Self {
            heldout_t: inside.iter().map(|&i| signal.axes[0][i]).collect(),
            heldout_v: inside.iter().map(|&i| signal.channels[0][i]).collect(),
            signal,
            range,
        }
    }

    /// A subplot of `fit` (all samples of channel 0) in the window.
    pub fn panel<'b>(&'b self, caption: &'b str, fit: &'b [f64]) -> Window<'b> {
        Window {
            caption,
            x: &self.signal.axes[0][self.range.clone()],
            fit: &fit[self.range.clone()],
            sample_x: &self.heldout_t,
            sample_y: &self.heldout_v,
        }
    }
}

/// The `len` consecutive samples with the largest sum of squares.
fn loudest_window(v: &[f64], len: usize) -> std::ops::Range<usize> {
    let len = len.min(v.len());
    let mut energy: f64 = v[..len].iter().map(|x| x * x).sum();
    let (mut best, mut best_start) = (energy, 0);
    for start in 1..=v.len() - len {
        energy += v[start + len - 1].powi(2) - v[start - 1].powi(2);
        if energy > best {
            (best, best_start) = (energy, start);
        }
    }
    best_start..best_start + len
}

/// 2-D: the picture beside its reconstruction, and the error as a heatmap.
fn picture_pictures(
    dir: &Path,
    signal: &Signal,
    prediction: &[Vec<f64>],
) -> Result<(), ReportError> {
    let original = rgb(signal, &signal.channels);
    let fitted = rgb(signal, prediction);
    let (w, h) = picture_size(signal);
    pictures(
        dir.join("fit.png"),
        &signal.name,
        &[
            Picture {
                caption: "original",
                width: w,
                height: h,
                rgb: &original,
            },
            Picture {
                caption: "fit",
                width: w,
                height: h,
                rgb: &fitted,
            },
        ],
    )?;
    let error = rms_error(&signal.channels, prediction);
    heatmaps(
        dir.join("error.png"),
        &format!("{}: |fit − picture|", signal.name),
        (&signal.axis_names[0], &signal.axes[0]),
        (&signal.axis_names[1], &signal.axes[1]),
        &[Panel::error("RMS over channels", &error)],
    )
}

/// Width and height of a picture signal (axes x, y).
pub fn picture_size(signal: &Signal) -> (usize, usize) {
    (signal.axes[0].len(), signal.axes[1].len())
}

/// 8-bit RGB bytes (rows from the top) of a picture's channels; grey is
/// repeated into all three.
pub fn rgb(signal: &Signal, channels: &[Vec<f64>]) -> Vec<u8> {
    let (w, h) = picture_size(signal);
    let bytes = to_pixels(w, h, channels);
    match channels.len() {
        1 => bytes.iter().flat_map(|&g| [g, g, g]).collect(),
        _ => bytes,
    }
}

/// Root-mean-square error over channels at every sample.
fn rms_error(truth: &[Vec<f64>], pred: &[Vec<f64>]) -> Vec<f64> {
    let n = truth.first().map_or(0, Vec::len);
    (0..n)
        .map(|i| {
            let sum: f64 = truth
                .iter()
                .zip(pred)
                .map(|(t, p)| (p[i] - t[i]).powi(2))
                .sum();
            (sum / truth.len() as f64).sqrt()
        })
        .collect()
}
