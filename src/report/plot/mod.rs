//! Pictures rendered with plotters into PNG files, written atomically.
//!
//! Text uses the embedded DejaVu Sans font (registered once), so rendering
//! needs no system fonts. Each function validates its inputs and returns
//! [`ReportError`] instead of panicking.

mod charts;
mod colormap;
mod curves;
mod heatmap;
mod lines;
mod pictures;
mod ticks;
mod windows;

pub use charts::{chart, chart_grid, Chart, Series, SeriesStyle};
pub use colormap::Colormap;
pub use curves::curves;
pub use heatmap::{heatmaps, Panel, PanelScale};
pub use lines::{line_1d, slices};
pub use pictures::{pictures, Picture};
pub use ticks::value_label;
pub use windows::{windows, Window};

use super::atomic::{commit, temp_file};
use super::error::ReportError;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontDesc, FontStyle};
use std::path::Path;
use std::sync::Once;

pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Font family name every text style uses.
pub(crate) const FONT: &str = "sans-serif";
pub(crate) const TITLE_SIZE: f64 = 26.0;
pub(crate) const CAPTION_SIZE: f64 = 21.0;
pub(crate) const LABEL_SIZE: f64 = 18.0;
pub(crate) const TICK_SIZE: f64 = 15.0;

fn ensure_fonts() {
    static FONTS: Once = Once::new();
    FONTS.call_once(|| {
        // Embedded, valid TTF data: registration cannot fail in practice;
        // were it to fail, pictures would lack text, not the run its results.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Supersampling factor: plotters draws lines without anti-aliasing, so
/// pictures are drawn this many times larger and box-filtered down, which
/// smooths lines and curves. Drawing code states sizes through [`px`] and
/// [`font`], in pixels of the final picture.
pub(crate) const SS: u32 = 2;

/// `v` final-picture pixels in drawing coordinates.
pub(crate) const fn px(v: u32) -> u32 {
    v * SS
}

/// The embedded sans-serif font at `size` final-picture pixels.
pub(crate) fn font(size: f64) -> FontDesc<'static> {
    (FONT, size * SS as f64).into_font()
}

/// The bold face at `size` final-picture pixels. (`FontDesc::style` would
/// keep the regular glyphs: plotters 0.3.7 copies the loaded face.)
pub(crate) fn font_bold(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), size * SS as f64, FontStyle::Bold)
}

/// Draws a picture title at the top with some air above it and returns the
/// area below; a title too long for the picture (one panel of a long
/// problem title) is set smaller until it fits, down to half size.
pub(crate) fn titled<'a>(
    root: &Area<'a>,
    title: &str,
) -> Result<Area<'a>, Box<dyn std::error::Error>> {
    let (width, _) = root.dim_in_pixel();
    let mut size = TITLE_SIZE;
    while size > TITLE_SIZE / 2.0 {
        let (w, _) = root.estimate_text_size(title, &font_bold(size).into())?;
        if w + px(16) <= width {
            break;
        }
        size -= 1.0;
    }
    Ok(root.margin(px(8), 0, 0, 0).titled(title, font_bold(size))?)
}

/// Renders a `size` PNG with `draw` (supersampled) into a temporary file
/// beside `path` (a `.png`: plotters picks the encoder by the extension),
/// then renames it over `path`.
pub(crate) fn render<F>(path: &Path, size: (u32, u32), draw: F) -> Result<(), ReportError>
where
    F: FnOnce(&Area<'_>) -> DrawResult,
{
    ensure_fonts();
    let (w, h) = size;
    let mut big = vec![0u8; (px(w) * px(h) * 3) as usize];
    let drawn: DrawResult = (|| {
        let root = BitMapBackend::with_buffer(&mut big, (px(w), px(h))).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
        Ok(())
    })();
    if let Err(e) = drawn {
        return Err(ReportError::Plot {
            path: path.to_path_buf(),
            message: e.to_string(),
        });
    }
    let small = downsample(&big, (w, h));
    let written = (|| {
        let tmp = temp_file(path, ".png")?;
        let encoded: DrawResult = (|| {
            let mut out = BitMapBackend::new(tmp.path(), (w, h));
            out.blit_bitmap((0, 0), (w, h), &small)?;
            out.present()?;
            Ok(())
        })();
        encoded.map_err(|e| std::io::Error::other(e.to_string()))?;
        commit(tmp, path)
    })();
    written.map_err(|e| ReportError::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Averages each SS × SS block of an RGB buffer into one pixel.
fn downsample(big: &[u8], (w, h): (u32, u32)) -> Vec<u8> {
    let (w, h, ss) = (w as usize, h as usize, SS as usize);
    let big_w = w * ss;
    let mut out = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let mut sum = 0u32;
                for dy in 0..ss {
                    let row = (y * ss + dy) * big_w;
                    for dx in 0..ss {
                        sum += big[(row + x * ss + dx) * 3 + c] as u32;
                    }
                }
                out[(y * w + x) * 3 + c] = ((sum + (ss * ss / 2) as u32) / (ss * ss) as u32) as u8;
            }
        }
    }
    out
}

/// Smallest and largest finite values, or `None` when there are none.
pub(crate) fn finite_range<'a>(values: impl IntoIterator<Item = &'a f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, &v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Widens a range by `frac` of its span on each side, and a degenerate one
/// (constant data) to a visible span around its value.
pub(crate) fn padded(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    if hi > lo {
        let pad = (hi - lo) * frac;
        (lo - pad, hi + pad)
    } else {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - pad, hi + pad)
    }
}
