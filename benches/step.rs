//! One training step (jets + backward + Adam update) of a 2-64-64-64-1
//! simple sine network on 4096 points with u_t, u_x, u_xx (the Burgers
//! residual), in f32 and f64.
//!
//! Run: `cargo bench --bench step`. Compare with a PyTorch CPU step for the
//! same case (about 28 ms f32, 71 ms f64 on one core of the reference machine).

use criterion::{criterion_group, criterion_main, Criterion};

// The same allocator as the binary: big tensors are reused, not mapped anew.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use dfdx::prelude::{Cpu, Device};
use pinn::config::{NetConfig, Omega, RunConfig};
use pinn::geometry::Region;
use pinn::net::Network;
use pinn::problem::{EquationFile, Problem};
use pinn::scalar::Real;
use pinn::train::{Adam, Objective, ResidualLoss};

/// The built-in Burgers problem with its interior residual only.
fn burgers_residual() -> Problem {
    let mut problem = EquationFile::load("burgers")
        .expect("built-in burgers")
        .problem;
    problem
        .pde
        .terms
        .retain(|(_, region)| *region == Region::Interior);
    problem
}

fn bench_precision<E: Real>(c: &mut Criterion, label: &str)
where
    Cpu: Device<E>,
{
    let problem = burgers_residual();
    let net_config = NetConfig {
        width: 64,
        depth: 3,
        omega: Omega::Value(1.0),
        ..NetConfig::default()
    };
    let mut net = Network::<E>::new(&net_config, &problem.pde.domain, 1);
    let mut config = RunConfig::default();
    config.sampling.interior_points = 4096;
    let objective = ResidualLoss::new(&problem, &config, &net);
    let mut adam = Adam::new(net.n_params());
    let mut params = net.flat_params();
    c.bench_function(
        &format!("step 2-64-64-64-1, 4096 points, u_t u_x u_xx, {label}"),
        |b| {
            b.iter(|| {
                let (_, grad) = objective.losses_and_gradient(&net);
                adam.step(&mut params, &grad, 1e-3);
                net.set_flat_params(&params);
            })
        },
    );
}

fn steps(c: &mut Criterion) {
    bench_precision::<f32>(c, "f32");
    bench_precision::<f64>(c, "f64");
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = steps
}
criterion_main!(benches);
