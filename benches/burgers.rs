//! `pinn solve burgers` as shipped, over seeds: the error it reaches and
//! how long it takes to get below 1e-3, 1e-4 and 1e-5 (relative L2 against
//! the reference grid, read from each run's history.csv, evaluated every
//! 100 steps).
//!
//! Run: `cargo bench --bench burgers [-- SEEDS [EXTRA ARGS…]]`: SEEDS is a
//! count (4: seeds 0–3, the README's table) and the rest is passed to
//! `pinn solve burgers` (e.g. `--precision f32`). The run folders are kept
//! under target/bench-burgers/.

use std::path::Path;
use std::process::Command;

const THRESHOLDS: [f64; 3] = [1e-3, 1e-4, 1e-5];

/// (seconds, rel. L2) per evaluation row of a run's history.
fn history(path: &Path) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(t), Some(e)) = (col("seconds"), col("rel_l2_u")) else {
        return Vec::new();
    };
    lines
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((f.get(t)?.parse().ok()?, f.get(e)?.parse().ok()?))
        })
        .collect()
}

fn main() {
    // cargo bench passes `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let seeds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(4);
    let extra: Vec<&String> = args.iter().skip(1).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!(
        "pinn solve burgers {}",
        extra
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("| seed | rel. L2 at the end | seconds | to 1e-3 | to 1e-4 | to 1e-5 |");
    println!("|---|---|---|---|---|---|");
    let mut finals = Vec::new();
    for seed in 0..seeds {
        let out = root
            .join("target/bench-burgers")
            .join(format!("seed{seed}"));
        let status = Command::new(env!("CARGO_BIN_EXE_pinn"))
            .args([
                "solve",
                "burgers",
                "--seed",
                &seed.to_string(),
                "-q",
                "--force",
                "--out",
            ])
            .arg(&out)
            .args(&extra)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run pinn");
        let rows = history(&out.join("history.csv"));
        let Some(&(seconds, last)) = rows.last() else {
            println!("| {seed} | no history ({status}) | | | | |");
            continue;
        };
        let reach = |threshold: f64| {
            rows.iter()
                .find(|(_, e)| *e < threshold)
                .map_or("-".to_string(), |(t, _)| format!("{t:.0}"))
        };
        println!(
            "| {seed} | {last:.2e} | {seconds:.0} | {} | {} | {} |",
            reach(THRESHOLDS[0]),
            reach(THRESHOLDS[1]),
            reach(THRESHOLDS[2])
        );
        finals.push(last);
    }
    finals.sort_by(f64::total_cmp);
    if !finals.is_empty() {
        let n = finals.len();
        let median = if n % 2 == 1 {
            finals[n / 2]
        } else {
            (finals[n / 2 - 1] * finals[n / 2]).sqrt()
        };
        println!(
            "median {median:.2e} (geometric mean of the middle two for an even count), worst {:.2e}",
            finals[n - 1]
        );
    }
}
