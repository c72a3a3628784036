//! Checkpoint files and `pinn resume`: a run folder's `checkpoint.bin`
//! holds the state of its run between two steps (see
//! `train::checkpoint`), with the equation file and configuration it
//! belongs to; resuming continues that run to the end it would have had.

use super::files::{RunFolder, COMPLETION_MARKER};
use super::run::{prepare, train_prepared, TrainOptions};
use super::{SolveError, Summary};
use crate::config::RunConfig;
use crate::problem::EquationFile;
use crate::report::{write_bytes_atomic, ReportError};
use crate::train::{Checkpoint, PointsState, Snapshot};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// The name of a run folder's checkpoint.
pub const CHECKPOINT: &str = "checkpoint.bin";

/// The first bytes of a checkpoint file, then its format version.
const MAGIC: &[u8; 8] = b"PINNCKPT";
/// Raised whenever what a checkpoint holds changes: an older one is refused.
pub const CHECKPOINT_FORMAT: u32 = 5;

/// Everything a checkpoint file holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckpointFile {
    /// The run folder's problem.toml and config.toml when it was written.
    pub problem: String,
    pub config: String,
    pub driver: Checkpoint<Snapshot>,
    pub points: PointsState,
    /// In the f64 stage of a mixed-precision run: the step it took over at
    /// (None: the run's only precision, or the f32 stage).
    pub f64_from_step: Option<usize>,
}

impl CheckpointFile {
    /// Writes the file atomically: a checkpoint is either the old one or
    /// the complete new one.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let body = bincode::serialize(self).map_err(|e| e.to_string())?;
        let mut bytes = Vec::with_capacity(body.len() + 12);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&CHECKPOINT_FORMAT.to_le_bytes());
        bytes.extend_from_slice(&body);
        write_bytes_atomic(path, &bytes).map_err(|e| e.to_string())
    }

    /// Reads a checkpoint file, refusing one of another format.
    pub fn read(path: &Path) -> Result<CheckpointFile, SolveError> {
        let bytes = std::fs::read(path).map_err(|source| {
            SolveError::from(ReportError::Io {
                path: path.to_path_buf(),
                source,
            })
        })?;
        let bad = |what: String| SolveError::Invalid(format!("{}: {what}", path.display()));
        let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
            return Err(bad("not a pinn checkpoint".into()));
        };
        let (version, body) = rest.split_at(4.min(rest.len()));
        let version = <[u8; 4]>::try_from(version).map(u32::from_le_bytes);
        match version {
            Ok(CHECKPOINT_FORMAT) => {}
            Ok(v) => {
                return Err(bad(format!(
                    "a checkpoint of format {v}; this pinn reads format {CHECKPOINT_FORMAT} \
                     (start the run again)"
                )))
            }
            Err(_) => return Err(bad("a truncated checkpoint".into())),
        }
        bincode::deserialize(body).map_err(|e| bad(format!("a damaged checkpoint ({e})")))
    }
}

/// How often and where a run writes checkpoints.
#[derive(Clone, Debug)]
pub struct Checkpointing {
    pub path: PathBuf,
    /// Seconds between checkpoints (0: after every step).
    pub every: f64,
    /// The texts the checkpoint belongs to.
    pub problem: String,
    pub config: String,
    /// Written into each checkpoint (see [`CheckpointFile::f64_from_step`]).
    pub f64_from_step: Option<usize>,
}

/// Continues the run whose checkpoint is in `dir` to the end it would have
/// had (its budget, iteration counts and seed), then writes its results.
pub fn resume(dir: &Path, progress: bool, stop: Arc<AtomicBool>) -> Result<Summary, SolveError> {
    let path = dir.join(CHECKPOINT);
    if !path.is_file() {
        let finished = dir.join(COMPLETION_MARKER).is_file();
        return Err(SolveError::Invalid(format!(
            "{}: no checkpoint to resume ({})",
            dir.display(),
            if finished {
                "the run is finished: its checkpoint was removed when it ended"
            } else if dir.is_dir() {
                "not a run folder, or a run that wrote no checkpoint yet"
            } else {
                "no such folder"
            }
        )));
    }
    let checkpoint = CheckpointFile::read(&path)?;
    let read = |name: &str| read_run_file(dir, name);
    let (problem_text, config_text) = (read("problem.toml")?, read("config.toml")?);
    if problem_text != checkpoint.problem || config_text != checkpoint.config {
        return Err(SolveError::Invalid(format!(
            "{}: the checkpoint is of another run (problem.toml or config.toml differ from \
             those it was written with)",
            dir.display()
        )));
    }
    let source = dir.join("problem.toml").display().to_string();
    let file = EquationFile::from_toml(&problem_text, &source)
        .map_err(|e| SolveError::Invalid(e.to_string()))?;
    let config: RunConfig = toml::from_str(&config_text)
        .map_err(|e| SolveError::Invalid(format!("{}/config.toml: {e}", dir.display())))?;
    let prepared = prepare(&file.problem, &config)?;
    let folder = RunFolder::open(dir);
    let names = file.problem.term_names();
    let history = folder
        .history_log(&file.problem, &names)
        .resumed(&checkpoint.driver.history);
    let options = TrainOptions {
        progress,
        stop,
        observers: vec![Box::new(history)],
        checkpoints: checkpointing(dir, &config, problem_text, config_text),
        resume: Some(checkpoint),
    };
    let mut trained = train_prepared(&file.problem, &prepared, options)?;
    trained.summary.out_dir = Some(dir.to_path_buf());
    folder.write_results(&file.problem, &trained)?;
    finish_checkpoints(dir, &trained.summary)?;
    Ok(trained.summary)
}

/// The text of the run folder `dir`'s file `name` (problem.toml, config.toml).
pub fn read_run_file(dir: &Path, name: &str) -> Result<String, SolveError> {
    let path = dir.join(name);
    std::fs::read_to_string(&path).map_err(|source| ReportError::Io { path, source }.into())
}

/// The checkpointing of a run in `dir` with `config` (none when the
/// configuration turns it off).
pub fn checkpointing(
    dir: &Path,
    config: &RunConfig,
    problem: String,
    config_text: String,
) -> Option<Checkpointing> {
    config
        .train
        .checkpoint_every
        .seconds()
        .map(|every| Checkpointing {
            path: dir.join(CHECKPOINT),
            every,
            problem,
            config: config_text,
            f64_from_step: None,
        })
}

/// After a run: an interrupted one keeps its checkpoint (to resume); any
/// other ended, and its checkpoint would only continue what is finished.
pub fn finish_checkpoints(dir: &Path, summary: &Summary) -> Result<(), SolveError> {
    let path = dir.join(CHECKPOINT);
    if summary.stop.reason == crate::train::StopReason::Interrupted || !path.exists() {
        return Ok(());
    }
    std::fs::remove_file(&path).map_err(|source| ReportError::Io { path, source }.into())
}
