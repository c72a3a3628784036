//! Fits against samples: one subplot per fit, each a curve through the
//! fit's values and the samples it is judged on as dots, all on one y range.

use super::lines::{draw_legend, draw_line_mesh, finite_segments, x_range, Axes, PALETTE};
use super::ticks::tick_label;
use super::{finite_range, font, padded, px, render, titled, Area, DrawResult, CAPTION_SIZE};
use crate::report::error::ReportError;
use plotters::prelude::*;
use std::path::Path;

const PANEL_WIDTH: u32 = 520;
const PANEL_HEIGHT: u32 = 380;
const COLUMNS: usize = 3;

/// One subplot: a fitted curve `(x, fit)` and samples `(sample_x, sample_y)`.
#[derive(Clone, Copy, Debug)]
pub struct Window<'a> {
    pub caption: &'a str,
    pub x: &'a [f64],
    pub fit: &'a [f64],
    pub sample_x: &'a [f64],
    pub sample_y: &'a [f64],
}

/// Draws the windows in rows of up to three (520 × 380 px each) with one
/// shared y range; the legend names the curve `fit_label` and the dots
/// `sample_label`.
pub fn windows(
    path: impl AsRef<Path>,
    title: &str,
    (x_name, y_name): (&str, &str),
    (fit_label, sample_label): (&str, &str),
    panels: &[Window<'_>],
) -> Result<(), ReportError> {
    let path = path.as_ref();
    let bad = panels
        .iter()
        .find(|w| w.x.len() != w.fit.len() || w.sample_x.len() != w.sample_y.len());
    if panels.is_empty() || bad.is_some() {
        return Err(ReportError::shape(
            path,
            "windows need matching x and fit, and matching sample x and y",
        ));
    }
    let values = panels.iter().flat_map(|w| w.fit.iter().chain(w.sample_y));
    let y = finite_range(values).map_or((-1.0, 1.0), |(lo, hi)| padded(lo, hi, 0.06));
    let columns = panels.len().min(COLUMNS);
    let rows = panels.len().div_ceil(COLUMNS);
    // At least 800 px wide, so the title fits above a single window.
    let size = (
        (PANEL_WIDTH * columns as u32).max(800),
        PANEL_HEIGHT * rows as u32 + 40,
    );
    let labels = (fit_label, sample_label);
    render(path, size, |root| {
        let body = titled(root, title)?;
        for (k, (area, w)) in body
            .split_evenly((rows, columns))
            .iter()
            .zip(panels)
            .enumerate()
        {
            draw_window(area, w, (x_name, y_name), y, labels, k == 0)?;
        }
        Ok(())
    })
}

fn draw_window(
    area: &Area<'_>,
    w: &Window<'_>,
    names: (&str, &str),
    (ylo, yhi): (f64, f64),
    (fit_label, sample_label): (&str, &str),
    legend: bool,
) -> DrawResult {
    let (xlo, xhi) = x_range(w.x);
    let mut chart = ChartBuilder::on(area)
        .caption(w.caption, font(CAPTION_SIZE))
        .margin(px(10))
        .margin_right(px(18))
        .x_label_area_size(px(44))
        .y_label_area_size(px(60))
        .build_cartesian_2d(xlo..xhi, ylo..yhi)?;
    let axes = Axes {
        names,
        labels: (5, 6),
    };
    draw_line_mesh(&mut chart, &axes, &|v| tick_label(*v, (xlo, xhi)), &|v| {
        tick_label(*v, (ylo, yhi))
    })?;
    let line = PALETTE[0].stroke_width(px(2));
    for (j, seg) in finite_segments(w.x, w.fit, false).into_iter().enumerate() {
        let drawn = chart.draw_series(LineSeries::new(seg, line))?;
        if j == 0 {
            drawn.label(fit_label).legend(move |(lx, ly)| {
                PathElement::new(vec![(lx, ly), (lx + px(28) as i32, ly)], line)
            });
        }
    }
    let dot = PALETTE[3].filled();
    let inside = w
        .sample_x
        .iter()
        .zip(w.sample_y)
        .filter(|(x, y)| (xlo..=xhi).contains(*x) && y.is_finite())
        .map(|(&x, &y)| Circle::new((x, y), px(3), dot));
    chart
        .draw_series(inside)?
        .label(sample_label)
        .legend(move |(lx, ly)| Circle::new((lx + px(14) as i32, ly), px(3), dot));
    if legend {
        draw_legend(&mut chart)?;
    }
    Ok(())
}
