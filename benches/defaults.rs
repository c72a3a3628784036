//! The problem set of benches/problems solved at the defaults, with nothing
//! but a time budget: what a user who writes an equation file gets.
//!
//! Run: `cargo bench --bench defaults` (120 s per file, as the README's
//! figures), or `cargo bench --bench defaults -- SECONDS [FILTER]` for
//! another budget or only the files whose name contains FILTER. Prints one
//! row per file: relative L2 error per output, wall time, why it stopped and
//! what the defaults chose; the run folders are kept under
//! target/bench-defaults/.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn main() {
    // cargo bench passes `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let seconds: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(120.0);
    let filter = args.get(1).cloned().unwrap_or_default();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("benches/problems"))
        .expect("benches/problems")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| {
            p.file_stem()
                .is_some_and(|s| s.to_string_lossy().contains(&filter))
        })
        .collect();
    files.sort();
    println!("defaults, {seconds} s budget per file");
    println!(
        "{:<20} {:>22} {:>8}  {:<24} chosen",
        "file", "rel. L2", "wall s", "stopped by"
    );
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let out = root.join("target/bench-defaults").join(&name);
        let start = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_pinn"))
            .arg("solve")
            .arg(&file)
            .args([
                "--max-seconds",
                &seconds.to_string(),
                "-q",
                "--force",
                "--out",
            ])
            .arg(&out)
            // The table is the output; each run's own lines stay in its folder's logs.
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run pinn");
        let wall = start.elapsed().as_secs_f64();
        let metrics: Option<Value> = std::fs::read_to_string(out.join("metrics.json"))
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok());
        let Some(m) = metrics.filter(|_| status.success()) else {
            println!("{name:<20} {:>22} {wall:>8.1}  exit {status}", "failed");
            continue;
        };
        let errors = m["rel_l2"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| format!("{k} {:.2e}", v.as_f64().unwrap_or(f64::NAN)))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| "-".into());
        let chosen = [
            format!("ω {:.3}", m["omega"].as_f64().unwrap_or(f64::NAN)),
            m["quasi_newton"].as_str().unwrap_or("-").to_string(),
            format!("{} params", m["n_params"]),
            format!("{} Adam + {} QN", m["adam_steps"], m["quasi_newton_iters"]),
        ];
        println!(
            "{name:<20} {errors:>22} {wall:>8.1}  {:<24} {}",
            m["stopped_by"].as_str().unwrap_or("-"),
            chosen.join(", ")
        );
    }
}
