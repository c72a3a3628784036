//! Equation files, data files and reference tables shipped in the binary,
//! so the builtins run from any folder.

use super::EquationFile;

/// Equation files shipped with the crate, by name.
const BUILTINS: [(&str, &str); 10] = [
    ("burgers", include_str!("../../equations/burgers.toml")),
    ("heat", include_str!("../../equations/heat.toml")),
    ("kovasznay", include_str!("../../equations/kovasznay.toml")),
    (
        "taylor-green",
        include_str!("../../equations/taylor-green.toml"),
    ),
    ("cavity", include_str!("../../equations/cavity.toml")),
    (
        "plate-hole",
        include_str!("../../equations/plate_hole.toml"),
    ),
    ("cylinder", include_str!("../../equations/cylinder.toml")),
    (
        "burgers-identify",
        include_str!("../../equations/burgers_identify.toml"),
    ),
    (
        "burgers-identify-noisy",
        include_str!("../../equations/burgers_identify_noisy.toml"),
    ),
    (
        "kovasznay-identify",
        include_str!("../../equations/kovasznay_identify.toml"),
    ),
];

/// Data files of builtin equations, by the path their files name
/// (relative to `equations/`), embedded so builtins run from any folder.
const BUILTIN_DATA: [(&str, &str); 3] = [
    (
        "data/burgers_identify.csv",
        include_str!("../../equations/data/burgers_identify.csv"),
    ),
    (
        "data/burgers_identify_noisy.csv",
        include_str!("../../equations/data/burgers_identify_noisy.csv"),
    ),
    (
        "data/kovasznay_identify.csv",
        include_str!("../../equations/data/kovasznay_identify.csv"),
    ),
];

/// The text of a data file of the builtin equations.
pub fn builtin_data(path: &str) -> Option<&'static str> {
    BUILTIN_DATA
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

/// The text of a builtin equation file: `(name, toml)`.
pub fn builtin(name: &str) -> Option<(&'static str, &'static str)> {
    BUILTINS.iter().copied().find(|(n, _)| *n == name)
}

/// Builtin equations as `(name, title)`.
pub fn builtins() -> Vec<(&'static str, String)> {
    BUILTINS
        .iter()
        .map(|&(name, text)| {
            let title = EquationFile::from_toml(text, &format!("builtin:{name}"))
                .map_or_else(|_| String::new(), |f| f.problem.title);
            (name, title)
        })
        .collect()
}

/// The names of the builtin equations.
pub(super) fn builtin_names() -> Vec<&'static str> {
    BUILTINS.iter().map(|(n, _)| *n).collect()
}

/// Reference tables shipped with the crate, by builtin reference name.
const BUILTIN_TABLES: [(&str, &str); 1] = [(
    "ghia-1982-re100",
    include_str!("../../equations/data/ghia_1982_re100.csv"),
)];

/// The CSV text of a builtin reference table.
pub fn builtin_table(name: &str) -> Option<&'static str> {
    BUILTIN_TABLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}
