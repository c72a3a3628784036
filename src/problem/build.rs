//! Validation: the file as written ([`RawProblem`]) → a [`Problem`].
//!
//! Each check reports at the text it is about, so a user can fix the file
//! from the message alone.

use super::error::{ProblemError, Source};
use super::raw::{Entries, NumOrText, RawCondition, RawDomain, RawProblem, RawTerm, RefValue};
use super::settings::{self, SettingSpans};
use super::{
    CodeTerms, EquationFile, Evaluation, FileRole, GridAxis, NamedFile, Pde, Problem, Reference,
    Term, DATA_TERM,
};
use crate::config::{RunConfig, TrainConfig};
use crate::expr::{
    is_reserved, lex, parse_constant, parse_equation, parse_expr, parse_faces, parse_predicate,
    BinOp, Code, Expr, Symbols, Tok,
};
use crate::geometry::{Face, Geometry, Region, Sampler};
use crate::limits::{MAX_INPUTS, MAX_NAMES, MAX_OUTPUTS, MAX_TERMS};
use crate::multi_index::MultiIndex;
use crate::reference::{parse_table, TableProblem};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

type Result<T> = std::result::Result<T, ProblemError>;

/// The `[reference]` key listing outputs compared up to a constant.
const UP_TO_CONSTANT: &str = "up_to_constant";

/// Builtin references and what they are.
pub(crate) const BUILTIN_REFERENCES: [&str; 2] = ["burgers-cole-hopf", "ghia-1982-re100"];

pub(crate) fn build(raw: RawProblem, src: &Source, codes: &CodeTerms) -> Result<EquationFile> {
    let name = problem_name(&raw.name, src)?;
    let mut declared = Vec::new();
    let inputs = declare_list(&raw.inputs, ("input", MAX_INPUTS), &mut declared, src)?;
    let outputs = declare_list(&raw.outputs, ("output", MAX_OUTPUTS), &mut declared, src)?;
    let names = raw.constants.0.iter().map(|(k, _)| (k, "constant"));
    let names = names.chain(raw.unknowns.0.iter().map(|(k, _)| (k, "unknown")));
    for (i, (key, kind)) in names.enumerate() {
        if i == MAX_NAMES {
            let message = format!("more than {MAX_NAMES} constants and unknowns");
            return Err(src.error(key.span(), message));
        }
        declare(key, kind, &mut declared, src)?;
    }
    let base = Symbols::new(inputs, outputs, Vec::new());
    check_derivative_clashes(&declared, &base, src)?;
    let constants = constants(&raw.constants, &base, src)?;
    let known = Symbols::new(base.inputs, base.outputs, constants);
    let unknowns = super::unknowns::declared(&raw.unknowns, &known, src)?;
    let names = unknowns.iter().map(|u| u.name.clone()).collect();
    let symbols = known.with_unknowns(names);
    let (geometry, sides) = match super::geometry::declared(raw.geometry.as_ref(), &symbols, src)? {
        Some((g, sides)) => (Some(Arc::new(g)), sides),
        None => (None, Vec::new()),
    };
    let domain = domain(raw.domain.as_ref(), &symbols, geometry.as_deref(), src)?;
    let space = Space {
        domain: &domain,
        geometry: geometry.as_ref(),
        sides: &sides,
    };
    if let Some(c) = raw
        .conditions
        .get(MAX_TERMS.saturating_sub(raw.residuals.get_ref().0.len()))
    {
        let message = format!("more than {MAX_TERMS} residuals and conditions");
        return Err(src.error(c.span(), message));
    }
    let mut terms = residuals(&raw.residuals, &symbols, codes, src)?;
    conditions(&raw.conditions, &symbols, &space, &mut terms, codes, src)?;
    let hard = super::hard::declared(
        raw.hard_constraints.as_ref(),
        &symbols,
        &domain,
        &terms,
        src,
    )?;
    let satisfied = super::hard::split_satisfied(&mut terms, hard.as_deref(), &space.sampler());
    let (reference, grid) = reference(raw.reference.as_ref(), &symbols, &domain, src)?;
    if let Some((text, Reference::Csv { path })) = raw_csv(&raw).zip(reference.as_ref()) {
        check_table(path, &text, &symbols, src)?;
    }
    let up_to_constant = up_to_constant(raw.reference.as_ref(), &symbols, src)?;
    let velocity = match &raw.velocity {
        Some(v) => Some(velocity(v, &symbols, src)?),
        None => None,
    };
    let observations = match &raw.observations {
        Some(o) => Some(super::observations::load(
            o, &symbols, &domain, &terms, src,
        )?),
        None => None,
    };
    let quantities = super::quantities::declared(&raw.quantities, &symbols, &space, src)?;
    let named_files = named_files(&raw);
    let mut names: Vec<String> = terms.iter().map(|(t, _)| t.name.clone()).collect();
    if observations.is_some() {
        names.push(DATA_TERM.into());
    }
    // A weight on a condition the constraints satisfy is accepted and unused.
    let weighable: Vec<String> = names
        .iter()
        .cloned()
        .chain(satisfied.iter().map(|(t, _)| t.name.clone()))
        .collect();
    let config = config(&raw, &weighable, src)?;
    let spans = SettingSpans::of(src.text);
    settings::check(&config, &spans, src)?;
    let problem = Problem {
        title: raw.title.unwrap_or_else(|| name.clone()),
        name,
        source: src.name.to_string(),
        text: src.text.to_string(),
        pde: Pde {
            inputs: symbols.inputs,
            outputs: symbols.outputs,
            constants: symbols.constants,
            domain,
            geometry,
            terms,
            unknowns,
            hard,
            satisfied,
        },
        observations,
        named_files,
        evaluation: Evaluation {
            reference,
            grid,
            up_to_constant,
            velocity,
            quantities,
        },
    };
    problem
        .check_size(&config)
        .map_err(|e| settings::too_large(e, &spans, src))?;
    Ok(EquationFile { problem, config })
}

/// The `csv` string of `[reference]`, if it names one.
fn raw_csv(raw: &RawProblem) -> Option<Spanned<String>> {
    let r = raw.reference.as_ref()?;
    let (_, value) = r.get_ref().0.iter().find(|(k, _)| k.get_ref() == "csv")?;
    match value.get_ref() {
        RefValue::Text(t) => Some(Spanned::new(value.span(), t.clone())),
        _ => None,
    }
}

/// The reference table `path` (named by `named`) reads as `pinn solve`
/// reads it: its errors point into the table, or at `named` when it
/// cannot be read or has no rows.
fn check_table(
    path: &Path,
    named: &Spanned<String>,
    symbols: &Symbols,
    src: &Source,
) -> Result<()> {
    let text = super::load::read_data(path, "reference table", named, src)?;
    let file = path.display().to_string();
    match parse_table(&text, &file, &symbols.inputs, &symbols.outputs) {
        Ok(_) => Ok(()),
        Err(TableProblem::Table(e)) => {
            let table = Source {
                text: &text,
                name: &file,
            };
            Err(super::observations::table_error(&table, *e))
        }
        Err(TableProblem::NoRows) => Err(src.in_string(
            named,
            0,
            format!("reference table {file} has a header but no data rows"),
        )),
    }
}

/// Where the file names data files (observations, a reference table), so a
/// run folder's copy of the file can name its own copies instead.
fn named_files(raw: &RawProblem) -> Vec<NamedFile> {
    let mut files = Vec::new();
    if let Some(o) = &raw.observations {
        files.push(NamedFile {
            span: o.get_ref().csv.span(),
            role: FileRole::Observations,
        });
    }
    if let Some(r) = &raw.reference {
        let csv = r.get_ref().0.iter().find(|(k, _)| k.get_ref() == "csv");
        if let Some((_, value)) = csv {
            files.push(NamedFile {
                span: value.span(),
                role: FileRole::Reference,
            });
        }
    }
    files
}

/// The output named by `name`, or an error at it listing the outputs.
pub(super) fn output_index(
    name: &Spanned<String>,
    symbols: &Symbols,
    src: &Source,
) -> Result<usize> {
    symbols
        .outputs
        .iter()
        .position(|o| o == name.get_ref())
        .ok_or_else(|| {
            src.in_string(
                name,
                0,
                format!(
                    "unknown output '{}' (outputs: {})",
                    name.get_ref(),
                    symbols.outputs.join(", ")
                ),
            )
        })
}

/// `velocity = ["u", "v"]`: two distinct outputs.
fn velocity(
    v: &Spanned<Vec<Spanned<String>>>,
    symbols: &Symbols,
    src: &Source,
) -> Result<(usize, usize)> {
    let [a, b] = v.get_ref().as_slice() else {
        return Err(src.error(
            v.span(),
            format!(
                "expected two output names (the x and y components), found {}",
                v.get_ref().len()
            ),
        ));
    };
    let (i, j) = (
        output_index(a, symbols, src)?,
        output_index(b, symbols, src)?,
    );
    if i == j {
        return Err(src.in_string(b, 0, "the two velocity components must differ"));
    }
    Ok((i, j))
}

/// `[reference] up_to_constant = ["p"]`, as one flag per output.
fn up_to_constant(
    raw: Option<&Spanned<Entries<Spanned<RefValue>>>>,
    symbols: &Symbols,
    src: &Source,
) -> Result<Vec<bool>> {
    let mut flags = vec![false; symbols.outputs.len()];
    let entry = raw.and_then(|r| {
        r.get_ref()
            .0
            .iter()
            .find(|(k, _)| k.get_ref() == UP_TO_CONSTANT)
    });
    if let Some((_, value)) = entry {
        let RefValue::Names(names) = value.get_ref() else {
            return Err(src.error(
                value.span(),
                "expected a list of output names, e.g. [\"p\"]",
            ));
        };
        for n in names {
            flags[output_index(n, symbols, src)?] = true;
        }
    }
    Ok(flags)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn problem_name(name: &Spanned<String>, src: &Source) -> Result<String> {
    let n = name.get_ref();
    let ok = !n.is_empty()
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        // The name becomes part of output paths, so keep it to safe characters.
        return Err(src.in_string(
            name,
            0,
            format!("invalid problem name '{n}': use letters, digits, '-' and '_'"),
        ));
    }
    Ok(n.clone())
}

/// Checks one declared name (input, output, constant) and records it.
fn declare(
    name: &Spanned<String>,
    kind: &'static str,
    declared: &mut Vec<(Spanned<String>, &'static str)>,
    src: &Source,
) -> Result<()> {
    let n = name.get_ref();
    if !is_identifier(n) {
        return Err(src.in_string(
            name,
            0,
            format!(
                "invalid {kind} name '{n}': use letters, digits and '_', starting with a letter"
            ),
        ));
    }
    if is_reserved(n) {
        return Err(src.in_string(
            name,
            0,
            format!("'{n}' is reserved (pi, e, d and the function names have fixed meanings); rename this {kind}"),
        ));
    }
    if let Some((first, first_kind)) = declared.iter().find(|(d, _)| d.get_ref() == n) {
        let e = src.in_string(
            name,
            0,
            format!(
                "'{n}' is declared twice (already {})",
                with_article(first_kind)
            ),
        );
        return Err(src.with_note(
            e,
            src.content_offset(first.span(), 0),
            "the first declaration is",
        ));
    }
    declared.push((name.clone(), kind));
    Ok(())
}

/// `an input`, `a constant`.
fn with_article(kind: &str) -> String {
    let vowel = kind.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {kind}", if vowel { "an" } else { "a" })
}

fn declare_list(
    list: &Spanned<Vec<Spanned<String>>>,
    (kind, most): (&'static str, usize),
    declared: &mut Vec<(Spanned<String>, &'static str)>,
    src: &Source,
) -> Result<Vec<String>> {
    if list.get_ref().is_empty() {
        return Err(src.error(list.span(), format!("expected at least one {kind} name")));
    }
    if list.get_ref().len() > most {
        let n = list.get_ref().len();
        return Err(src.error(
            list.span(),
            format!("{n} {kind}s: at most {most} are supported"),
        ));
    }
    for name in list.get_ref() {
        declare(name, kind, declared, src)?;
    }
    Ok(list.get_ref().iter().map(|n| n.get_ref().clone()).collect())
}

/// A declared name that also reads as a subscript derivative (an output
/// `u_x` next to output `u` and input `x`) would make `u_x` ambiguous.
fn check_derivative_clashes(
    declared: &[(Spanned<String>, &str)],
    base: &Symbols,
    src: &Source,
) -> Result<()> {
    if !base.subscripts_allowed() {
        return Ok(());
    }
    for (name, kind) in declared {
        if let Some(Ok((out, _))) = base.subscript_derivative(name.get_ref()) {
            let message = format!(
                "{kind} name '{}' is ambiguous: it also reads as a derivative of output '{}'; rename it",
                name.get_ref(),
                base.outputs[out]
            );
            return Err(src.in_string(name, 0, message));
        }
    }
    Ok(())
}

/// Evaluates a number given as a TOML number or a constant expression.
pub(super) fn number(v: &Spanned<NumOrText>, symbols: &Symbols, src: &Source) -> Result<f64> {
    let value = match v.get_ref() {
        NumOrText::Num(x) => *x,
        NumOrText::Text(t) => {
            let s = Spanned::new(v.span(), t.clone());
            parse_constant(t, symbols).map_err(|e| src.expr_error(&s, e))?
        }
    };
    if !value.is_finite() {
        return Err(src.error(v.span(), format!("expected a finite number, found {value}")));
    }
    Ok(value)
}

/// Constants may use each other in any order; they are evaluated in
/// dependency order and kept in file order.
fn constants(
    raw: &Entries<Spanned<NumOrText>>,
    base: &Symbols,
    src: &Source,
) -> Result<Vec<(String, f64)>> {
    let names: Vec<&str> = raw.0.iter().map(|(k, _)| k.get_ref().as_str()).collect();
    let deps: Vec<Vec<&str>> = raw
        .0
        .iter()
        .map(|(_, v)| match v.get_ref() {
            NumOrText::Text(t) => lex(t)
                .map(|toks| {
                    toks.into_iter()
                        .filter_map(|t| match t.tok {
                            Tok::Ident(n) => names.iter().copied().find(|c| *c == n),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            NumOrText::Num(_) => Vec::new(),
        })
        .collect();
    let mut values: Vec<Option<f64>> = vec![None; raw.0.len()];
    let mut symbols = base.clone();
    while values.iter().any(Option::is_none) {
        let ready = (0..raw.0.len()).find(|&i| {
            values[i].is_none()
                && deps[i]
                    .iter()
                    .all(|d| symbols.constants.iter().any(|(n, _)| n == d))
        });
        let Some(i) = ready else {
            let stuck: Vec<&str> = (0..raw.0.len())
                .filter(|&i| values[i].is_none())
                .map(|i| names[i])
                .collect();
            let first = (0..raw.0.len()).find(|&i| values[i].is_none()).unwrap_or(0);
            return Err(src.error(
                raw.0[first].0.span(),
                format!(
                    "constants refer to each other in a cycle: {}",
                    stuck.join(", ")
                ),
            ));
        };
        let v = number(&raw.0[i].1, &symbols, src)?;
        values[i] = Some(v);
        symbols.constants.push((names[i].to_string(), v));
    }
    Ok(names
        .iter()
        .zip(values)
        .map(|(n, v)| (n.to_string(), v.unwrap_or(f64::NAN)))
        .collect())
}

/// The domain and its shape, as the conditions need them.
pub(crate) struct Space<'a> {
    pub domain: &'a [[f64; 2]],
    pub geometry: Option<&'a Arc<Geometry>>,
    /// Names of box faces of the shape (`inlet = "x = 0"` in `[geometry]`).
    pub sides: &'a [(String, Spanned<String>)],
}

impl Space<'_> {
    /// A sampler of the domain (seed 0: the probes of the checks).
    pub fn sampler(&self) -> Sampler {
        Sampler::new(self.domain, 0).with_geometry(self.geometry.cloned())
    }
}

/// The box: `[lo, hi]` per input as written; with a geometry, the inputs it
/// spans default to its bounding box, and a box given for them must hold it.
fn domain(
    raw: Option<&Spanned<RawDomain>>,
    symbols: &Symbols,
    geometry: Option<&Geometry>,
    src: &Source,
) -> Result<Vec<[f64; 2]>> {
    let mut domain: Vec<Option<[f64; 2]>> = vec![None; symbols.inputs.len()];
    let entries = raw.map_or(&[][..], |r| r.get_ref().0.as_slice());
    for (key, bounds) in entries {
        let Some(i) = symbols.inputs.iter().position(|n| n == key.get_ref()) else {
            return Err(src.error(
                key.span(),
                format!(
                    "unknown input '{}' in domain (inputs: {})",
                    key.get_ref(),
                    symbols.inputs.join(", ")
                ),
            ));
        };
        let [lo, hi] = bounds.get_ref().as_slice() else {
            return Err(src.error(
                bounds.span(),
                format!(
                    "expected [lo, hi] for the domain of '{}', found {} values",
                    key.get_ref(),
                    bounds.get_ref().len()
                ),
            ));
        };
        let (lo_v, hi_v) = (number(lo, symbols, src)?, number(hi, symbols, src)?);
        if lo_v >= hi_v {
            return Err(src.error(
                bounds.span(),
                format!(
                    "empty domain for '{}': lower bound {lo_v} is not below upper bound {hi_v}",
                    key.get_ref()
                ),
            ));
        }
        if let Some(g) = geometry {
            if let Some(axis) = g.space.iter().position(|&s| s == i) {
                let [glo, ghi] = g.bounds()[axis];
                if lo_v > glo || hi_v < ghi {
                    return Err(src.error(
                        bounds.span(),
                        format!(
                            "the domain of '{}' must hold the shape of [geometry], which spans [{glo}, {ghi}] (leave it out to use that)",
                            key.get_ref()
                        ),
                    ));
                }
            }
        }
        domain[i] = Some([lo_v, hi_v]);
    }
    if let Some(g) = geometry {
        for (axis, &i) in g.space.iter().enumerate() {
            domain[i] = domain[i].or(Some(g.bounds()[axis]));
        }
    }
    let at = raw.map_or(0..0, |r| r.span());
    symbols
        .inputs
        .iter()
        .zip(domain)
        .map(|(name, d)| {
            d.ok_or_else(|| {
                src.error(
                    at.clone(),
                    format!("missing domain for input '{name}': add {name} = [lo, hi] to domain = {{ ... }}"),
                )
            })
        })
        .collect()
}

/// Checks a term name and that it is new among `taken`.
fn term_name(name: &Spanned<String>, taken: &[String], src: &Source) -> Result<String> {
    let n = name.get_ref();
    if !is_identifier(n) {
        return Err(src.in_string(
            name,
            0,
            format!("invalid term name '{n}': use letters, digits and '_'"),
        ));
    }
    if taken.contains(n) {
        return Err(src.in_string(name, 0, format!("term name '{n}' is used twice")));
    }
    Ok(n.clone())
}

/// The string an error about a raw term points into: its text, or its code's name.
fn anchor(raw: &Spanned<RawTerm>) -> Spanned<String> {
    match raw.get_ref() {
        RawTerm::Text(t) => Spanned::new(raw.span(), t.clone()),
        RawTerm::Code { code, .. } => code.clone(),
    }
}

/// A term's expression from its raw form: parsed text (an equation for a
/// condition, `lhs = rhs` giving lhs − rhs), or registered Rust code with
/// the expressions it reads. Returns the expression, the text `pinn check`
/// shows, and the string errors about the term point into.
fn term_expr(
    raw: &Spanned<RawTerm>,
    equation: bool,
    symbols: &Symbols,
    codes: &CodeTerms,
    src: &Source,
) -> Result<(Expr, String, Spanned<String>)> {
    match raw.get_ref() {
        RawTerm::Text(t) => {
            let text = anchor(raw);
            let parsed = if equation {
                parse_equation(t, symbols)
            } else {
                parse_expr(t, symbols)
            };
            let expr = parsed.map_err(|e| src.expr_error(&text, e))?;
            Ok((expr, t.clone(), text))
        }
        RawTerm::Code { code, reads } => {
            let Some(residual) = codes.get(code.get_ref()) else {
                let known = codes.names();
                let known = if known.is_empty() {
                    "this program registers none; a Rust program registers its code with ProblemBuilder or CodeTerms".to_string()
                } else {
                    format!("registered: {}", known.join(", "))
                };
                return Err(src.in_string(
                    code,
                    0,
                    format!("no Rust code named '{}' ({known})", code.get_ref()),
                ));
            };
            if reads.get_ref().is_empty() {
                return Err(src.error(
                    reads.span(),
                    "expected the expressions the code reads, e.g. reads = [\"u_t\", \"u_xx\"]",
                ));
            }
            let exprs = reads
                .get_ref()
                .iter()
                .map(|r| parse_expr(r.get_ref(), symbols).map_err(|e| src.expr_error(r, e)))
                .collect::<Result<Vec<Expr>>>()?;
            let names: Vec<&str> = reads
                .get_ref()
                .iter()
                .map(|r| r.get_ref().as_str())
                .collect();
            let text = format!("{}({})", code.get_ref(), names.join(", "));
            let expr = Expr::Code(Code {
                name: code.get_ref().clone(),
                reads: exprs,
                residual,
            });
            Ok((expr, text, code.clone()))
        }
    }
}

fn residuals(
    raw: &Spanned<Entries<Spanned<RawTerm>>>,
    symbols: &Symbols,
    codes: &CodeTerms,
    src: &Source,
) -> Result<Vec<(Term, Region)>> {
    if raw.get_ref().0.is_empty() {
        return Err(src.error(
            raw.span(),
            "expected at least one residual, e.g. pde = \"u_t - u_xx\"",
        ));
    }
    if let Some((key, _)) = raw.get_ref().0.get(MAX_TERMS) {
        let message = format!("more than {MAX_TERMS} residuals and conditions");
        return Err(src.error(key.span(), message));
    }
    let mut terms: Vec<(Term, Region)> = Vec::new();
    for (key, value) in &raw.get_ref().0 {
        let taken: Vec<String> = terms.iter().map(|(t, _)| t.name.clone()).collect();
        let name = term_name(key, &taken, src)?;
        let (expr, text, anchor) = term_expr(value, false, symbols, codes, src)?;
        if expr.reads_normal() {
            return Err(src.in_string(
                &anchor,
                0,
                format!("residual '{name}' reads the outward normal (u_n, n_x, ...), which exists only on the boundary: put it in a condition"),
            ));
        }
        if expr.is_data_only() {
            return Err(src.in_string(
                &anchor,
                0,
                format!(
                    "residual '{name}' reads no output ({}), so training cannot change it",
                    symbols.outputs.join(", ")
                ),
            ));
        }
        terms.push((Term { name, expr, text }, Region::Interior));
    }
    Ok(terms)
}

fn conditions(
    raw: &[Spanned<RawCondition>],
    symbols: &Symbols,
    space: &Space,
    terms: &mut Vec<(Term, Region)>,
    codes: &CodeTerms,
    src: &Source,
) -> Result<()> {
    // Explicit names are claimed first, so a default name never takes one
    // that a later condition asks for.
    let mut taken: Vec<String> = terms.iter().map(|(t, _)| t.name.clone()).collect();
    for c in raw {
        if let Some(name) = &c.get_ref().name {
            let n = term_name(name, &taken, src)?;
            taken.push(n);
        }
    }
    for c in raw {
        let (term, region) = match (&c.get_ref().on, &c.get_ref().require, &c.get_ref().periodic) {
            (Some(on), Some(require), None) => {
                let (term, region) = face_condition(on, require, symbols, space, codes, src)?;
                match &c.get_ref().predicate {
                    Some(p) => (term, restrict(region, p, symbols, space, src)?),
                    None => (term, region),
                }
            }
            (None, None, Some(input)) => periodic_condition(input, symbols, space, src)?,
            (_, _, Some(input)) => {
                return Err(src.in_string(
                    input,
                    0,
                    "a periodic condition takes no 'on' or 'require': it pairs the two faces of its input",
                ))
            }
            _ if c.get_ref().predicate.is_some() && c.get_ref().on.is_none() => {
                let p = c.get_ref().predicate.as_ref().expect("checked");
                return Err(src.in_string(p, 0, "'where' restricts the faces of 'on'; add on = \"...\""));
            }
            (Some(on), None, None) => {
                return Err(src.in_string(on, 0, "this condition needs a 'require' equation, e.g. require = \"u = 0\""))
            }
            (None, Some(require), None) => {
                return Err(src.in_string(&anchor(require), 0, "this condition needs 'on' (the faces), e.g. on = \"x = 0\""))
            }
            (None, None, None) => {
                return Err(src.error(
                    c.span(),
                    "a condition needs 'on' and 'require' (e.g. on = \"x = 0\", require = \"u = 0\"), or 'periodic' (an input name)",
                ))
            }
        };
        let name = match &c.get_ref().name {
            Some(n) => n.get_ref().clone(),
            None => {
                let n = default_name(&region, symbols, &taken);
                taken.push(n.clone());
                n
            }
        };
        terms.push((Term { name, ..term }, region));
    }
    Ok(())
}

/// The part of the faces or parts of `region` where predicate `p` holds;
/// an error if it holds at none of 4096 points drawn on them.
fn restrict(
    region: Region,
    p: &Spanned<String>,
    symbols: &Symbols,
    space: &Space,
    src: &Source,
) -> Result<Region> {
    let predicate = parse_predicate(p.get_ref(), symbols).map_err(|e| src.expr_error(p, e))?;
    let probe = space.sampler().draw(&region, 4096);
    if !probe.iter().any(|x| predicate.holds(x)) {
        return Err(src.in_string(
            p,
            0,
            "this predicate holds nowhere on the condition's faces",
        ));
    }
    let text = p.get_ref().clone();
    Ok(match region {
        Region::Parts(parts) => Region::PartsWhere {
            parts,
            predicate,
            text,
        },
        other => Region::FacesWhere {
            faces: other.faces().to_vec(),
            predicate,
            text,
        },
    })
}

/// `on` faces and a `require` equation (its residual lhs − rhs).
fn face_condition(
    on: &Spanned<String>,
    require: &Spanned<RawTerm>,
    symbols: &Symbols,
    space: &Space,
    codes: &CodeTerms,
    src: &Source,
) -> Result<(Term, Region)> {
    let region = boundary_place(on, symbols, space, src)?;
    let (expr, text, anchor) = term_expr(require, true, symbols, codes, src)?;
    // On faces the normal is along the faces' inputs; on a shape's part it
    // may point anywhere in the inputs the shape spans.
    let expr = match (&region, space.geometry) {
        (Region::Parts(_), Some(g)) => expr.without_normals(&|i| g.space.contains(&i)),
        _ => expr.without_normals(&|i| region.faces().iter().any(|f| f.input == i)),
    };
    if expr.is_data_only() {
        return Err(src.in_string(
            &anchor,
            0,
            format!(
                "condition reads no output ({}), so training cannot satisfy it",
                symbols.outputs.join(", ")
            ),
        ));
    }
    let term = Term {
        name: String::new(),
        expr,
        text,
    };
    Ok((term, region))
}

/// `periodic = "x"`: every output and its first derivative along x take the
/// same values on the faces x = lo and x = hi. The term's expression is the
/// sum of those quantities, so it names what is matched (and what the jets
/// must compute); the loss differences each quantity across the faces.
fn periodic_condition(
    input: &Spanned<String>,
    symbols: &Symbols,
    space: &Space,
    src: &Source,
) -> Result<(Term, Region)> {
    let Some(i) = symbols.inputs.iter().position(|n| n == input.get_ref()) else {
        return Err(src.in_string(
            input,
            0,
            format!(
                "periodic needs an input name, found '{}' (inputs: {})",
                input.get_ref(),
                symbols.inputs.join(", ")
            ),
        ));
    };
    if space.geometry.is_some_and(|g| g.space.contains(&i)) {
        return Err(src.in_string(
            input,
            0,
            format!(
                "a periodic condition pairs two faces of a box, and '{}' is spanned by the shape of [geometry]",
                input.get_ref()
            ),
        ));
    }
    let expr = (0..symbols.outputs.len())
        .flat_map(|out| {
            [MultiIndex::value(), MultiIndex::new(vec![i])].map(|d| Expr::Output { out, d })
        })
        .reduce(|a, b| Expr::Bin(BinOp::Add, Box::new(a), Box::new(b)))
        .unwrap_or(Expr::Num(0.0));
    let term = Term {
        name: String::new(),
        expr,
        text: format!("periodic in {}", input.get_ref()),
    };
    Ok((term, Region::Periodic { input: i }))
}

/// `ic` for the lower face of an input named `t`, `periodic_x` for a
/// periodic condition in x, else `bc`; numbered when taken.
fn default_name(region: &Region, symbols: &Symbols, taken: &[String]) -> String {
    let stem = match region {
        Region::Faces(_) | Region::FacesWhere { .. } if is_initial(region.faces(), symbols) => {
            "ic".to_string()
        }
        Region::Periodic { input } => format!("periodic_{}", symbols.inputs[*input]),
        _ => "bc".to_string(),
    };
    let mut name = stem.clone();
    let mut k = 2;
    while taken.contains(&name) {
        name = format!("{stem}{k}");
        k += 1;
    }
    name
}

/// The lower face of an input named `t` alone: an initial condition.
pub(crate) fn is_initial(faces: &[Face], symbols: &Symbols) -> bool {
    matches!(faces, [f] if !f.upper && symbols.inputs[f.input] == "t")
}

/// True when `v` equals `bound` up to 1e-12 of the domain's size.
fn on_bound(v: f64, bound: f64, [lo, hi]: [f64; 2]) -> bool {
    (v - bound).abs() <= 1e-12 * (hi - lo)
}

/// The boundary an `on` (or a quantity's `over`) names: parts of the shape
/// (`cylinder`, `boundary`) or box faces (`x = 0, x = 1`).
pub(super) fn boundary_place(
    on: &Spanned<String>,
    symbols: &Symbols,
    space: &Space,
    src: &Source,
) -> Result<Region> {
    let items = super::geometry::items(on.get_ref());
    let side = |name: &str| space.sides.iter().find(|(n, _)| n == name).map(|(_, t)| t);
    let named: Vec<_> = items.iter().filter(|(_, s)| side(s).is_some()).collect();
    if let Some(&&(at, name)) = named.first() {
        if named.len() < items.len() {
            return Err(src.in_string(
                on,
                at,
                format!("'{name}' names faces and the rest do not: put them in two conditions"),
            ));
        }
        // The named sides' faces, each checked where it is defined.
        let mut all: Vec<Face> = Vec::new();
        for (at, name) in &items {
            for f in faces(side(name).expect("checked"), symbols, space, src)? {
                if all.contains(&f) {
                    return Err(src.in_string(on, *at, format!("'{name}' repeats a face")));
                }
                all.push(f);
            }
        }
        return Ok(Region::Faces(all));
    }
    Ok(
        match super::geometry::parts(on, space.geometry.map(|g| &**g), src) {
            Some(parts) => Region::Parts(parts?),
            None => Region::Faces(faces(on, symbols, space, src)?),
        },
    )
}

fn faces(
    on: &Spanned<String>,
    symbols: &Symbols,
    space: &Space,
    src: &Source,
) -> Result<Vec<Face>> {
    let domain = space.domain;
    let specs = parse_faces(on.get_ref(), symbols).map_err(|e| src.expr_error(on, e))?;
    let mut faces = Vec::new();
    for s in specs {
        let d = domain[s.input];
        let name = &symbols.inputs[s.input];
        let upper = if on_bound(s.value, d[0], d) {
            false
        } else if on_bound(s.value, d[1], d) {
            true
        } else {
            return Err(src.in_string(
                on,
                s.offset,
                format!(
                    "{name} = {} is not on the boundary: the domain is {name} in [{}, {}], so use {name} = {} or {name} = {}",
                    s.value, d[0], d[1], d[0], d[1]
                ),
            ));
        };
        let face = Face {
            input: s.input,
            upper,
        };
        if faces.contains(&face) {
            return Err(src.in_string(
                on,
                s.offset,
                format!("face {name} = {} is listed twice", s.value),
            ));
        }
        if let Some(g) = space.geometry.filter(|g| g.space.contains(&s.input)) {
            if space
                .sampler()
                .draw(&Region::Faces(vec![face]), 16)
                .is_empty()
            {
                return Err(src.in_string(
                    on,
                    s.offset,
                    format!(
                        "the shape {} has no boundary on {name} = {}; name its parts instead (on = \"{}\")",
                        g.text,
                        s.value,
                        g.used().iter().map(|&k| g.names[k].as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        faces.push(face);
    }
    Ok(faces)
}

fn reference(
    raw: Option<&Spanned<Entries<Spanned<RefValue>>>>,
    symbols: &Symbols,
    domain: &[[f64; 2]],
    src: &Source,
) -> Result<(Option<Reference>, Vec<GridAxis>)> {
    let default_n = if symbols.inputs.len() <= 2 { 101 } else { 41 };
    let mut grid: Vec<GridAxis> = domain
        .iter()
        .map(|&[lo, hi]| GridAxis {
            lo,
            hi,
            n: default_n,
        })
        .collect();
    let Some(raw) = raw else {
        return Ok((None, grid));
    };
    let mut kind: Option<(&Spanned<String>, Reference)> = None;
    let mut exprs: Vec<Option<Expr>> = vec![None; symbols.outputs.len()];
    for (key, value) in &raw.get_ref().0 {
        let k = key.get_ref().as_str();
        if k == UP_TO_CONSTANT {
            continue;
        }
        if k == "grid" {
            let RefValue::Table(axes) = value.get_ref() else {
                return Err(src.error(
                    value.span(),
                    "expected a table such as grid = { x = [0, 1, 101] }",
                ));
            };
            grid_axes(axes, symbols, domain, &mut grid, src)?;
            continue;
        }
        let RefValue::Text(text) = value.get_ref() else {
            return Err(src.error(value.span(), format!("expected a string for '{k}'")));
        };
        let text = Spanned::new(value.span(), text.clone());
        let this = match k {
            "builtin" => builtin_reference(&text, symbols, src)?,
            "csv" => Reference::Csv { path: csv_path(text.get_ref(), src.name) },
            _ => match symbols.outputs.iter().position(|o| o == k) {
                Some(out) => {
                    exprs[out] = Some(reference_expr(&text, symbols, src)?);
                    continue;
                }
                None => {
                    return Err(src.error(
                        key.span(),
                        format!(
                            "unknown key '{k}' in [reference]: expected builtin, csv, grid, up_to_constant, or an output name ({})",
                            symbols.outputs.join(", ")
                        ),
                    ))
                }
            },
        };
        if let Some((first, _)) = &kind {
            let e = src.error(
                key.span(),
                "[reference] takes one of builtin, csv, or one expression per output",
            );
            return Err(src.with_note(e, first.span().start, "the other reference is"));
        }
        kind = Some((key, this));
    }
    let given = exprs.iter().filter(|e| e.is_some()).count();
    if given > 0 {
        if let Some((first, _)) = &kind {
            let e = src.error(
                first.span(),
                "[reference] takes one of builtin, csv, or one expression per output",
            );
            return Err(e);
        }
        if let Some(missing) = exprs.iter().position(Option::is_none) {
            return Err(src.error(
                raw.span(),
                format!(
                    "missing reference expression for output '{}'",
                    symbols.outputs[missing]
                ),
            ));
        }
        let all = exprs.into_iter().flatten().collect();
        return Ok((Some(Reference::Exprs(all)), grid));
    }
    Ok((kind.map(|(_, r)| r), grid))
}

fn builtin_reference(text: &Spanned<String>, symbols: &Symbols, src: &Source) -> Result<Reference> {
    match text.get_ref().as_str() {
        "burgers-cole-hopf" => {
            if symbols.inputs != ["t", "x"] || symbols.outputs.len() != 1 {
                return Err(src.in_string(
                    text,
                    0,
                    "burgers-cole-hopf needs inputs = [\"t\", \"x\"] and a single output",
                ));
            }
            match symbols.constants.iter().find(|(n, _)| n == "nu") {
                Some(&(_, nu)) if nu > 0.0 => Ok(Reference::BurgersColeHopf { nu }),
                Some(_) => Err(src.in_string(text, 0, "burgers-cole-hopf needs nu > 0")),
                None => Err(src.in_string(
                    text,
                    0,
                    "burgers-cole-hopf reads the viscosity from a constant named 'nu'; add one",
                )),
            }
        }
        name if super::builtin_table(name).is_some() => Ok(Reference::BuiltinTable {
            name: name.to_string(),
        }),
        other => Err(src.in_string(
            text,
            0,
            format!(
                "unknown builtin reference '{other}' (available: {})",
                BUILTIN_REFERENCES.join(", ")
            ),
        )),
    }
}

/// CSV paths are relative to the equation file's folder; for builtin
/// equations (no folder) they are relative to the working directory.
pub(super) fn csv_path(path: &str, source: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() || source.starts_with("builtin:") {
        return p.to_path_buf();
    }
    Path::new(source)
        .parent()
        .map_or_else(|| p.to_path_buf(), |dir| dir.join(p))
}

fn reference_expr(text: &Spanned<String>, symbols: &Symbols, src: &Source) -> Result<Expr> {
    inputs_only_expr(
        text,
        "a reference expression",
        ": give its true value",
        symbols,
        src,
    )
}

/// An expression of the inputs and constants alone (`what` names it in
/// errors; `unknown_hint` follows the error about an unknown coefficient).
pub(super) fn inputs_only_expr(
    text: &Spanned<String>,
    what: &str,
    unknown_hint: &str,
    symbols: &Symbols,
    src: &Source,
) -> Result<Expr> {
    let expr = parse_expr(text.get_ref(), symbols).map_err(|e| src.expr_error(text, e))?;
    if let Some(&k) = expr.unknowns().first() {
        let name = &symbols.unknowns[k];
        let offset = text.get_ref().find(name.as_str()).unwrap_or(0);
        return Err(src.in_string(
            text,
            offset,
            format!("{what} may not use the unknown '{name}'{unknown_hint}"),
        ));
    }
    if expr.is_data_only() {
        return Ok(expr);
    }
    // Point at the first name that reads an output.
    let offset = lex(text.get_ref())
        .ok()
        .and_then(|toks| {
            toks.into_iter().find(|t| match &t.tok {
                Tok::Ident(n) => parse_expr(n, symbols).is_ok_and(|e| !e.is_data_only()),
                _ => false,
            })
        })
        .map_or(0, |t| t.start);
    Err(src.in_string(
        text,
        offset,
        format!("{what} may use only inputs and constants, not outputs"),
    ))
}

fn grid_axes(
    axes: &Entries<Spanned<Vec<Spanned<NumOrText>>>>,
    symbols: &Symbols,
    domain: &[[f64; 2]],
    grid: &mut [GridAxis],
    src: &Source,
) -> Result<()> {
    for (key, spec) in &axes.0 {
        let Some(i) = symbols.inputs.iter().position(|n| n == key.get_ref()) else {
            return Err(src.error(
                key.span(),
                format!(
                    "unknown input '{}' in grid (inputs: {})",
                    key.get_ref(),
                    symbols.inputs.join(", ")
                ),
            ));
        };
        let [lo, hi, n] = spec.get_ref().as_slice() else {
            return Err(src.error(
                spec.span(),
                format!("expected [lo, hi, n] for the grid of '{}'", key.get_ref()),
            ));
        };
        let (lo_v, hi_v) = (number(lo, symbols, src)?, number(hi, symbols, src)?);
        let count = match n.get_ref() {
            NumOrText::Num(v) if v.fract() == 0.0 && *v >= 2.0 && *v <= 1e7 => *v as usize,
            _ => {
                return Err(src.error(
                    n.span(),
                    "expected a whole number of grid points, at least 2",
                ))
            }
        };
        let d = domain[i];
        let inside =
            |v: f64| v >= d[0] - 1e-12 * (d[1] - d[0]) && v <= d[1] + 1e-12 * (d[1] - d[0]);
        if lo_v >= hi_v || !inside(lo_v) || !inside(hi_v) {
            return Err(src.error(
                spec.span(),
                format!(
                    "grid of '{}' must satisfy {} <= lo < hi <= {}, found [{lo_v}, {hi_v}]",
                    key.get_ref(),
                    d[0],
                    d[1]
                ),
            ));
        }
        grid[i] = GridAxis {
            lo: lo_v,
            hi: hi_v,
            n: count,
        };
    }
    Ok(())
}

/// The file's settings over the defaults; weights must name terms.
fn config(raw: &RawProblem, terms: &[String], src: &Source) -> Result<RunConfig> {
    let defaults = RunConfig::default();
    let config = RunConfig {
        network: raw.network.clone().unwrap_or(defaults.network),
        adam: raw.adam.clone().unwrap_or(defaults.adam),
        quasi_newton: raw.quasi_newton.clone().unwrap_or(defaults.quasi_newton),
        sampling: raw.sampling.clone().unwrap_or(defaults.sampling),
        train: raw
            .train
            .as_ref()
            .map_or(defaults.train, |t| t.get_ref().clone()),
        unknowns: defaults.unknowns,
    };
    if let Some(t) = &raw.train {
        check_weights(t, terms, src)?;
    }
    Ok(config)
}

/// Every weight names a term and is a finite number ≥ 0.
fn check_weights(train: &Spanned<TrainConfig>, terms: &[String], src: &Source) -> Result<()> {
    let start = train.span().start;
    for (name, w) in &train.get_ref().weights {
        let at = key_offset(src.text, start, name);
        if !terms.contains(name) {
            return Err(src.error(
                at..at + name.len(),
                format!(
                    "weight for unknown term '{name}' (terms: {})",
                    terms.join(", ")
                ),
            ));
        }
        if !(w.is_finite() && *w >= 0.0) {
            return Err(src.error(
                at..at + name.len(),
                format!("weight of '{name}' must be a finite number >= 0"),
            ));
        }
    }
    Ok(())
}

/// Where key `name` of `weights` is written, searching from the `[train]`
/// table (the weights map itself keeps no spans); falls back to the table.
fn key_offset(text: &str, from: usize, name: &str) -> usize {
    let Some(rest) = text.get(from..) else {
        return from;
    };
    let base = rest.find("weights").map_or(from, |i| from + i);
    text.get(base..)
        .and_then(|r| {
            r.match_indices(name).map(|(i, _)| base + i).find(|&i| {
                let before = text[..i].chars().next_back();
                let after = text[i + name.len()..].chars().next();
                let word =
                    |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                !word(before) && !word(after)
            })
        })
        .unwrap_or(base)
}
