//! One quasi-Newton iteration (direction, Moré–Thuente line search, model
//! update) on a cheap convex function, so the time is the solver's own
//! overhead, each measured in the same run as its baseline:
//! * L-BFGS, 8577 parameters (a 2-64-64-64-1 network), memory 100 and 300:
//!   argmin's `LBFGS` against `pinn::train::Lbfgs`;
//! * dense BFGS, 300 parameters: argmin's `BFGS` (n³ matrix products)
//!   against `pinn::train::Bfgs`; and 2241 parameters (a 2-32-32-32-1
//!   network, the Burgers default), `pinn::train::Bfgs` plain and
//!   self-scaled (argmin's would take seconds per iteration there).
//!
//! Run: `cargo bench --bench lbfgs`.

use argmin::core::{CostFunction, Error, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::{BFGS, LBFGS};
use criterion::{criterion_group, criterion_main, Criterion};
use pinn::train::{Bfgs, Lbfgs};
use std::time::Duration;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const N: usize = 8577;

/// f(x) = Σ c_i x_i² + x_i⁴ with c_i = 1 … 97 over `.0` parameters: cheap,
/// and conditioned so that the line search mostly accepts its first step, so
/// the time is the solver's own (and L-BFGS does not converge before its
/// memory has filled).
struct Quartic(usize);

fn curvature(i: usize) -> f64 {
    1.0 + (i % 97) as f64
}

impl CostFunction for Quartic {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
        debug_assert_eq!(p.len(), self.0);
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

fn start(n: usize) -> Vec<f64> {
    (0..n)
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
                let run = Executor::new(Quartic(N), solver)
                    .configure(|s| s.param(start(N)).max_iters(iters))
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
                let run = Executor::new(Quartic(N), Lbfgs::limited(memory, 0.0))
                    .configure(|s| s.param(start(N)).max_iters(iters))
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
    let a = Executor::new(Quartic(N), argmin_solver)
        .configure(|s| s.param(start(N)).max_iters(iters).counting(true))
        .run()
        .expect("a run");
    let p = Executor::new(Quartic(N), Lbfgs::limited(memory, 0.0))
        .configure(|s| s.param(start(N)).max_iters(iters).counting(true))
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

/// Time per iteration, `run` doing one run and returning its iterations.
fn time_runs(b: &mut criterion::Bencher, run: impl Fn() -> u64) {
    b.iter_custom(|runs| {
        let (t, mut done) = (std::time::Instant::now(), 0);
        for _ in 0..runs {
            done += run();
        }
        per_iteration(t.elapsed(), runs, done)
    })
}

const DENSE_ITERS: u64 = 100;

fn argmin_dense(n: usize) -> u64 {
    let eye: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    let solver = BFGS::new(MoreThuenteLineSearch::new())
        .with_tolerance_grad(0.0)
        .and_then(|s| s.with_tolerance_cost(0.0))
        .expect("valid tolerances");
    Executor::new(Quartic(n), solver)
        .configure(|s| s.param(start(n)).inv_hessian(eye).max_iters(DENSE_ITERS))
        .run()
        .expect("a run")
        .state
        .iter
}

fn pinn_dense(n: usize, self_scaling: bool) -> u64 {
    Executor::new(Quartic(n), Bfgs::dense(self_scaling, 0.0))
        .configure(|s| s.param(start(n)).max_iters(DENSE_ITERS))
        .run()
        .expect("a run")
        .state
        .iter
}

/// Prints the line search's evaluations per iteration of one dense run.
fn report_dense_evaluations(n: usize, self_scaling: bool) {
    let run = Executor::new(Quartic(n), Bfgs::dense(self_scaling, 0.0))
        .configure(|s| s.param(start(n)).max_iters(DENSE_ITERS).counting(true))
        .run()
        .expect("a run");
    let iters = run.state.iter.max(1) as f64;
    let count = |name: &str| run.state.counts.get(name).copied().unwrap_or(0) as f64 / iters;
    println!(
        "dense n {n}{}: per iteration {:.2} cost and {:.2} gradient evaluations ({} it.)",
        if self_scaling { " self-scaled" } else { "" },
        count("cost_count"),
        count("gradient_count"),
        run.state.iter
    );
}

fn dense(c: &mut Criterion) {
    let n = 300;
    let mut group = c.benchmark_group(format!("dense BFGS iteration, n {n}"));
    group.sample_size(10);
    group.bench_function("argmin BFGS", |b| time_runs(b, || argmin_dense(n)));
    group.bench_function("pinn Bfgs", |b| time_runs(b, || pinn_dense(n, false)));
    group.finish();
    let n = 2241;
    report_dense_evaluations(n, false);
    report_dense_evaluations(n, true);
    let mut group = c.benchmark_group(format!("dense BFGS iteration, n {n}"));
    group.sample_size(10);
    group.bench_function("pinn Bfgs", |b| time_runs(b, || pinn_dense(n, false)));
    group.bench_function("pinn Bfgs self-scaled", |b| {
        time_runs(b, || pinn_dense(n, true))
    });
    group.finish();
}

criterion_group!(benches, memories, dense);
criterion_main!(benches);
