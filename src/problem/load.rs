//! Reading equation files: from text, a path, or a builtin's name.

use super::builtins::{builtin, builtin_names};
use super::error::{decode, ProblemError, Source};
use super::{build, raw, CodeTerms, EquationFile};
use crate::config::RunConfig;
use crate::limits::{read_limited, MAX_DATA_BYTES, MAX_EQUATION_BYTES};
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
        let text = read_text(path, MAX_EQUATION_BYTES, "the equation file")
            .map_err(|e| e.unwrap_or_else(|why| ProblemError::at_start(&name, why)))?;
        Self::from_toml(&text, &name)
    }

    /// Loads an existing file, else a builtin equation of that name.
    pub fn load(name_or_path: &str) -> Result<EquationFile, ProblemError> {
        if Path::new(name_or_path).exists() {
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

/// The UTF-8 text of the file at `path`, at most `limit` bytes: an error
/// inside the text (invalid UTF-8, at its line), or why it was not read.
pub(crate) fn read_text(
    path: &Path,
    limit: u64,
    what: &str,
) -> Result<String, Result<ProblemError, String>> {
    let name = path.display().to_string();
    let bytes =
        read_limited(path, limit).map_err(|e| Err(format!("cannot read {what} {name}: {e}")))?;
    decode(bytes, &name).map_err(Ok)
}

/// The text of the data file `path` that the string `named` names (`what`:
/// a reference table, observations): a read failure is an error at `named`.
pub(crate) fn read_data(
    path: &Path,
    what: &str,
    named: &toml::Spanned<String>,
    src: &Source,
) -> Result<String, ProblemError> {
    read_text(path, MAX_DATA_BYTES, what)
        .map_err(|e| e.unwrap_or_else(|why| src.in_string(named, 0, why)))
}

/// What `pinn check` does: loads an equation file (a path, or a builtin's
/// name) with every check `pinn solve` makes before it trains, and says
/// what the file asks for. Nothing it accepts is refused by `pinn solve`
/// with the file's own settings.
pub fn check(name_or_path: &str) -> Result<String, ProblemError> {
    Ok(EquationFile::load(name_or_path)?.describe())
}

/// A run's config.toml (`pinn solve --config`), each setting checked at
/// its place in the file.
pub fn read_config(path: &Path) -> Result<RunConfig, ProblemError> {
    let name = path.display().to_string();
    let text = read_text(path, MAX_EQUATION_BYTES, "the configuration")
        .map_err(|e| e.unwrap_or_else(|why| ProblemError::at_start(&name, why)))?;
    let src = Source {
        text: &text,
        name: &name,
    };
    let config: RunConfig = toml::from_str(&text).map_err(|e| src.toml_error(&e))?;
    super::settings::check(&config, &super::settings::SettingSpans::of(&text), &src)?;
    Ok(config)
}
