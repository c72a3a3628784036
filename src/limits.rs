//! What an input may ask for: file sizes, counts and an estimate of the
//! memory a run needs, checked before anything is read or allocated, so a
//! hostile or mistyped file is an error with a position instead of an
//! exhausted machine (README, "Limits").
//!
//! The expression language's own limits (nesting, depth, tokens) are in
//! [`crate::expr`]; the derivative order in [`crate::multi_index::MAX_ORDER`].

use std::io::Read;
use std::path::Path;

/// The largest equation file or run configuration read (1 MiB): the
/// longest built-in file is 3 KB.
pub const MAX_EQUATION_BYTES: u64 = 1 << 20;

/// The largest data file (observations, reference table) read (64 MiB,
/// about five million numbers; the largest shipped table is 1 MB).
pub const MAX_DATA_BYTES: u64 = 64 << 20;

/// Inputs and outputs a problem may declare: collocation points are drawn
/// from a Sobol sequence of at most 256 dimensions, and a jet's size grows
/// with the number of inputs to the power of the derivative order.
pub const MAX_INPUTS: usize = 16;
pub const MAX_OUTPUTS: usize = 64;

/// Constants and unknowns a file may declare, and its residuals and
/// conditions together: names are looked up by scanning, and every term
/// is a loss of its own with points of its own.
pub const MAX_NAMES: usize = 1000;
pub const MAX_TERMS: usize = 256;

/// The most memory a run may be estimated to need ([`estimate_bytes`]): 8 GiB.
pub const MAX_MEMORY_BYTES: f64 = 8.0 * (1u64 << 30) as f64;

/// Parameters beyond which a dense inverse Hessian (8n² bytes) is refused:
/// 1.2 GB at the limit, and an n² update per iteration that would cost
/// more than the network's own step.
pub const MAX_DENSE_PARAMS: usize = 12_000;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Opening or reading failed.
    Io(std::io::Error),
    /// A device, a folder or a pipe: reading it may never end.
    NotAFile,
    /// Larger than the limit (its size in bytes, when known).
    TooLarge { limit: u64 },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotAFile => f.write_str("not a regular file"),
            ReadError::TooLarge { limit } => {
                write!(f, "larger than the limit of {} bytes", limit)
            }
        }
    }
}

/// The bytes of the regular file at `path`, at most `limit` of them. The
/// file's kind is checked before it is opened (opening a pipe may block),
/// and the read stops one byte past the limit (a file may grow meanwhile).
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// Weights, biases and unknowns of a network of `depth` hidden layers of
/// `width` from `inputs` to `outputs` (in f64, so that absurd sizes do not
/// overflow).
pub fn parameter_count(inputs: usize, outputs: usize, width: usize, depth: usize) -> f64 {
    let (i, o, w, d) = (inputs as f64, outputs as f64, width as f64, depth as f64);
    if depth == 0 {
        return (i + 1.0) * o;
    }
    (i + 1.0) * w + (d - 1.0) * (w + 1.0) * w + (w + 1.0) * o
}

/// The sizes a run's memory depends on.
#[derive(Clone, Debug, Default)]
pub struct Sizes {
    pub inputs: usize,
    pub outputs: usize,
    pub width: usize,
    pub depth: usize,
    /// Bytes per number of the network (4 or 8).
    pub precision_bytes: usize,
    /// Whether the quasi-Newton model is a dense matrix.
    pub dense: bool,
    /// L-BFGS curvature pairs.
    pub memory: usize,
    /// Collocation points trained on at once (interior, refined, every
    /// condition's), and the candidates whose residual is measured.
    pub points: f64,
    pub candidates: usize,
    /// The largest number of derivatives one term's jets carry.
    pub derivatives: usize,
    /// Points of the evaluation grid (the product of its axes).
    pub grid_points: f64,
}

/// A rough upper estimate, in bytes, of what a run allocates at once: the
/// jets of every point through every layer with their tape (about four
/// numbers per derivative, neuron and point), the evaluation grid and its
/// predictions, the network with its gradient and Adam moments, and the
/// quasi-Newton model. Ten times too high is harmless; too low is not.
pub fn estimate_bytes(s: &Sizes) -> f64 {
    let e = s.precision_bytes as f64;
    let width = s.width.max(s.outputs) as f64;
    let layers = (s.depth + 1) as f64;
    let jets = (s.points + s.candidates as f64) * width * layers * s.derivatives as f64 * e * 4.0;
    // A grid point is a Vec of its coordinates, a prediction and a
    // reference per output, and a row of activations while predicting.
    let grid =
        s.grid_points * (64.0 + 8.0 * s.inputs as f64 + 24.0 * s.outputs as f64 + 2.0 * width * e);
    let n = parameter_count(s.inputs, s.outputs, s.width, s.depth);
    let network = n * 8.0 * 6.0;
    let model = if s.dense {
        8.0 * n * n
    } else {
        2.0 * 4.0 * n * s.memory as f64
    };
    jets + grid + network + model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_count_matches_the_layers() {
        // 2-32-32-32-1: 3·32 + 2·33·32 + 33 = 2241 (the Burgers network).
        assert_eq!(parameter_count(2, 1, 32, 3), 2241.0);
    }

    #[test]
    fn the_defaults_fit_and_absurd_sizes_do_not() {
        let burgers = Sizes {
            inputs: 2,
            outputs: 1,
            width: 32,
            depth: 3,
            precision_bytes: 8,
            dense: true,
            memory: 100,
            points: 4096.0 + 1024.0,
            candidates: 16384,
            derivatives: 4,
            grid_points: 100.0 * 256.0,
        };
        assert!(
            estimate_bytes(&burgers) < 1e9,
            "{}",
            estimate_bytes(&burgers)
        );
        let wide = Sizes {
            width: 1_000_000,
            dense: false,
            ..burgers.clone()
        };
        assert!(estimate_bytes(&wide) > MAX_MEMORY_BYTES);
        let grid = Sizes {
            grid_points: 1e10,
            ..burgers
        };
        assert!(estimate_bytes(&grid) > MAX_MEMORY_BYTES);
    }

    #[test]
    fn devices_and_large_files_are_not_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(matches!(
            read_limited(dir.path(), 10),
            Err(ReadError::NotAFile)
        ));
        let file = dir.path().join("f");
        std::fs::write(&file, b"0123456789ab").expect("write");
        assert!(matches!(
            read_limited(&file, 10),
            Err(ReadError::TooLarge { limit: 10 })
        ));
        assert_eq!(read_limited(&file, 12).expect("fits"), b"0123456789ab");
        if Path::new("/dev/zero").exists() {
            assert!(matches!(
                read_limited(Path::new("/dev/zero"), 10),
                Err(ReadError::NotAFile)
            ));
        }
    }
}
