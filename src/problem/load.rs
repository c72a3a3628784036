//! Reading equation files: from text, a path, or a builtin's name.

use super::builtins::{builtin, builtin_names};
use super::error::{ProblemError, Source};
use super::{build, raw, CodeTerms, EquationFile};
use std::path::Path;

impl EquationFile {
    /// Parses and validates an equation file's text; `source` names it in
    /// errors (a path, or `builtin:NAME`) and anchors relative CSV paths.
    pub fn from_toml(text: &str, source: &str) -> Result<EquationFile, ProblemError> {
        Self::from_toml_with(text, source, &CodeTerms::new())
    }

    /// As [`Self::from_toml`], for a file whose terms may name Rust code
    /// registered in `codes`.
    pub fn from_toml_with(
        text: &str,
        source: &str,
        codes: &CodeTerms,
    ) -> Result<EquationFile, ProblemError> {
        let src = Source { text, name: source };
        let raw: raw::RawProblem = toml::from_str(text).map_err(|e| src.toml_error(&e))?;
        build::build(raw, &src, codes)
    }

    /// Reads and parses an equation file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<EquationFile, ProblemError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ProblemError::general(&name, format!("cannot read the equation file: {e}"))
        })?;
        Self::from_toml(&text, &name)
    }

    /// Loads an existing file, else a builtin equation of that name.
    pub fn load(name_or_path: &str) -> Result<EquationFile, ProblemError> {
        if Path::new(name_or_path).is_file() {
            return Self::from_file(name_or_path);
        }
        if let Some((name, text)) = builtin(name_or_path) {
            return Self::from_toml(text, &format!("builtin:{name}"));
        }
        Err(ProblemError::general(
            name_or_path,
            format!(
                "no such file, and no builtin equation of that name (builtins: {})",
                builtin_names().join(", ")
            ),
        ))
    }
}
