//! Training curves: loss terms and errors against step, optionally on a
//! logarithmic y axis.

use super::lines::{draw_legend, draw_line_mesh, finite_segments, stroke, x_range, Axes, PALETTE};
use super::ticks::{sci_label, tick_label};
use super::{finite_range, padded, render, DrawResult};
use super::{font_bold, px, TITLE_SIZE};
use crate::report::error::ReportError;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;
use std::path::Path;

/// Loss terms and errors against `x` (e.g. step), one colour per series,
/// 1000 × 600 px. With `log_y`, non-positive and non-finite values are left
/// out (gaps in the line); otherwise only non-finite ones.
pub fn curves(
    path: impl AsRef<Path>,
    title: &str,
    (x_name, x): (&str, &[f64]),
    y_name: &str,
    series: &[(&str, &[f64])],
    log_y: bool,
) -> Result<(), ReportError> {
    let path = path.as_ref();
    if let Some((name, _)) = series.iter().find(|(_, v)| v.len() != x.len()) {
        return Err(ReportError::shape(
            path,
            format!(
                "series `{name}` does not have one value per x ({})",
                x.len()
            ),
        ));
    }
    let segments: Vec<Vec<Vec<(f64, f64)>>> = series
        .iter()
        .map(|(_, v)| finite_segments(x, v, log_y))
        .collect();
    let pts = segments.iter().flatten().flatten();
    let (xlo, xhi) = x_range(x);
    let yr = finite_range(pts.map(|(_, y)| y));
    render(path, (1000, 600), |root| {
        let mut builder = ChartBuilder::on(root);
        builder
            .caption(title, font_bold(TITLE_SIZE))
            .margin(px(16))
            .margin_right(px(28))
            .x_label_area_size(px(52))
            .y_label_area_size(px(78));
        if log_y {
            let (lo, hi) = log_range(yr);
            let chart = builder.build_cartesian_2d(xlo..xhi, (lo..hi).log_scale())?;
            draw_curves(
                chart,
                (x_name, y_name),
                (xlo, xhi),
                series,
                &segments,
                &|v| sci_label(*v),
            )
        } else {
            let (lo, hi) = yr.map_or((0.0, 1.0), |(lo, hi)| padded(lo, hi, 0.05));
            let chart = builder.build_cartesian_2d(xlo..xhi, lo..hi)?;
            draw_curves(
                chart,
                (x_name, y_name),
                (xlo, xhi),
                series,
                &segments,
                &|v| tick_label(*v, (lo, hi)),
            )
        }
    })
}

/// The y range of a log axis for positive data from `lo` to `hi`: a little
/// headroom in log space, and at least one decade shown so there is always
/// a power-of-ten tick.
pub(super) fn log_range(data: Option<(f64, f64)>) -> (f64, f64) {
    data.map_or((1e-3, 1.0), |(lo, hi)| {
        let (l, h) = (lo.log10() - 0.1, hi.log10() + 0.1);
        let extra = (1.0 - (h - l)).max(0.0) / 2.0;
        (10f64.powf(l - extra), 10f64.powf(h + extra))
    })
}

fn draw_curves<'a, Y>(
    mut chart: ChartContext<
        'a,
        BitMapBackend<'a>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, Y>,
    >,
    (x_name, y_name): (&str, &str),
    (xlo, xhi): (f64, f64),
    series: &[(&str, &[f64])],
    segments: &[Vec<Vec<(f64, f64)>>],
    y_fmt: &dyn Fn(&f64) -> String,
) -> DrawResult
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let axes = Axes {
        names: (x_name, y_name),
        labels: (8, 10),
    };
    draw_line_mesh(&mut chart, &axes, &|v| tick_label(*v, (xlo, xhi)), y_fmt)?;
    let plot_px = chart.plotting_area().get_pixel_range().0.len();
    for (k, ((name, values), segs)) in series.iter().zip(segments).enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let style = colour.stroke_width(px(2));
        let line = colour.stroke_width(stroke(values.len(), plot_px, px(2)));
        for (j, seg) in segs.iter().enumerate() {
            let drawn = chart.draw_series(LineSeries::new(seg.iter().copied(), line))?;
            // One legend entry per series, not per gap-separated segment.
            if j == 0 {
                drawn.label(*name).legend(move |(lx, ly)| {
                    PathElement::new(vec![(lx, ly), (lx + px(28) as i32, ly)], style)
                });
            }
        }
    }
    draw_legend(&mut chart)
}
