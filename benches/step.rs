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
use pinn::config::{NetConfig, RunConfig, TrainConfig};
use pinn::expr::{BinOp, Expr};
use pinn::multi_index::MultiIndex;
use pinn::net::{Network, Real};
use pinn::problem::{Problem, Region, Term};
use pinn::train::{Adam, Objective};

fn burgers_residual() -> Problem {
    let u = |d: Vec<usize>| Expr::Output {
        out: 0,
        d: MultiIndex::new(d),
    };
    let bin = |op, a, b| Expr::Bin(op, Box::new(a), Box::new(b));
    let r = bin(
        BinOp::Add,
        u(vec![0]),
        bin(BinOp::Mul, u(vec![]), u(vec![1])),
    );
    let r = bin(
        BinOp::Sub,
        r,
        bin(
            BinOp::Mul,
            Expr::Num(0.01 / std::f64::consts::PI),
            u(vec![1, 1]),
        ),
    );
    Problem {
        name: "burgers-residual".into(),
        title: "Burgers residual only".into(),
        source: "bench".into(),
        inputs: vec!["t".into(), "x".into()],
        outputs: vec!["u".into()],
        constants: vec![],
        domain: vec![[0.0, 1.0], [-1.0, 1.0]],
        terms: vec![(
            Term {
                name: "pde".into(),
                expr: r,
                text: String::new(),
            },
            Region::Interior,
        )],
        reference: None,
        grid: vec![],
        config: RunConfig::default(),
    }
}

fn bench_precision<E: Real>(c: &mut Criterion, label: &str)
where
    Cpu: Device<E>,
{
    let problem = burgers_residual();
    let net_config = NetConfig {
        width: 64,
        depth: 3,
        omega: 1.0,
        ..NetConfig::default()
    };
    let mut net = Network::<E>::new(&net_config, &problem.domain, 1);
    let train = TrainConfig {
        interior_points: 4096,
        ..TrainConfig::default()
    };
    let objective = Objective::new(&problem, &train, &net);
    let mut adam = Adam::new(net.n_params());
    let mut params = net.flat_params();
    c.bench_function(
        &format!("step 2-64-64-64-1, 4096 points, u_t u_x u_xx, {label}"),
        |b| {
            b.iter(|| {
                let (_, grads) = objective.losses_and_gradient(&net);
                adam.step(&mut params, &pinn::jet::flatten_grads(&grads), 1e-3);
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
