//! ω sweep: the error against ω on Burgers, heat and a picture fit, several
//! seeds, with the bandwidth rule's `auto` choice run beside the sweep.
//!
//! ```text
//! cargo bench --bench omega                      # heat, image, burgers (about 40 min on 2 cores)
//! cargo bench --bench omega -- heat image        # some tasks
//! cargo bench --bench omega -- burgers --burgers-seeds 1 --burgers-seconds 60
//! cargo bench --bench omega -- calibrate --signal other.wav   # the rule's constants
//! cargo bench --bench omega -- calibrate-report  # the analysis of calibration.csv again
//! ```
//!
//! Writes results/omega/{burgers,heat,image}.csv (task, ω, auto, seed,
//! error, seconds), results/omega/calibration.csv (see `calibrate`) and
//! results/omega/omega.png: error against ω per task (every seed and the
//! median, the `auto` ω as a marker) from every task's CSV in the folder, so
//! tasks run at different times share one picture.
//!
//! Runs accumulate: a task's CSV keeps the rows of earlier runs, a new run
//! replacing the one of the same ω and seed (`--omegas 1,2` sweeps just
//! those, `--omegas ""` only the rule's choice); an earlier `auto` row at
//! another ω than the rule's present choice stays as a swept point. The CSV
//! does not record the budget: delete it before changing `--burgers-iters`,
//! `--burgers-seconds` or the files' settings.
//!
//! Defaults: heat and the picture two seeds each (heat with its file's 30 s
//! budget), Burgers three seeds of 4000 quasi-Newton iterations and no time
//! limit (`--burgers-iters`, about a third of its file's budget), so its
//! errors do not depend on how busy the machine is; `--burgers-seconds S`
//! sets a wall-clock budget instead.

mod calibrate;

use pinn::bandwidth::OmegaChoice;
use pinn::config::Omega;
use pinn::fit::{auto_omega, fit, FitConfig, FitOptions, LoadOptions, Signal, Split};
use pinn::problem::EquationFile;
use pinn::report::{chart_grid, write_cells_csv, Cell, Chart, Series, SeriesStyle};
use pinn::solve::{resolve_omega, solve, SolveOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The swept ω: log-spaced over a factor 32 (more than a decade).
const OMEGAS: [f64; 6] = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0];
/// Picture fitted in the image task (tests/data/SOURCES.md).
const IMAGE: &str = "tests/data/camera_128.png";
/// Tasks of the ω sweep, in the picture's order.
const SWEEPS: [&str; 3] = ["heat", "image", "burgers"];

struct Settings {
    tasks: Vec<String>,
    seeds: u64,
    burgers_seeds: u64,
    burgers_seconds: f64,
    /// Fixed quasi-Newton iterations for Burgers (no time limit).
    burgers_iters: Option<usize>,
    /// Validation signals for `calibrate`.
    signals: Vec<String>,
    /// The swept ω (before a task's scale); `--omegas ""` runs `auto` only.
    omegas: Vec<f64>,
}

/// One trained network.
struct Run {
    omega: f64,
    auto: bool,
    seed: u64,
    /// Relative L2 error (PDEs) or held-out PSNR in dB (picture).
    error: f64,
    seconds: f64,
}

fn main() {
    let settings = parse_args();
    let dir = PathBuf::from("results/omega");
    std::fs::create_dir_all(&dir).expect("results/omega");
    for task in &settings.tasks {
        let runs = match task.as_str() {
            "burgers" | "heat" => pde_runs(task, &settings),
            "image" => image_runs(&settings),
            "calibrate" => {
                let points = calibrate::run(&settings.signals);
                calibrate::write(&dir.join("calibration.csv"), &points);
                calibrate::print(&points);
                continue;
            }
            "calibrate-report" => {
                calibrate::print(&calibrate::read(&dir.join("calibration.csv")));
                continue;
            }
            other => {
                eprintln!(
                    "unknown task '{other}' (heat, image, burgers, calibrate, calibrate-report)"
                );
                std::process::exit(2);
            }
        };
        let path = dir.join(format!("{task}.csv"));
        let runs = merged(
            if path.exists() {
                read_runs(&path)
            } else {
                Vec::new()
            },
            runs,
        );
        write_runs(&path, task, &runs);
        print_table(task, &runs);
    }
    let mut charts: Vec<Chart> = SWEEPS
        .iter()
        .filter_map(|task| {
            let path = dir.join(format!("{task}.csv"));
            path.exists().then(|| {
                let (y_name, log_y) = match *task {
                    "image" => ("held-out PSNR (dB)", false),
                    _ => ("relative L2 error", true),
                };
                chart_of(task, &read_runs(&path), y_name, log_y)
            })
        })
        .collect();
    let calibration = dir.join("calibration.csv");
    if calibration.exists() {
        charts.push(calibrate::chart(&calibrate::read(&calibration)));
    }
    if charts.is_empty() {
        return;
    }
    // Two charts a row, so four make a square picture.
    let cols = charts.len().min(2);
    let rows = charts.len().div_ceil(2);
    chart_grid(
        dir.join("omega.png"),
        "Error against ω (simple sine net; the bandwidth rule's auto ω marked)",
        (rows, cols),
        (640, 440),
        &charts,
    )
    .expect("omega.png");
    println!("wrote {}", dir.display());
}

fn parse_args() -> Settings {
    let mut settings = Settings {
        tasks: Vec::new(),
        seeds: 2,
        burgers_seeds: 3,
        burgers_seconds: 90.0,
        burgers_iters: Some(4000),
        signals: Vec::new(),
        omegas: OMEGAS.to_vec(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut number = |name: &str| -> f64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match a.as_str() {
            "--bench" => {}
            "--seeds" => settings.seeds = number("--seeds") as u64,
            "--burgers-seeds" => settings.burgers_seeds = number("--burgers-seeds") as u64,
            "--burgers-seconds" => {
                settings.burgers_seconds = number("--burgers-seconds");
                settings.burgers_iters = None;
            }
            "--burgers-iters" => settings.burgers_iters = Some(number("--burgers-iters") as usize),
            "--signal" => settings
                .signals
                .push(args.next().expect("--signal needs a file")),
            "--omegas" => {
                let list = args.next().expect("--omegas needs a list");
                settings.omegas = list
                    .split(',')
                    .filter(|w| !w.trim().is_empty())
                    .map(|w| w.trim().parse().expect("--omegas: numbers"))
                    .collect();
            }
            task => settings.tasks.push(task.to_string()),
        }
    }
    if settings.tasks.is_empty() {
        settings.tasks = SWEEPS.map(String::from).to_vec();
    }
    settings
}

/// Solves a built-in problem at every swept ω and at `auto`, for each seed.
/// Burgers runs with a shorter budget than its file's (`--burgers-seconds`
/// or `--burgers-iters`).
fn pde_runs(name: &str, settings: &Settings) -> Vec<Run> {
    let file = EquationFile::load(name).expect("built-in problem");
    let problem = file.problem.clone();
    let mut base = file.config.clone();
    let mut seeds = settings.seeds;
    if name == "burgers" {
        seeds = settings.burgers_seeds;
        base.train.max_seconds = Some(settings.burgers_seconds);
        if let Some(iters) = settings.burgers_iters {
            base.quasi_newton.iters = iters;
            base.train.max_seconds = None;
        }
    }
    let mut auto_config = base.clone();
    auto_config.network.omega = Omega::AUTO;
    let choice = resolve_omega(&problem, &mut auto_config).expect("auto ω");
    println!("{name}: {}", choice.describe());
    let mut runs = Vec::new();
    for (omega, auto) in sweep_scaled(&settings.omegas, &choice, 1.0) {
        for seed in 0..seeds {
            let mut config = base.clone();
            config.network.omega = Omega::Value(omega);
            config.network.seed = seed;
            let out = tempfile::tempdir().expect("temp dir");
            let options = SolveOptions {
                out_dir: out.path().to_path_buf(),
                progress: false,
                stop: Arc::new(AtomicBool::new(false)),
                force: false,
            };
            let summary = solve(&problem, &config, &options).expect("solve");
            let error = summary.errors.as_ref().map_or(f64::NAN, |e| e.rel_l2[0]);
            eprintln!("{name} ω={omega:.4} seed {seed}: {}", summary.line());
            runs.push(Run {
                omega,
                auto,
                seed,
                error,
                seconds: summary.wall_seconds,
            });
        }
    }
    runs
}

/// Fits the picture at every swept ω (scaled to the picture's frequencies)
/// and at `auto`, for each seed, with `pinn fit`'s default network and budget.
fn image_runs(settings: &Settings) -> Vec<Run> {
    let signal = Signal::load(IMAGE, &LoadOptions::default()).expect("picture");
    let split = Split::every_other(&signal.shape());
    let base = FitConfig::default();
    let choice = auto_omega(&signal, &base.network);
    println!("image: {}", choice.describe());
    let mut runs = Vec::new();
    // A picture needs ω an order of magnitude above a PDE's: sweep ×8.
    for (omega, auto) in sweep_scaled(&settings.omegas, &choice, 8.0) {
        for seed in 0..settings.seeds {
            let mut config = base.clone();
            config.network.omega = Omega::Value(omega);
            config.network.seed = seed;
            let fitted = fit(&signal, &split, &config, &FitOptions::default());
            eprintln!(
                "image ω={omega:.3} seed {seed}: held-out PSNR {:.2} dB, train {:.2} dB, {:.1} s",
                fitted.psnr_heldout, fitted.psnr_train, fitted.seconds
            );
            runs.push(Run {
                omega,
                auto,
                seed,
                error: fitted.psnr_heldout,
                seconds: fitted.seconds,
            });
        }
    }
    runs
}

/// The swept ω times `scale`, then the rule's choice.
fn sweep_scaled(omegas: &[f64], choice: &OmegaChoice, scale: f64) -> Vec<(f64, bool)> {
    let mut out: Vec<(f64, bool)> = omegas.iter().map(|w| (w * scale, false)).collect();
    out.push((choice.omega, true));
    out
}

fn write_runs(path: &Path, task: &str, runs: &[Run]) {
    let header = ["task", "omega", "auto", "seed", "error", "seconds"].map(String::from);
    let rows: Vec<Vec<Cell>> = runs
        .iter()
        .map(|r| {
            vec![
                Cell::Text(task.to_string()),
                Cell::Number(r.omega),
                Cell::Text(r.auto.to_string()),
                Cell::Number(r.seed as f64),
                Cell::Number(r.error),
                Cell::Number(r.seconds),
            ]
        })
        .collect();
    write_cells_csv(path, &header, &rows).expect("csv");
}

/// The runs of a task's CSV with `new` ones in: a new run replaces an old
/// one of the same ω and seed, and old `auto` runs at another ω than the
/// rule's new choice stay as swept points (the rule has changed since).
fn merged(old: Vec<Run>, new: Vec<Run>) -> Vec<Run> {
    let new_auto: Option<f64> = new.iter().find(|r| r.auto).map(|r| r.omega);
    let mut out: Vec<Run> = old
        .into_iter()
        .filter(|o| !new.iter().any(|n| n.omega == o.omega && n.seed == o.seed))
        .map(|o| Run {
            auto: o.auto && new_auto.is_none_or(|w| w == o.omega),
            ..o
        })
        .collect();
    out.extend(new);
    out.sort_by(|a, b| {
        a.auto
            .cmp(&b.auto)
            .then(a.omega.total_cmp(&b.omega))
            .then(a.seed.cmp(&b.seed))
    });
    out
}

/// Reads a task CSV written by [`write_runs`].
fn read_runs(path: &Path) -> Vec<Run> {
    read_csv(path, |r| Run {
        omega: number(r, 1),
        auto: &r[2] == "true",
        seed: number(r, 3) as u64,
        error: number(r, 4),
        seconds: number(r, 5),
    })
}

/// The rows of a CSV file with a header line, each turned into a `T`.
fn read_csv<T>(path: &Path, row: impl Fn(&csv::StringRecord) -> T) -> Vec<T> {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    reader
        .records()
        .map(|r| row(&r.unwrap_or_else(|e| panic!("{}: {e}", path.display()))))
        .collect()
}

/// Field `i` of a CSV row as a number.
fn number(row: &csv::StringRecord, i: usize) -> f64 {
    row[i]
        .parse()
        .unwrap_or_else(|_| panic!("column {i}: '{}' is not a number", &row[i]))
}

/// Median over seeds at each ω (swept and auto separately), in ω order.
fn medians(runs: &[Run], auto: bool) -> Vec<(f64, f64)> {
    let mut omegas: Vec<f64> = runs
        .iter()
        .filter(|r| r.auto == auto)
        .map(|r| r.omega)
        .collect();
    omegas.sort_by(f64::total_cmp);
    omegas.dedup();
    omegas
        .into_iter()
        .map(|w| {
            let mut e: Vec<f64> = runs
                .iter()
                .filter(|r| r.auto == auto && r.omega == w)
                .map(|r| r.error)
                .collect();
            e.sort_by(f64::total_cmp);
            let m = e.len() / 2;
            let median = if e.len() % 2 == 1 {
                e[m]
            } else {
                0.5 * (e[m - 1] + e[m])
            };
            (w, median)
        })
        .collect()
}

fn print_table(task: &str, runs: &[Run]) {
    println!("{task}: ω, median error over seeds");
    for auto in [false, true] {
        for (w, e) in medians(runs, auto) {
            println!("  {w:10.4} {e:12.4e}{}", if auto { "  (auto)" } else { "" });
        }
    }
}

fn chart_of(task: &str, runs: &[Run], y_name: &str, log_y: bool) -> Chart {
    let log2 = |w: f64| w.log2();
    let swept = medians(runs, false);
    let auto = medians(runs, true);
    let mut seeds: Vec<u64> = runs.iter().map(|r| r.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let mut series = vec![Series {
        name: "median over seeds".into(),
        x: swept.iter().map(|p| log2(p.0)).collect(),
        y: swept.iter().map(|p| p.1).collect(),
        color: 0,
        style: SeriesStyle::Solid,
    }];
    for (k, seed) in seeds.iter().enumerate() {
        let own: Vec<&Run> = runs.iter().filter(|r| !r.auto && r.seed == *seed).collect();
        series.push(Series {
            name: format!("seed {seed}"),
            x: own.iter().map(|r| log2(r.omega)).collect(),
            y: own.iter().map(|r| r.error).collect(),
            color: 4 + k,
            style: SeriesStyle::Dashed,
        });
    }
    series.push(Series {
        name: "auto ω (median)".into(),
        x: auto.iter().map(|p| log2(p.0)).collect(),
        y: auto.iter().map(|p| p.1).collect(),
        color: 3,
        style: SeriesStyle::Markers,
    });
    Chart {
        caption: match task {
            "image" => format!("image ({IMAGE})"),
            _ => task.to_string(),
        },
        x_name: "log2 ω".into(),
        y_name: y_name.into(),
        series,
        log_y,
        legend: true,
    }
}
