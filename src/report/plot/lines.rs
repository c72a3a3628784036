//! Solution line plots: slices of a 2-D solution and 1-D solutions, each
//! prediction (solid) against reference (dashed).

use super::ticks::{tick_label, value_label};
use super::{finite_range, padded, render, Area, DrawResult};
use super::{font, px, titled, CAPTION_SIZE, LABEL_SIZE, TICK_SIZE};
use crate::report::error::ReportError;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;
use std::path::Path;

/// Matplotlib's "tab10" palette: distinct, print-safe series colours.
pub(super) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const PRED_COLOR: RGBColor = PALETTE[0];
const REF_COLOR: RGBColor = PALETTE[3];
pub(super) const GRID_COLOR: RGBColor = RGBColor(225, 225, 225);
pub(super) const AXIS_COLOR: RGBColor = RGBColor(40, 40, 40);
const SLICE_WIDTH: u32 = 460;
const SLICE_HEIGHT: u32 = 430;

/// One subplot per slice (e.g. t = 0.25, 0.5, 0.75): `pred[k]` against `x`
/// as a solid line, `reference[k]` dashed on top. All subplots share one y
/// range so the slices compare at a glance. 460 × 430 px per slice.
#[allow(clippy::too_many_arguments)]
pub fn slices(
    path: impl AsRef<Path>,
    title: &str,
    (slice_name, slice_values): (&str, &[f64]),
    (x_name, x): (&str, &[f64]),
    y_name: &str,
    pred: &[Vec<f64>],
    reference: Option<&[Vec<f64>]>,
) -> Result<(), ReportError> {
    let path = path.as_ref();
    let n = slice_values.len();
    let curve_ok = |c: &[Vec<f64>]| c.len() == n && c.iter().all(|v| v.len() == x.len());
    if n == 0 || x.is_empty() || !curve_ok(pred) || !reference.is_none_or(curve_ok) {
        return Err(ReportError::shape(
            path,
            format!(
                "slices need one curve of {} values per slice value ({n})",
                x.len()
            ),
        ));
    }
    let all = pred.iter().chain(reference.into_iter().flatten()).flatten();
    let (ylo, yhi) = finite_range(all).map_or((-1.0, 1.0), |(lo, hi)| padded(lo, hi, 0.06));
    let (xlo, xhi) = x_range(x);
    render(path, (SLICE_WIDTH * n as u32, SLICE_HEIGHT), |root| {
        let body = titled(root, title)?;
        for (k, area) in body.split_evenly((1, n)).iter().enumerate() {
            let caption = format!("{slice_name} = {}", value_label(slice_values[k]));
            let curves = Curves {
                pred: &pred[k],
                reference: reference.map(|r| r[k].as_slice()),
                legend: k == 0,
            };
            draw_xy(
                area,
                Some(&caption),
                (x_name, (xlo, xhi)),
                (y_name, (ylo, yhi)),
                x,
                &curves,
            )?;
        }
        Ok(())
    })
}

/// A problem with one input: prediction (solid) and reference (dashed)
/// against it, 800 × 500 px.
pub fn line_1d(
    path: impl AsRef<Path>,
    title: &str,
    (x_name, x): (&str, &[f64]),
    y_name: &str,
    pred: &[f64],
    reference: Option<&[f64]>,
) -> Result<(), ReportError> {
    let path = path.as_ref();
    if x.is_empty() || pred.len() != x.len() || reference.is_some_and(|r| r.len() != x.len()) {
        return Err(ReportError::shape(
            path,
            "line_1d needs x, pred and reference of one length",
        ));
    }
    let all = pred.iter().chain(reference.into_iter().flatten());
    let (ylo, yhi) = finite_range(all).map_or((-1.0, 1.0), |(lo, hi)| padded(lo, hi, 0.06));
    render(path, (800, 500), |root| {
        let curves = Curves {
            pred,
            reference,
            legend: true,
        };
        let body = titled(root, title)?;
        draw_xy(
            &body,
            None,
            (x_name, x_range(x)),
            (y_name, (ylo, yhi)),
            x,
            &curves,
        )
    })
}

/// Axis names and tick counts of a line chart.
pub(super) struct Axes<'a> {
    pub names: (&'a str, &'a str),
    pub labels: (usize, usize),
}

/// The grid, axes, ticks and axis names shared by every line chart.
pub(super) fn draw_line_mesh<'a, X, Y>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, Cartesian2d<X, Y>>,
    axes: &Axes<'_>,
    x_fmt: &dyn Fn(&f64) -> String,
    y_fmt: &dyn Fn(&f64) -> String,
) -> DrawResult
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS_COLOR.stroke_width(px(1)))
        .bold_line_style(GRID_COLOR.stroke_width(px(1)))
        .set_all_tick_mark_size(px(5))
        .x_desc(axes.names.0)
        .y_desc(axes.names.1)
        .x_labels(axes.labels.0)
        .y_labels(axes.labels.1)
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(LABEL_SIZE))
        .draw()?;
    Ok(())
}

pub(super) fn x_range(x: &[f64]) -> (f64, f64) {
    finite_range(x).map_or((0.0, 1.0), |(lo, hi)| {
        if hi > lo {
            (lo, hi)
        } else {
            padded(lo, hi, 0.0)
        }
    })
}

struct Curves<'a> {
    pred: &'a [f64],
    reference: Option<&'a [f64]>,
    legend: bool,
}

/// One prediction/reference chart, with a caption when it is one of several.
fn draw_xy(
    area: &Area<'_>,
    caption: Option<&str>,
    (x_name, (xlo, xhi)): (&str, (f64, f64)),
    (y_name, (ylo, yhi)): (&str, (f64, f64)),
    x: &[f64],
    curves: &Curves<'_>,
) -> DrawResult {
    let mut builder = ChartBuilder::on(area);
    if let Some(c) = caption {
        builder.caption(c, font(CAPTION_SIZE));
    }
    let mut chart = builder
        .margin(px(12))
        .margin_right(px(22))
        .x_label_area_size(px(48))
        .y_label_area_size(px(64))
        .build_cartesian_2d(xlo..xhi, ylo..yhi)?;
    let axes = Axes {
        names: (x_name, y_name),
        labels: (6, 7),
    };
    draw_line_mesh(&mut chart, &axes, &|v| tick_label(*v, (xlo, xhi)), &|v| {
        tick_label(*v, (ylo, yhi))
    })?;
    let plot_px = chart.plotting_area().get_pixel_range().0.len();
    let pred_style = PRED_COLOR.stroke_width(px(3));
    let pred_line = PRED_COLOR.stroke_width(stroke(x.len(), plot_px, px(3)));
    for (j, seg) in finite_segments(x, curves.pred, false)
        .into_iter()
        .enumerate()
    {
        let drawn = chart.draw_series(LineSeries::new(seg, pred_line))?;
        // One legend entry per curve, not per gap-separated segment.
        if j == 0 {
            drawn.label("prediction").legend(move |(lx, ly)| {
                PathElement::new(vec![(lx, ly), (lx + px(28) as i32, ly)], pred_style)
            });
        }
    }
    if let Some(r) = curves.reference {
        let ref_style = REF_COLOR.stroke_width(px(2));
        let ref_line = REF_COLOR.stroke_width(stroke(x.len(), plot_px, px(2)));
        for (j, seg) in finite_segments(x, r, false).into_iter().enumerate() {
            let drawn = chart.draw_series(DashedLineSeries::new(seg, px(8), px(5), ref_line))?;
            if j == 0 {
                drawn.label("reference").legend(move |(lx, ly)| {
                    EmptyElement::at((lx, ly))
                        + PathElement::new(vec![(0, 0), (px(11) as i32, 0)], ref_style)
                        + PathElement::new(vec![(px(17) as i32, 0), (px(28) as i32, 0)], ref_style)
                });
            }
        }
    }
    if curves.legend {
        draw_legend(&mut chart)?;
    }
    Ok(())
}

/// The legend box shared by every line chart (upper right, translucent).
pub(super) fn draw_legend<'a, X, Y>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, Cartesian2d<X, Y>>,
) -> DrawResult
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(font(TICK_SIZE))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .legend_area_size(px(36))
        .margin(px(8))
        .draw()?;
    Ok(())
}

/// Stroke width of a curve of `n` points across `plot_px` drawing pixels:
/// `width`, or a single drawing pixel when the curve has more points than
/// pixels (audio, say). plotters draws wide lines as polygons with mitred
/// joins, and the sharp turns of such a dense curve grow mitres that reach
/// far past the data; one-pixel lines are drawn without joins.
pub(super) fn stroke(n: usize, plot_px: usize, width: u32) -> u32 {
    if n > plot_px {
        1
    } else {
        width
    }
}

/// Runs of consecutive points where `y` is finite (and positive when `log`),
/// so gaps in a curve stay gaps instead of being bridged by a line.
pub(super) fn finite_segments(x: &[f64], y: &[f64], log: bool) -> Vec<Vec<(f64, f64)>> {
    let keep = |v: f64| v.is_finite() && (!log || v > 0.0);
    let mut segs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur = Vec::new();
    for (&xi, &yi) in x.iter().zip(y) {
        if keep(yi) && xi.is_finite() {
            cur.push((xi, yi));
        } else if !cur.is_empty() {
            segs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        segs.push(cur);
    }
    segs
}
