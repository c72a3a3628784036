//! Pictures side by side (e.g. a photograph and its reconstructions), each
//! under its caption, pixels drawn as blocks without smoothing.

use super::{font, px, render, titled, Area, DrawResult, CAPTION_SIZE};
use crate::report::error::ReportError;
use plotters::prelude::*;
use std::path::Path;

const PANEL: u32 = 300;

/// One picture: 8-bit RGB pixels, rows from the top, `width · height · 3` bytes.
#[derive(Clone, Copy, Debug)]
pub struct Picture<'a> {
    pub caption: &'a str,
    pub width: usize,
    pub height: usize,
    pub rgb: &'a [u8],
}

/// Draws `panels` in one row, each scaled to fit a 300 × 300 px square
/// (aspect kept), captions above.
pub fn pictures(
    path: impl AsRef<Path>,
    title: &str,
    panels: &[Picture<'_>],
) -> Result<(), ReportError> {
    let path = path.as_ref();
    if panels.is_empty() {
        return Err(ReportError::shape(path, "no pictures to draw"));
    }
    if let Some(p) = panels
        .iter()
        .find(|p| p.width == 0 || p.height == 0 || p.rgb.len() != p.width * p.height * 3)
    {
        return Err(ReportError::shape(
            path,
            format!(
                "picture `{}` has {} bytes for {}×{} RGB pixels",
                p.caption,
                p.rgb.len(),
                p.width,
                p.height
            ),
        ));
    }
    let size = (PANEL * panels.len() as u32, PANEL + 80);
    render(path, size, |root| {
        let body = titled(root, title)?;
        for (area, p) in body.split_evenly((1, panels.len())).iter().zip(panels) {
            draw_picture(area, p)?;
        }
        Ok(())
    })
}

fn draw_picture(area: &Area<'_>, p: &Picture<'_>) -> DrawResult {
    let rest = area.titled(p.caption, font(CAPTION_SIZE))?;
    let (aw, ah) = rest.dim_in_pixel();
    let margin = px(8) as f64;
    let scale = ((aw as f64 - 2.0 * margin) / p.width as f64)
        .min((ah as f64 - 2.0 * margin) / p.height as f64);
    let x0 = (aw as f64 - scale * p.width as f64) / 2.0;
    let y0 = margin;
    // Pixel edges rounded to whole drawing pixels, so blocks tile exactly.
    let edge = |origin: f64, k: usize| (origin + scale * k as f64).round() as i32;
    for row in 0..p.height {
        for col in 0..p.width {
            let at = (row * p.width + col) * 3;
            let colour = RGBColor(p.rgb[at], p.rgb[at + 1], p.rgb[at + 2]);
            rest.draw(&Rectangle::new(
                [
                    (edge(x0, col), edge(y0, row)),
                    (edge(x0, col + 1), edge(y0, row + 1)),
                ],
                colour.filled(),
            ))?;
        }
    }
    Ok(())
}
