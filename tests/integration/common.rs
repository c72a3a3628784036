//! Helpers shared by the test modules.

use pinn::config::{NetConfig, NetKind};
use pinn::net::Network;

/// A small f64 network on t ∈ [0, 1], x ∈ [−1, 1].
pub fn small_net(kind: NetKind, omega: f64, seed: u64) -> Network<f64> {
    let config = NetConfig {
        kind,
        width: 12,
        depth: 3,
        omega,
        seed,
        ..NetConfig::default()
    };
    Network::new(&config, &[[0.0, 1.0], [-1.0, 1.0]], 2)
}

/// A few fixed points inside t ∈ [0, 1], x ∈ [−1, 1].
pub fn sample_points() -> Vec<Vec<f64>> {
    vec![
        vec![0.13, -0.71],
        vec![0.5, 0.2],
        vec![0.87, 0.93],
        vec![0.31, -0.05],
    ]
}

/// Runs the `pinn` binary: (exit code, stdout, stderr).
pub fn pinn(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pinn"))
        .args(args)
        .output()
        .expect("run pinn");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts that the equation file `text` is refused with a message that
/// contains `expected` (a position such as `bad.toml:6:8:` and words).
pub fn refused(text: &str, file: &str, expected: &str) {
    let Err(e) = pinn::problem::Problem::from_toml(text, file) else {
        panic!("accepted, expected an error with '{expected}':\n{text}");
    };
    let e = e.to_string();
    assert!(e.contains(expected), "expected '{expected}' in:\n{e}");
}
