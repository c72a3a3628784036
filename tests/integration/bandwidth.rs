//! The bandwidth module: empirical NTK against finite differences and a
//! closed form, the measured κ against its table, the Gaussian
//! approximation through the measurement pipeline, and init statistics.

use crate::common::pinn;
use pinn::bandwidth::init_stats::{layer_values, Bins};
use pinn::bandwidth::kappa::{default_omegas, measure_kappa, KappaEntry, TABLE_SEEDS};
use pinn::bandwidth::measure::{axis_points, kernel_length, KernelGrid};
use pinn::bandwidth::{
    gram_eigenvalues, kappa_for, ntk, omega_for_frequency, param_jacobian, EnergySpectrum,
    GaussianKernel, DEFAULT_SHARE, KAPPA_TABLE,
};
use pinn::config::{NetConfig, NetKind, Omega};
use pinn::jet::predict;
use pinn::net::Network;
use std::f64::consts::PI;

/// A small net on [−1, 1]² (identity normalization) with two outputs, so
/// that only output 0 must enter the kernel.
fn tiny_net(kind: NetKind, omega: f64, depth: usize) -> Network<f64> {
    let config = NetConfig {
        kind,
        width: 6,
        depth,
        omega: Omega::Value(omega),
        seed: 3,
        ..NetConfig::default()
    };
    Network::new(&config, &[[-1.0, 1.0], [-1.0, 1.0]], 2)
}

fn points() -> Vec<Vec<f64>> {
    vec![
        vec![0.3, -0.7],
        vec![-0.9, 0.1],
        vec![0.0, 0.0],
        vec![0.55, 0.95],
    ]
}

/// ∂y₀/∂θ by central differences of the library's own forward pass.
fn fd_jacobian(net: &Network<f64>, x: &[Vec<f64>], h: f64) -> Vec<Vec<f64>> {
    let theta = net.flat_params();
    let mut probe = net.clone();
    let mut out = vec![vec![0.0; theta.len()]; x.len()];
    for p in 0..theta.len() {
        let mut shifted = theta.clone();
        shifted[p] = theta[p] + h;
        probe.set_flat_params(&shifted);
        let plus = predict(&probe, x).swap_remove(0);
        shifted[p] = theta[p] - h;
        probe.set_flat_params(&shifted);
        let minus = predict(&probe, x).swap_remove(0);
        for n in 0..x.len() {
            out[n][p] = (plus[n] - minus[n]) / (2.0 * h);
        }
    }
    out
}

#[test]
fn ntk_matches_finite_differences_for_every_family() {
    // ω = 2 for SIREN too: with ω₀ = 30 in every layer the third derivatives
    // that limit central differences would be ~30⁶ times larger.
    for kind in [NetKind::SimpleSine, NetKind::Siren, NetKind::Tanh] {
        let net = tiny_net(kind, 2.0, 2);
        let x = points();
        let fd = fd_jacobian(&net, &x, 1e-5);
        let jac = param_jacobian(&net, &x);
        let theta = ntk(&net, &x, &x);
        let scale = theta.amax();
        for n in 0..x.len() {
            for (p, &g) in fd[n].iter().enumerate() {
                // Central differences: error h²·f'''/6 ≈ 1e-9 here, plus
                // rounding 1e-16/h ≈ 1e-11.
                assert!(
                    (jac[(n, p)] - g).abs() < 1e-7,
                    "{kind:?} point {n} param {p}"
                );
            }
            for m in 0..x.len() {
                let fd_theta: f64 = fd[n].iter().zip(&fd[m]).map(|(a, b)| a * b).sum();
                assert!(
                    (theta[(n, m)] - fd_theta).abs() < 1e-7 * scale,
                    "{kind:?} Θ({n},{m}) = {} vs J Jᵀ = {fd_theta}",
                    theta[(n, m)]
                );
            }
        }
    }
}

#[test]
fn one_hidden_layer_kernel_has_its_closed_form() {
    // f(x) = Σ_j v_j sin(z_j(x)) + c, z_j = s (w_j·x + b_j), output layer
    // linear. Gradients: ∂f/∂v_j = sin z_j, ∂f/∂c = 1,
    // ∂f/∂w_ij = v_j cos z_j · s x_i, ∂f/∂b_j = v_j cos z_j · s, hence
    //   Θ(x, x') = Σ_j sin z_j(x) sin z_j(x') + 1
    //            + Σ_j v_j² s² cos z_j(x) cos z_j(x') (x·x' + 1).
    let net = tiny_net(NetKind::SimpleSine, 2.5, 1);
    let (l1, l2) = (&net.layers[0], &net.layers[1]);
    let (w, b, s) = (l1.w.as_vec(), l1.b.as_vec(), l1.scale);
    // Output layer W is (width, 2), row-major: v_j = W[j][0].
    let v: Vec<f64> = l2.w.as_vec().chunks(2).map(|r| r[0]).collect();
    let width = b.len();
    let z = |x: &[f64], j: usize| s * (x[0] * w[j] + x[1] * w[width + j] + b[j]);
    let closed = |x: &[f64], y: &[f64]| {
        let dot = x[0] * y[0] + x[1] * y[1];
        (0..width)
            .map(|j| {
                let (zx, zy) = (z(x, j), z(y, j));
                zx.sin() * zy.sin() + v[j].powi(2) * s * s * zx.cos() * zy.cos() * (dot + 1.0)
            })
            .sum::<f64>()
            + 1.0
    };
    let x = points();
    let theta = ntk(&net, &x, &x);
    for n in 0..x.len() {
        for m in 0..x.len() {
            let c = closed(&x[n], &x[m]);
            assert!(
                (theta[(n, m)] - c).abs() < 1e-12 * c.abs().max(1.0),
                "Θ({n},{m})"
            );
        }
    }
}

#[test]
fn gram_eigenvalues_are_sorted_and_nonnegative() {
    let net = tiny_net(NetKind::SimpleSine, 3.0, 2);
    let x: Vec<Vec<f64>> = (0..40).map(|k| vec![-1.0 + k as f64 / 20.0, 0.2]).collect();
    let eig = gram_eigenvalues(&net, &x);
    assert_eq!(eig.len(), 40);
    assert!(eig.windows(2).all(|w| w[0] >= w[1]));
    // Θ = J Jᵀ is positive semi-definite; rounding leaves |λ| ≲ 1e-12·λ_max.
    assert!(eig[39] > -1e-10 * eig[0], "{eig:?}");
    // The trace is the sum of the eigenvalues.
    let trace = ntk(&net, &x, &x).trace();
    assert!((eig.iter().sum::<f64>() / trace - 1.0).abs() < 1e-10);
}

#[test]
fn the_pipeline_recovers_the_gaussian_closed_form() {
    // The Gaussian approximation sampled on the measurement grid must give
    // back its own closed-form bandwidth erf⁻¹(p)·ωσ. The grid (±16 kernel
    // lengths) puts 11% of a Gaussian's energy into the DC bin the measure
    // leaves out, which raises the 99% frequency by 1.5%: hence 2%.
    for (omega, d) in [(0.5, 1), (4.0, 2), (8.0, 3)] {
        let config = NetConfig {
            omega: Omega::Value(omega),
            ..NetConfig::default()
        };
        let g = GaussianKernel::for_net(&config, d).expect("sine net");
        let grid = KernelGrid::for_net(&config, d);
        assert!((grid.half_width - 16.0 * g.length()).abs() < 1e-12);
        let row: Vec<f64> = grid.coordinates().iter().map(|&x| g.value(x)).collect();
        let measured = 2.0 * PI * EnergySpectrum::of(&row, grid.spacing()).share_frequency(0.99);
        let exact = g.bandwidth(0.99);
        assert!(
            (measured / exact - 1.0).abs() < 0.02,
            "ω={omega} d={d}: {measured} vs {exact}"
        );
    }
}

fn table_entry(input_dim: usize, width: usize, depth: usize) -> KappaEntry {
    *KAPPA_TABLE
        .iter()
        .find(|e| (e.input_dim, e.width, e.depth) == (input_dim, width, depth))
        .expect("table entry")
}

#[test]
fn kappa_table_entry_is_reproduced_with_other_seeds() {
    // (2 inputs, width 64, depth 3) re-measured with seeds 1000..1064
    // instead of the table's 0..64. Five disjoint 64-seed sets gave
    // κ = 3.04–3.20 against the table's 3.19 (the last 1% of the energy is
    // finite-width fluctuation), hence 6%.
    let entry = table_entry(2, 64, 3);
    let config = NetConfig {
        seed: 1000,
        width: 64,
        ..NetConfig::default()
    };
    let fit = measure_kappa(&config, 2, &default_omegas(), TABLE_SEEDS, DEFAULT_SHARE);
    assert!(
        (fit.kappa / entry.kappa - 1.0).abs() < 0.06,
        "κ {} vs table {}",
        fit.kappa,
        entry.kappa
    );
    assert!(fit.r2 >= 0.98, "R² {}", fit.r2);
    assert!(entry.r2 >= 0.98);
}

#[test]
fn the_omega_rule_uses_the_table() {
    let config = NetConfig {
        width: 64,
        ..NetConfig::default()
    };
    let kappa = kappa_for(&config, 2);
    assert_eq!(kappa, table_entry(2, 64, 3).kappa);
    // A band edge of f cycles per unit needs ω = 2πf/κ.
    let omega = omega_for_frequency(3.0, &config, 2);
    assert!((omega * kappa - 2.0 * PI * 3.0).abs() < 1e-12);
}

#[test]
fn kernel_rows_lie_along_axis_zero() {
    let pts = axis_points(&[-0.5, 0.25], 3);
    assert_eq!(pts, vec![vec![-0.5, 0.0, 0.0], vec![0.25, 0.0, 0.0]]);
    // s = 1/(ωσ₁), σ₁² = 2/fan_in for the simple sine net.
    let config = NetConfig {
        omega: Omega::Value(4.0),
        ..NetConfig::default()
    };
    assert!((kernel_length(&config, 2) - 0.25).abs() < 1e-12);
}

#[test]
fn init_statistics_summarize_every_layer() {
    let config = NetConfig {
        depth: 8,
        width: 64,
        omega: Omega::Value(1.0),
        ..NetConfig::default()
    };
    let v = layer_values(&config, 2, 512, 1);
    assert_eq!(v.preactivations.len(), 8);
    for (z, a) in v.preactivations.iter().zip(&v.activations) {
        assert_eq!(z.len(), 512 * 64);
        assert!(z.iter().zip(a).all(|(z, a)| (z.sin() - a).abs() < 1e-15));
        let s = Bins::symmetric_cover(z, 40).summarize(z);
        let mean = z.iter().sum::<f64>() / z.len() as f64;
        let var = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / z.len() as f64;
        assert!((s.mean - mean).abs() < 1e-12 && (s.std - var.sqrt()).abs() < 1e-12);
        // Bins that cover every value hold all of the density.
        let total: f64 = s.density.iter().sum::<f64>() * (s.centers[1] - s.centers[0]);
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        let act = Bins::activations(40).summarize(a);
        assert!((act.density.iter().sum::<f64>() * 0.05 - 1.0).abs() < 1e-9);
    }
    // Hidden layers sit at the variance fixed point v = 1 − e^{−2v} + 2/64,
    // v ≈ 0.845, std ≈ 0.92 (see init.rs); a width of 64 moves each layer
    // by up to 10%.
    for (l, z) in v.preactivations.iter().enumerate().skip(1) {
        let std = Bins::symmetric_cover(z, 40).summarize(z).std;
        assert!((std / 0.92 - 1.0).abs() < 0.1, "layer {}: std {std}", l + 1);
    }
}

#[test]
fn pinn_ntk_writes_tables_json_and_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ntk");
    let args = [
        "ntk",
        "--out",
        out.to_str().unwrap(),
        "--width",
        "16",
        "--depth",
        "2",
        "--input-dim",
        "2",
        "--omegas",
        "1,2,4",
        "--seeds",
        "2",
        "--net",
        "all",
    ];
    let (code, stdout, err) = pinn(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("κ =") && stdout.contains("R² ="),
        "{stdout}"
    );
    let mut files = vec![
        "ntk_rows.csv",
        "spectrum.csv",
        "bandwidth.csv",
        "kappa.json",
        "eigenvalues.csv",
        "init_stats.csv",
        "init_hist.csv",
        "bandwidth.png",
        "init_hist.png",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    for net in ["simple-sine", "siren", "tanh"] {
        for stem in ["ntk_rows", "spectrum", "eigenvalues", "kernel_2d"] {
            files.push(format!("{stem}_{net}.png"));
        }
    }
    for f in &files {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("kappa.json")).unwrap()).unwrap();
    assert_eq!(json["input_dim"], 2);
    assert_eq!(json["nets"][0]["net"], "simple-sine");
    assert!(json["nets"][0]["kappa"].as_f64().unwrap() > 0.0);
    // tanh has no ω, so no κ.
    assert!(json["nets"][2]["kappa"].is_null());
    let bandwidth = std::fs::read_to_string(out.join("bandwidth.csv")).unwrap();
    // Header plus three families × three ω.
    assert_eq!(bandwidth.lines().count(), 1 + 9);
    let rows = std::fs::read_to_string(out.join("ntk_rows.csv")).unwrap();
    assert!(
        rows.starts_with("x,simple-sine_omega_1,simple-sine_omega_2,"),
        "{}",
        &rows[..80]
    );
}

#[test]
fn pinn_ntk_refuses_bad_options_with_exit_code_2() {
    let cases: [(&[&str], &str); 6] = [
        (&["--omegas", ""], "at least one"),
        (&["--omegas", "1,x"], "'x' is not a number"),
        (&["--omegas", "1,-2"], "positive"),
        (&["--width", "0"], "--width"),
        (&["--share", "1.5"], "--share"),
        (&["--input-dim", "3"], "--input-dim"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["ntk", "--seeds", "1", "--out", "/nonexistent/never-written"];
        args.extend_from_slice(extra);
        let (code, _, err) = pinn(&args);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.contains(want), "{extra:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
