//! Why a training run ended, as a value (metrics.json records it by name).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The reason a run (or a phase of it) stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Every step or iteration asked for was taken.
    IterationLimit,
    /// The wall-clock budget (`max_seconds`) ran out.
    TimeBudget,
    /// The stop flag was set (Ctrl-C).
    Interrupted,
    /// A line search failed and restarting from the best point did not get
    /// past it.
    LineSearchFailed,
    /// The gradient norm fell below the solver's tolerance.
    Converged,
    /// The loss or its gradient was NaN or infinite.
    NonFiniteLoss,
    /// The held-out loss stopped improving for the stall window
    /// (`[train] stall_share` of the budget).
    Stalled,
    /// The f32 stage of a mixed-precision run hands over to f64 (never the
    /// end of a run: the f64 stage goes on from the same state).
    SwitchToF64,
}

impl StopReason {
    /// Words for the summary line, e.g. `time budget`.
    pub fn text(self) -> &'static str {
        match self {
            Self::IterationLimit => "iteration limit",
            Self::TimeBudget => "time budget",
            Self::Interrupted => "interrupted",
            Self::LineSearchFailed => "line search failed",
            Self::Converged => "converged",
            Self::NonFiniteLoss => "non-finite loss",
            Self::Stalled => "held-out loss stalled",
            Self::SwitchToF64 => "f32 round-off: continuing in f64",
        }
    }
}

/// A stop reason with what the solver said, when it said something.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stop {
    pub reason: StopReason,
    /// E.g. the line search's message.
    pub detail: Option<String>,
}

impl Stop {
    pub fn new(reason: StopReason) -> Self {
        Self {
            reason,
            detail: None,
        }
    }

    pub fn with_detail(reason: StopReason, detail: impl Into<String>) -> Self {
        Self {
            reason,
            detail: Some(detail.into()),
        }
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason.text())?;
        match &self.detail {
            Some(d) => write!(f, " ({d})"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_recorded_by_name() {
        let name = serde_json::to_string(&StopReason::LineSearchFailed).expect("serializes");
        assert_eq!(name, "\"line_search_failed\"");
        let stop = Stop::with_detail(StopReason::LineSearchFailed, "40 evaluations");
        assert_eq!(stop.to_string(), "line search failed (40 evaluations)");
        assert_eq!(Stop::new(StopReason::TimeBudget).to_string(), "time budget");
    }
}
