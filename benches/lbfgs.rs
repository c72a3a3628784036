//! One L-BFGS iteration (direction, Moré–Thuente line search, memory update)
//! on a cheap convex function of 8577 parameters (the size of a 2-64-64-64-1
//! network), so the time is the solver's own overhead: argmin's L-BFGS against
//! `pinn::train::Lbfgs`, memory 100 and 300, measured in the same run.
//!
//! Run: `cargo bench --bench lbfgs`.

use argmin::core::{CostFunction, Error, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use criterion::{criterion_group, criterion_main, Criterion};
use pinn::train::Lbfgs;
use std::time::Duration;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const N: usize = 8577;

/// f(x) = Σ c_i x_i² + x_i⁴ with c_i = 1 … 97: cheap, and conditioned so
/// that the line search mostly accepts its first step, so the time is the
/// solver's own (and L-BFGS does not converge before its memory has filled).
struct Quartic;

fn curvature(i: usize) -> f64 {
    1.0 + (i % 97) as f64
}

impl CostFunction for Quartic {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
        Ok(p.iter()
            .enumerate()
            .map(|(i, x)| curvature(i) * x * x + x.powi(4))
            .sum())
    }
}

impl Gradient for Quartic {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, Error> {
        Ok(p.iter()
            .enumerate()
            .map(|(i, x)| 2.0 * curvature(i) * x + 4.0 * x.powi(3))
            .collect())
    }
}

fn start() -> Vec<f64> {
    (0..N)
        .map(|i| ((i * 7919) % 1000) as f64 / 1000.0)
        .collect()
}

/// Time per iteration, over runs of up to `memory + 50` iterations (a run
/// that converges first counts the iterations it made).
fn bench_memory(c: &mut Criterion, memory: usize) {
    let iters = memory as u64 + 50;
    report_evaluations(memory, iters);
    let mut group = c.benchmark_group(format!("L-BFGS iteration, n {N}, memory {memory}"));
    group.sample_size(10);
    group.bench_function("argmin LBFGS", |b| {
        b.iter_custom(|runs| {
            let (t, mut done) = (std::time::Instant::now(), 0);
            for _ in 0..runs {
                let solver = LBFGS::new(MoreThuenteLineSearch::new(), memory)
                    .with_tolerance_grad(0.0)
                    .and_then(|s| s.with_tolerance_cost(0.0))
                    .expect("valid tolerances");
                let run = Executor::new(Quartic, solver)
                    .configure(|s| s.param(start()).max_iters(iters))
                    .run()
                    .expect("a run");
                done += run.state.iter;
            }
            per_iteration(t.elapsed(), runs, done)
        })
    });
    group.bench_function("pinn Lbfgs", |b| {
        b.iter_custom(|runs| {
            let (t, mut done) = (std::time::Instant::now(), 0);
            for _ in 0..runs {
                let run = Executor::new(Quartic, Lbfgs::new(memory, 0.0))
                    .configure(|s| s.param(start()).max_iters(iters))
                    .run()
                    .expect("a run");
                done += run.state.iter;
            }
            per_iteration(t.elapsed(), runs, done)
        })
    });
    group.finish();
}

/// Prints gradient evaluations per iteration of one run of each solver, so
/// the timings compare solver overheads at equal line-search work.
fn report_evaluations(memory: usize, iters: u64) {
    let argmin_solver = LBFGS::new(MoreThuenteLineSearch::new(), memory)
        .with_tolerance_grad(0.0)
        .and_then(|s| s.with_tolerance_cost(0.0))
        .expect("valid tolerances");
    let per_iter = |counts: &std::collections::HashMap<String, u64>, iters: u64| {
        counts.get("gradient_count").copied().unwrap_or(0) as f64 / iters.max(1) as f64
    };
    let a = Executor::new(Quartic, argmin_solver)
        .configure(|s| s.param(start()).max_iters(iters).counting(true))
        .run()
        .expect("a run");
    let p = Executor::new(Quartic, Lbfgs::new(memory, 0.0))
        .configure(|s| s.param(start()).max_iters(iters).counting(true))
        .run()
        .expect("a run");
    println!(
        "memory {memory}: gradient evaluations per iteration: argmin {:.2} ({} it.), pinn {:.2} ({} it.)",
        per_iter(&a.state.counts, a.state.iter),
        a.state.iter,
        per_iter(&p.state.counts, p.state.iter),
        p.state.iter
    );
}

/// criterion times `runs` routines; one routine is one iteration.
fn per_iteration(elapsed: Duration, runs: u64, iterations: u64) -> Duration {
    elapsed.mul_f64(runs as f64 / iterations.max(1) as f64)
}

fn memories(c: &mut Criterion) {
    // (argmin at 1000 pairs takes minutes per sample; 100 and 300 show the trend.)
    bench_memory(c, 100);
    bench_memory(c, 300);
}

criterion_group!(benches, memories);
criterion_main!(benches);
