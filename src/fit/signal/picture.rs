//! A 2-D signal from a PNG picture, and back.
//!
//! Axes are (x, y) in pixels with y counted up from the bottom row, and the
//! samples run y fastest (index `ix · height + iy`): the layout the report's
//! heatmaps draw upright. Intensities map to [−1, 1] (0 → −1, full → 1).

use super::{stem, Colour, Signal, SignalError, SignalKind};
use crate::report::{write_atomic, ReportError};
use image::{DynamicImage, ImageOutputFormat};
use std::io::Cursor;
use std::path::Path;

pub(super) fn load(path: &Path) -> Result<Signal, SignalError> {
    let bad = |e: image::ImageError| SignalError::invalid(path, format!("not a readable PNG: {e}"));
    let bytes = std::fs::read(path).map_err(|source| SignalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let picture =
        image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).map_err(bad)?;
    let (colour, channel_names, planes) = if picture.color().has_color() {
        let rgb = picture.to_rgb32f();
        let planes = (0..3)
            .map(|c| plane(rgb.width(), rgb.height(), |x, y| rgb.get_pixel(x, y)[c]))
            .collect();
        (Colour::Rgb, vec!["r", "g", "b"], planes)
    } else {
        let grey = picture.to_luma32f();
        let planes = vec![plane(grey.width(), grey.height(), |x, y| {
            grey.get_pixel(x, y)[0]
        })];
        (Colour::Grey, vec!["grey"], planes)
    };
    let (w, h) = (picture.width() as usize, picture.height() as usize);
    Ok(Signal {
        name: stem(path),
        kind: SignalKind::Picture { colour },
        axis_names: vec!["x (px)".into(), "y (px)".into()],
        axes: vec![pixel_axis(w), pixel_axis(h)],
        channel_names: channel_names.into_iter().map(String::from).collect(),
        channels: planes,
    })
}

fn pixel_axis(n: usize) -> Vec<f64> {
    (0..n).map(|i| i as f64).collect()
}

/// One channel in signal order (x slowest, y up from the bottom), in [−1, 1].
fn plane(w: u32, h: u32, at: impl Fn(u32, u32) -> f32) -> Vec<f64> {
    let mut out = Vec::with_capacity((w * h) as usize);
    for x in 0..w {
        for iy in 0..h {
            out.push(2.0 * f64::from(at(x, h - 1 - iy)) - 1.0);
        }
    }
    out
}

/// 8-bit pixel rows (top row first) of channels in signal order, values
/// clamped to [−1, 1]: `channels` bytes per pixel.
pub fn to_pixels(width: usize, height: usize, channels: &[Vec<f64>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(width * height * channels.len());
    for row in 0..height {
        let iy = height - 1 - row;
        for x in 0..width {
            for c in channels {
                let v = (c[x * height + iy].clamp(-1.0, 1.0) + 1.0) * 0.5;
                out.push((v * 255.0).round() as u8);
            }
        }
    }
    out
}

/// Writes channels (one: grey, three: RGB) in signal order as an 8-bit PNG, atomically.
pub fn write_png(
    path: &Path,
    width: usize,
    height: usize,
    channels: &[Vec<f64>],
) -> Result<(), ReportError> {
    let full = channels.iter().all(|c| c.len() == width * height);
    let (w, h) = (width as u32, height as u32);
    let picture = match (full, channels.len()) {
        (true, 1) => image::GrayImage::from_raw(w, h, to_pixels(width, height, channels))
            .map(DynamicImage::ImageLuma8),
        (true, 3) => image::RgbImage::from_raw(w, h, to_pixels(width, height, channels))
            .map(DynamicImage::ImageRgb8),
        _ => None,
    };
    let Some(picture) = picture else {
        return Err(ReportError::shape(
            path,
            format!(
                "{} channels for {width}×{height} pixels: a PNG needs 1 or 3 full channels",
                channels.len()
            ),
        ));
    };
    let mut bytes = Cursor::new(Vec::new());
    picture
        .write_to(&mut bytes, ImageOutputFormat::Png)
        .map_err(|e| ReportError::Plot {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    write_atomic(path, |w| w.write_all(bytes.get_ref()))
}
