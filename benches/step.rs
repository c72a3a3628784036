//! One training step (jets + backward + Adam update) of simple sine
//! networks, in f32 and f64:
//! * `burgers`: 2-64-64-64-1 on 4096 points with u_t, u_x, u_xx (the
//!   Burgers residual), the case `benches/jax_step_bench.py` times;
//! * `heat-2d`: 3-64-64-64-64-1 on 4096 points with u_t, u_xx, u_yy;
//! * `plate`: 2-64-64-64-1 on 2048 points with the 4th derivatives of the
//!   biharmonic operator (15 multi-indices in the jet).
//!
//! Run: `cargo bench --bench step [-- FILTER]`; one core:
//! `RAYON_NUM_THREADS=1 taskset -c 0 cargo bench --bench step`.
//!
//! After the criterion runs, when `python3 -c "import jax"` works (or the
//! interpreter named by `PINN_JAX_PYTHON` can import jax) and the script
//! `benches/jax_step_bench.py` is there, the Burgers case is timed
//! the same way in both engines (median of 50 steps after a warm-up) in the
//! same invocation, with as many threads as rayon has here, and the table
//! prints pinn/JAX; the FLOP rate of each pinn step is given against the
//! rate of a large single-threaded matrix product measured in the same run
//! (the practical peak of the cores used).

use criterion::{criterion_group, Criterion};

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
use std::process::Command;
use std::time::Instant;

/// A benchmark case: a problem's interior residual on a network.
struct Case {
    name: &'static str,
    toml: &'static str,
    depth: usize,
    points: usize,
    /// Multi-indices in the jet (value included), for the FLOP count.
    jet_size: usize,
}

const HEAT_2D: &str = r#"
name = "heat-2d"
inputs = ["t", "x", "y"]
outputs = ["u"]
domain = { t = [0, 1], x = [0, 1], y = [0, 1] }
[residuals]
diffusion = "u_t - 0.1 * (u_xx + u_yy)"
[[conditions]]
on = "t = 0"
require = "u = sin(pi * x) * sin(pi * y)"
"#;

const PLATE: &str = include_str!("problems/plate.toml");

const CASES: [Case; 3] = [
    Case {
        name: "burgers",
        toml: "",
        depth: 3,
        points: 4096,
        jet_size: 4,
    },
    Case {
        name: "heat-2d",
        toml: HEAT_2D,
        depth: 4,
        points: 4096,
        jet_size: 6,
    },
    Case {
        name: "plate",
        toml: PLATE,
        depth: 3,
        points: 2048,
        jet_size: 15,
    },
];

/// The case's problem with its interior residual only.
fn interior_problem(case: &Case) -> Problem {
    let file = if case.toml.is_empty() {
        EquationFile::load("burgers")
    } else {
        EquationFile::from_toml(case.toml, case.name)
    };
    let mut problem = file.expect("a valid bench problem").problem;
    problem
        .pde
        .terms
        .retain(|(_, region)| *region == Region::Interior);
    problem
}

/// A ready-to-step network, objective and optimizer for `case`.
struct Stepper<E: Real> {
    net: Network<E>,
    objective: ResidualLoss<E>,
    adam: Adam,
    params: Vec<f64>,
}

impl<E: Real> Stepper<E>
where
    Cpu: Device<E>,
{
    fn new(case: &Case) -> Self {
        let problem = interior_problem(case);
        let net_config = NetConfig {
            width: 64,
            depth: case.depth,
            omega: Omega::Value(1.0),
            ..NetConfig::default()
        };
        let net = Network::<E>::new(&net_config, &problem.pde.domain, 1);
        let mut config = RunConfig::default();
        config.sampling.interior_points = case.points;
        let objective = ResidualLoss::new(&problem, &config, &net);
        let adam = Adam::new(net.n_params());
        let params = net.flat_params();
        Self {
            net,
            objective,
            adam,
            params,
        }
    }

    fn step(&mut self) {
        let (_, grad) = self.objective.losses_and_gradient(&self.net);
        self.adam.step(&mut self.params, &grad, 1e-3);
        self.net.set_flat_params(&self.params);
    }

    /// Median milliseconds of 50 steps after 3 warm-up steps (the JAX
    /// script's protocol).
    fn median_ms(&mut self) -> f64 {
        for _ in 0..3 {
            self.step();
        }
        let mut times: Vec<f64> = (0..50)
            .map(|_| {
                let t = Instant::now();
                self.step();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    }
}

/// Multiply–add FLOPs of one step's matrix products: forward, and twice
/// that backward (∂W and ∂input), over every jet row.
fn step_flop(case: &Case, inputs: usize) -> f64 {
    let widths: Vec<usize> = std::iter::once(inputs)
        .chain(std::iter::repeat_n(64, case.depth))
        .chain(std::iter::once(1))
        .collect();
    let per_row: usize = widths.windows(2).map(|w| w[0] * w[1]).sum();
    3.0 * 2.0 * (case.points * case.jet_size * per_row) as f64
}

fn bench_case<E: Real>(c: &mut Criterion, case: &Case, label: &str)
where
    Cpu: Device<E>,
{
    let mut stepper = Stepper::<E>::new(case);
    let widths = format!("{}-64×{}-1", stepper.net.n_inputs(), case.depth);
    c.bench_function(
        &format!(
            "step {}, {widths}, {} points, {label}",
            case.name, case.points
        ),
        |b| b.iter(|| stepper.step()),
    );
}

fn steps(c: &mut Criterion) {
    for case in &CASES {
        bench_case::<f32>(c, case, "f32");
        bench_case::<f64>(c, case, "f64");
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = steps
}

/// GFLOP/s of a 1024³ single-threaded matrix product in `E`, by the same
/// kernels the network jet uses.
fn gemm_rate<E: Real>() -> f64 {
    let n = 1024;
    let a = vec![E::one(); n * n];
    let mut c = vec![E::zero(); n * n];
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = Instant::now();
        pinn::jet::matmul::nn(&mut c, &a, &a, n, n, n);
        best = best.min(t.elapsed().as_secs_f64());
    }
    2.0 * (n * n * n) as f64 / best / 1e9
}

/// The JAX step's median in ms, or why there is none.
fn jax_median_ms(precision: &str, threads: usize) -> Result<f64, String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/jax_step_bench.py");
    let python = std::env::var("PINN_JAX_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .args([script, precision, &threads.to_string()])
        .output()
        .map_err(|e| format!("{python}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").to_string();
        return Err(format!("{python} {script}: {last}"));
    }
    text.split("median ")
        .nth(1)
        .and_then(|r| r.split(" ms").next())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("unexpected output: {text}"))
}

fn versus_jax() {
    let threads = rayon::current_num_threads();
    let burgers = &CASES[0];
    println!("\nBurgers step, {threads} thread(s), median of 50 steps, same run:");
    println!("| precision | pinn ms | JAX jit ms | pinn/JAX | pinn GFLOP/s | share of gemm peak |");
    println!("|---|---|---|---|---|---|");
    for precision in ["f32", "f64"] {
        let (ms, peak) = if precision == "f32" {
            (Stepper::<f32>::new(burgers).median_ms(), gemm_rate::<f32>())
        } else {
            (Stepper::<f64>::new(burgers).median_ms(), gemm_rate::<f64>())
        };
        let rate = step_flop(burgers, 2) / (ms * 1e-3) / 1e9;
        let share = rate / (peak * threads as f64);
        let (jax, ratio) = match jax_median_ms(precision, threads) {
            Ok(j) => (format!("{j:.2}"), format!("{:.2}", ms / j)),
            Err(why) => {
                eprintln!("JAX {precision}: not timed ({why})");
                ("-".into(), "-".into())
            }
        };
        println!(
            "| {precision} | {ms:.2} | {jax} | {ratio} | {rate:.0} | {:.0}% of {:.0} GFLOP/s × {threads} |",
            share * 100.0,
            peak
        );
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let filtered = std::env::args().skip(1).any(|a| !a.starts_with('-'));
    if !filtered {
        versus_jax();
    }
}
