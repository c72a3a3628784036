//! A 1-D signal from WAV audio: the first channel, samples scaled to [−1, 1],
//! time in seconds from the sample rate; optionally a segment of it.

use super::{open, stem, LoadOptions, Signal, SignalError, SignalKind};
use crate::report::{write_bytes_atomic, ReportError};
use hound::{SampleFormat, WavReader, WavSpec, WavWriter};
use std::io::BufReader;
use std::io::Cursor;
use std::path::Path;

pub(super) fn load(path: &Path, options: &LoadOptions) -> Result<Signal, SignalError> {
    let mut reader = WavReader::new(BufReader::new(open(path)?))
        .map_err(|e| SignalError::invalid(path, format!("not a readable WAV file: {e}")))?;
    let spec = reader.spec();
    let rate = f64::from(spec.sample_rate);
    let frames = reader.duration() as usize;
    let (first, count) = segment(path, options, rate, frames)?;
    reader
        .seek(first as u32)
        .map_err(|e| SignalError::invalid(path, format!("cannot seek to sample {first}: {e}")))?;
    let samples = first_channel(path, &mut reader, spec, count)?;
    let t = (first..first + samples.len())
        .map(|i| i as f64 / rate)
        .collect();
    Ok(Signal {
        name: stem(path),
        kind: SignalKind::Audio {
            sample_rate: spec.sample_rate,
        },
        axis_names: vec!["t (s)".into()],
        axes: vec![t],
        channel_names: vec!["amplitude".into()],
        channels: vec![samples],
    })
}

/// First frame and frame count of the requested segment.
fn segment(
    path: &Path,
    options: &LoadOptions,
    rate: f64,
    frames: usize,
) -> Result<(usize, usize), SignalError> {
    let length = frames as f64 / rate;
    let start = options.start.unwrap_or(0.0);
    if !(start.is_finite() && start >= 0.0 && start < length) {
        return Err(SignalError::invalid(
            path,
            format!("--start {start} s is outside the audio (0 to {length:.3} s)"),
        ));
    }
    let first = (start * rate).round() as usize;
    let count = match options.duration {
        None => frames - first,
        Some(d) if d.is_finite() && d > 0.0 => ((d * rate).round() as usize).min(frames - first),
        Some(d) => {
            return Err(SignalError::invalid(
                path,
                format!("--duration {d} must be a positive number of seconds"),
            ))
        }
    };
    Ok((first, count))
}

/// `count` frames of channel 0, scaled to [−1, 1]: integers by 2^(bits−1),
/// floats as they are.
fn first_channel<R: std::io::Read>(
    path: &Path,
    reader: &mut WavReader<R>,
    spec: WavSpec,
    count: usize,
) -> Result<Vec<f64>, SignalError> {
    let channels = usize::from(spec.channels.max(1));
    let wanted = count * channels;
    let bad = |e: hound::Error| SignalError::invalid(path, format!("bad WAV data: {e}"));
    let all: Vec<f64> = match spec.sample_format {
        SampleFormat::Float => reader
            .samples::<f32>()
            .take(wanted)
            .map(|s| s.map(f64::from))
            .collect::<Result<_, _>>()
            .map_err(bad)?,
        SampleFormat::Int => {
            let full_scale = 2f64.powi(i32::from(spec.bits_per_sample) - 1);
            reader
                .samples::<i32>()
                .take(wanted)
                .map(|s| s.map(|v| f64::from(v) / full_scale))
                .collect::<Result<_, _>>()
                .map_err(bad)?
        }
    };
    Ok(all.into_iter().step_by(channels).collect())
}

/// Writes samples in [−1, 1] as 16-bit mono PCM WAV, atomically.
pub fn write_wav(path: &Path, sample_rate: u32, samples: &[f64]) -> Result<(), ReportError> {
    let spec = WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: SampleFormat::Int,
    };
    let encode = || -> Result<Vec<u8>, hound::Error> {
        let mut bytes = Cursor::new(Vec::new());
        let mut writer = WavWriter::new(&mut bytes, spec)?;
        for &v in samples {
            // The inverse of the loader's scaling (by 2^15), so 16-bit
            // samples survive a round trip exactly; +1.0 clips to 32767.
            let s = (v * 32768.0)
                .round()
                .clamp(f64::from(i16::MIN), f64::from(i16::MAX));
            writer.write_sample(s as i16)?;
        }
        writer.finalize()?;
        Ok(bytes.into_inner())
    };
    let bytes = encode().map_err(|e| ReportError::shape(path, format!("WAV encoding: {e}")))?;
    write_bytes_atomic(path, &bytes)
}
