//! Automatic loss weights (`[train] balance`): a condition whose loss pulls
//! 1e4× harder than the residual at initialization is brought level with
//! it. Every term's gradient is taken independently of `rebalance`, by
//! giving the loss one-hot weights.

use pinn::config::{Balance, Omega};
use pinn::net::Network;
use pinn::problem::EquationFile;
use pinn::train::{Objective, ResidualLoss};

/// Poisson u_xx = −π² sin(πx) on [0, 1] with its walls weighted so that
/// their weighted gradient is 1e4 times the residual's at initialization
/// (as a hand-set weight or a term in other units would make it). The
/// balance starts from these weights and replaces them at its first update.
const LOPSIDED: &str = r#"
name = "lopsided"
inputs = ["x"]
outputs = ["u"]
domain = { x = [0, 1] }
[residuals]
poisson = "u_xx + pi^2 * sin(pi * x)"
[[conditions]]
name = "walls"
on = "x = 0, x = 1"
require = "u = 0"
"#;

/// The imbalance the walls' weight sets up.
const IMBALANCE: f64 = 1e4;

fn setup(balance: Balance) -> (ResidualLoss<f64>, Network<f64>) {
    let EquationFile { problem, config } =
        EquationFile::from_toml(LOPSIDED, "lopsided.toml").expect("valid problem");
    let mut config = config.clone();
    config.network.omega = Omega::Value(1.0);
    config.sampling.interior_points = 256;
    config.train.balance = Some(balance);
    let net = Network::<f64>::new(&config.network, &problem.pde.domain, 1);
    let g = term_gradients(&mut ResidualLoss::new(&problem, &config, &net), &net);
    let walls = IMBALANCE * norm(&g[0]) / norm(&g[1]);
    config.train.weights.insert("walls".into(), walls);
    (ResidualLoss::new(&problem, &config, &net), net)
}

fn norm(g: &[f64]) -> f64 {
    g.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// ∇L_i of every term alone, by one-hot weights.
fn term_gradients(loss: &mut ResidualLoss<f64>, net: &Network<f64>) -> Vec<Vec<f64>> {
    let n = loss.names().len();
    let saved = loss.weights.clone();
    let grads = (0..n)
        .map(|k| {
            let one: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i == k))).collect();
            loss.set_weights(&one);
            loss.losses_and_gradient(net).1
        })
        .collect();
    loss.set_weights(&saved);
    grads
}

#[test]
fn grad_norm_brings_a_term_1e4_times_stronger_level() {
    let (mut loss, net) = setup(Balance::GradNorm);
    let g = term_gradients(&mut loss, &net);
    let before = loss.weights[1] * norm(&g[1]) / (loss.weights[0] * norm(&g[0]));
    assert!(
        (before / IMBALANCE - 1.0).abs() < 1e-9,
        "the walls pull {before}× the residual"
    );
    let w = loss.rebalance(&net).expect("grad-norm changes the weights");
    // λ_i = Σ‖g_j‖/‖g_i‖: every weighted gradient has norm Σ‖g_j‖.
    let weighted: Vec<f64> = g.iter().zip(&w).map(|(g, w)| w * norm(g)).collect();
    assert!(
        (weighted[0] / weighted[1] - 1.0).abs() < 1e-12,
        "weighted norms {weighted:?}"
    );
    // The loss it now trains on has the weights it returned.
    let (losses, grad) = loss.losses_and_gradient(&net);
    let direct: Vec<f64> = (0..grad.len())
        .map(|p| w[0] * g[0][p] + w[1] * g[1][p])
        .collect();
    let diff: Vec<f64> = grad.iter().zip(&direct).map(|(a, b)| a - b).collect();
    assert!(norm(&diff) <= 1e-10 * norm(&direct));
    assert!((loss.total(&losses) - (w[0] * losses[0] + w[1] * losses[1])).abs() < 1e-9);
}

#[test]
fn annealing_weights_conditions_by_the_residual_gradients_largest_entry() {
    let (mut loss, net) = setup(Balance::Annealing);
    let g = term_gradients(&mut loss, &net);
    let before = loss.weights[1] * norm(&g[1]) / norm(&g[0]);
    let w = loss.rebalance(&net).expect("annealing changes the weights");
    // Wang, Teng & Perdikaris (2021), eq. 40: λ = max|∇L_r| / mean|∇L_c|.
    let max_r = g[0].iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mean_c = g[1].iter().map(|v| v.abs()).sum::<f64>() / g[1].len() as f64;
    assert_eq!(w[0], 1.0, "the residual keeps its weight");
    assert!(
        (w[1] / (max_r / mean_c) - 1.0).abs() < 1e-12,
        "weights {w:?}"
    );
    // The imbalance of 1e3 and more is brought within 30× (max against
    // mean: the annealing target leaves the ratio of a vector's largest
    // entry to its mean, √n at most for n parameters).
    let ratio = w[1] * norm(&g[1]) / norm(&g[0]);
    assert!(
        before > 1e3 && (1.0 / 30.0..=30.0).contains(&ratio),
        "weighted ratio {before} → {ratio}"
    );
}

#[test]
fn later_updates_average_with_momentum_and_fixed_weights_stay() {
    let (mut loss, mut net) = setup(Balance::GradNorm);
    let first = loss.rebalance(&net).unwrap();
    // Elsewhere in parameter space the target differs from the first update.
    let moved: Vec<f64> = net.flat_params().iter().map(|p| p * 0.7 + 0.05).collect();
    net.set_flat_params(&moved);
    let g = term_gradients(&mut loss, &net);
    let second = loss.rebalance(&net).unwrap();
    let sum = norm(&g[0]) + norm(&g[1]);
    let targets: Vec<f64> = g.iter().map(|g| sum / norm(g)).collect();
    let moved = targets.iter().zip(&first).map(|(t, a)| (t / a - 1.0).abs());
    assert!(moved.fold(0.0, f64::max) > 1e-2, "the targets moved");
    for ((a, b), t) in first.iter().zip(&second).zip(&targets) {
        assert!((b - (0.9 * a + 0.1 * t)).abs() <= 1e-9 * b.abs());
    }
    let (mut fixed, net) = setup(Balance::Fixed);
    let walls = fixed.weights[1];
    assert!(fixed.rebalance(&net).is_none());
    assert_eq!(fixed.weights, vec![1.0, walls]);
}

/// Causal training (`[train] causal`): a heat problem in t whose residual
/// is large at every time at initialization gets weights that fall along t.
#[test]
fn causal_weights_fall_along_t_and_leave_the_plain_loss_alone_until_updated() {
    use pinn::config::Placement;
    let source = r#"
name = "decay"
inputs = ["t", "x"]
outputs = ["u"]
domain = { t = [0, 1], x = [0, 1] }
[residuals]
heat = "u_t - 0.1 * u_xx - 5 * sin(3 * x)"
[[conditions]]
on = "t = 0"
require = "u = 0"
"#;
    let EquationFile { problem, config } =
        EquationFile::from_toml(source, "decay.toml").expect("valid problem");
    let mut config = config.clone();
    config.network.omega = Omega::Value(1.0);
    config.sampling.placement = Placement::Uniform;
    config.train.balance = Some(Balance::Fixed);
    let net = Network::<f64>::new(&config.network, &problem.pde.domain, 1);
    let plain = ResidualLoss::new(&problem, &config, &net);
    config.train.causal = true;
    config.train.causal_chunks = 16;
    let mut causal = ResidualLoss::new(&problem, &config, &net);
    // Same points; 4096 scrambled Sobol points put 256 in each chunk of t,
    // so with every weight 1 the chunk mean is the plain mean.
    assert_eq!(plain.interior_points(), causal.interior_points());
    let (a, b) = (plain.losses(&net)[0], causal.losses(&net)[0]);
    assert!(
        (a / b - 1.0).abs() < 1e-12,
        "plain {a}, causal before any update {b}"
    );
    // Fixed weights: no term weight changes, yet the causal weights do.
    assert!(causal.rebalance(&net).is_none());
    let w = causal.points_state().causal.expect("causal").weights;
    assert_eq!(w.len(), 16);
    assert_eq!(w[0], 1.0);
    assert!(w.windows(2).all(|p| p[1] < p[0]), "weights {w:?}");
    // Every chunk's loss is of the order of the mean at the start: the last
    // weight is about exp(−15).
    assert!(w[15] < 1e-4 && w[15] > 1e-9, "last weight {}", w[15]);
    assert!(causal.losses(&net)[0] < 0.5 * a);
    // The condition is not a residual: it is not weighted along t.
    assert_eq!(causal.losses(&net)[1], plain.losses(&net)[1]);
}
