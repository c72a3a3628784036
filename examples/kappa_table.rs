//! Measures the κ table of the simple sine network and prints it as the
//! Rust source of `pinn::bandwidth::kappa::KAPPA_TABLE`, with the spread of
//! bandwidth/ω per entry as a comment.
//!
//! `cargo run --release --example kappa_table [INPUT_DIM…]` (default 1 2 3)

use pinn::bandwidth::kappa::{default_omegas, measure_kappa, TABLE_SEEDS};
use pinn::bandwidth::DEFAULT_SHARE;
use pinn::config::NetConfig;

fn main() {
    let shapes = [(64, 3), (64, 2), (64, 4), (32, 3), (128, 3)];
    let omegas = default_omegas();
    let dims: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("input dimension"))
        .collect();
    let dims = if dims.is_empty() { vec![1, 2, 3] } else { dims };
    for input_dim in dims {
        for &(width, depth) in &shapes {
            let config = NetConfig {
                width,
                depth,
                ..NetConfig::default()
            };
            let fit = measure_kappa(&config, input_dim, &omegas, TABLE_SEEDS, DEFAULT_SHARE);
            let (lo, hi) = fit.ratio_range;
            println!(
                "    entry({input_dim}, {width}, {depth}, {:.4}, {:.4}), // b/ω in [{lo:.3}, {hi:.3}]",
                fit.kappa, fit.r2
            );
        }
    }
}
