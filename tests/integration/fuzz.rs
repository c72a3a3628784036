//! A short fuzz run in the default suite: mutated equation files through
//! `pinn check`'s library function, in process, each on a thread with a
//! bounded stack and a 5 s limit; accepted ones of every 20th index also through the
//! steps `pinn solve` takes before training. No input may panic, time out,
//! give an error without file:line:column or with its caret out of place,
//! or be accepted by check and refused by solve. The long run is
//! `cargo run --release --example fuzz_check -- N` (same engine).

#[path = "../../examples/fuzz_check/engine.rs"]
mod engine;
#[path = "../../examples/fuzz_check/mutate.rs"]
mod mutate;

use engine::{Seeds, Workspace};
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn mutated_equation_files_never_crash_check_and_errors_are_positioned() {
    engine::quiet_panics();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = Seeds::load(root);
    assert!(seeds.files.len() >= 20, "seeds: {}", seeds.files.len());
    let ws = Workspace::new(root, &seeds).expect("a temporary folder");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut kinds = vec![0; mutate::KINDS.len()];
    let mut seeds_used = vec![0; seeds.files.len()];
    for index in 0..3000 {
        let input = mutate::input(&seeds.files, ws.tables(), 7, index);
        input.kinds.iter().for_each(|&k| kinds[k] += 1);
        seeds_used[input.seed] += 1;
        let outcome = ws.run(&input, index.is_multiple_of(20));
        *counts.entry(outcome.class()).or_default() += 1;
        if outcome.is_failure() {
            failures.push((index, input.toml.len(), outcome));
        }
    }
    failures.sort_by_key(|f| f.1);
    let shown: Vec<String> = failures
        .iter()
        .take(5)
        .map(|(i, len, o)| format!("input {i} ({len} bytes): {o:?}"))
        .collect();
    assert!(failures.is_empty(), "{counts:?}\n{}", shown.join("\n"));
    // The mutations reach both sides: files accepted, and errors.
    assert!(
        counts.get("accepted").copied().unwrap_or(0) > 100,
        "{counts:?}"
    );
    assert!(
        counts.get("positioned error").copied().unwrap_or(0) > 1000,
        "{counts:?}"
    );
    assert!(
        kinds.iter().all(|&n| n > 100),
        "every mutation is tried: {kinds:?}"
    );
    assert!(
        seeds_used.iter().all(|&n| n > 20),
        "every seed is used: {seeds_used:?}"
    );
}
