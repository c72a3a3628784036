//! The run settings an equation file (or a run's config.toml) gives,
//! checked where they are written: a value no run can use, and sizes that
//! would not fit in memory, are errors at that value.

use super::error::{ProblemError, Source};
use super::raw::Entries;
use super::{Problem, Reference};
use crate::config::{BadSetting, RunConfig};
use crate::limits::{estimate_bytes, parameter_count, Sizes, MAX_DENSE_PARAMS, MAX_MEMORY_BYTES};
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;

/// Where each setting is written: the settings tables with every value's span.
#[derive(Default, Deserialize)]
pub(crate) struct SettingSpans {
    #[serde(default)]
    network: Entries<Spanned<toml::Value>>,
    #[serde(default)]
    adam: Entries<Spanned<toml::Value>>,
    #[serde(default)]
    quasi_newton: Entries<Spanned<toml::Value>>,
    #[serde(default)]
    sampling: Entries<Spanned<toml::Value>>,
    #[serde(default)]
    train: Entries<Spanned<toml::Value>>,
    #[serde(default)]
    unknowns: Entries<Spanned<toml::Value>>,
    #[serde(default)]
    reference: Entries<Spanned<toml::Value>>,
    #[serde(default)]
    inputs: Option<Spanned<toml::Value>>,
}

impl SettingSpans {
    /// The spans of a text that has already parsed as TOML (a text that
    /// does not has no spans to give).
    pub fn of(text: &str) -> Self {
        toml::from_str(text).unwrap_or_default()
    }

    /// The span of `key`'s value in `[table]`, if the text sets it.
    fn span(&self, table: &str, key: &str) -> Option<Range<usize>> {
        let entries = match table {
            "network" => &self.network,
            "adam" => &self.adam,
            "quasi_newton" => &self.quasi_newton,
            "sampling" => &self.sampling,
            "train" => &self.train,
            "unknowns" => &self.unknowns,
            "reference" => &self.reference,
            _ => return None,
        };
        entries
            .0
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(_, v)| v.span())
    }

    /// An error at the first of `places` the text sets, else at the start.
    fn error(&self, places: &[(&str, &str)], message: String, src: &Source) -> ProblemError {
        let found = places.iter().find_map(|(t, k)| self.span(t, k));
        let inputs = self.inputs.as_ref().map(Spanned::span);
        match found.or(inputs) {
            Some(span) => src.error(span, message),
            None => ProblemError::at_start(src.name, message),
        }
    }
}

/// A setting no run can use, as an error at its value.
pub(crate) fn bad_setting(bad: BadSetting, spans: &SettingSpans, src: &Source) -> ProblemError {
    spans.error(&[(bad.table, &bad.key)], bad.to_string(), src)
}

/// Every setting of `config` is usable, each checked at its value.
pub(crate) fn check(
    config: &RunConfig,
    spans: &SettingSpans,
    src: &Source,
) -> Result<(), ProblemError> {
    config.check().map_err(|bad| bad_setting(bad, spans, src))
}

/// A run too large to start, and the settings that make it so.
#[derive(Clone, Debug, PartialEq)]
pub struct TooLarge {
    pub message: String,
    /// The settings to change, most likely first, as (table, key).
    pub settings: &'static [(&'static str, &'static str)],
}

const NETWORK: &[(&str, &str)] = &[
    ("network", "width"),
    ("network", "depth"),
    ("quasi_newton", "method"),
];
const POINTS: &[(&str, &str)] = &[
    ("sampling", "interior_points"),
    ("quasi_newton", "grow_to"),
    ("sampling", "condition_points"),
    ("sampling", "candidates"),
    ("quasi_newton", "refine_points"),
    ("network", "width"),
];
const GRID: &[(&str, &str)] = &[("reference", "grid")];

const GIB: f64 = (1u64 << 30) as f64;

impl Problem {
    /// What a run of this problem with `config` would allocate, checked
    /// against [`MAX_MEMORY_BYTES`] and the dense model's limit before
    /// anything is allocated.
    pub fn check_size(&self, config: &RunConfig) -> Result<(), TooLarge> {
        let (inputs, outputs) = (self.pde.inputs.len(), self.pde.outputs.len());
        let net = &config.network;
        let params =
            parameter_count(inputs, outputs, net.width, net.depth) + self.pde.unknowns.len() as f64;
        let qn = &config.quasi_newton;
        let method = qn
            .method
            .for_parameters(params.min(usize::MAX as f64) as usize);
        if method.is_dense() && params > MAX_DENSE_PARAMS as f64 {
            return Err(TooLarge {
                message: format!(
                    "the {} method keeps a dense {params}×{params} matrix ({:.1} GiB); it allows at most {MAX_DENSE_PARAMS} parameters: use method = \"lbfgs\" or a smaller network",
                    method.label(),
                    8.0 * params * params / GIB
                ),
                settings: &[("quasi_newton", "method"), ("network", "width")],
            });
        }
        let s = &config.sampling;
        let conditions = self.pde.terms.len().saturating_sub(1) as f64;
        let refinements = qn.iters.checked_div(qn.refine_every).unwrap_or(0);
        let refined = qn.refine_points as f64 * refinements as f64;
        let observed = self.observations.as_ref().map_or(0, |o| o.points.len()) as f64;
        let table_points = match &self.evaluation.reference {
            Some(Reference::Csv { .. } | Reference::BuiltinTable { .. }) => Some(0.0),
            _ => None,
        };
        let grid: f64 = self.evaluation.grid.iter().map(|a| a.n as f64).product();
        let sizes = Sizes {
            inputs,
            outputs,
            width: net.width,
            depth: net.depth,
            precision_bytes: net.precision.bytes(),
            dense: method.is_dense(),
            memory: qn.memory,
            // Training points and as many held out.
            points: 2.0
                * (qn.max_interior_points(s.interior_points) as f64
                    + refined
                    + conditions * s.condition_points as f64)
                + observed,
            candidates: s.candidates,
            derivatives: self
                .pde
                .terms
                .iter()
                .map(|(t, _)| Problem::derivatives(t).len())
                .max()
                .unwrap_or(1),
            // A table's own points replace the grid (its size is bounded by the file's).
            grid_points: table_points.unwrap_or(grid),
        };
        let bytes = estimate_bytes(&sizes);
        if bytes <= MAX_MEMORY_BYTES {
            return Ok(());
        }
        let without_grid = estimate_bytes(&Sizes {
            grid_points: 0.0,
            ..sizes.clone()
        });
        let settings = if bytes - without_grid > without_grid {
            GRID
        } else if params * params * 8.0 > bytes / 2.0 || params * 48.0 > bytes / 2.0 {
            NETWORK
        } else {
            POINTS
        };
        Err(TooLarge {
            message: format!(
                "this run would need about {:.1} GiB of memory (points, network width and depth, evaluation grid), more than the limit of {:.0} GiB",
                bytes / GIB,
                MAX_MEMORY_BYTES / GIB
            ),
            settings,
        })
    }
}

/// A run too large, as an error at the setting most likely to blame.
pub(crate) fn too_large(e: TooLarge, spans: &SettingSpans, src: &Source) -> ProblemError {
    spans.error(e.settings, e.message, src)
}
