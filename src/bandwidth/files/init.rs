//! init_stats.csv, init_hist.csv and init_hist.png: per-layer statistics
//! of all three families at initialization.

use super::{names, text};
use crate::bandwidth::study::{NtkStudy, INIT_DEPTH};
use crate::report::{chart_grid, write_cells_csv, Cell, Chart, ReportError, Series, SeriesStyle};
use std::path::Path;

/// init_stats.csv (mean and std per layer), init_hist.csv (densities) and
/// a grid of histograms: a row per layer, a column per family and quantity.
pub(super) fn write_init(study: &NtkStudy, dir: &Path) -> Result<(), ReportError> {
    let header = names(&[
        "net", "omega", "layer", "pre_mean", "pre_std", "act_mean", "act_std",
    ]);
    let mut stats = Vec::new();
    let mut hist = Vec::new();
    for s in &study.init {
        for (l, (pre, act)) in s.layers.iter().enumerate() {
            let layer = Cell::Number((l + 1) as f64);
            stats.push(vec![
                text(s.kind.name()),
                Cell::Number(s.omega),
                layer.clone(),
                Cell::Number(pre.mean),
                Cell::Number(pre.std),
                Cell::Number(act.mean),
                Cell::Number(act.std),
            ]);
            for (quantity, summary) in [("pre", pre), ("act", act)] {
                for (c, d) in summary.centers.iter().zip(&summary.density) {
                    hist.push(vec![
                        text(s.kind.name()),
                        text(quantity),
                        layer.clone(),
                        Cell::Number(*c),
                        Cell::Number(*d),
                    ]);
                }
            }
        }
    }
    write_cells_csv(dir.join("init_stats.csv"), &header, &stats)?;
    let hist_header = names(&["net", "quantity", "layer", "bin_center", "density"]);
    write_cells_csv(dir.join("init_hist.csv"), &hist_header, &hist)?;
    init_picture(study, dir)
}

fn init_picture(study: &NtkStudy, dir: &Path) -> Result<(), ReportError> {
    let mut charts = Vec::new();
    for l in 0..INIT_DEPTH {
        for (k, s) in study.init.iter().enumerate() {
            let (pre, act) = &s.layers[l];
            for (quantity, summary) in [("z", pre), ("act(z)", act)] {
                charts.push(Chart {
                    caption: format!(
                        "{} L{} {quantity}: std {:.2}",
                        s.kind.name(),
                        l + 1,
                        summary.std
                    ),
                    x_name: String::new(),
                    y_name: String::new(),
                    series: vec![Series {
                        name: String::new(),
                        x: summary.centers.clone(),
                        y: summary.density.clone(),
                        color: k,
                        style: SeriesStyle::Solid,
                    }],
                    log_y: false,
                    legend: false,
                });
            }
        }
    }
    let cols = 2 * study.init.len();
    chart_grid(
        dir.join("init_hist.png"),
        "Init densities per hidden layer: pre-activation z, activation (simple sine ω = 1, SIREN ω₀ = 30)",
        (INIT_DEPTH, cols),
        (330, 210),
        &charts,
    )
}
