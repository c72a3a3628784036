//! The `pinn` command line: parse arguments, call the library, print errors.

use clap::{Parser, Subcommand};
use pinn::bandwidth::{NtkError, NtkOptions};
use pinn::config::{NetKind, Omega, Placement, Precision, QuasiNewtonMethod, RunConfig};
use pinn::fit::{
    auto_omega, compare, fit_signal, FitConfig, FitOptions, LoadOptions, Signal, SignalSource,
};
use pinn::problem::{builtins, EquationFile};
use pinn::solve::{observe, solve, ObserveOptions, SolveError, SolveOptions};
use pinn::train::{Stop, StopReason};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

// Big tensors are allocated and freed every step; mimalloc reuses them
// instead of mapping fresh pages each time (measured in benches/step.rs).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "pinn",
    version,
    about = "Physics-informed neural networks with simple sinusoidal networks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a network on an equation (a built-in name or a TOML file), evaluate it and write a run folder.
    Solve(Box<SolveArgs>),
    /// Continue a run from its folder's checkpoint (written every
    /// `checkpoint_every` seconds and when a run is interrupted) to the end it
    /// would have had.
    Resume {
        /// The run folder.
        dir: PathBuf,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Judge a finished run's network again (errors against the reference,
    /// derived quantities) on the run's own problem, or on an edited
    /// equation file (e.g. with a quantity added after training); writes
    /// nothing.
    Evaluate {
        /// The run folder (holding model.json).
        dir: PathBuf,
        /// A built-in name or equation file to judge against instead of the
        /// folder's problem.toml.
        #[arg(long)]
        equation: Option<String>,
    },
    /// List the built-in equations.
    List,
    /// Measure the NTK bandwidth of freshly initialized networks against ω and fit bandwidth = κ·ω.
    Ntk(NtkArgs),
    /// Draw observations (for inverse problems) from an equation's reference
    /// solution: random points of its grid, optionally with Gaussian noise.
    Observe(ObserveArgs),
    /// Validate an equation file and print what it needs.
    Check {
        /// A built-in name or a path to an equation file.
        equation: String,
    },
    /// Fit a network to a signal (CSV column, WAV audio or PNG picture) of its coordinates,
    /// training on every other sample and scoring PSNR on the rest.
    Fit(Box<FitArgs>),
}

#[derive(clap::Args)]
struct FitArgs {
    /// The signal: a .csv, .wav or .png file.
    file: PathBuf,
    /// CSV: the column to fit (needed when the table has several).
    #[arg(long)]
    column: Option<String>,
    /// CSV: the time column [default: row number].
    #[arg(long)]
    time_column: Option<String>,
    /// WAV: first second of the segment to fit.
    #[arg(long)]
    start: Option<f64>,
    /// WAV: length of the segment in seconds [default: to the end].
    #[arg(long)]
    duration: Option<f64>,
    /// Network family [default: simple-sine].
    #[arg(long, value_enum)]
    net: Option<NetArg>,
    /// Neurons per hidden layer.
    #[arg(long, default_value_t = FitConfig::default().network.width)]
    width: usize,
    /// Number of hidden layers.
    #[arg(long, default_value_t = FitConfig::default().network.depth)]
    depth: usize,
    /// First-layer frequency ω in normalized coordinates, or 'auto' (the
    /// default for simple-sine and --compare: chosen from the training
    /// samples' spectrum and spacing); SIREN's ω₀ defaults to 30.
    #[arg(long, value_parser = parse_omega)]
    omega: Option<Omega>,
    /// Seed for the initialization (and minibatch order).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Floating-point precision [default: f32].
    #[arg(long, value_enum)]
    precision: Option<PrecisionArg>,
    /// Adam steps.
    #[arg(long, default_value_t = FitConfig::default().train.steps)]
    steps: usize,
    /// Initial Adam learning rate (decays tenfold over the run).
    #[arg(long, default_value_t = FitConfig::default().train.lr)]
    lr: f64,
    /// Stop training after this many seconds (per network with --compare).
    #[arg(long)]
    max_seconds: Option<f64>,
    /// Training samples per step [default: all, up to 16384].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Train simple sine at ω, ω/10 and ω·10, SIREN (ω₀ = 30) and tanh on one split and budget.
    #[arg(long)]
    compare: bool,
    /// Run folder [default: results/fit/NAME].
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct ObserveArgs {
    /// A built-in name or a path to an equation file with a reference.
    equation: String,
    /// Points drawn (without replacement) from the reference grid.
    #[arg(long, default_value_t = 2000)]
    points: usize,
    /// Noise standard deviation as a fraction of each output's standard deviation.
    #[arg(long, default_value_t = 0.0)]
    noise: f64,
    /// Seed of the draw and the noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Observed outputs, comma-separated [default: all].
    #[arg(long, value_delimiter = ',')]
    outputs: Option<Vec<String>>,
    /// The CSV file to write.
    #[arg(long)]
    out: PathBuf,
}

#[derive(clap::Args)]
struct SolveArgs {
    /// A built-in name (see `pinn list`) or a path to an equation file.
    equation: String,
    /// Run folder [default: results/runs/NAME].
    #[arg(long)]
    out: Option<PathBuf>,
    /// A config.toml from an earlier run ([network] and [train] tables), applied over the file's settings.
    #[arg(long)]
    config: Option<PathBuf>,
    /// First-layer frequency ω of the sine network (ω₀ for SIREN), or 'auto'
    /// (chosen from the kernel bandwidth, the data and the point density).
    #[arg(long, value_parser = parse_omega)]
    omega: Option<Omega>,
    /// Network family.
    #[arg(long, value_enum)]
    net: Option<NetArg>,
    /// Neurons per hidden layer.
    #[arg(long)]
    width: Option<usize>,
    /// Number of hidden layers.
    #[arg(long)]
    depth: Option<usize>,
    /// Floating-point precision.
    #[arg(long, value_enum)]
    precision: Option<PrecisionArg>,
    /// Seed for the initialization and the collocation points.
    #[arg(long)]
    seed: Option<u64>,
    /// Adam steps.
    #[arg(long)]
    adam_steps: Option<usize>,
    /// Maximum quasi-Newton iterations (0 skips the quasi-Newton phase).
    #[arg(long)]
    quasi_newton_iters: Option<usize>,
    /// Adam learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// Interior collocation points.
    #[arg(long)]
    points: Option<usize>,
    /// Quasi-Newton method after Adam: auto (by parameter count), lbfgs, bfgs
    /// (dense), ss-bfgs (dense, self-scaled), ss-broyden (dense, self-scaled Broyden).
    #[arg(long, value_enum)]
    quasi_newton: Option<QuasiNewtonArg>,
    /// Add residual-refined points every this many quasi-Newton iterations (0: never).
    #[arg(long)]
    refine_every: Option<usize>,
    /// Redraw the collocation points every this many quasi-Newton iterations (0: never).
    #[arg(long)]
    quasi_newton_resample_every: Option<usize>,
    /// Where fresh interior points go: uniform, or residual (RAD).
    #[arg(long, value_enum)]
    sampling: Option<SamplingArg>,
    /// Keep the parameters with the lowest held-out loss (true) or the last ones (false).
    #[arg(long)]
    keep_best: Option<bool>,
    /// Stop training after this many seconds (results are still written).
    #[arg(long)]
    max_seconds: Option<f64>,
    /// Loss weight of a term, as NAME=VALUE (repeatable).
    #[arg(long = "weight", value_parser = parse_weight)]
    weights: Vec<(String, f64)>,
    /// How the terms are weighted: grad-norm, annealing, fixed
    /// [default: grad-norm, fixed when weights are given].
    #[arg(long, value_parser = parse_balance)]
    balance: Option<pinn::config::Balance>,
    /// Causal training along t (true or false) [default: false].
    #[arg(long)]
    causal: Option<bool>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Replace an earlier run in the run folder (it is emptied first; a
    /// folder that is not a run folder is never emptied).
    #[arg(long)]
    force: bool,
    /// Flags of earlier versions, refused with their replacement's name.
    #[command(flatten)]
    renamed: RenamedFlags,
}

/// Flags that were renamed: accepted by the parser so that the error can
/// name the new flag.
#[derive(clap::Args)]
struct RenamedFlags {
    #[arg(long, hide = true, value_name = "N")]
    lbfgs_iters: Option<String>,
    #[arg(long, hide = true, value_name = "N")]
    lbfgs_resample_every: Option<String>,
}

impl RenamedFlags {
    fn check(&self) -> Result<(), Failure> {
        let used = [
            (
                self.lbfgs_iters.is_some(),
                "--lbfgs-iters",
                "--quasi-newton-iters",
            ),
            (
                self.lbfgs_resample_every.is_some(),
                "--lbfgs-resample-every",
                "--quasi-newton-resample-every",
            ),
        ];
        match used.iter().find(|(given, _, _)| *given) {
            Some((_, old, new)) => Err(Failure::Input(InputError(anyhow::anyhow!(
                "{old} was renamed: use {new} (it applies to every quasi-Newton method)"
            )))),
            None => Ok(()),
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum NetArg {
    SimpleSine,
    Siren,
    Tanh,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum NtkNetArg {
    SimpleSine,
    Siren,
    Tanh,
    All,
}

#[derive(clap::Args)]
struct NtkArgs {
    /// Output folder.
    #[arg(long, default_value = "results/ntk")]
    out: PathBuf,
    /// Neurons per hidden layer.
    #[arg(long, default_value_t = 64)]
    width: usize,
    /// Number of hidden layers.
    #[arg(long, default_value_t = 3)]
    depth: usize,
    /// Number of inputs (1 or 2); the kernel row runs along input 0.
    #[arg(long, default_value_t = 1)]
    input_dim: usize,
    /// Comma-separated ω values [default: 9 log-spaced from 0.5 to 8].
    #[arg(long)]
    omegas: Option<String>,
    /// Networks (seeds) averaged per ω.
    #[arg(long, default_value_t = pinn::bandwidth::kappa::TABLE_SEEDS)]
    seeds: usize,
    /// Share of the spectral energy below the bandwidth.
    #[arg(long, default_value_t = pinn::bandwidth::DEFAULT_SHARE)]
    share: f64,
    /// Network family, or all three.
    #[arg(long, value_enum, default_value = "simple-sine")]
    net: NtkNetArg,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SamplingArg {
    Uniform,
    Residual,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum QuasiNewtonArg {
    Auto,
    Lbfgs,
    Bfgs,
    SsBfgs,
    SsBroyden,
}

impl From<QuasiNewtonArg> for QuasiNewtonMethod {
    fn from(v: QuasiNewtonArg) -> Self {
        match v {
            QuasiNewtonArg::Auto => Self::Auto,
            QuasiNewtonArg::Lbfgs => Self::Lbfgs,
            QuasiNewtonArg::Bfgs => Self::Bfgs,
            QuasiNewtonArg::SsBfgs => Self::SsBfgs,
            QuasiNewtonArg::SsBroyden => Self::SsBroyden,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PrecisionArg {
    F32,
    F64,
    /// f32, then f64 once f32's round-off stops the quasi-Newton phase.
    Mixed,
}

fn parse_omega(s: &str) -> Result<Omega, String> {
    if s.trim() == "auto" {
        return Ok(Omega::AUTO);
    }
    s.trim()
        .parse()
        .map(Omega::Value)
        .map_err(|_| format!("expected a positive number or 'auto', found '{s}'"))
}

impl From<NetArg> for NetKind {
    fn from(v: NetArg) -> Self {
        match v {
            NetArg::SimpleSine => NetKind::SimpleSine,
            NetArg::Siren => NetKind::Siren,
            NetArg::Tanh => NetKind::Tanh,
        }
    }
}

impl From<PrecisionArg> for Precision {
    fn from(v: PrecisionArg) -> Self {
        match v {
            PrecisionArg::F32 => Precision::F32,
            PrecisionArg::F64 => Precision::F64,
            PrecisionArg::Mixed => Precision::Mixed,
        }
    }
}

fn parse_balance(s: &str) -> Result<pinn::config::Balance, String> {
    use pinn::config::Balance;
    [Balance::GradNorm, Balance::Annealing, Balance::Fixed]
        .into_iter()
        .find(|b| b.label() == s)
        .ok_or_else(|| format!("expected grad-norm, annealing or fixed, found '{s}'"))
}

fn parse_weight(s: &str) -> Result<(String, f64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, found '{s}'"))?;
    let v: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("'{value}' is not a number"))?;
    if !(v.is_finite() && v >= 0.0) {
        return Err(format!("weight {v} must be a finite number ≥ 0"));
    }
    Ok((name.trim().to_string(), v))
}

/// Errors in what the user gave us (exit code 2), as opposed to failures while running (1).
struct InputError(anyhow::Error);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::List => {
            for (name, title) in builtins() {
                println!("{name:12} {title}");
            }
            Ok(())
        }
        Command::Check { equation } => check(&equation),
        Command::Observe(args) => run_observe(args),
        Command::Solve(args) => run_solve(*args),
        Command::Resume { dir, quiet } => run_resume(&dir, quiet),
        Command::Evaluate { dir, equation } => run_evaluate(&dir, equation.as_deref()),
        Command::Ntk(args) => run_ntk(args),
        Command::Fit(args) => run_fit(*args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(InputError(e))) => {
            eprintln!("{e:#}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    Input(InputError),
    Run(anyhow::Error),
}

fn load(equation: &str) -> Result<EquationFile, Failure> {
    EquationFile::load(equation)
        .map_err(|e| Failure::Input(InputError(anyhow::Error::msg(e.to_string()))))
}

fn run_observe(args: ObserveArgs) -> Result<(), Failure> {
    let problem = load(&args.equation)?.problem;
    let options = ObserveOptions {
        points: args.points,
        noise: args.noise,
        seed: args.seed,
        outputs: args.outputs,
    };
    let table = observe(&problem, &options).map_err(|e| match e {
        SolveError::Invalid(m) => Failure::Input(InputError(anyhow::Error::msg(m))),
        e => Failure::Run(e.into()),
    })?;
    pinn::report::write_table_csv(&args.out, &table.header, &table.rows)
        .map_err(|e| Failure::Run(e.into()))?;
    println!(
        "{} observations of {} -> {}",
        table.rows.len(),
        table.header[problem.pde.inputs.len()..].join(", "),
        args.out.display()
    );
    Ok(())
}

fn check(equation: &str) -> Result<(), Failure> {
    let description = pinn::problem::check(equation)
        .map_err(|e| Failure::Input(InputError(anyhow::Error::msg(e.to_string()))))?;
    print!("{description}");
    Ok(())
}

fn resolve_config(file: &EquationFile, args: &SolveArgs) -> Result<RunConfig, Failure> {
    args.renamed.check()?;
    let mut config = file.config.clone();
    if let Some(path) = &args.config {
        config = pinn::problem::read_config(path)
            .map_err(|e| Failure::Input(InputError(anyhow::Error::msg(e.to_string()))))?;
    }
    let net = &mut config.network;
    net.omega = args.omega.unwrap_or(net.omega);
    net.kind = args.net.map_or(net.kind, NetKind::from);
    net.precision = args.precision.map_or(net.precision, Precision::from);
    net.width = args.width.unwrap_or(net.width);
    net.depth = args.depth.unwrap_or(net.depth);
    net.seed = args.seed.unwrap_or(net.seed);
    let adam = &mut config.adam;
    adam.steps = args.adam_steps.unwrap_or(adam.steps);
    adam.lr = args.lr.unwrap_or(adam.lr);
    let qn = &mut config.quasi_newton;
    qn.iters = args.quasi_newton_iters.unwrap_or(qn.iters);
    qn.method = args.quasi_newton.map_or(qn.method, QuasiNewtonMethod::from);
    qn.refine_every = args.refine_every.unwrap_or(qn.refine_every);
    qn.resample_every = args
        .quasi_newton_resample_every
        .unwrap_or(qn.resample_every);
    let sampling = &mut config.sampling;
    sampling.interior_points = args.points.unwrap_or(sampling.interior_points);
    if let Some(v) = args.sampling {
        sampling.placement = match v {
            SamplingArg::Uniform => Placement::Uniform,
            SamplingArg::Residual => Placement::Residual,
        };
    }
    let train = &mut config.train;
    train.keep_best = args.keep_best.unwrap_or(train.keep_best);
    if args.max_seconds.is_some() {
        train.max_seconds = args.max_seconds;
    }
    train.balance = args.balance.or(train.balance);
    train.causal = args.causal.unwrap_or(train.causal);
    let names = file.problem.term_names();
    for (name, w) in &args.weights {
        if !names.contains(name) {
            let msg = anyhow::anyhow!(
                "--weight {name}={w}: no term named '{name}' (terms: {})",
                names.join(", ")
            );
            return Err(Failure::Input(InputError(msg)));
        }
        train.weights.insert(name.clone(), *w);
    }
    // The file's and --config's settings were checked where they are
    // written; a bad value now came from a flag, which the error names.
    config.check().map_err(|bad| {
        let flag = given_flag(args, bad.table, &bad.key);
        let what = match flag {
            Some(flag) => format!("{flag}: {}", bad.message),
            None => bad.to_string(),
        };
        Failure::Input(InputError(anyhow::anyhow!("{what}")))
    })?;
    Ok(config)
}

/// The command-line flag that set `[table] key`, if it was given.
fn given_flag(args: &SolveArgs, table: &str, key: &str) -> Option<&'static str> {
    let flags = [
        ("network", "width", "--width", args.width.is_some()),
        ("network", "depth", "--depth", args.depth.is_some()),
        ("network", "omega", "--omega", args.omega.is_some()),
        ("adam", "lr", "--lr", args.lr.is_some()),
        (
            "sampling",
            "interior_points",
            "--points",
            args.points.is_some(),
        ),
        (
            "train",
            "max_seconds",
            "--max-seconds",
            args.max_seconds.is_some(),
        ),
    ];
    flags
        .into_iter()
        .find(|&(t, k, _, given)| given && t == table && k == key)
        .map(|(_, _, flag, _)| flag)
}

fn run_solve(args: SolveArgs) -> Result<(), Failure> {
    let file = load(&args.equation)?;
    let config = resolve_config(&file, &args)?;
    let problem = file.problem;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results/runs").join(&problem.name));
    let options = SolveOptions {
        out_dir,
        progress: !args.quiet,
        stop: stop_on_ctrl_c(),
        force: args.force,
    };
    let summary = solve(&problem, &config, &options).map_err(|e| match e {
        SolveError::Invalid(m) => Failure::Input(InputError(anyhow::Error::msg(m))),
        e => Failure::Run(e.into()),
    })?;
    if args.quiet {
        // Without the progress display the choices were not shown before training.
        if let Some(choice) = &summary.omega_choice {
            println!("{}", choice.describe());
        }
        for line in &summary.choices {
            println!("{line}");
        }
    }
    println!("{}", summary.line());
    failed_numerically(&summary.stop)
}

fn run_resume(dir: &std::path::Path, quiet: bool) -> Result<(), Failure> {
    let summary = pinn::solve::resume(dir, !quiet, stop_on_ctrl_c()).map_err(|e| match e {
        SolveError::Invalid(m) => Failure::Input(InputError(anyhow::Error::msg(m))),
        e => Failure::Run(e.into()),
    })?;
    println!("{}", summary.line());
    failed_numerically(&summary.stop)
}

fn run_evaluate(dir: &std::path::Path, equation: Option<&str>) -> Result<(), Failure> {
    let input = |m: String| Failure::Input(InputError(anyhow::Error::msg(m)));
    let problem = match equation {
        Some(e) => load(e)?.problem,
        None => {
            let text = pinn::solve::read_run_file(dir, "problem.toml")
                .map_err(|e| input(e.to_string()))?;
            let source = dir.join("problem.toml").display().to_string();
            EquationFile::from_toml(&text, &source)
                .map_err(|e| input(e.to_string()))?
                .problem
        }
    };
    let judgement = pinn::solve::reevaluate(dir, &problem).map_err(|e| match e {
        SolveError::Invalid(m) => input(m),
        e => Failure::Run(e.into()),
    })?;
    let errors = pinn::solve::errors_text(&problem.pde.outputs, judgement.errors.as_ref());
    println!("{}: {errors}", problem.name);
    for q in &judgement.quantities {
        println!("  {}", q.describe());
    }
    Ok(())
}

/// A run that stopped on a NaN or an infinity wrote what it had (its last
/// finite parameters) but did not do its work: the exit says so.
fn failed_numerically(stop: &Stop) -> Result<(), Failure> {
    match stop.reason {
        StopReason::NonFiniteLoss => Err(Failure::Run(anyhow::anyhow!(
            "training stopped: {stop}; the results are those of the last finite parameters"
        ))),
        _ => Ok(()),
    }
}

/// A flag the first Ctrl-C or SIGTERM sets (training finishes its step and
/// writes everything); a second one quits at once.
fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\ninterrupted: stopping after this step and writing results (interrupt again to quit now)");
    });
    stop
}

fn fit_config(args: &FitArgs) -> Result<FitConfig, Failure> {
    let bad = |what: String| Failure::Input(InputError(anyhow::anyhow!("{what}")));
    let mut config = FitConfig::default();
    let net = &mut config.network;
    net.kind = args.net.map_or(net.kind, NetKind::from);
    net.precision = args.precision.map_or(net.precision, Precision::from);
    if net.precision == Precision::Mixed {
        return Err(bad(
            "--precision mixed switches pinn solve's quasi-Newton phase to f64; pinn fit \
             (Adam only) takes f32 or f64"
                .into(),
        ));
    }
    (net.width, net.depth, net.seed) = (args.width, args.depth, args.seed);
    match (args.omega, net.kind) {
        (Some(Omega::Value(w)), _) => net.omega = Omega::Value(w),
        (None, NetKind::Siren) if !args.compare => {
            net.omega = Omega::Value(pinn::fit::SIREN_OMEGA0)
        }
        (None, NetKind::Tanh) if !args.compare => {}
        // Resolved from the signal once it is loaded.
        (Some(Omega::Auto(_)) | None, _) => net.omega = Omega::AUTO,
    }
    let train = &mut config.train;
    (train.steps, train.lr) = (args.steps, args.lr);
    (train.max_seconds, train.batch_size) = (args.max_seconds, args.batch_size);
    if net.width == 0 || net.depth == 0 {
        return Err(bad("--width and --depth must be at least 1".into()));
    }
    if let Omega::Value(w) = net.omega {
        if !(w.is_finite() && w > 0.0) {
            return Err(bad(format!("--omega {w} must be a positive number")));
        }
    }
    if !(train.lr.is_finite() && train.lr > 0.0) || train.batch_size == Some(0) {
        return Err(bad(
            "--lr must be positive and --batch-size at least 1".into()
        ));
    }
    Ok(config)
}

fn run_fit(args: FitArgs) -> Result<(), Failure> {
    let mut config = fit_config(&args)?;
    let source = SignalSource {
        file: args.file.clone(),
        options: LoadOptions {
            column: args.column.clone(),
            time_column: args.time_column.clone(),
            start: args.start,
            duration: args.duration,
        },
    };
    let signal = Signal::load(&source.file, &source.options)
        .map_err(|e| Failure::Input(InputError(e.into())))?;
    if config.network.omega.is_auto() {
        let choice = auto_omega(&signal, &config.network);
        println!("{}", choice.describe());
        config.network.omega = Omega::Value(choice.omega);
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results/fit").join(&signal.name));
    let options = FitOptions {
        progress: !args.quiet,
        stop: stop_on_ctrl_c(),
    };
    let run = |e: pinn::report::ReportError| Failure::Run(e.into());
    if args.compare {
        let summaries = compare(
            &signal,
            &source,
            &config,
            config.network.omega_value(),
            &options,
            &out_dir,
        )
        .map_err(run)?;
        for s in summaries {
            println!("{}", s.line());
        }
        println!("comparison: {}", out_dir.join("compare.csv").display());
    } else {
        let summary = fit_signal(&signal, &source, &config, &options, &out_dir).map_err(run)?;
        println!("{}", summary.line());
        failed_numerically(&summary.stop)?;
    }
    Ok(())
}

fn parse_omegas(text: &str) -> Result<Vec<f64>, Failure> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<f64>().map_err(|_| {
                Failure::Input(InputError(anyhow::anyhow!(
                    "--omegas: '{t}' is not a number"
                )))
            })
        })
        .collect()
}

fn run_ntk(args: NtkArgs) -> Result<(), Failure> {
    let defaults = NtkOptions::default();
    let omegas = match &args.omegas {
        Some(text) => parse_omegas(text)?,
        None => defaults.omegas,
    };
    let kinds = match args.net {
        NtkNetArg::SimpleSine => vec![NetKind::SimpleSine],
        NtkNetArg::Siren => vec![NetKind::Siren],
        NtkNetArg::Tanh => vec![NetKind::Tanh],
        NtkNetArg::All => NetKind::ALL.to_vec(),
    };
    let options = NtkOptions {
        out_dir: args.out,
        width: args.width,
        depth: args.depth,
        input_dim: args.input_dim,
        omegas,
        seeds: args.seeds,
        share: args.share,
        kinds,
    };
    let study = pinn::bandwidth::run_ntk(&options).map_err(|e| match e {
        NtkError::Invalid(_) => Failure::Input(InputError(e.into())),
        NtkError::Report(_) => Failure::Run(e.into()),
    })?;
    print!("{}", study.summary());
    println!("wrote {}", options.out_dir.display());
    Ok(())
}
