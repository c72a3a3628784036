//! A PDE declared in Rust, trained, and checked against its exact solution,
//! through the library alone (no equation file, no run folder).
//!
//! The heat equation u_t = α u_xx on t ∈ [0, 1], x ∈ [0, 1] with two modes,
//! u(0, x) = sin πx + ½ sin 3πx and u = 0 at both ends; exactly
//! u = e^{−απ²t} sin πx + ½ e^{−9απ²t} sin 3πx. The PDE residual is Rust code
//! (run on the same jets as an expression), the conditions are expressions.
//!
//! `cargo run --release --example heat_in_code [QUASI_NEWTON_ITERATIONS]`
//! (default 1500) prints the relative L2 error.

use pinn::config::{Omega, Precision, QuasiNewtonMethod, RunConfig};
use pinn::expr::Values;
use pinn::problem::{Condition, ProblemBuilder};
use pinn::solve::{train_and_evaluate, TrainOptions};

/// The diffusivity.
const ALPHA: f64 = 0.05;

/// Builds the problem, trains with `iterations` of self-scaled BFGS after
/// 300 Adam steps, and returns the relative L2 error against the exact
/// solution on the reference grid.
pub fn solve(iterations: usize) -> Result<f64, Box<dyn std::error::Error>> {
    let mut config = RunConfig::default();
    config.network.width = 20;
    config.network.omega = Omega::Value(1.0);
    config.network.precision = Precision::F64;
    config.adam.steps = 300;
    config.quasi_newton.method = QuasiNewtonMethod::SsBfgs;
    config.quasi_newton.iters = iterations;
    config.sampling.interior_points = 1024;
    config.sampling.condition_points = 128;
    let file = ProblemBuilder::new("heat-in-code")
        .title("Heat equation with two modes, declared in Rust")
        .inputs(&["t", "x"])
        .outputs(&["u"])
        .constant("alpha", ALPHA)
        .domain("t", 0.0, 1.0)
        .domain("x", 0.0, 1.0)
        // u_t − α u_xx, written in Rust: reads u_t and u_xx, in that order.
        .residual_code("diffusion", &["u_t", "u_xx"], |v: &mut dyn Values| {
            let (u_t, u_xx) = (v.read(0), v.read(1));
            let diffusion = v.mul_scalar(u_xx, ALPHA);
            v.sub(u_t, diffusion)
        })
        .condition(Condition::on("t = 0").require("u = sin(pi * x) + 0.5 * sin(3 * pi * x)"))
        .condition(Condition::on("x = 0, x = 1").require("u = 0"))
        .reference(
            "u",
            "exp(-alpha * pi^2 * t) * sin(pi * x) + 0.5 * exp(-9 * alpha * pi^2 * t) * sin(3 * pi * x)",
        )
        .config(config)
        .build()?;
    let trained = train_and_evaluate(&file.problem, &file.config, TrainOptions::default())?;
    println!("{}", trained.summary.line());
    let errors = trained
        .summary
        .errors
        .ok_or("the problem has a reference")?;
    Ok(errors.rel_l2[0])
}

#[allow(dead_code)] // the integration test includes this file and calls `solve`
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let iterations = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 1500,
    };
    let error = solve(iterations)?;
    println!("relative L2 error of u: {error:.3e}");
    Ok(())
}
