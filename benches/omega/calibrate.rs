//! Where the point limit should sit: the held-out PSNR of signal fits with
//! the kernel's band placed at fractions r of the training samples' Nyquist
//! frequency (ω = 2π·r·f_Nyquist/κ), on the calibration signals and on
//! validation signals that take no part in the choice.
//!
//! The rule puts the band at min(f_share, limit): f_share the frequency
//! below which a share of the training samples' energy lies, limit a
//! fraction of the Nyquist frequency. For each pair of candidate share and
//! limit, each signal's shortfall is read off its sweep (interpolated in
//! log r) against its own best fraction; the pair with the smallest worst
//! shortfall over the calibration signals (ties: smallest total) is what the
//! rule should use (`DATA_SHARE`, 2/`SAMPLES_PER_PERIOD`). Each signal is
//! then also fitted at the rule's own `auto` ω, and the validation signals
//! say whether the choice carries over.

use super::{number, read_csv};
use pinn::bandwidth::{DATA_SHARE, SAMPLES_PER_PERIOD};
use pinn::config::Omega;
use pinn::fit::{
    auto_omega, fit, training_spectra, FitConfig, FitOptions, LoadOptions, Signal, Split,
};
use pinn::report::{write_cells_csv, Cell, Chart, Series, SeriesStyle};
use std::f64::consts::PI;
use std::path::Path;

/// The signals the factor is chosen on (tests/data/SOURCES.md).
pub const CALIBRATION: [&str; 3] = [
    "tests/data/camera_128.png",
    "tests/data/astronaut_128.png",
    "tests/data/center_16k.wav",
];

/// Fractions of the Nyquist frequency tried: 1/16 to 1/2 in steps of 2^(1/3).
pub fn fractions() -> Vec<f64> {
    (0..10).map(|k| 2f64.powf(k as f64 / 3.0) / 16.0).collect()
}

/// Candidate shares of the data's energy.
const SHARES: [f64; 5] = [0.8, 0.85, 0.9, 0.95, 0.99];

/// One fit with the band at `fraction` of the Nyquist frequency.
pub struct Point {
    pub signal: String,
    pub file: String,
    pub validation: bool,
    /// Fitted at the rule's own choice (not one of [`fractions`]).
    pub auto: bool,
    pub fraction: f64,
    pub omega: f64,
    pub psnr_heldout: f64,
    pub psnr_train: f64,
    pub seconds: f64,
}

/// Fits every signal (calibration ones, then `validation`) at every fraction.
pub fn run(validation: &[String]) -> Vec<Point> {
    let config = FitConfig::default();
    let files = CALIBRATION
        .iter()
        .map(|f| (f.to_string(), false))
        .chain(validation.iter().map(|f| (f.clone(), true)));
    let mut points = Vec::new();
    for (file, is_validation) in files {
        let signal =
            Signal::load(&file, &LoadOptions::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let split = Split::every_other(&signal.shape());
        let choice = auto_omega(&signal, &config.network);
        let nyquist = choice
            .directions
            .iter()
            .map(|d| d.nyquist)
            .fold(f64::INFINITY, f64::min);
        let swept = fractions().into_iter().map(|r| (r, false));
        let rule = choice.f_max / nyquist;
        for (fraction, auto) in swept.chain([(rule, true)]) {
            let mut config = config.clone();
            let omega = 2.0 * PI * fraction * nyquist / choice.kappa;
            config.network.omega = Omega::Value(omega);
            let fitted = fit(&signal, &split, &config, &FitOptions::default());
            eprintln!(
                "{} r = {fraction:.4}{} (ω = {:.3}): held-out {:.2} dB, train {:.2} dB, {:.1} s",
                signal.name,
                if auto { " auto" } else { "" },
                omega,
                fitted.psnr_heldout,
                fitted.psnr_train,
                fitted.seconds
            );
            points.push(Point {
                signal: signal.name.clone(),
                file: file.clone(),
                validation: is_validation,
                auto,
                fraction,
                omega,
                psnr_heldout: fitted.psnr_heldout,
                psnr_train: fitted.psnr_train,
                seconds: fitted.seconds,
            });
        }
    }
    points
}

/// One signal's sweep.
struct Curve {
    name: String,
    file: String,
    validation: bool,
    /// (fraction, held-out PSNR), in fraction order.
    swept: Vec<(f64, f64)>,
    /// The rule's own choice, if fitted.
    auto: Option<(f64, f64)>,
}

impl Curve {
    /// The best held-out PSNR of the sweep.
    fn best(&self) -> f64 {
        self.swept
            .iter()
            .map(|p| p.1)
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// dB below the best swept fraction at fraction `r`, interpolated
    /// linearly in log r (clamped to the swept range).
    fn shortfall_at(&self, r: f64) -> f64 {
        let x = r.log2();
        let pts: Vec<(f64, f64)> = self.swept.iter().map(|&(r, p)| (r.log2(), p)).collect();
        let psnr = match pts.iter().position(|p| p.0 >= x) {
            None => pts[pts.len() - 1].1,
            Some(0) => pts[0].1,
            Some(i) => {
                let ((x0, y0), (x1, y1)) = (pts[i - 1], pts[i]);
                y0 + (y1 - y0) * (x - x0) / (x1 - x0)
            }
        };
        self.best() - psnr
    }

    /// Per candidate share, the fraction of the Nyquist frequency below which
    /// that share of the training samples' energy lies (largest over the
    /// axes; infinite where nothing varies).
    fn share_fractions(&self) -> Vec<f64> {
        let signal = Signal::load(&self.file, &LoadOptions::default()).expect("signal");
        let spectra = training_spectra(&signal);
        SHARES
            .iter()
            .map(|&share| {
                spectra
                    .iter()
                    .flatten()
                    // f / (1 / 2Δ)
                    .map(|s| s.share_frequency(share) * 2.0 * s.spacing)
                    .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))))
                    .unwrap_or(f64::INFINITY)
            })
            .collect()
    }
}

fn curves(points: &[Point]) -> Vec<Curve> {
    let mut out: Vec<Curve> = Vec::new();
    for p in points {
        let i = match out.iter().position(|c| c.name == p.signal) {
            Some(i) => i,
            None => {
                out.push(Curve {
                    name: p.signal.clone(),
                    file: p.file.clone(),
                    validation: p.validation,
                    swept: Vec::new(),
                    auto: None,
                });
                out.len() - 1
            }
        };
        let c = &mut out[i];
        if p.auto {
            c.auto = Some((p.fraction, p.psnr_heldout));
        } else {
            c.swept.push((p.fraction, p.psnr_heldout));
        }
    }
    for c in &mut out {
        c.swept.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out
}

/// A candidate rule: the data share and the point limit (fraction of the
/// Nyquist frequency), with each signal's shortfall under it.
struct Candidate {
    share: f64,
    limit: f64,
    shortfalls: Vec<f64>,
    worst: f64,
    total: f64,
}

/// Every (share, limit) pair, scored on the calibration signals.
fn candidates(curves: &[Curve]) -> Vec<Candidate> {
    let fractions_of: Vec<Vec<f64>> = curves.iter().map(Curve::share_fractions).collect();
    let mut out = Vec::new();
    for (k, &share) in SHARES.iter().enumerate() {
        for limit in fractions() {
            let shortfalls: Vec<f64> = curves
                .iter()
                .zip(&fractions_of)
                .map(|(c, f)| c.shortfall_at(f[k].min(limit)))
                .collect();
            let calibration = || {
                curves
                    .iter()
                    .zip(&shortfalls)
                    .filter(|(c, _)| !c.validation)
                    .map(|(_, s)| *s)
            };
            out.push(Candidate {
                share,
                limit,
                worst: calibration().fold(0.0, f64::max),
                total: calibration().sum(),
                shortfalls,
            });
        }
    }
    out
}

fn best_candidate<'a>(candidates: impl Iterator<Item = &'a Candidate>) -> &'a Candidate {
    candidates
        .min_by(|a, b| {
            // Shortfalls are read off interpolated sweeps: 0.01 dB is a tie.
            let worst = |c: &Candidate| (c.worst * 100.0).round();
            worst(a)
                .total_cmp(&worst(b))
                .then(a.total.total_cmp(&b.total))
        })
        .expect("candidates")
}

pub fn print(points: &[Point]) {
    let curves = curves(points);
    let role = |c: &Curve| {
        if c.validation {
            "validation"
        } else {
            "calibration"
        }
    };
    println!("calibration: dB below each signal's best fraction r of the Nyquist frequency");
    for c in &curves {
        let cells: Vec<String> = c
            .swept
            .iter()
            .map(|&(r, p)| format!("{r:.3}: {:.2}", c.best() - p))
            .collect();
        println!("  {} ({}): {}", c.name, role(c), cells.join(", "));
    }
    let all = candidates(&curves);
    let names: Vec<&str> = curves.iter().map(|c| c.name.as_str()).collect();
    println!(
        "rules band = min(share of the data's energy, limit): worst calibration shortfall (dB)"
    );
    for share in SHARES {
        let row = best_candidate(all.iter().filter(|c| c.share == share));
        println!(
            "  share {:.0}%: best limit {:.3} -> worst {:.2}, total {:.2}",
            share * 100.0,
            row.limit,
            row.worst,
            row.total
        );
    }
    let chosen = best_candidate(all.iter());
    let cells: Vec<String> = names
        .iter()
        .zip(&chosen.shortfalls)
        .map(|(n, s)| format!("{n} {s:.2}"))
        .collect();
    println!(
        "  chosen: share {:.0}%, limit {:.4} ({:.2} samples per period): {}",
        chosen.share * 100.0,
        chosen.limit,
        2.0 / chosen.limit,
        cells.join(", ")
    );
    println!(
        "the rule in the code: share {:.0}%, limit {:.4}; its auto ω fitted (dB below the best swept r):",
        DATA_SHARE * 100.0,
        2.0 / SAMPLES_PER_PERIOD
    );
    for c in &curves {
        if let Some((r, p)) = c.auto {
            println!(
                "  {} ({}): r = {r:.4}, {p:.2} dB, {:.2} dB below",
                c.name,
                role(c),
                c.best() - p
            );
        }
    }
}

pub fn write(path: &Path, points: &[Point]) {
    let header = [
        "signal",
        "file",
        "role",
        "auto",
        "fraction",
        "omega",
        "psnr_heldout",
        "psnr_train",
        "seconds",
    ]
    .map(String::from);
    let rows: Vec<Vec<Cell>> = points
        .iter()
        .map(|p| {
            let role = if p.validation {
                "validation"
            } else {
                "calibration"
            };
            vec![
                Cell::Text(p.signal.clone()),
                Cell::Text(p.file.clone()),
                Cell::Text(role.into()),
                Cell::Text(p.auto.to_string()),
                Cell::Number(p.fraction),
                Cell::Number(p.omega),
                Cell::Number(p.psnr_heldout),
                Cell::Number(p.psnr_train),
                Cell::Number(p.seconds),
            ]
        })
        .collect();
    write_cells_csv(path, &header, &rows).expect("calibration csv");
}

/// Reads a calibration.csv written by [`write`].
pub fn read(path: &Path) -> Vec<Point> {
    read_csv(path, |r| Point {
        signal: r[0].to_string(),
        file: r[1].to_string(),
        validation: &r[2] == "validation",
        auto: &r[3] == "true",
        fraction: number(r, 4),
        omega: number(r, 5),
        psnr_heldout: number(r, 6),
        psnr_train: number(r, 7),
        seconds: number(r, 8),
    })
}

/// dB below each signal's best against log2 of the fraction, each signal's
/// auto fit as a dot.
pub fn chart(points: &[Point]) -> Chart {
    let mut series = Vec::new();
    for (k, c) in curves(points).into_iter().enumerate() {
        let style = if c.validation {
            SeriesStyle::Dashed
        } else {
            SeriesStyle::Solid
        };
        let suffix = if c.validation { " (validation)" } else { "" };
        series.push(Series {
            name: format!("{}{suffix}", c.name),
            x: c.swept.iter().map(|p| p.0.log2()).collect(),
            y: c.swept.iter().map(|p| c.best() - p.1).collect(),
            color: k,
            style,
        });
        if let Some((r, p)) = c.auto {
            series.push(Series {
                name: String::new(),
                x: vec![r.log2()],
                y: vec![c.best() - p],
                color: k,
                style: SeriesStyle::Markers,
            });
        }
    }
    Chart {
        caption: "signals: band at a fraction r of the Nyquist frequency (dots: auto)".into(),
        x_name: "log2 r".into(),
        y_name: "dB below the signal's best r".into(),
        series,
        log_y: false,
        legend: true,
    }
}
