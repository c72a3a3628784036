//! Side-by-side heatmaps of fields on a tensor grid (prediction, reference,
//! error), each with its own colour bar.

use super::colormap::{Colormap, MISSING};
use super::ticks::tick_label;
use super::{finite_range, padded, render, Area, DrawResult};
use super::{font, px, titled, CAPTION_SIZE, LABEL_SIZE, TICK_SIZE};
use crate::report::error::ReportError;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::Path;

const PANEL_WIDTH: u32 = 500;
const HEIGHT: u32 = 450;
const COLORBAR_WIDTH: u32 = 105;

/// How a panel's values are coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelScale {
    /// A solution field (viridis). All field panels of one picture share one
    /// value range, so prediction and reference compare colour for colour.
    Field,
    /// An error magnitude (inferno), on its own range starting at 0.
    Error,
}

/// One heatmap: title and values on the grid, index `ix * ny + iy`.
#[derive(Clone, Copy, Debug)]
pub struct Panel<'a> {
    pub title: &'a str,
    pub values: &'a [f64],
    pub scale: PanelScale,
    /// A vector field (x and y components on the same grid) drawn as arrows
    /// over the colours.
    pub arrows: Option<(&'a [f64], &'a [f64])>,
    /// Lines drawn over the colours: the outline of the domain's shape.
    pub outline: &'a [Vec<[f64; 2]>],
}

impl<'a> Panel<'a> {
    pub fn field(title: &'a str, values: &'a [f64]) -> Self {
        Panel {
            title,
            values,
            scale: PanelScale::Field,
            arrows: None,
            outline: &[],
        }
    }

    /// The same panel with `outline` drawn on top.
    pub fn with_outline(mut self, outline: &'a [Vec<[f64; 2]>]) -> Self {
        self.outline = outline;
        self
    }

    /// The same panel with arrows of the field (`u`, `v`) on top.
    pub fn with_arrows(mut self, u: &'a [f64], v: &'a [f64]) -> Self {
        self.arrows = Some((u, v));
        self
    }
    pub fn error(title: &'a str, values: &'a [f64]) -> Self {
        Panel {
            title,
            values,
            scale: PanelScale::Error,
            arrows: None,
            outline: &[],
        }
    }
}

/// Draws `panels` side by side (500 × 450 px each). `x_axis` is the first
/// input (horizontal) and `y_axis` the second (vertical); both must be
/// strictly increasing, and every panel holds `nx · ny` values with the
/// second input fastest (`ix * ny + iy`), the layout of
/// [`crate::reference::grid_points`]. Non-finite values are drawn grey.
pub fn heatmaps(
    path: impl AsRef<Path>,
    title: &str,
    x_axis: (&str, &[f64]),
    y_axis: (&str, &[f64]),
    panels: &[Panel<'_>],
) -> Result<(), ReportError> {
    let path = path.as_ref();
    validate(path, x_axis.1, y_axis.1, panels)?;
    let field_range = finite_range(
        panels
            .iter()
            .filter(|p| p.scale == PanelScale::Field)
            .flat_map(|p| p.values),
    );
    let size = (
        PANEL_WIDTH * panels.len() as u32,
        height(x_axis.1, y_axis.1, panels),
    );
    render(path, size, |root| {
        let body = titled(root, title)?;
        for (area, panel) in body.split_evenly((1, panels.len())).iter().zip(panels) {
            let (range, map) = match panel.scale {
                PanelScale::Field => (field_range, Colormap::Viridis),
                PanelScale::Error => (
                    finite_range(panel.values).map(|(lo, hi)| (lo.min(0.0), hi)),
                    Colormap::Inferno,
                ),
            };
            let (lo, hi) = range.map_or((0.0, 1.0), |(lo, hi)| {
                if hi > lo {
                    (lo, hi)
                } else {
                    padded(lo, hi, 0.0)
                }
            });
            draw_panel(area, panel, x_axis, y_axis, (lo, hi), map)?;
        }
        Ok(())
    })
}

/// The picture's height: [`HEIGHT`], or, for a shape (panels with an
/// outline, whose axes are lengths alike), one that keeps the shape's
/// proportions (a 2.2 × 0.41 channel is drawn flat, a disk round).
fn height(x: &[f64], y: &[f64], panels: &[Panel<'_>]) -> u32 {
    if panels.iter().all(|p| p.outline.is_empty()) {
        return HEIGHT;
    }
    let span = |v: &[f64]| v[v.len() - 1] - v[0];
    // The plot's width inside a panel, and what a panel adds around it.
    let (plot_width, around) = (PANEL_WIDTH - COLORBAR_WIDTH - 80, 150.0);
    let plot_height = (f64::from(plot_width) * span(y) / span(x)).clamp(100.0, 800.0);
    (plot_height + around) as u32
}

fn validate(path: &Path, x: &[f64], y: &[f64], panels: &[Panel<'_>]) -> Result<(), ReportError> {
    let increasing = |v: &[f64]| !v.is_empty() && v.windows(2).all(|w| w[0] < w[1]);
    if !increasing(x) || !increasing(y) {
        return Err(ReportError::shape(
            path,
            "heatmap axes must be non-empty and strictly increasing",
        ));
    }
    if panels.is_empty() {
        return Err(ReportError::shape(path, "no heatmap panels"));
    }
    for p in panels {
        let arrows_fit = p
            .arrows
            .is_none_or(|(u, v)| u.len() == p.values.len() && v.len() == p.values.len());
        if p.values.len() != x.len() * y.len() || !arrows_fit {
            return Err(ReportError::shape(
                path,
                format!(
                    "panel `{}` has {} values for a {}×{} grid",
                    p.title,
                    p.values.len(),
                    x.len(),
                    y.len()
                ),
            ));
        }
    }
    Ok(())
}

/// Arrows per axis: enough to show the flow, few enough to read.
const ARROWS: usize = 16;

/// Quiver arrows of (`u`, `v`) at about [`ARROWS`] × [`ARROWS`] grid points,
/// the longest one cell of that sub-grid long. Lengths and heads are laid
/// out in cell units, so directions are true when the cells are about
/// square on the page (the panels are).
fn draw_arrows<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    (x, y): (&[f64], &[f64]),
    (u, v): (&[f64], &[f64]),
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let ny = y.len();
    let (sx, sy) = ((x.len() / ARROWS).max(1), (ny / ARROWS).max(1));
    let cell_x = (x[x.len() - 1] - x[0]) / ARROWS as f64;
    let cell_y = (y[ny - 1] - y[0]) / ARROWS as f64;
    let speed = |k: usize| u[k].hypot(v[k]);
    let top = (0..u.len())
        .map(speed)
        .filter(|s| s.is_finite())
        .fold(0.0, f64::max);
    if top <= 0.0 {
        return Ok(());
    }
    let style = WHITE.stroke_width(px(1));
    for ix in (sx / 2..x.len()).step_by(sx) {
        for iy in (sy / 2..ny).step_by(sy) {
            let k = ix * ny + iy;
            // (a, b): the arrow in cell units, the longest 0.9 cells.
            let (a, b) = (0.9 * u[k] / top, 0.9 * v[k] / top);
            if !(a.is_finite() && b.is_finite()) || a.hypot(b) < 0.05 {
                continue;
            }
            let at = |da: f64, db: f64| (x[ix] + da * cell_x, y[iy] + db * cell_y);
            let (tail, tip) = (at(-a / 2.0, -b / 2.0), at(a / 2.0, b / 2.0));
            chart.draw_series(std::iter::once(PathElement::new(vec![tail, tip], style)))?;
            // Head: two strokes 0.3 of the length back from the tip, ±25°.
            for turn in [25f64, -25f64] {
                let (c, s) = (turn.to_radians().cos(), turn.to_radians().sin());
                let (ha, hb) = (-0.3 * (a * c - b * s), -0.3 * (a * s + b * c));
                let end = at(a / 2.0 + ha, b / 2.0 + hb);
                chart.draw_series(std::iter::once(PathElement::new(vec![tip, end], style)))?;
            }
        }
    }
    Ok(())
}

/// Cell boundaries: midpoints between grid values, clipped to the first and
/// last value so the axes show exactly the domain. A single value gets a
/// unit-wide cell.
fn cell_edges(v: &[f64]) -> Vec<f64> {
    if v.len() == 1 {
        return vec![v[0] - 0.5, v[0] + 0.5];
    }
    let mut e = Vec::with_capacity(v.len() + 1);
    e.push(v[0]);
    e.extend(v.windows(2).map(|w| 0.5 * (w[0] + w[1])));
    e.push(v[v.len() - 1]);
    e
}

fn draw_panel(
    area: &Area<'_>,
    panel: &Panel<'_>,
    (x_name, x): (&str, &[f64]),
    (y_name, y): (&str, &[f64]),
    (lo, hi): (f64, f64),
    map: Colormap,
) -> DrawResult {
    let (plot_area, bar_area) = area.split_horizontally(px(PANEL_WIDTH - COLORBAR_WIDTH));
    let (ex, ey) = (cell_edges(x), cell_edges(y));
    let (x0, x1) = (ex[0], ex[ex.len() - 1]);
    let (y0, y1) = (ey[0], ey[ey.len() - 1]);
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(panel.title, font(CAPTION_SIZE))
        .margin(px(8))
        .margin_left(px(12))
        .x_label_area_size(px(48))
        .y_label_area_size(px(60))
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .set_all_tick_mark_size(px(5))
        .axis_style(RGBColor(40, 40, 40).stroke_width(px(1)))
        .x_desc(x_name)
        .y_desc(y_name)
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| tick_label(*v, (x0, x1)))
        .y_label_formatter(&|v| tick_label(*v, (y0, y1)))
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(LABEL_SIZE))
        .draw()?;
    let ny = y.len();
    let color = |v: f64| {
        if v.is_finite() {
            map.at((v - lo) / (hi - lo))
        } else {
            MISSING
        }
    };
    chart.draw_series(panel.values.iter().enumerate().map(|(k, &v)| {
        let (ix, iy) = (k / ny, k % ny);
        Rectangle::new(
            [(ex[ix], ey[iy]), (ex[ix + 1], ey[iy + 1])],
            color(v).filled(),
        )
    }))?;
    if let Some((u, v)) = panel.arrows {
        draw_arrows(&mut chart, (x, y), (u, v))?;
    }
    for line in panel.outline {
        let points = line.iter().map(|p| (p[0], p[1]));
        chart.draw_series(std::iter::once(PathElement::new(
            points.collect::<Vec<_>>(),
            BLACK.stroke_width(px(2)),
        )))?;
    }
    // Frame the field so light colours do not bleed into the page.
    chart.plotting_area().draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        BLACK.stroke_width(px(1)),
    ))?;

    // The colour bar spans exactly the plot's vertical pixel range.
    let (_, py) = chart.plotting_area().get_pixel_range();
    let (_, ay) = bar_area.get_pixel_range();
    draw_colorbar(
        &bar_area,
        (py.start - ay.start, ay.end - py.end),
        (lo, hi),
        map,
    )
}

fn draw_colorbar(
    area: &Area<'_>,
    (top, bottom): (i32, i32),
    (lo, hi): (f64, f64),
    map: Colormap,
) -> DrawResult {
    let mut bar = ChartBuilder::on(area)
        .margin_top(top.max(0) as u32)
        .margin_bottom(bottom.max(0) as u32)
        .margin_left(px(6))
        .margin_right(px(4))
        .set_label_area_size(LabelAreaPosition::Right, px(70))
        .build_cartesian_2d(0.0..1.0, lo..hi)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .set_all_tick_mark_size(px(5))
        .axis_style(RGBColor(40, 40, 40).stroke_width(px(1)))
        .y_labels(6)
        .y_label_formatter(&|v| tick_label(*v, (lo, hi)))
        .label_style(font(TICK_SIZE))
        .draw()?;
    const STEPS: usize = 200;
    let dv = (hi - lo) / STEPS as f64;
    bar.draw_series((0..STEPS).map(|k| {
        let v0 = lo + dv * k as f64;
        let c = map.at((k as f64 + 0.5) / STEPS as f64);
        Rectangle::new([(0.0, v0), (1.0, v0 + dv)], c.filled())
    }))?;
    bar.plotting_area().draw(&Rectangle::new(
        [(0.0, lo), (1.0, hi)],
        BLACK.stroke_width(px(1)),
    ))?;
    Ok(())
}
