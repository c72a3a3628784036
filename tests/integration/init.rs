//! Initialization statistics (README, "Tests": init). For a hidden
//! pre-activation z of variance v, E[sin² z] = (1 − e^{−2v})/2, so the next
//! layer's variance is v' = n·Var(w)·2·E[sin² z]/2 + Var(b). For the simple
//! sine network (Var(w) = Var(b) = 2/n) that is v' = 1 − e^{−2v} + 2/n, whose
//! fixed point (≈ 0.80 for n = 256) every layer must sit at, whatever ω and
//! depth.

use pinn::config::{NetConfig, NetKind, Omega};
use pinn::net::Network;

fn variances(kind: NetKind, omega: f64, depth: usize) -> Vec<f64> {
    let config = NetConfig {
        kind,
        width: 256,
        depth,
        omega: Omega::Value(omega),
        seed: 11,
        ..NetConfig::default()
    };
    let net = Network::<f64>::new(&config, &[[-1.0, 1.0], [-1.0, 1.0]], 1);
    let points: Vec<Vec<f64>> = (0..32)
        .flat_map(|i| {
            (0..32).map(move |j| vec![-1.0 + 2.0 * i as f64 / 31.0, -1.0 + 2.0 * j as f64 / 31.0])
        })
        .collect();
    net.preactivations(&points)
        .iter()
        .map(|z| {
            let mean = z.iter().sum::<f64>() / z.len() as f64;
            z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / z.len() as f64
        })
        .collect()
}

/// Fixed point of v ↦ 1 − e^{−2v} + c.
fn fixed_point(c: f64) -> f64 {
    (0..200).fold(1.0, |v, _| 1.0 - (-2.0 * v).exp() + c)
}

#[test]
fn simple_sine_preactivation_variance_is_stable_with_depth() {
    let expected = fixed_point(2.0 / 256.0);
    for omega in [1.0, 10.0] {
        let v = variances(NetKind::SimpleSine, omega, 8);
        // Layer 1 depends on ω and the inputs; from layer 3 on the variance
        // sits at the fixed point (±10% for a finite width of 256 and 1024 points).
        for (l, var) in v.iter().enumerate().skip(2) {
            assert!(
                (var / expected - 1.0).abs() < 0.1,
                "ω={omega} layer {}: variance {var:.3}, expected {expected:.3} (all: {v:?})",
                l + 1
            );
        }
    }
}

#[test]
fn siren_preactivations_are_stable_too() {
    // SIREN: ω₀(Wx+b), W ~ U(±√(6/n)/ω₀) and b ~ U(±1/√n): v' = 1 − e^{−2v} + ω₀²/(3n).
    let expected = fixed_point(900.0 / (3.0 * 256.0));
    let v = variances(NetKind::Siren, 30.0, 8);
    // Half of v' comes from only 256 bias draws per layer (sampling error ≈ 9%
    // of that half), hence 15%.
    for (l, var) in v.iter().enumerate().skip(2) {
        assert!(
            (var / expected - 1.0).abs() < 0.15,
            "layer {}: variance {var:.3}, expected {expected:.3} (all: {v:?})",
            l + 1
        );
    }
}

#[test]
fn weights_have_the_kaiming_variance() {
    // Every parameter of the simple sine net ~ N(0, 2/fan_in).
    let config = NetConfig {
        width: 512,
        depth: 2,
        seed: 5,
        omega: Omega::Value(1.0),
        ..NetConfig::default()
    };
    let net = Network::<f64>::new(&config, &[[0.0, 1.0], [0.0, 1.0]], 1);
    let w = net.layers[1].w.as_vec();
    let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
    // 262144 draws: the sample variance is within 1% of 2/512 with overwhelming probability.
    assert!((var / (2.0 / 512.0) - 1.0).abs() < 0.01, "variance {var}");
}
