//! Mutations of equation files: each input is a seed file with one to
//! three mutations, drawn from the input's index alone, so any input of a
//! run can be made again from its index (the long run regenerates the
//! failing ones to report the smallest).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The kinds of mutation, by name (the split of a run's inputs).
pub const KINDS: [&str; 16] = [
    "byte flip",
    "deep nesting",
    "long chain",
    "huge number",
    "nan or inf",
    "invalid utf-8",
    "duplicated line",
    "removed line",
    "swapped keys",
    "hostile path",
    "hostile setting",
    "high derivative",
    "truncation",
    "line-ending backslash",
    "junk tokens",
    "data file",
];

/// One fuzzed input: an equation file, and the data file it may name
/// (`data/fuzz.csv`, written beside it).
#[derive(Clone, Debug)]
pub struct Input {
    pub toml: Vec<u8>,
    pub csv: Option<Vec<u8>>,
    /// Which seed, and the kinds applied (indices into [`KINDS`]).
    pub seed: usize,
    pub kinds: Vec<usize>,
}

/// The input of index `index` of a run with seed `run`, from `seeds`
/// (equation files) and `tables` (CSV files a data-file mutation starts from).
pub fn input(seeds: &[String], tables: &[String], run: u64, index: u64) -> Input {
    let mut rng = StdRng::seed_from_u64(run.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index);
    let seed = rng.gen_range(0..seeds.len());
    let mut input = Input {
        toml: seeds[seed].clone().into_bytes(),
        csv: None,
        seed,
        kinds: Vec::new(),
    };
    for _ in 0..rng.gen_range(1..=3) {
        let kind = rng.gen_range(0..KINDS.len());
        apply(kind, &mut input, tables, &mut rng);
        input.kinds.push(kind);
    }
    input
}

fn apply(kind: usize, input: &mut Input, tables: &[String], rng: &mut StdRng) {
    let t = &mut input.toml;
    match kind {
        0 => flip(t, rng),
        1 => {
            let n = pick(rng, &[10, 99, 100, 101, 1000, 5566]);
            let (open, close) = pick(
                rng,
                &[
                    ("(", ")"),
                    ("sin(", ")"),
                    ("-", ""),
                    ("x^", ""),
                    ("d(", ")"),
                ],
            );
            let text = format!("{}x{}", open.repeat(n), close.repeat(n));
            if rng.gen_bool(0.2) {
                // TOML's own nesting: arrays or inline tables in a value.
                let (open, close) = pick(rng, &[("[", "]"), ("{ a = ", " }")]);
                let value = format!("{}1{}", open.repeat(n), close.repeat(n));
                t.extend_from_slice(format!("\nzz = {value}\n").as_bytes());
            } else {
                in_string(t, &text, rng);
            }
        }
        2 => {
            let n = pick(rng, &[10, 300, 999, 1000, 1001, 5000, 9999, 29000, 130_803]);
            let link = pick(rng, &[" + x", " + u", "-", "^2", " * u", " / 2", " - 1"]);
            in_string(t, &link.repeat(n), rng);
        }
        3 => replace_number(t, pick(rng, &HUGE), rng),
        4 => replace_number(
            t,
            pick(rng, &["nan", "inf", "-inf", "+nan", "\"nan\"", "\"1/0\""]),
            rng,
        ),
        5 => {
            let bad: &[u8] = pick(
                rng,
                &[
                    &[0xff][..],
                    &[0xc3],
                    &[0xe2, 0x82],
                    &[0xed, 0xa0, 0x80],
                    &[0x80],
                ],
            );
            let at = rng.gen_range(0..=t.len());
            t.splice(at..at, bad.iter().copied());
        }
        6 | 7 => {
            let mut lines = split_lines(t);
            if !lines.is_empty() {
                let i = rng.gen_range(0..lines.len());
                if kind == 6 {
                    let line = lines[i].clone();
                    lines.insert(i, line);
                } else {
                    lines.remove(i);
                }
            }
            *t = lines.concat();
        }
        8 => swap_keys(t, rng),
        9 => {
            let path = pick(rng, &PATHS);
            let table = pick(rng, &["[reference]\ncsv", "[observations]\ncsv"]);
            t.extend_from_slice(format!("\n{table} = \"{path}\"\n").as_bytes());
        }
        10 => {
            let (table, key, value) = pick(rng, &SETTINGS);
            t.extend_from_slice(format!("\n[{table}]\n{key} = {value}\n").as_bytes());
        }
        11 => {
            let n = pick(rng, &[4, 5, 8, 40]);
            let d = pick(rng, &["u_{x}", "d(u{, x})", "u_{t}", "d(u_x{, x})"]);
            let (head, rest) = d.split_once('{').unwrap_or((d, "}"));
            let (unit, tail) = rest.split_once('}').unwrap_or((rest, ""));
            in_string(t, &format!(" + {head}{}{tail}", unit.repeat(n)), rng);
        }
        12 => {
            let at = rng.gen_range(0..=t.len());
            t.truncate(at);
        }
        13 => backslash(t, rng),
        14 => {
            let junk = pick(rng, &JUNK);
            in_string(t, junk, rng);
        }
        _ => data_file(input, tables, rng),
    }
}

const HUGE: [&str; 10] = [
    "1e308",
    "1e309",
    "-1e400",
    "18446744073709551616",
    "1e20",
    "9999999999",
    "0",
    "-0",
    "-1",
    "0.0000001",
];

const PATHS: [&str; 10] = [
    "/dev/zero",
    "/dev/null",
    "..",
    "data/../../nope.csv",
    "/",
    "data",
    "data/fuzz.csv",
    "../../../../../../../../tmp",
    "nope.csv",
    "",
];

const SETTINGS: [(&str, &str, &str); 24] = [
    ("train", "max_seconds", "-1"),
    ("train", "max_seconds", "nan"),
    ("train", "max_seconds", "inf"),
    ("train", "max_seconds", "1e20"),
    ("train", "checkpoint_every", "-5"),
    ("train", "eval_every", "0"),
    ("sampling", "condition_points", "0"),
    ("sampling", "condition_points", "1"),
    ("sampling", "interior_points", "0"),
    ("sampling", "interior_points", "100000000000"),
    ("sampling", "candidates", "0"),
    ("sampling", "residual_exponent", "-inf"),
    ("network", "width", "1000000"),
    ("network", "width", "0"),
    ("network", "depth", "0"),
    ("network", "depth", "100000"),
    ("network", "omega", "-2"),
    ("network", "omega", "nan"),
    ("adam", "lr", "nan"),
    ("adam", "lr", "1e6"),
    ("quasi_newton", "memory", "0"),
    ("quasi_newton", "method", "\"bfgs\""),
    (
        "reference",
        "grid",
        "{ t = [0, 1, 100000], x = [0, 1, 100000] }",
    ),
    ("reference", "grid", "{ x = [0, 1, 10000000] }"),
];

const JUNK: [&str; 14] = [
    "**", "((", ")", ",", "=", "<", "1e", "d(", "u_n", "d_n(u)", "sinh(x)", "\\n", "\t", "é",
];

fn pick<T: Copy>(rng: &mut StdRng, from: &[T]) -> T {
    from[rng.gen_range(0..from.len())]
}

fn flip(t: &mut [u8], rng: &mut StdRng) {
    if t.is_empty() {
        return;
    }
    for _ in 0..rng.gen_range(1..=4) {
        let i = rng.gen_range(0..t.len());
        t[i] = if rng.gen_bool(0.5) {
            t[i] ^ (1 << rng.gen_range(0..8))
        } else {
            pick(rng, b"()+-*/^=,\"'[]{}#\\\n0123456789.eu_x ")
        };
    }
}

/// Inserts `text` inside a random string value (after an opening quote),
/// or at the end when the file has no quote.
fn in_string(t: &mut Vec<u8>, text: &str, rng: &mut StdRng) {
    let quotes: Vec<usize> = t
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'"' && i > 0 && t[i - 1] != b'"')
        .map(|(i, _)| i + 1)
        .collect();
    let at = if quotes.is_empty() {
        t.len()
    } else {
        quotes[rng.gen_range(0..quotes.len())]
    };
    t.splice(at..at, text.bytes());
}

/// Replaces a random run of digits by `with`.
fn replace_number(t: &mut Vec<u8>, with: &str, rng: &mut StdRng) {
    let starts: Vec<usize> = (0..t.len())
        .filter(|&i| t[i].is_ascii_digit() && (i == 0 || !t[i - 1].is_ascii_alphanumeric()))
        .collect();
    if starts.is_empty() {
        return;
    }
    let start = starts[rng.gen_range(0..starts.len())];
    let len = t[start..]
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    t.splice(start..start + len, with.bytes());
}

fn split_lines(t: &[u8]) -> Vec<Vec<u8>> {
    t.split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Exchanges the keys of two `key = value` lines.
fn swap_keys(t: &mut Vec<u8>, rng: &mut StdRng) {
    let mut lines = split_lines(t);
    let keyed: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            lines[i].contains(&b'=') && lines[i].first().is_some_and(u8::is_ascii_alphabetic)
        })
        .collect();
    if keyed.len() < 2 {
        return;
    }
    let (a, b) = (pick(rng, &keyed), pick(rng, &keyed));
    let split = |l: &[u8]| {
        let eq = l.iter().position(|&c| c == b'=').unwrap_or(0);
        (l[..eq].to_vec(), l[eq..].to_vec())
    };
    let ((ka, va), (kb, vb)) = (split(&lines[a]), split(&lines[b]));
    lines[a] = [kb, va].concat();
    lines[b] = [ka, vb].concat();
    *t = lines.concat();
}

/// Turns a one-line string `key = "..."` into a multi-line one folded by
/// line-ending backslashes, with a misspelt name after the fold.
fn backslash(t: &mut Vec<u8>, rng: &mut StdRng) {
    let mut lines = split_lines(t);
    let strings: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let l = &lines[i];
            l.windows(3).any(|w| w == b"= \"") && l.iter().filter(|&&c| c == b'"').count() == 2
        })
        .collect();
    if strings.is_empty() {
        return;
    }
    let i = pick(rng, &strings);
    let line = String::from_utf8_lossy(&lines[i]).into_owned();
    let (key, rest) = line.split_once("= \"").unwrap_or((&line, ""));
    let body = rest.trim_end().trim_end_matches('"');
    let fold = pick(rng, &[" \\\n    ", " \\\r\n\t", "\\   \n\n  ", " \\\n"]);
    let tail = pick(rng, &["nuu", "+ 1", "* u", ")"]);
    let cut = body
        .char_indices()
        .map(|(k, _)| k)
        .nth(body.chars().count() / 2)
        .unwrap_or(0);
    lines[i] = format!(
        "{key}= \"\"\"\n{}{fold}{} {tail}\"\"\"\n",
        &body[..cut],
        &body[cut..]
    )
    .into_bytes();
    *t = lines.concat();
}

/// A mutated copy of a data table, which the equation file then names as
/// its observations or its reference.
fn data_file(input: &mut Input, tables: &[String], rng: &mut StdRng) {
    let mut csv = tables[rng.gen_range(0..tables.len())].clone().into_bytes();
    let mut lines = split_lines(&csv);
    lines.truncate(rng.gen_range(1..=200.min(lines.len().max(1))));
    csv = lines.concat();
    match rng.gen_range(0..4) {
        0 => flip(&mut csv, rng),
        1 => csv.extend_from_slice(pick(
            rng,
            &[&b"1,2\n"[..], b"nan,nan,nan\n", b",,,\n", b"\xff\n"],
        )),
        2 => csv.splice(0..0, [0xff]).for_each(drop),
        _ => replace_number(&mut csv, pick(rng, &HUGE), rng),
    }
    let table = pick(rng, &["[reference]\ncsv", "[observations]\ncsv"]);
    input
        .toml
        .extend_from_slice(format!("\n{table} = \"data/fuzz.csv\"\n").as_bytes());
    input.csv = Some(csv);
}
