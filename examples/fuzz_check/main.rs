//! The long fuzz run of `pinn check` (README, "Tests"):
//!
//! ```sh
//! cargo run --release --example fuzz_check -- 1000000 [--seed S] [--jobs J] [--solve-every K]
//! ```
//!
//! Inputs are mutated equation files (`mutate.rs`), each a function of the
//! run's seed and its index. They run in worker processes of this program
//! (`--worker`), in chunks: a panic or a timeout is caught by the worker
//! ([`engine`]), and a worker killed by a signal (a stack overflow aborts
//! the process) is seen by this parent, which counts the input it was on
//! and starts a new worker after it. An accepted input whose index is a
//! multiple of K (default 100) also goes through the steps `pinn solve`
//! takes before training (a few hundred milliseconds each: the ω rule, the
//! points drawn).
//! The report gives the inputs, the count of each outcome, the wall time,
//! the split by mutation and by seed file, and the smallest input of each
//! failing class (written to target/fuzz/).

mod engine;
mod mutate;

use engine::{Outcome, Seeds, Workspace};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;

const CHUNK: u64 = 2000;

/// Outcome codes between worker and parent.
const CODES: [(char, &str); 8] = [
    ('A', "accepted"),
    ('P', "positioned error"),
    ('U', "unpositioned error"),
    ('C', "misplaced caret"),
    ('X', "panic"),
    ('T', "timeout"),
    ('S', "accepted by check, refused by solve"),
    ('K', "killed by a signal"),
];

#[derive(Clone, Copy)]
struct Options {
    inputs: u64,
    seed: u64,
    jobs: usize,
    solve_every: u64,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--worker") {
        let n: Vec<u64> = args[1..].iter().filter_map(|a| a.parse().ok()).collect();
        let [seed, start, end, solve_every] = n[..] else {
            eprintln!("usage: fuzz_check --worker SEED START END SOLVE_EVERY");
            std::process::exit(2);
        };
        worker(seed, start..end, solve_every);
        return;
    }
    let options = parse(&args).unwrap_or_else(|e| {
        eprintln!("{e}\nusage: fuzz_check N [--seed S] [--jobs J] [--solve-every K]");
        std::process::exit(2);
    });
    run(&options);
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        inputs: 10_000,
        seed: 1,
        jobs: 2,
        solve_every: 100,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{a} needs a number"))
        };
        match a.as_str() {
            "--seed" => o.seed = value()?,
            "--jobs" => o.jobs = value()?.max(1) as usize,
            "--solve-every" => o.solve_every = value()?.max(1),
            n => o.inputs = n.parse().map_err(|_| format!("unknown argument {n}"))?,
        }
    }
    Ok(o)
}

/// Runs inputs `range` and prints `index code length kinds<TAB>message`,
/// one line each; exits after a timeout (its thread cannot be stopped).
fn worker(seed: u64, range: std::ops::Range<u64>, solve_every: u64) {
    engine::quiet_panics();
    let seeds = Seeds::load(&root());
    let ws = Workspace::new(&root(), &seeds).expect("a temporary folder");
    let mut out = std::io::stdout().lock();
    for index in range {
        let input = mutate::input(&seeds.files, ws.tables(), seed, index);
        let solve = index.is_multiple_of(solve_every);
        let outcome = ws.run(&input, solve);
        // An accepted input that went through solve's preparation is 'V'.
        let outcome_code = |c: char| if solve && c == 'A' { 'V' } else { c };
        let code = CODES
            .iter()
            .find(|(_, c)| *c == outcome.class())
            .map_or('?', |(c, _)| outcome_code(*c));
        let message = match &outcome {
            Outcome::Unpositioned(m)
            | Outcome::MisplacedCaret(m)
            | Outcome::Panic(m)
            | Outcome::SolveRefused(m) => m.replace('\n', "⏎"),
            o if o.is_failure() => o.class().to_string(),
            _ => String::new(),
        };
        let kinds: Vec<String> = input.kinds.iter().map(usize::to_string).collect();
        let _ = writeln!(
            out,
            "{index} {code} {} {} {}\t{message}",
            input.toml.len() + input.csv.as_ref().map_or(0, Vec::len),
            input.seed,
            kinds.join(",")
        );
        let _ = out.flush();
        if outcome == Outcome::Timeout {
            std::process::exit(3);
        }
    }
}

/// One input's result as the parent reads it.
struct Line {
    index: u64,
    code: char,
    len: usize,
    seed: usize,
    kinds: Vec<usize>,
    message: String,
}

fn read_line(text: &str) -> Option<Line> {
    let (head, message) = text.split_once('\t').unwrap_or((text, ""));
    let mut f = head.split(' ');
    Some(Line {
        index: f.next()?.parse().ok()?,
        code: f.next()?.chars().next()?,
        len: f.next()?.parse().ok()?,
        seed: f.next()?.parse().ok()?,
        kinds: f
            .next()?
            .split(',')
            .filter_map(|k| k.parse().ok())
            .collect(),
        message: message.to_string(),
    })
}

/// Runs inputs `start..end` in workers, one after another, until all are
/// done: a worker that dies leaves the input it was on as `K`.
fn chunk(o: &Options, start: u64, end: u64, results: &mpsc::Sender<Line>) {
    let exe = std::env::current_exe().expect("this program");
    let mut next = start;
    while next < end {
        let child = Command::new(&exe)
            .args(["--worker", &o.seed.to_string(), &next.to_string()])
            .args([end.to_string(), o.solve_every.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let Ok(mut child) = child else {
            eprintln!("cannot start a worker");
            return;
        };
        let stdout = child.stdout.take().expect("piped");
        for text in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(line) = read_line(&text) {
                next = line.index + 1;
                let _ = results.send(line);
            }
        }
        let status = child.wait();
        if next < end && !status.as_ref().is_ok_and(|s| s.code() == Some(3)) {
            // Killed (a stack overflow aborts): the input it was on.
            let _ = results.send(Line {
                index: next,
                code: 'K',
                len: 0,
                seed: 0,
                kinds: Vec::new(),
                message: format!("worker ended: {status:?}"),
            });
            next += 1;
        }
    }
}

#[derive(Default)]
struct Tally {
    counts: BTreeMap<char, u64>,
    by_kind: BTreeMap<usize, u64>,
    by_seed: BTreeMap<usize, u64>,
    /// Per failing code: the shortest input's index, length and message.
    smallest: BTreeMap<char, (usize, u64, String)>,
    /// Accepted inputs that also went through solve's preparation.
    solved: u64,
}

impl Tally {
    fn add(&mut self, line: Line) {
        if line.code == 'V' {
            self.solved += 1;
        }
        let code = if line.code == 'V' { 'A' } else { line.code };
        *self.counts.entry(code).or_default() += 1;
        for k in &line.kinds {
            *self.by_kind.entry(*k).or_default() += 1;
        }
        *self.by_seed.entry(line.seed).or_default() += 1;
        if !matches!(code, 'A' | 'P') {
            let best = self
                .smallest
                .entry(line.code)
                .or_insert((usize::MAX, 0, String::new()));
            if line.len < best.0 {
                *best = (line.len, line.index, line.message);
            }
        }
    }
}

fn run(o: &Options) {
    let started = Instant::now();
    let (send, receive) = mpsc::channel();
    let next_chunk = Arc::new(AtomicU64::new(0));
    let jobs: Vec<_> = (0..o.jobs)
        .map(|_| {
            let (send, next_chunk) = (send.clone(), next_chunk.clone());
            let o = *o;
            std::thread::spawn(move || loop {
                let start = next_chunk.fetch_add(CHUNK, Ordering::SeqCst);
                if start >= o.inputs {
                    return;
                }
                chunk(&o, start, (start + CHUNK).min(o.inputs), &send);
            })
        })
        .collect();
    drop(send);
    let mut tally = Tally::default();
    let mut done = 0u64;
    for line in receive {
        tally.add(line);
        done += 1;
        if done.is_multiple_of(50_000) {
            eprintln!("{done} inputs, {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    for j in jobs {
        let _ = j.join();
    }
    report(o, &tally, done, started.elapsed().as_secs_f64());
}

fn report(o: &Options, tally: &Tally, done: u64, seconds: f64) {
    let seeds = Seeds::load(&root());
    println!(
        "fuzz_check: {done} inputs (seed {}, {} jobs; accepted inputs whose index is a multiple of {} also through solve's preparation), {seconds:.1} s wall, {:.0} inputs/s",
        o.seed, o.jobs, o.solve_every, done as f64 / seconds
    );
    for (code, name) in CODES {
        println!(
            "  {name:38} {}",
            tally.counts.get(&code).copied().unwrap_or(0)
        );
    }
    println!(
        "  (of the accepted, through solve's preparation too: {})",
        tally.solved
    );
    println!("split by mutation (an input has 1 to 3):");
    for (k, n) in &tally.by_kind {
        println!("  {:24} {n}", mutate::KINDS.get(*k).copied().unwrap_or("?"));
    }
    println!(
        "split by seed file: {:?}",
        tally.by_seed.values().collect::<Vec<_>>()
    );
    let dir = root().join("target/fuzz");
    for (code, (len, index, message)) in &tally.smallest {
        let name = CODES
            .iter()
            .find(|(c, _)| c == code)
            .map_or("?", |(_, n)| *n);
        let input = mutate::input(&seeds.files, &seeds.tables, o.seed, *index);
        let path = write_smallest(&dir, *code, &input);
        println!(
            "smallest {name}: input {index} ({len} bytes) -> {}\n  {message}",
            path.display()
        );
    }
    if tally.smallest.is_empty() {
        println!("no failures");
    } else {
        std::process::exit(1);
    }
}

fn write_smallest(dir: &Path, code: char, input: &mutate::Input) -> PathBuf {
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(format!("smallest_{code}.toml"));
    let _ = std::fs::write(&path, &input.toml);
    if let Some(csv) = &input.csv {
        let _ = std::fs::write(dir.join(format!("smallest_{code}.csv")), csv);
    }
    path
}
