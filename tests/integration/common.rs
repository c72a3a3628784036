//! Helpers shared by the test modules.

use pinn::config::{NetConfig, NetKind, Omega};
use pinn::expr::{Expr, PointEval, PointLeaves};
use pinn::jet::predict;
use pinn::multi_index::MultiIndex;
use pinn::net::Network;
use pinn::problem::Problem;

/// A small f64 network on t ∈ [0, 1], x ∈ [−1, 1].
pub fn small_net(kind: NetKind, omega: f64, seed: u64) -> Network<f64> {
    let config = NetConfig {
        kind,
        width: 12,
        depth: 3,
        omega: Omega::Value(omega),
        seed,
        ..NetConfig::default()
    };
    Network::new(&config, &[[0.0, 1.0], [-1.0, 1.0]], 2)
}

/// A few fixed points inside t ∈ [0, 1], x ∈ [−1, 1].
pub fn sample_points() -> Vec<Vec<f64>> {
    vec![
        vec![0.13, -0.71],
        vec![0.5, 0.2],
        vec![0.87, 0.93],
        vec![0.31, -0.05],
    ]
}

/// Runs the `pinn` binary: (exit code, stdout, stderr).
pub fn pinn(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pinn"))
        .args(args)
        .output()
        .expect("run pinn");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts that the equation file `text` is refused with a message that
/// contains `expected` (a position such as `bad.toml:6:8:` and words).
pub fn refused(text: &str, file: &str, expected: &str) {
    let Err(e) = pinn::problem::EquationFile::from_toml(text, file) else {
        panic!("accepted, expected an error with '{expected}':\n{text}");
    };
    let e = e.to_string();
    assert!(e.contains(expected), "expected '{expected}' in:\n{e}");
}

/// Outputs and their derivatives from closed-form expressions, derivatives
/// by central differences (step h): the reference solution seen as if it
/// were the network, at one point with its outward normal, unknown
/// coefficients at given values.
pub struct FiniteDifferences<'a> {
    pub exprs: &'a [Expr],
    pub point: Vec<f64>,
    /// The outward normal at `point` (any value off the faces).
    pub normal: Vec<f64>,
    /// Values of the unknown coefficients.
    pub unknowns: Vec<f64>,
    pub h: f64,
}

impl FiniteDifferences<'_> {
    fn value(&self, out: usize, at: &[f64]) -> f64 {
        self.exprs[out].eval(&mut PointEval::new(at))
    }

    /// D_dirs of output `out` at `at`, one central difference per direction.
    fn derivative(&self, out: usize, dirs: &[usize], at: &[f64]) -> f64 {
        let Some((&first, rest)) = dirs.split_first() else {
            return self.value(out, at);
        };
        let shifted = |s: f64| {
            let mut p = at.to_vec();
            p[first] += s * self.h;
            self.derivative(out, rest, &p)
        };
        (shifted(1.0) - shifted(-1.0)) / (2.0 * self.h)
    }
}

impl PointLeaves for FiniteDifferences<'_> {
    fn at_input(&mut self, i: usize) -> f64 {
        self.point[i]
    }
    fn at_output(&mut self, out: usize, d: &MultiIndex) -> f64 {
        self.derivative(out, d.dirs(), &self.point.clone())
    }
    fn at_normal(&mut self, i: usize) -> f64 {
        self.normal[i]
    }
    fn at_unknown(&mut self, k: usize) -> f64 {
        self.unknowns[k]
    }
}

/// Solves `problem` with `config` into a fresh temporary folder (kept alive
/// by the returned guard), without a progress bar.
pub fn solve_in_temp(
    problem: &pinn::problem::Problem,
    config: &pinn::config::RunConfig,
) -> (pinn::solve::Summary, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = pinn::solve::SolveOptions {
        out_dir: dir.path().to_path_buf(),
        progress: false,
        stop: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        force: false,
    };
    let summary = pinn::solve::solve(problem, config, &options).expect("solve runs");
    (summary, dir)
}

/// Per term of a problem with a closed-form reference: the largest
/// |residual| of the reference at 200 Sobol points of the term's region
/// (derivatives by central differences with step `h`, independent of the
/// network's jets), and the size to judge it against: the largest of the
/// residual of u ≡ 0 (the term's data) and of every derivative of the
/// reference the term reads. A periodic condition
/// gives the largest jump of the reference's values and derivatives.
pub fn reference_residuals(problem: &pinn::problem::Problem, h: f64) -> Vec<(String, f64, f64)> {
    use pinn::expr::Field;
    use pinn::geometry::Region;
    let Some(pinn::problem::Reference::Exprs(exprs)) = &problem.evaluation.reference else {
        panic!("{} has no closed-form reference", problem.name);
    };
    let zeros = vec![Expr::Num(0.0); exprs.len()];
    let mut sampler = problem.pde.sampler(7);
    let mut worst = Vec::new();
    for (term, region) in &problem.pde.terms {
        let points = sampler.draw(region, 200);
        let normals = sampler.normals(region, &points);
        let (mut max, mut size) = (0.0f64, 0.0f64);
        for (x, n) in points.iter().zip(&normals) {
            let fd = |exprs, at: &[f64]| FiniteDifferences {
                exprs,
                point: at.to_vec(),
                normal: n.clone(),
                unknowns: Vec::new(),
                h,
            };
            let r = match region {
                Region::Periodic { input } => {
                    let twin = sampler.periodic_twins(*input, std::slice::from_ref(x));
                    let (mut lo, mut hi) = (fd(exprs, x), fd(exprs, &twin[0]));
                    term.expr
                        .output_derivatives()
                        .iter()
                        .map(|(o, d)| (lo.output(*o, d) - hi.output(*o, d)).abs())
                        .fold(0.0, f64::max)
                }
                _ => term.expr.eval(&mut fd(exprs, x)),
            };
            max = max.max(r.abs());
            size = size.max(term.expr.eval(&mut fd(&zeros, x)).abs());
            let mut at = fd(exprs, x);
            for (o, d) in term.expr.output_derivatives() {
                size = size.max(at.output(o, &d).abs());
            }
        }
        worst.push((term.name.clone(), max, size));
    }
    worst
}

/// D_α of output `out` at `p` by nested central differences with step `h`,
/// improved by one Richardson step (error O(h⁴)).
pub fn finite_difference(net: &Network<f64>, out: usize, p: &[f64], dirs: &[usize], h: f64) -> f64 {
    let nested = |h: f64| -> f64 {
        let stencil = pinn::multi_index::central_stencil(p, dirs, h);
        let points: Vec<Vec<f64>> = stencil.iter().map(|(q, _)| q.clone()).collect();
        let values = &predict(net, &points)[out];
        stencil.iter().zip(values).map(|((_, w), v)| w * v).sum()
    };
    (4.0 * nested(h / 2.0) - nested(h)) / 3.0
}

/// Step and tolerance (relative to 1 + the largest |derivative|) for
/// [`finite_difference`] of a derivative of `order` ≥ 1: the error grows
/// with order (h⁴ truncation and ε/hᵏ rounding).
pub fn network_fd_step_and_tolerance(order: usize) -> (f64, f64) {
    match order {
        0 | 1 => (1e-3, 1e-8),
        2 => (1e-3, 1e-7),
        3 => (1e-3, 1e-6),
        // Fourth differences lose ~eps/h⁴ ≈ 1e-5 of the value to rounding.
        _ => (2e-3, 1e-4),
    }
}

/// One sine neuron: amplitude · sin(a · x + phase), x in physical units.
pub struct Wave {
    pub a: Vec<f64>,
    pub phase: f64,
    /// Amplitude per output.
    pub amplitude: Vec<f64>,
}

/// A simple sine network with one hidden layer whose outputs are exactly
/// Σ waves + offsets: the first layer computes s·((x − c)/h · W + b), so
/// W[i][k] = a_i h_i / s and b_k = (phase + Σ a_i c_i) / s undo the
/// normalization (s = ω).
pub fn exact_net(problem: &Problem, waves: &[Wave], offsets: &[f64]) -> Network<f64> {
    let config = NetConfig {
        width: waves.len(),
        depth: 1,
        omega: Omega::Value(1.0),
        ..NetConfig::default()
    };
    let mut net = Network::<f64>::new(&config, &problem.pde.domain, problem.pde.outputs.len());
    let s = net.layers[0].scale;
    let (d, k) = (problem.pde.inputs.len(), waves.len());
    let mut flat = vec![0.0; d * k];
    for (j, w) in waves.iter().enumerate() {
        for (i, &(_, h)) in net.normalization.iter().enumerate() {
            flat[i * k + j] = w.a[i] * h / s;
        }
    }
    flat.extend(waves.iter().map(|w| {
        let shift: f64 =
            w.a.iter()
                .zip(&net.normalization)
                .map(|(a, (c, _))| a * c)
                .sum();
        (w.phase + shift) / s
    }));
    for w in waves {
        flat.extend(&w.amplitude);
    }
    flat.extend(offsets);
    net.set_flat_params(&flat);
    net
}

/// The derivatives the jet tests read: orders 1 to 4 in two inputs, mixed
/// ones included (the value first when `with_value`).
pub fn tested_derivatives(with_value: bool) -> Vec<MultiIndex> {
    let value = with_value.then(Vec::new);
    value
        .into_iter()
        .chain([
            vec![0],
            vec![1],
            vec![1, 1],
            vec![0, 1],
            vec![1, 1, 1],
            vec![0, 1, 1],
            vec![1, 1, 1, 1],
            vec![0, 0, 1, 1],
        ])
        .map(MultiIndex::new)
        .collect()
}
