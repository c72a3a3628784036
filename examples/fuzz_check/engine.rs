//! The fuzzer's engine, shared by the test suite (tests/integration/fuzz.rs)
//! and the long run (`cargo run --release --example fuzz_check -- N`):
//! seeds, one input through `pinn check`'s own library function on a
//! thread with a bounded stack and a time limit, and what came of it.
//!
//! An error must carry file:line:column, and its caret must stand under
//! the character at that position (checked against the file itself); an
//! accepted file may be put through everything `pinn solve` does before
//! its first step ([`pinn::solve::ready`]), which must accept it too.

use super::mutate::Input;
use pinn::problem::{builtin, builtins, EquationFile, ProblemError};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// The stack of the thread that checks an input: the size of a main
/// thread's (8 MiB) halved, so that a file needing more than that fails
/// here before it could overflow `pinn check`'s main thread.
pub const STACK_BYTES: usize = 4 << 20;

/// The longest one input may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// What came of one input.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Accepted,
    /// An error at file:line:column with its caret in place.
    Positioned,
    Unpositioned(String),
    /// A position whose caret is not under the character it names.
    MisplacedCaret(String),
    Panic(String),
    Timeout,
    /// Accepted by `pinn check`, then refused (or panicked on) by the
    /// steps `pinn solve` takes before training.
    SolveRefused(String),
}

impl Outcome {
    /// The class, as reports count it.
    pub fn class(&self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Positioned => "positioned error",
            Outcome::Unpositioned(_) => "unpositioned error",
            Outcome::MisplacedCaret(_) => "misplaced caret",
            Outcome::Panic(_) => "panic",
            Outcome::Timeout => "timeout",
            Outcome::SolveRefused(_) => "accepted by check, refused by solve",
        }
    }

    pub fn is_failure(&self) -> bool {
        !matches!(self, Outcome::Accepted | Outcome::Positioned)
    }
}

/// The repository's equation files: the built-in ones, benches/problems,
/// the README's examples, and heat with a reference table; and the data
/// tables that data-file mutations start from.
pub struct Seeds {
    pub files: Vec<String>,
    pub tables: Vec<String>,
}

impl Seeds {
    pub fn load(root: &Path) -> Seeds {
        let mut files: Vec<String> = builtins()
            .iter()
            .filter_map(|(name, _)| builtin(name).map(|(_, text)| text.to_string()))
            .collect();
        let mut problems: Vec<PathBuf> = std::fs::read_dir(root.join("benches/problems"))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        problems.sort();
        files.extend(
            problems
                .iter()
                .filter_map(|p| std::fs::read_to_string(p).ok()),
        );
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
        files.extend(
            readme
                .split("```toml\n")
                .skip(1)
                .filter_map(|b| b.split("```").next().map(str::to_string)),
        );
        if let Some((_, heat)) = builtin("heat") {
            let with_table = heat.replace("u = \"exp", "csv = \"data/heat.csv\"\n# u = \"exp");
            files.push(with_table);
        }
        let data = root.join("equations/data");
        let mut tables: Vec<String> = [
            "burgers_identify.csv",
            "ghia_1982_re100.csv",
            "kovasznay_identify.csv",
        ]
        .iter()
        .filter_map(|n| std::fs::read_to_string(data.join(n)).ok())
        .collect();
        tables.push(heat_table());
        Seeds { files, tables }
    }
}

/// The heat equation's exact solution on a 5 × 5 grid, as a reference table.
fn heat_table() -> String {
    let mut text = String::from("t,x,u\n");
    for i in 0..5 {
        for j in 0..5 {
            let (t, x) = (i as f64 / 4.0, j as f64 / 4.0);
            let u = (-0.4 * t).exp() * (std::f64::consts::PI * x).sin();
            text.push_str(&format!("{t},{x},{u}\n"));
        }
    }
    text
}

/// A folder the inputs are written into, with the data files the seeds
/// name (`data/*.csv`, `equations/data/*.csv` for the README's example).
pub struct Workspace {
    dir: tempfile::TempDir,
    tables: Vec<String>,
}

impl Workspace {
    pub fn new(root: &Path, seeds: &Seeds) -> std::io::Result<Workspace> {
        let dir = tempfile::tempdir()?;
        for sub in ["data", "equations/data"] {
            std::fs::create_dir_all(dir.path().join(sub))?;
            for entry in std::fs::read_dir(root.join("equations/data"))? {
                let from = entry?.path();
                if let Some(name) = from.file_name() {
                    std::fs::copy(&from, dir.path().join(sub).join(name))?;
                }
            }
            std::fs::write(dir.path().join(sub).join("heat.csv"), heat_table())?;
        }
        Ok(Workspace {
            dir,
            tables: seeds.tables.clone(),
        })
    }

    pub fn tables(&self) -> &[String] {
        &self.tables
    }

    /// Writes `input` (the equation file as `input.toml`, its data file as
    /// `data/fuzz.csv`) and returns the equation file's path.
    fn write(&self, input: &Input) -> std::io::Result<PathBuf> {
        let path = self.dir.path().join("input.toml");
        std::fs::write(&path, &input.toml)?;
        let csv = self.dir.path().join("data/fuzz.csv");
        match &input.csv {
            Some(bytes) => std::fs::write(&csv, bytes)?,
            None => {
                let _ = std::fs::remove_file(&csv);
            }
        }
        Ok(path)
    }

    /// Runs `pinn check` on `input` and, when `solve` is set and it is
    /// accepted, the steps `pinn solve` takes before training.
    pub fn run(&self, input: &Input, solve: bool) -> Outcome {
        let path = match self.write(input) {
            Ok(p) => p,
            Err(e) => return Outcome::Panic(format!("cannot write the input: {e}")),
        };
        let name = path.display().to_string();
        let checked = bounded(move || pinn::problem::check(&name));
        match checked {
            Err(failure) => failure,
            Ok(Ok(_)) if solve => solve_accepts(&path),
            Ok(Ok(_)) => Outcome::Accepted,
            Ok(Err(e)) => judge_error(&e),
        }
    }
}

/// `f` on a thread of [`STACK_BYTES`], within [`TIMEOUT`], panics caught.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Outcome> {
    let (send, receive) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(FUZZ_THREAD.into())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let result = std::panic::catch_unwind(AssertUnwindSafe(f));
            let _ = send.send(result);
        });
    if let Err(e) = spawned {
        return Err(Outcome::Panic(format!("cannot start a thread: {e}")));
    }
    match receive.recv_timeout(TIMEOUT) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(payload)) => Err(Outcome::Panic(panic_text(payload.as_ref()))),
        // The thread is left running: a timeout ends the run that sees it.
        Err(_) => Err(Outcome::Timeout),
    }
}

/// The name of the threads inputs run on (their panics are not printed).
pub const FUZZ_THREAD: &str = "fuzz-input";

/// Keeps panics on fuzz threads quiet (they are counted), others as they were.
pub fn quiet_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some(FUZZ_THREAD) {
            default(info);
        }
    }));
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// An accepted file through everything `pinn solve` does before training.
fn solve_accepts(path: &Path) -> Outcome {
    let path = path.to_path_buf();
    let result = bounded(move || {
        let file = EquationFile::load(&path.display().to_string()).map_err(|e| e.to_string())?;
        pinn::solve::ready(&file.problem, &file.config)
            .map(drop)
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(Ok(())) => Outcome::Accepted,
        Ok(Err(why)) => Outcome::SolveRefused(why),
        Err(Outcome::Panic(why)) => Outcome::SolveRefused(format!("panic: {why}")),
        Err(other) => other,
    }
}

/// An error must have a position, and its snippet (when it has one) must
/// show the file's line with the caret under the position's character.
fn judge_error(e: &ProblemError) -> Outcome {
    let text = e.to_string();
    let Some((line, col)) = e.position else {
        return Outcome::Unpositioned(text);
    };
    // The message may hold newlines of its own (a name written "\\nx").
    let head = format!("{}:{line}:{col}: error: {}", e.file, e.message);
    let Some(detail) = text.strip_prefix(&head) else {
        return Outcome::Unpositioned(text);
    };
    let lines = detail.lines().skip(1);
    let snippet: Vec<&str> = lines.take(3).collect();
    if snippet.is_empty() {
        // A whole file that could not be read has no line to show.
        let whole = e.message.starts_with("cannot read") && (line, col) == (1, 1);
        return if whole {
            Outcome::Positioned
        } else {
            Outcome::MisplacedCaret(text)
        };
    }
    match caret_in_place(e, line, col, &snippet) {
        true => Outcome::Positioned,
        false => Outcome::MisplacedCaret(text),
    }
}

fn caret_in_place(e: &ProblemError, line: usize, col: usize, snippet: &[&str]) -> bool {
    let [_, shown, caret] = snippet else {
        return false;
    };
    let Some(bytes) = std::fs::read(&e.file).ok() else {
        return false;
    };
    let file = String::from_utf8_lossy(&bytes);
    let Some(file_line) = file.split('\n').nth(line - 1) else {
        return false;
    };
    let file_line: Vec<char> = file_line.trim_end_matches('\r').chars().collect();
    let prefix = format!("{line} | ");
    let Some(shown) = shown.strip_prefix(&prefix) else {
        return false;
    };
    let gutter = " ".repeat(line.to_string().len());
    let Some(marks) = caret.strip_prefix(&format!("{gutter} | ")) else {
        return false;
    };
    let shown: Vec<char> = shown.chars().collect();
    let at = marks.chars().take_while(|&c| c != '^').count();
    // A long line is shown as a window, an ellipsis for each cut end.
    let lead = usize::from(shown.first() == Some(&'…') && file_line.first() != Some(&'…'));
    // A caret past the end of the line (on a trailing '\r', or the end of
    // the file) stands right after its last character.
    let col = col.min(file_line.len() + 1);
    let Some(from) = (col - 1).checked_sub(at.saturating_sub(lead)) else {
        return false;
    };
    let mut body = &shown[lead.min(shown.len())..];
    if body.last() == Some(&'…') && from + body.len() - 1 < file_line.len() {
        body = &body[..body.len() - 1];
    }
    let window = file_line.get(from..from + body.len());
    let under_ok = shown.get(at) == file_line.get(col - 1);
    at >= lead && window == Some(body) && under_ok && names_match(e, &file_line, col)
}

/// An error about a name (`unknown name 'nuu'`) has its caret on the name.
fn names_match(e: &ProblemError, line: &[char], col: usize) -> bool {
    let quoted = ["unknown name '", "unknown function '"]
        .iter()
        .find_map(|p| e.message.strip_prefix(p))
        .and_then(|rest| rest.split('\'').next());
    match quoted {
        Some(name) => {
            let here: String = line
                .iter()
                .skip(col - 1)
                .take(name.chars().count())
                .collect();
            here == name || line.contains(&'\\')
        }
        None => true,
    }
}
