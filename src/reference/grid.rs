//! Tensor grids in row-major order (last input fastest), the layout shared by
//! reference tables, evaluation grids and heatmaps.

/// `n` evenly spaced values from `lo` to `hi` inclusive; `n = 1` gives `[lo]`.
pub fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![lo],
        _ => {
            let step = (hi - lo) / (n - 1) as f64;
            // The last point is set exactly so `hi` is hit without rounding.
            (0..n)
                .map(|i| if i + 1 == n { hi } else { lo + step * i as f64 })
                .collect()
        }
    }
}

/// The per-axis index of row-major sample `i` (last axis fastest).
pub fn grid_index(shape: &[usize], mut i: usize) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (k, &n) in shape.iter().enumerate().rev() {
        idx[k] = i % n;
        i /= n;
    }
    idx
}

/// All combinations of the axis values, row-major: the last axis varies
/// fastest. An empty axis list gives one empty point.
pub fn tensor_product(axes: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut points = vec![Vec::with_capacity(axes.len())];
    for axis in axes {
        points = points
            .iter()
            .flat_map(|p| {
                axis.iter().map(move |&v| {
                    let mut q = p.clone();
                    q.push(v);
                    q
                })
            })
            .collect();
    }
    points
}

/// The tensor grid of `(lo, hi, n)` per input, row-major (last input fastest).
pub fn grid_points(axes: &[(f64, f64, usize)]) -> Vec<Vec<f64>> {
    let values: Vec<Vec<f64>> = axes
        .iter()
        .map(|&(lo, hi, n)| linspace(lo, hi, n))
        .collect();
    tensor_product(&values)
}

/// The distinct coordinate values of a point set, per input.
#[derive(Clone, Debug, PartialEq)]
pub struct GridAxes {
    /// Sorted unique values of each input.
    pub axes: Vec<Vec<f64>>,
    /// True when the points are exactly `tensor_product(&axes)`, in that
    /// order, so values can be drawn as a heatmap without resampling.
    pub is_tensor_grid: bool,
}

/// Finds the per-input unique values of `points` (each with `n_inputs`
/// coordinates) and whether the points form the full row-major grid.
/// Values are compared exactly: tables written from one grid repeat the same
/// decimal strings, so they parse to identical numbers.
pub fn detect_grid(points: &[Vec<f64>], n_inputs: usize) -> GridAxes {
    let axes: Vec<Vec<f64>> = (0..n_inputs)
        .map(|i| {
            let mut v: Vec<f64> = points.iter().filter_map(|p| p.get(i).copied()).collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            v
        })
        .collect();
    let size: usize = axes.iter().map(Vec::len).product();
    let is_tensor_grid = !points.is_empty()
        && size == points.len()
        && points
            .iter()
            .zip(tensor_product(&axes))
            .all(|(p, g)| *p == g);
    GridAxes {
        axes,
        is_tensor_grid,
    }
}
