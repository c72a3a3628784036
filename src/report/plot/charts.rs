//! Generic line charts: series with their own x values, solid, dashed or as
//! markers, one chart or a grid of small charts in one picture.

use super::curves::log_range;
use super::lines::{draw_legend, draw_line_mesh, finite_segments, x_range, Axes, PALETTE};
use super::ticks::{sci_label, tick_label};
use super::{finite_range, padded, render, titled, Area, DrawResult};
use super::{font, px, CAPTION_SIZE};
use crate::report::error::ReportError;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::Path;

/// Pixels above the grid for the title.
const TITLE_HEIGHT: u32 = 40;

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeriesStyle {
    Solid,
    Dashed,
    /// Filled circles joined by a thin line.
    Markers,
}

/// One named curve; series with an empty name get no legend entry.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// Index into the tab10 palette (wraps around).
    pub color: usize,
    pub style: SeriesStyle,
}

/// One chart: axis names, series and the y scale.
#[derive(Clone, Debug)]
pub struct Chart {
    /// Caption above the chart (charts in a grid), or none.
    pub caption: String,
    pub x_name: String,
    pub y_name: String,
    pub series: Vec<Series>,
    /// Logarithmic y: non-positive and non-finite values are left out.
    pub log_y: bool,
    pub legend: bool,
}

/// One chart in a picture with `title`, `size` plus 40 px for the title.
pub fn chart(
    path: impl AsRef<Path>,
    title: &str,
    size: (u32, u32),
    chart: &Chart,
) -> Result<(), ReportError> {
    chart_grid(path, title, (1, 1), size, std::slice::from_ref(chart))
}

/// `charts` in a grid of (rows, columns) cells of `cell` pixels each, row
/// by row, under one title: cols·cell.0 × rows·cell.1 + 40 px.
pub fn chart_grid(
    path: impl AsRef<Path>,
    title: &str,
    (rows, cols): (usize, usize),
    cell: (u32, u32),
    charts: &[Chart],
) -> Result<(), ReportError> {
    let path = path.as_ref();
    if charts.is_empty() || charts.len() > rows * cols {
        return Err(ReportError::shape(
            path,
            format!("{} charts for a {rows}×{cols} grid", charts.len()),
        ));
    }
    for s in charts.iter().flat_map(|c| &c.series) {
        if s.x.len() != s.y.len() {
            return Err(ReportError::shape(
                path,
                format!(
                    "series `{}` has {} x and {} y",
                    s.name,
                    s.x.len(),
                    s.y.len()
                ),
            ));
        }
    }
    let size = (cell.0 * cols as u32, cell.1 * rows as u32 + TITLE_HEIGHT);
    render(path, size, |root| {
        let body = titled(root, title)?;
        for (area, c) in body.split_evenly((rows, cols)).iter().zip(charts) {
            draw_chart(area, c)?;
        }
        Ok(())
    })
}

fn draw_chart(area: &Area<'_>, c: &Chart) -> DrawResult {
    let segments: Vec<Vec<Vec<(f64, f64)>>> = c
        .series
        .iter()
        .map(|s| finite_segments(&s.x, &s.y, c.log_y))
        .collect();
    let pts: Vec<(f64, f64)> = segments.iter().flatten().flatten().copied().collect();
    let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
    let (xlo, xhi) = x_range(&xs);
    let yr = finite_range(pts.iter().map(|p| &p.1));
    let mut builder = ChartBuilder::on(area);
    if !c.caption.is_empty() {
        builder.caption(&c.caption, font(CAPTION_SIZE));
    }
    builder
        .margin(px(10))
        .margin_right(px(22))
        .x_label_area_size(px(48))
        .y_label_area_size(px(72));
    let axes = Axes {
        names: (&c.x_name, &c.y_name),
        labels: (6, 7),
    };
    let x_fmt = |v: &f64| tick_label(*v, (xlo, xhi));
    if c.log_y {
        let (lo, hi) = log_range(yr);
        let mut chart = builder.build_cartesian_2d(xlo..xhi, (lo..hi).log_scale())?;
        draw_line_mesh(&mut chart, &axes, &x_fmt, &|v| sci_label(*v))?;
        draw_series(&mut chart, c, &segments)
    } else {
        let (lo, hi) = yr.map_or((0.0, 1.0), |(lo, hi)| padded(lo, hi, 0.05));
        let mut chart = builder.build_cartesian_2d(xlo..xhi, lo..hi)?;
        draw_line_mesh(&mut chart, &axes, &x_fmt, &|v| tick_label(*v, (lo, hi)))?;
        draw_series(&mut chart, c, &segments)
    }
}

fn draw_series<'a, Y>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, Cartesian2d<RangedCoordf64, Y>>,
    c: &Chart,
    segments: &[Vec<Vec<(f64, f64)>>],
) -> DrawResult
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    for (s, segs) in c.series.iter().zip(segments) {
        let color = PALETTE[s.color % PALETTE.len()];
        let style = color.stroke_width(px(if s.style == SeriesStyle::Solid { 2 } else { 1 }));
        for (j, seg) in segs.iter().enumerate() {
            let pts = seg.iter().copied();
            let drawn = match s.style {
                SeriesStyle::Solid => chart.draw_series(LineSeries::new(pts, style))?,
                SeriesStyle::Dashed => {
                    let thick = color.stroke_width(px(2));
                    chart.draw_series(DashedLineSeries::new(pts, px(7), px(5), thick))?
                }
                SeriesStyle::Markers => {
                    chart.draw_series(LineSeries::new(pts, style))?;
                    let dot = |p: (f64, f64)| Circle::new(p, px(4), color.filled());
                    chart.draw_series(seg.iter().copied().map(dot))?
                }
            };
            // One legend entry per named series, not per segment.
            if j == 0 && !s.name.is_empty() {
                let key = color.stroke_width(px(2));
                drawn.label(s.name.as_str()).legend(move |(lx, ly)| {
                    PathElement::new(vec![(lx, ly), (lx + px(28) as i32, ly)], key)
                });
            }
        }
    }
    if c.legend && c.series.iter().any(|s| !s.name.is_empty()) {
        draw_legend(chart)?;
    }
    Ok(())
}
