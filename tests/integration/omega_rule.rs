//! The ω rule (README, "ω from the kernel bandwidth"): f_max from known data
//! and point density, then ω = 2π·f_max/κ, on inputs of known frequency.

use pinn::bandwidth::rule::{grid_frequencies, nyquist_of_box, SAMPLES_PER_PERIOD};
use pinn::bandwidth::{kappa_for, OmegaChoice, DATA_SHARE};
use pinn::config::NetConfig;
use pinn::fit::{auto_omega, Signal, SignalKind};
use pinn::problem::EquationFile;
use std::f64::consts::PI;

/// A pure tone on bin k of an n-point window reads f_k + (share − ½)·Δf
/// (the energy of a bin is spread evenly over it; see bandwidth::spectrum).
fn tone_reading(f: f64, bin_width: f64) -> f64 {
    f + (DATA_SHARE - 0.5) * bin_width
}

#[test]
fn grid_frequencies_find_each_axis_tone() {
    // sin(2π·2y)·cos(2π·5x) over a 64 × 128 grid of unit-length axes
    // (periodic windows, so every tone sits on a bin).
    let (ny, nx) = (64, 128);
    let (dy, dx) = (1.0 / ny as f64, 1.0 / nx as f64);
    let values: Vec<f64> = (0..ny * nx)
        .map(|i| {
            let (y, x) = ((i / nx) as f64 * dy, (i % nx) as f64 * dx);
            (2.0 * PI * 2.0 * y).sin() * (2.0 * PI * 5.0 * x).cos()
        })
        .collect();
    let f = grid_frequencies(&[ny, nx], &[dy, dx], &[&values]);
    let fy = f[0].expect("varies along y");
    let fx = f[1].expect("varies along x");
    assert!((fy - tone_reading(2.0, 1.0)).abs() < 1e-9, "fy = {fy}");
    assert!((fx - tone_reading(5.0, 1.0)).abs() < 1e-9, "fx = {fx}");
    // A field constant along an axis has no frequency there.
    let stripes: Vec<f64> = (0..ny * nx)
        .map(|i| ((i % nx) as f64 * dx * 2.0 * PI * 3.0).sin())
        .collect();
    let f = grid_frequencies(&[ny, nx], &[dy, dx], &[&stripes]);
    assert_eq!(f[0], None);
    assert!((f[1].unwrap() - tone_reading(3.0, 1.0)).abs() < 1e-9);
}

#[test]
fn burgers_auto_omega_follows_its_initial_condition() {
    // u(0, x) = −sin(πx) on x ∈ [−1, 1]: in normalized coordinates one period
    // over the window of length 2, 0.5 cycles per unit (bin 1 of Δf ≈ 0.5);
    // nothing known varies along t; 6144 points give 78.4 per direction.
    let file = EquationFile::load("burgers").expect("built-in");
    let problem = file.problem.clone();
    let net = file.config.network.clone();
    let n = file.config.sampling.interior_points;
    let choice = OmegaChoice::for_problem(&problem, &net, n);
    let x = &choice.directions[1];
    assert_eq!(choice.directions[0].signal, None, "t: no data varies");
    let df = 1.0 / (512.0 * 2.0 / 511.0);
    let fx = x.signal.expect("x: the initial condition varies");
    // The grid holds both ends (x = ±1), so the sine is not exactly periodic
    // on the window and leaks a little: 1e-3 of a bin width.
    assert!((fx - tone_reading(df, df)).abs() < 1e-3 * df, "fx = {fx}");
    assert!((x.nyquist - nyquist_of_box(n, 2)).abs() < 1e-12);
    assert!((nyquist_of_box(n, 2) - (n as f64).sqrt() / 4.0).abs() < 1e-12);
    assert_eq!(
        choice.f_max, fx,
        "the data asks for less than the points allow"
    );
    let kappa = kappa_for(&net, 2);
    assert!((choice.omega - 2.0 * PI * fx / kappa).abs() < 1e-12);
}

#[test]
fn an_equation_with_nothing_known_that_varies_gets_one_cycle_per_unit() {
    // Steady viscous Burgers with constant boundary values: no data varies,
    // the linear part (ν u_xx alone) implies nothing, and 4096 points in
    // 1D would allow 256 cycles per unit.
    let file = EquationFile::from_toml(
        r#"
name = "shock"
inputs = ["x"]
outputs = ["u"]
domain = { x = [-1, 1] }
[residuals]
burgers = "u * u_x - 0.05 * u_xx"
[[conditions]]
on = "x = -1, x = 1"
require = "u = -tanh(x / 0.1)"
"#,
        "shock.toml",
    )
    .expect("valid");
    let net = file.config.network.clone();
    let choice = OmegaChoice::for_problem(&file.problem, &net, 4096);
    let d = &choice.directions[0];
    assert_eq!((d.signal, d.implied), (None, None));
    assert!(d.point_limit() > 100.0);
    assert_eq!(choice.f_max, pinn::bandwidth::NO_DATA_FREQUENCY);
    assert!((choice.omega - 2.0 * PI * choice.f_max / kappa_for(&net, 1)).abs() < 1e-12);
}

fn tone_signal(samples: usize, cycles: f64) -> Signal {
    let t: Vec<f64> = (0..samples).map(|i| i as f64).collect();
    let span = (samples - 1) as f64;
    Signal {
        name: "tone".into(),
        kind: SignalKind::Table {
            column: "v".into(),
            time_column: None,
        },
        axis_names: vec!["t".into()],
        channel_names: vec!["v".into()],
        channels: vec![t
            .iter()
            .map(|&t| (2.0 * PI * cycles * t / span).sin())
            .collect()],
        axes: vec![t],
    }
}

#[test]
fn fit_auto_omega_reads_the_training_samples() {
    let net = NetConfig::default();
    // 6 cycles over the signal: in normalized units (span 2) 3 cycles per
    // unit, well below the training grid's Nyquist limit (1025 samples, every
    // other one trains: spacing 4/1024, Nyquist 128).
    let choice = auto_omega(&tone_signal(1025, 6.0), &net);
    let d = &choice.directions[0];
    assert!((d.nyquist - 128.0).abs() < 1e-9, "Nyquist {}", d.nyquist);
    let f = d.signal.expect("a tone");
    // 513 training samples cover 2 + 4/1024 units: bins of Δf ≈ 0.499.
    let df = 1.0 / (513.0 * 4.0 / 1024.0);
    assert!(f > 3.0 - df && f < 3.0 + df, "f = {f}");
    assert_eq!(choice.f_max, f);
    // A tone above the training samples' Nyquist frequency cannot be asked
    // for: 400 cycles on 1025 samples alias on the 513 training samples, and
    // the choice is capped at the points' limit, a period of 8 spacings.
    let fast = auto_omega(&tone_signal(1025, 400.0), &net);
    let d = &fast.directions[0];
    assert_eq!(SAMPLES_PER_PERIOD, 8.0);
    assert!((d.point_limit() - 32.0).abs() < 1e-9, "{}", d.point_limit());
    assert_eq!(fast.f_max, d.point_limit());
    // So is a tone below Nyquist but above the limit: 160 cycles, 80 per
    // unit on a training grid of Nyquist 128.
    let mid = auto_omega(&tone_signal(1025, 160.0), &net);
    let f = mid.directions[0].signal.expect("a tone");
    // (The energy share of a tone that is not periodic on the window reaches
    // past its bin through leakage.)
    assert!(f > 79.0 && f < 90.0, "f = {f}");
    assert_eq!(mid.f_max, mid.directions[0].point_limit());
}

#[test]
fn the_bulk_of_the_data_sets_the_band_not_its_tail() {
    // A tone carrying 92% of the energy at 3 cycles per unit and a weak one
    // (amplitude 0.3, 8% of the energy) at 40: the band covers the strong
    // tone only, since DATA_SHARE (85%) of the energy lies at it. A 99%
    // share would have read the weak one.
    let n = 1024;
    let dx = 1.0 / n as f64;
    let values: Vec<f64> = (0..n)
        .map(|i| {
            let x = i as f64 * dx;
            (2.0 * PI * 3.0 * x).sin() + 0.3 * (2.0 * PI * 40.0 * x).sin()
        })
        .collect();
    let f = grid_frequencies(&[n], &[dx], &[&values])[0].expect("varies");
    let strong_share = 1.0 / 1.09;
    assert!(DATA_SHARE < strong_share);
    // Bin 3 covers [2.5, 3.5] and holds 1/1.09 of the energy, spread evenly.
    let expected = 2.5 + DATA_SHARE / strong_share;
    assert!((f - expected).abs() < 1e-9, "f = {f}, expected {expected}");
    let high = pinn::bandwidth::EnergySpectrum::of(&values, dx).share_frequency(0.99);
    assert!(
        high > 39.5 && high < 40.5,
        "99% reads the weak tone: {high}"
    );
}
