//! The files of `pinn ntk`: CSV tables, kappa.json and pictures, each
//! written atomically by the report module.

mod init;

use super::study::{NetStudy, NtkError, NtkOptions, NtkStudy};
use crate::report::plot::value_label;
use crate::report::{
    chart, curves, heatmaps, write_cells_csv, write_json, write_table_csv, Cell, Chart, Panel,
    ReportError, Series, SeriesStyle,
};
use serde_json::json;
use std::f64::consts::PI;
use std::path::Path;

/// Spectra are drawn down to this fraction of their peak.
const SPECTRUM_FLOOR: f64 = 1e-6;
/// Spectra are drawn up to this multiple of the largest bandwidth.
const SPECTRUM_SPAN: f64 = 1.5;

/// Runs the study and writes every file into `options.out_dir`.
pub fn run_ntk(options: &NtkOptions) -> Result<NtkStudy, NtkError> {
    let study = super::study::run_study(options)?;
    write_study(&study, &options.out_dir)?;
    Ok(study)
}

/// Writes the tables, kappa.json and the pictures of `study` into `dir`.
pub fn write_study(study: &NtkStudy, dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write_rows(study, dir)?;
    write_spectra(study, dir)?;
    write_bandwidths(study, dir)?;
    write_kappa_json(study, dir)?;
    write_eigenvalues(study, dir)?;
    init::write_init(study, dir)?;
    write_slices(study, dir)
}

pub(super) fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

pub(super) fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn omega_label(omega: f64) -> String {
    format!("ω = {}", value_label(omega))
}

/// Column name of one family and ω, e.g. `simple-sine_omega_0.707107`.
fn column_key(net: &NetStudy, omega: f64) -> String {
    format!("{}_omega_{}", net.kind.name(), value_label(omega))
}

/// A quantity with one curve per family and ω over a shared x: a wide
/// table `{stem}.csv` (x, then a column per family and ω) and a picture
/// `{stem}_{net}.png` per family.
struct PerOmega<'a> {
    stem: &'a str,
    /// Column name and axis label of x, and its values.
    x: (&'a str, &'a str, &'a [f64]),
    title: &'a str,
    y_name: &'a str,
    log_y: bool,
}

/// Writes `spec`'s table of `values` and pictures of `drawn(values)`.
fn write_per_omega(
    study: &NtkStudy,
    dir: &Path,
    spec: &PerOmega<'_>,
    values: impl Fn(&NetStudy) -> &[Vec<f64>],
    drawn: impl Fn(&[f64]) -> Vec<f64>,
) -> Result<(), ReportError> {
    let (x_column, x_label, x) = spec.x;
    let mut header = vec![x_column.to_string()];
    let mut columns: Vec<&[f64]> = Vec::new();
    for net in &study.nets {
        for (m, v) in net.measurements.iter().zip(values(net)) {
            header.push(column_key(net, m.omega));
            columns.push(v);
        }
    }
    let table: Vec<Vec<f64>> = (0..x.len())
        .map(|i| {
            std::iter::once(x[i])
                .chain(columns.iter().map(|c| c[i]))
                .collect()
        })
        .collect();
    write_table_csv(dir.join(format!("{}.csv", spec.stem)), &header, &table)?;
    for net in &study.nets {
        let curves_drawn: Vec<Vec<f64>> = values(net).iter().map(|v| drawn(v)).collect();
        let labels: Vec<String> = net
            .measurements
            .iter()
            .map(|m| omega_label(m.omega))
            .collect();
        let series: Vec<(&str, &[f64])> = labels
            .iter()
            .zip(&curves_drawn)
            .map(|(l, v)| (l.as_str(), v.as_slice()))
            .collect();
        curves(
            dir.join(format!("{}_{}.png", spec.stem, net.kind.name())),
            &format!("{} — {}", spec.title, net.kind.name()),
            (x_label, x),
            spec.y_name,
            &series,
            spec.log_y,
        )?;
    }
    Ok(())
}

/// ntk_rows.csv: Θ(x, 0) per family and ω; pictures scaled to Θ(0, 0) = 1.
fn write_rows(study: &NtkStudy, dir: &Path) -> Result<(), ReportError> {
    let centre = study.display_x.len() / 2;
    let spec = PerOmega {
        stem: "ntk_rows",
        x: ("x", "x (normalized input 0)", &study.display_x),
        title: "NTK row Θ(x, 0) / Θ(0, 0) at init",
        y_name: "Θ(x, 0) / Θ(0, 0)",
        log_y: false,
    };
    write_per_omega(
        study,
        dir,
        &spec,
        |n| &n.rows,
        |r| r.iter().map(|v| v / r[centre]).collect(),
    )
}

/// Long table: family, ω, frequency, RMS |F|·Δ over seeds, Gaussian |F|.
fn write_spectra(study: &NtkStudy, dir: &Path) -> Result<(), ReportError> {
    let header = names(&[
        "net",
        "omega",
        "frequency",
        "magnitude",
        "gaussian_magnitude",
    ]);
    let mut rows = Vec::new();
    for net in &study.nets {
        for (k, m) in net.measurements.iter().enumerate() {
            let g = net.gaussian.as_ref().map(|g| g[k]);
            let freqs = m.spectrum.frequencies();
            for (f, mag) in freqs.iter().zip(m.spectrum.magnitudes()) {
                let gm = g.map_or(f64::NAN, |g| g.magnitude(*f));
                rows.push(vec![
                    text(net.kind.name()),
                    Cell::Number(m.omega),
                    Cell::Number(*f),
                    Cell::Number(mag),
                    Cell::Number(gm),
                ]);
            }
        }
    }
    write_cells_csv(dir.join("spectrum.csv"), &header, &rows)?;
    for net in &study.nets {
        spectrum_picture(net, dir)?;
    }
    Ok(())
}

/// `values` scaled to peak 1, with those below [`SPECTRUM_FLOOR`] left out.
fn peak_scaled(values: &[f64]) -> Vec<f64> {
    let peak = values.iter().fold(0.0f64, |m, v| m.max(*v));
    values
        .iter()
        .map(|v| {
            let s = v / peak;
            if s >= SPECTRUM_FLOOR {
                s
            } else {
                f64::NAN
            }
        })
        .collect()
}

fn spectrum_picture(net: &NetStudy, dir: &Path) -> Result<(), ReportError> {
    let top = net
        .measurements
        .iter()
        .fold(0.0f64, |m, x| m.max(x.bandwidth));
    let f_max = SPECTRUM_SPAN * top / (2.0 * PI);
    let mut series = Vec::new();
    for (k, m) in net.measurements.iter().enumerate() {
        let freqs: Vec<f64> = m
            .spectrum
            .frequencies()
            .into_iter()
            .filter(|f| *f <= f_max)
            .collect();
        let mags = m.spectrum.magnitudes();
        series.push(Series {
            name: omega_label(m.omega),
            y: peak_scaled(&mags[..freqs.len()]),
            x: freqs.clone(),
            color: k,
            style: SeriesStyle::Solid,
        });
        if let Some(g) = net.gaussian.as_ref().map(|g| g[k]) {
            let gm: Vec<f64> = freqs.iter().map(|f| g.magnitude(*f)).collect();
            series.push(Series {
                name: String::new(),
                y: peak_scaled(&gm),
                x: freqs,
                color: k,
                style: SeriesStyle::Dashed,
            });
        }
    }
    let title = format!(
        "NTK row spectra, {} (dashed: Gaussian approx.)",
        net.kind.name()
    );
    let c = Chart {
        caption: String::new(),
        x_name: "frequency (cycles per unit)".into(),
        y_name: "|F| / max |F|".into(),
        series,
        log_y: true,
        legend: true,
    };
    chart(
        dir.join(format!("spectrum_{}.png", net.kind.name())),
        &title,
        (1000, 640),
        &c,
    )
}

/// bandwidth.csv and the picture of bandwidth against ω with the fit.
fn write_bandwidths(study: &NtkStudy, dir: &Path) -> Result<(), ReportError> {
    let header = names(&[
        "net",
        "omega",
        "bandwidth",
        "bandwidth_cycles",
        "gaussian_bandwidth",
        "fit",
    ]);
    let share = study.options.share;
    let mut rows = Vec::new();
    for net in &study.nets {
        for (k, m) in net.measurements.iter().enumerate() {
            let g = net
                .gaussian
                .as_ref()
                .map_or(f64::NAN, |g| g[k].bandwidth(share));
            rows.push(vec![
                text(net.kind.name()),
                Cell::Number(m.omega),
                Cell::Number(m.bandwidth),
                Cell::Number(m.bandwidth / (2.0 * PI)),
                Cell::Number(g),
                Cell::Number(net.fit.map_or(f64::NAN, |f| f.kappa * m.omega)),
            ]);
        }
    }
    write_cells_csv(dir.join("bandwidth.csv"), &header, &rows)?;
    bandwidth_picture(study, dir)
}

fn bandwidth_picture(study: &NtkStudy, dir: &Path) -> Result<(), ReportError> {
    let share = study.options.share;
    let mut series = Vec::new();
    for (k, net) in study.nets.iter().enumerate() {
        let omegas: Vec<f64> = net.measurements.iter().map(|m| m.omega).collect();
        let top = omegas.iter().fold(0.0f64, |m, w| m.max(*w));
        let name = net.kind.name();
        series.push(Series {
            name: format!("{name} measured"),
            x: omegas.clone(),
            y: net.measurements.iter().map(|m| m.bandwidth).collect(),
            color: 2 * k,
            style: SeriesStyle::Markers,
        });
        if let Some(fit) = net.fit {
            series.push(Series {
                name: format!("{name} fit: κ = {:.3}, R² = {:.4}", fit.kappa, fit.r2),
                x: vec![0.0, top],
                y: vec![0.0, fit.kappa * top],
                color: 2 * k,
                style: SeriesStyle::Dashed,
            });
        }
        if let Some(g) = &net.gaussian {
            series.push(Series {
                name: format!("{name} Gaussian approx."),
                x: omegas,
                y: g.iter().map(|g| g.bandwidth(share)).collect(),
                color: 2 * k + 1,
                style: SeriesStyle::Dashed,
            });
        }
    }
    let mut title = format!("NTK bandwidth vs ω ({}% energy)", share * 100.0);
    if let [net] = study.nets.as_slice() {
        if let Some(fit) = net.fit {
            title += &format!(": κ = {:.3}, R² = {:.4}", fit.kappa, fit.r2);
        }
    }
    let c = Chart {
        caption: String::new(),
        x_name: "ω".into(),
        y_name: "bandwidth (rad per unit)".into(),
        series,
        log_y: false,
        legend: true,
    };
    chart(dir.join("bandwidth.png"), &title, (1000, 640), &c)
}

fn write_kappa_json(study: &NtkStudy, dir: &Path) -> Result<(), ReportError> {
    let o = &study.options;
    let nets: Vec<_> = study
        .nets
        .iter()
        .map(|n| {
            let gaussian_kappa = n
                .gaussian
                .as_ref()
                .map(|g| g[0].bandwidth(o.share) / n.measurements[0].omega);
            json!({
                "net": n.kind.name(),
                "kappa": n.fit.map(|f| f.kappa),
                "r2": n.fit.map(|f| f.r2),
                "bandwidth_over_omega_min": n.fit.map(|f| f.ratio_range.0),
                "bandwidth_over_omega_max": n.fit.map(|f| f.ratio_range.1),
                "gaussian_kappa": gaussian_kappa,
            })
        })
        .collect();
    let value = json!({
        "depth": o.depth,
        "width": o.width,
        "input_dim": o.input_dim,
        "share": o.share,
        "seeds": o.seeds,
        "omegas": o.omegas,
        "bandwidth_units": "rad per unit of normalized input (2π × cycles); omega = 2π f_max / kappa",
        "nets": nets,
    });
    write_json(dir.join("kappa.json"), &value)
}

/// eigenvalues.csv: Gram eigenvalues by index (1-based) per family and ω.
fn write_eigenvalues(study: &NtkStudy, dir: &Path) -> Result<(), ReportError> {
    let n = study.nets[0].eigenvalues[0].len();
    let index: Vec<f64> = (1..=n).map(|i| i as f64).collect();
    let spec = PerOmega {
        stem: "eigenvalues",
        x: ("index", "index", &index),
        title: "NTK Gram eigenvalues on [−1, 1]^d",
        y_name: "eigenvalue",
        log_y: true,
    };
    write_per_omega(study, dir, &spec, |n| &n.eigenvalues, <[f64]>::to_vec)
}

/// kernel_2d_{net}.png: Θ((x, y), 0) / Θ(0, 0) for two inputs.
fn write_slices(study: &NtkStudy, dir: &Path) -> Result<(), ReportError> {
    let axis = super::study::slice_axis();
    for net in study.nets.iter().filter(|n| !n.slices.is_empty()) {
        let scaled: Vec<(String, Vec<f64>)> = net
            .slices
            .iter()
            .map(|s| {
                let peak = s.values[s.values.len() / 2];
                let v = s.values.iter().map(|v| v / peak).collect();
                (omega_label(s.omega), v)
            })
            .collect();
        let panels: Vec<Panel<'_>> = scaled.iter().map(|(t, v)| Panel::field(t, v)).collect();
        heatmaps(
            dir.join(format!("kernel_2d_{}.png", net.kind.name())),
            &format!("Θ((x₀, x₁), 0) / Θ(0, 0) at init — {}", net.kind.name()),
            ("x₀", &axis),
            ("x₁", &axis),
            &panels,
        )?;
    }
    Ok(())
}
