//! Recursive-descent parser: text → resolved, constant-folded [`Expr`].
//!
//! Grammar (loosest binding first):
//!
//! ```text
//! equation := expr '=' expr
//! expr     := term (('+' | '-') term)*
//! term     := unary (('*' | '/') unary)*
//! unary    := ('-' | '+') unary | power
//! power    := primary ('^' unary)?          right-associative; -x^2 = -(x^2)
//! primary  := number | name | func '(' expr ')' | func2 '(' expr ',' expr ')'
//!           | 'd' '(' output (',' input)+ ')' | '(' expr ')'
//! ```
//!
//! Names resolve while parsing, so an unknown name is reported at its own
//! position and the tree never holds a string.
//!
//! Input decides how deep the parser and every later walk of the tree
//! recurse, so three limits keep them within any thread's stack: nesting
//! ([`MAX_NESTING`]), the tree's depth ([`MAX_DEPTH`], which a long chain
//! `a + b + c + ...` grows without nesting) and the token count
//! ([`MAX_TOKENS`]); chains are parsed by loops, not by recursion.

use super::lexer::{lex, Tok, Token};
use super::{BinOp, Expr, Func, PointEval};
use crate::multi_index::{MultiIndex, MAX_ORDER};

/// The deepest nesting of parentheses, calls, unary signs and powers.
pub const MAX_NESTING: usize = 100;

/// The deepest expression tree a chain of operators may build: a sum of
/// 1000 terms. Every walk of a tree (folding, evaluation on jets, drop)
/// recurses once per level, a few hundred bytes each.
pub const MAX_DEPTH: usize = 1000;

/// The most tokens one expression may have.
pub const MAX_TOKENS: usize = 20_000;

/// A parse or resolution error at byte `offset` of the expression text.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}{}", note_suffix(.note))]
pub struct ExprError {
    /// Byte offset of the offending token within the expression.
    pub offset: usize,
    /// What was expected and what was found.
    pub message: String,
    /// A second place that explains the error (e.g. the unclosed '(').
    pub note: Option<Note>,
}

/// A secondary position attached to an error.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub offset: usize,
    /// Reads as a sentence fragment, e.g. "the '(' is here".
    pub text: String,
}

fn note_suffix(note: &Option<Note>) -> String {
    match note {
        Some(n) => format!(" ({} at column {})", n.text, n.offset + 1),
        None => String::new(),
    }
}

impl ExprError {
    pub fn new(offset: usize, message: impl Into<String>) -> Self {
        Self {
            offset,
            message: message.into(),
            note: None,
        }
    }

    /// The same error for an expression embedded at `base` in a longer text.
    pub fn shifted(mut self, base: usize) -> Self {
        self.offset += base;
        if let Some(n) = &mut self.note {
            n.offset += base;
        }
        self
    }
}

/// The names an expression may use, by index in the problem.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    /// Named constants with their values.
    pub constants: Vec<(String, f64)>,
    /// Unknown coefficients (inverse problems): names that stay symbolic.
    pub unknowns: Vec<String>,
}

/// One-argument function names of the language, in the order shown in messages.
pub const FUNCTIONS: [(&str, Func); 13] = [
    ("sin", Func::Sin),
    ("cos", Func::Cos),
    ("tan", Func::Tan),
    ("exp", Func::Exp),
    ("log", Func::Log),
    ("sqrt", Func::Sqrt),
    ("tanh", Func::Tanh),
    ("abs", Func::Abs),
    ("sinh", Func::Sinh),
    ("cosh", Func::Cosh),
    ("sech", Func::Sech),
    ("atan", Func::Atan),
    ("erf", Func::Erf),
];

/// Two-argument function names, `min(a, b)`, shown after [`FUNCTIONS`].
pub const BINARY_FUNCTIONS: [(&str, BinOp); 2] = [("min", BinOp::Min), ("max", BinOp::Max)];

/// Every function name, one-argument ones first.
fn function_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS
        .iter()
        .map(|(f, _)| *f)
        .chain(BINARY_FUNCTIONS.iter().map(|(f, _)| *f))
}

/// The outward normal derivative operator, `d_n(u)` (also `u_n` when no
/// input is named `n`).
pub const NORMAL_DERIVATIVE: &str = "d_n";

/// Names with a fixed meaning that a file may not declare.
pub fn is_reserved(name: &str) -> bool {
    matches!(name, "pi" | "e" | "d" | NORMAL_DERIVATIVE) || function_names().any(|f| f == name)
}

impl Symbols {
    pub fn new(inputs: Vec<String>, outputs: Vec<String>, constants: Vec<(String, f64)>) -> Self {
        Self {
            inputs,
            outputs,
            constants,
            unknowns: Vec::new(),
        }
    }

    /// The same names plus unknown coefficients.
    pub fn with_unknowns(mut self, unknowns: Vec<String>) -> Self {
        self.unknowns = unknowns;
        self
    }

    fn unknown(&self, name: &str) -> Option<usize> {
        self.unknowns.iter().position(|n| n == name)
    }

    fn input(&self, name: &str) -> Option<usize> {
        self.inputs.iter().position(|n| n == name)
    }

    fn output(&self, name: &str) -> Option<usize> {
        self.outputs.iter().position(|n| n == name)
    }

    fn constant(&self, name: &str) -> Option<f64> {
        self.constants
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, v)| v)
    }

    /// Reads `name` as `output_n`, the outward normal derivative, when no
    /// input is named `n` (then `u_n` is an ordinary derivative).
    fn normal_subscript(&self, name: &str) -> Option<usize> {
        if self.input("n").is_some() {
            return None;
        }
        let stem = name.strip_suffix("_n")?;
        self.output(stem)
    }

    /// Reads `n_x` as the outward normal's component along input `x`, when
    /// no input, output or constant is named `n`.
    fn normal_component(&self, name: &str) -> Option<usize> {
        if self.input("n").is_some() || self.output("n").is_some() || self.constant("n").is_some() {
            return None;
        }
        self.input(name.strip_prefix("n_")?)
    }

    /// ∂u/∂n = Σᵢ nᵢ ∂u/∂xᵢ: on a face of the box only the component of the
    /// face's own input is non-zero, so one expression serves every face.
    fn normal_derivative(&self, out: usize) -> Expr {
        (0..self.inputs.len())
            .map(|i| {
                let d = Expr::Output {
                    out,
                    d: MultiIndex::new(vec![i]),
                };
                fold_bin(BinOp::Mul, Expr::Normal(i), d)
            })
            .reduce(|a, b| fold_bin(BinOp::Add, a, b))
            .unwrap_or(Expr::Num(0.0))
    }

    /// True when derivative subscripts (`u_tx`) are allowed: every input
    /// name is one letter, so a subscript splits into inputs one way only.
    pub fn subscripts_allowed(&self) -> bool {
        self.inputs.iter().all(|n| n.chars().count() == 1)
    }

    /// Reads `name` as `output_subscript` if it has that shape: `None` when
    /// no output prefixes it, `Some(Err(why))` when it does but the subscript
    /// is not a list of inputs.
    pub fn subscript_derivative(&self, name: &str) -> Option<Result<(usize, MultiIndex), String>> {
        let mut found = None;
        for (out, o) in self.outputs.iter().enumerate() {
            let Some(sub) = name
                .strip_prefix(o.as_str())
                .and_then(|r| r.strip_prefix('_'))
            else {
                continue;
            };
            if sub.is_empty() {
                continue;
            }
            let reading = self.read_subscript(o, out, sub);
            // Prefer a valid reading: outputs `u` and `u_a` make `u_a_x` mean d(u_a)/dx.
            match (&found, &reading) {
                (None, _) | (Some(Err(_)), Ok(_)) => found = Some(reading),
                _ => {}
            }
        }
        found
    }

    fn read_subscript(
        &self,
        output: &str,
        out: usize,
        sub: &str,
    ) -> Result<(usize, MultiIndex), String> {
        if !self.subscripts_allowed() {
            return Err(format!(
                "subscript derivatives need one-letter input names (inputs: {}); write d({output}, ...) instead",
                self.inputs.join(", ")
            ));
        }
        let mut dirs = Vec::new();
        for c in sub.chars() {
            let mut buf = [0u8; 4];
            let Some(i) = self.input(c.encode_utf8(&mut buf)) else {
                let inputs = self.inputs.join(", ");
                return Err(format!(
                    "reads as a derivative of '{output}', but '{c}' is not an input (inputs: {inputs})"
                ));
            };
            dirs.push(i);
        }
        Ok((out, MultiIndex::new(dirs)))
    }

    fn listing(&self) -> String {
        let names: Vec<&str> = self.constants.iter().map(|(n, _)| n.as_str()).collect();
        let list = |v: &[&str]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        let inputs: Vec<&str> = self.inputs.iter().map(String::as_str).collect();
        let outputs: Vec<&str> = self.outputs.iter().map(String::as_str).collect();
        let mut text = format!(
            "inputs: {}; outputs: {}; constants: {}",
            list(&inputs),
            list(&outputs),
            list(&names)
        );
        if !self.unknowns.is_empty() {
            text.push_str(&format!("; unknowns: {}", self.unknowns.join(", ")));
        }
        text
    }

    /// A declared name at most two edits from `name`, for "did you mean".
    fn closest(&self, name: &str) -> Option<&str> {
        let candidates = self
            .inputs
            .iter()
            .chain(&self.outputs)
            .map(String::as_str)
            .chain(self.constants.iter().map(|(n, _)| n.as_str()))
            .chain(self.unknowns.iter().map(String::as_str))
            .chain(["pi", "e"]);
        candidates
            .map(|c| (strsim::levenshtein(c, name), c))
            .filter(|&(d, c)| d <= 2 && d < c.len().max(name.len()))
            .min_by_key(|&(d, _)| d)
            .map(|(_, c)| c)
    }
}

/// Parses an expression such as `u_t + u * u_x - nu * u_xx`.
pub fn parse_expr(text: &str, symbols: &Symbols) -> Result<Expr, ExprError> {
    let mut p = Parser::new(text, symbols)?;
    let e = p.expr()?;
    p.expect_end("an operator or end of expression")?;
    Ok(e)
}

/// Parses an equation `lhs = rhs` into the residual `lhs - rhs`.
pub fn parse_equation(text: &str, symbols: &Symbols) -> Result<Expr, ExprError> {
    let mut p = Parser::new(text, symbols)?;
    let lhs = p.expr()?;
    if p.peek().tok != Tok::Eq {
        let t = p.peek().clone();
        return Err(ExprError::new(
            t.start,
            format!(
                "expected '=' (a condition is an equation such as 'u = 0'), found {}",
                t.tok.describe()
            ),
        ));
    }
    p.bump();
    let rhs = p.expr()?;
    p.expect_end("an operator or end of equation")?;
    Ok(fold_bin(BinOp::Sub, lhs, rhs))
}

/// Parses an expression that must evaluate to a number (constants, `on`
/// values, domain bounds given as text).
pub fn parse_constant(text: &str, symbols: &Symbols) -> Result<f64, ExprError> {
    let mut p = Parser::new(text, symbols)?;
    let v = p.constant_value()?;
    p.expect_end("an operator or end of expression")?;
    Ok(v)
}

/// A comparison of two expressions of inputs and constants, such as
/// `x > 0.5`: where on its faces a condition holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Predicate {
    pub lhs: Expr,
    pub op: Tok,
    pub rhs: Expr,
}

impl Predicate {
    /// True at `point` (physical coordinates).
    pub fn holds(&self, point: &[f64]) -> bool {
        let l = self.lhs.eval(&mut PointEval::new(point));
        let r = self.rhs.eval(&mut PointEval::new(point));
        match self.op {
            Tok::Lt => l < r,
            Tok::Le => l <= r,
            Tok::Gt => l > r,
            _ => l >= r,
        }
    }
}

/// Parses a predicate `lhs < rhs` (or `<=`, `>`, `>=`) of inputs and constants.
pub fn parse_predicate(text: &str, symbols: &Symbols) -> Result<Predicate, ExprError> {
    let mut p = Parser::new(text, symbols)?;
    let start = p.peek().start;
    let lhs = p.expr()?;
    let op = p.bump();
    if !matches!(op.tok, Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge) {
        return Err(ExprError::new(
            op.start,
            format!(
                "expected '<', '<=', '>' or '>=' (a predicate such as 'x > 0.5'), found {}",
                op.tok.describe()
            ),
        ));
    }
    let rhs_start = p.peek().start;
    let rhs = p.expr()?;
    p.expect_end("an operator or end of the predicate")?;
    for (side, at) in [(&lhs, start), (&rhs, rhs_start)] {
        if !side.is_data_only() || side.reads_normal() {
            return Err(ExprError::new(
                at,
                "a predicate may use only inputs and constants, not outputs",
            ));
        }
    }
    Ok(Predicate {
        lhs,
        op: op.tok,
        rhs,
    })
}

/// One face named in an `on` spec: `input = value`.
#[derive(Clone, Debug, PartialEq)]
pub struct FaceSpec {
    pub input: usize,
    pub value: f64,
    /// Byte offset of the value in the spec text, for boundary errors.
    pub offset: usize,
}

/// Parses an `on` spec such as `x = -1, x = 1` (one or more faces).
pub fn parse_faces(text: &str, symbols: &Symbols) -> Result<Vec<FaceSpec>, ExprError> {
    let mut p = Parser::new(text, symbols)?;
    let mut faces = Vec::new();
    loop {
        let t = p.bump();
        let input = match &t.tok {
            Tok::Ident(name) => symbols.input(name).ok_or_else(|| {
                ExprError::new(
                    t.start,
                    format!(
                        "expected an input name, found '{name}' (inputs: {})",
                        symbols.inputs.join(", ")
                    ),
                )
            })?,
            other => {
                return Err(ExprError::new(
                    t.start,
                    format!(
                        "expected an input name such as '{}', found {}",
                        example_input(symbols),
                        other.describe()
                    ),
                ))
            }
        };
        p.expect(Tok::Eq, "'=' after the input name")?;
        let offset = p.peek().start;
        let value = p.constant_value()?;
        faces.push(FaceSpec {
            input,
            value,
            offset,
        });
        if p.peek().tok == Tok::Comma {
            p.bump();
        } else {
            p.expect_end("',' or end of the face list")?;
            return Ok(faces);
        }
    }
}

fn example_input(symbols: &Symbols) -> &str {
    symbols.inputs.first().map_or("x", String::as_str)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    symbols: &'a Symbols,
    /// How many `unary` calls are open: every recursion passes through one.
    nesting: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &str, symbols: &'a Symbols) -> Result<Self, ExprError> {
        let tokens = lex(text)?;
        if let Some(t) = tokens.get(MAX_TOKENS) {
            return Err(ExprError::new(
                t.start,
                format!("the expression is too long: more than {MAX_TOKENS} tokens"),
            ));
        }
        Ok(Self {
            tokens,
            pos: 0,
            symbols,
            nesting: 0,
        })
    }

    /// `lhs op rhs` folded, refused where the chain makes the tree deeper
    /// than [`MAX_DEPTH`]; `depth` is the depth of `lhs`, updated.
    fn chain(
        &self,
        at: usize,
        op: BinOp,
        (lhs, depth): (Expr, &mut usize),
        rhs: Expr,
    ) -> Result<Expr, ExprError> {
        let joined = (*depth).max(rhs.depth()) + 1;
        if joined > MAX_DEPTH {
            return Err(ExprError::new(
                at,
                format!("the expression is too deep: a chain of more than {MAX_DEPTH} operations (split it into constants or terms)"),
            ));
        }
        let e = checked(at, fold_bin(op, lhs, rhs))?;
        *depth = if matches!(e, Expr::Num(_)) { 1 } else { joined };
        Ok(e)
    }

    fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    /// Returns the current token and advances (staying on `End`).
    fn bump(&mut self) -> Token {
        let t = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<Token, ExprError> {
        let t = self.bump();
        if t.tok == tok {
            Ok(t)
        } else {
            Err(ExprError::new(
                t.start,
                format!("expected {what}, found {}", t.tok.describe()),
            ))
        }
    }

    fn expect_end(&self, what: &str) -> Result<(), ExprError> {
        let t = self.peek();
        match t.tok {
            Tok::End => Ok(()),
            Tok::RParen => Err(ExprError::new(
                t.start,
                "unmatched ')': no '(' is open here",
            )),
            _ => Err(ExprError::new(
                t.start,
                format!("expected {what}, found {}", t.tok.describe()),
            )),
        }
    }

    /// Parses an expression and requires it to fold to a number.
    fn constant_value(&mut self) -> Result<f64, ExprError> {
        let start = self.peek().start;
        match self.expr()? {
            Expr::Num(v) => Ok(v),
            _ => Err(ExprError::new(
                start,
                "expected a constant (numbers, pi, e and named constants), found an expression of inputs or outputs",
            )),
        }
    }

    fn expr(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.term()?;
        let mut depth = lhs.depth();
        loop {
            let op = match self.peek().tok {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(lhs),
            };
            let at = self.bump().start;
            let rhs = self.term()?;
            lhs = self.chain(at, op, (lhs, &mut depth), rhs)?;
        }
    }

    fn term(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.unary()?;
        let mut depth = lhs.depth();
        loop {
            let op = match self.peek().tok {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                _ => return Ok(lhs),
            };
            let at = self.bump().start;
            let rhs = self.unary()?;
            lhs = self.chain(at, op, (lhs, &mut depth), rhs)?;
        }
    }

    /// Every recursion of the grammar passes through here, so this is where
    /// nesting is counted and refused beyond [`MAX_NESTING`].
    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.nesting >= MAX_NESTING {
            return Err(ExprError::new(
                self.peek().start,
                format!("the expression is nested too deeply: more than {MAX_NESTING} levels of parentheses, calls, signs or powers"),
            ));
        }
        self.nesting += 1;
        let e = self.signed();
        self.nesting -= 1;
        e
    }

    fn signed(&mut self) -> Result<Expr, ExprError> {
        match self.peek().tok {
            Tok::Minus => {
                self.bump();
                Ok(fold_neg(self.unary()?))
            }
            Tok::Plus => {
                self.bump();
                self.unary()
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Expr, ExprError> {
        let base = self.primary()?;
        if self.peek().tok != Tok::Caret {
            return Ok(base);
        }
        let at = self.bump().start;
        // The exponent is a unary so that 2^-x parses; recursion through
        // unary → power makes ^ right-associative.
        let exponent = self.unary()?;
        checked(at, fold_bin(BinOp::Pow, base, exponent))
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let t = self.bump();
        match t.tok {
            Tok::Num(v) => Ok(Expr::Num(v)),
            Tok::LParen => {
                let inner = self.expr()?;
                self.close_paren(t.start)?;
                Ok(inner)
            }
            Tok::Ident(name) if self.peek().tok == Tok::LParen => self.call(&name, t.start),
            Tok::Ident(name) => self.name(&name, t.start),
            other => {
                let prev = self.pos.checked_sub(2).map(|i| &self.tokens[i].tok);
                let hint = match (prev, &other) {
                    (Some(Tok::Star), Tok::Star) => " (write powers with '^')",
                    _ => "",
                };
                Err(ExprError::new(
                    t.start,
                    format!(
                        "expected a number, name or '(', found {}{hint}",
                        other.describe()
                    ),
                ))
            }
        }
    }

    fn close_paren(&mut self, open: usize) -> Result<(), ExprError> {
        let t = self.bump();
        if t.tok == Tok::RParen {
            return Ok(());
        }
        Err(ExprError {
            offset: t.start,
            message: format!("expected ')' to close '(', found {}", t.tok.describe()),
            note: Some(Note {
                offset: open,
                text: "the '(' is".into(),
            }),
        })
    }

    fn name(&self, name: &str, at: usize) -> Result<Expr, ExprError> {
        let s = self.symbols;
        if let Some(i) = s.input(name) {
            return Ok(Expr::Input(i));
        }
        if let Some(out) = s.output(name) {
            return Ok(Expr::Output {
                out,
                d: MultiIndex::value(),
            });
        }
        if let Some(v) = s.constant(name) {
            return Ok(Expr::Num(v));
        }
        if let Some(k) = s.unknown(name) {
            return Ok(Expr::Unknown(k));
        }
        match name {
            "pi" => return Ok(Expr::Num(std::f64::consts::PI)),
            "e" => return Ok(Expr::Num(std::f64::consts::E)),
            _ => {}
        }
        if let Some(out) = s.normal_subscript(name) {
            return Ok(s.normal_derivative(out));
        }
        if let Some(i) = s.normal_component(name) {
            return Ok(Expr::Normal(i));
        }
        match s.subscript_derivative(name) {
            Some(Ok((out, d))) => supported(at, out, d),
            Some(Err(why)) => Err(ExprError::new(at, format!("unknown name '{name}': {why}"))),
            None if function_names().any(|f| f == name) => Err(ExprError::new(
                at,
                format!("function '{name}' needs an argument: write {name}(...)"),
            )),
            None => {
                let hint = s
                    .closest(name)
                    .map(|c| format!("; did you mean '{c}'?"))
                    .unwrap_or_default();
                Err(ExprError::new(
                    at,
                    format!("unknown name '{name}' ({}){hint}", s.listing()),
                ))
            }
        }
    }

    /// `name(` has been seen: a function call or the derivative operator `d`.
    fn call(&mut self, name: &str, at: usize) -> Result<Expr, ExprError> {
        let open = self.bump().start;
        if name == "d" {
            return self.derivative(at, open);
        }
        if name == NORMAL_DERIVATIVE {
            return self.normal_call(open);
        }
        if let Some(&(_, func)) = FUNCTIONS.iter().find(|(f, _)| *f == name) {
            let [arg] = self.call_args(name, at, open)?;
            return checked(at, fold_call(func, arg));
        }
        if let Some(&(_, op)) = BINARY_FUNCTIONS.iter().find(|(f, _)| *f == name) {
            let [a, b] = self.call_args(name, at, open)?;
            return checked(at, fold_bin(op, a, b));
        }
        let names: Vec<&str> = function_names().collect();
        Err(ExprError::new(
            at,
            format!(
                "unknown function '{name}' (functions: {}, and d(u, x) for derivatives)",
                names.join(", ")
            ),
        ))
    }

    /// `d_n(u)` after `d_n(`: the outward normal derivative of an output.
    fn normal_call(&mut self, open: usize) -> Result<Expr, ExprError> {
        let t = self.bump();
        let out = match &t.tok {
            Tok::Ident(n) => self.symbols.output(n),
            _ => None,
        };
        let Some(out) = out else {
            return Err(ExprError::new(
                t.start,
                format!(
                    "expected an output name in {NORMAL_DERIVATIVE}(...), found {} (outputs: {})",
                    t.tok.describe(),
                    self.symbols.outputs.join(", ")
                ),
            ));
        };
        self.close_paren(open)?;
        Ok(self.symbols.normal_derivative(out))
    }

    /// The `N` comma-separated arguments of function `name` (at `at`) up to
    /// the closing ')'; any other count is an error at the name.
    fn call_args<const N: usize>(
        &mut self,
        name: &str,
        at: usize,
        open: usize,
    ) -> Result<[Expr; N], ExprError> {
        let mut args = Vec::new();
        if self.peek().tok == Tok::RParen {
            self.bump();
        } else {
            loop {
                args.push(self.expr()?);
                if self.peek().tok == Tok::Comma {
                    self.bump();
                } else {
                    self.close_paren(open)?;
                    break;
                }
            }
        }
        args.try_into().map_err(|args: Vec<Expr>| {
            let takes = if N == 1 { "argument" } else { "arguments" };
            ExprError::new(
                at,
                format!(
                    "wrong number of arguments: '{name}' takes {N} {takes}, found {}",
                    args.len()
                ),
            )
        })
    }

    /// `d(u, x, y, ...)` after `d(`: output then one input name per differentiation.
    fn derivative(&mut self, at: usize, open: usize) -> Result<Expr, ExprError> {
        let t = self.bump();
        let (out, mut dirs) = match &t.tok {
            Tok::Ident(n) => match (self.symbols.output(n), self.symbols.subscript_derivative(n)) {
                (Some(out), _) => (out, Vec::new()),
                // d(u_x, x) is u_xx: differentiating further is natural to write.
                (None, Some(Ok((out, d)))) => (out, d.dirs().to_vec()),
                _ => {
                    return Err(ExprError::new(
                        t.start,
                        format!(
                            "expected an output name in d(...), found '{n}' (outputs: {})",
                            self.symbols.outputs.join(", ")
                        ),
                    ))
                }
            },
            other => {
                return Err(ExprError::new(
                    t.start,
                    format!(
                        "expected an output name in d(...), found {}",
                        other.describe()
                    ),
                ))
            }
        };
        let mut count = 0;
        loop {
            let sep = self.bump();
            match sep.tok {
                Tok::Comma => {}
                Tok::RParen if count > 0 => return supported(at, out, MultiIndex::new(dirs)),
                Tok::RParen => {
                    let msg =
                        "wrong number of arguments: d(u, x, ...) needs an output and an input";
                    return Err(ExprError::new(at, msg));
                }
                other => {
                    let found = other.describe();
                    return Err(ExprError {
                        offset: sep.start,
                        message: format!("expected ',' or ')' in d(...), found {found}"),
                        note: Some(Note {
                            offset: open,
                            text: "the '(' is".into(),
                        }),
                    });
                }
            }
            let v = self.bump();
            let input = match &v.tok {
                Tok::Ident(n) => self.symbols.input(n),
                _ => None,
            };
            let Some(i) = input else {
                let (found, inputs) = (v.tok.describe(), self.symbols.inputs.join(", "));
                return Err(ExprError::new(
                    v.start,
                    format!("expected an input name in d(...), found {found} (inputs: {inputs})"),
                ));
            };
            dirs.push(i);
            count += 1;
        }
    }
}

/// Output `out`'s derivative `d`, refused above the order the jets compute.
fn supported(at: usize, out: usize, d: MultiIndex) -> Result<Expr, ExprError> {
    if d.order() > MAX_ORDER {
        return Err(ExprError::new(
            at,
            format!(
                "derivative of order {}: at most order {MAX_ORDER} is supported",
                d.order()
            ),
        ));
    }
    Ok(Expr::Output { out, d })
}

/// Rejects constant subtrees that fold to a non-finite value (1/0, log(0)),
/// which would otherwise surface as NaN losses far from their cause.
fn checked(at: usize, e: Expr) -> Result<Expr, ExprError> {
    match e {
        Expr::Num(v) if !v.is_finite() => Err(ExprError::new(
            at,
            format!("constant part of the expression evaluates to {v}"),
        )),
        e => Ok(e),
    }
}

fn fold_neg(a: Expr) -> Expr {
    match a {
        Expr::Num(v) => Expr::Num(-v),
        a => Expr::Neg(Box::new(a)),
    }
}

fn fold_call(f: Func, a: Expr) -> Expr {
    match a {
        Expr::Num(v) => Expr::Num(f.apply(v)),
        a => Expr::Call(f, Box::new(a)),
    }
}

fn fold_bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    match (&a, &b) {
        (Expr::Num(x), Expr::Num(y)) => Expr::Num(op.apply(*x, *y)),
        _ => Expr::Bin(op, Box::new(a), Box::new(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::PointEval;
    use std::f64::consts::PI;

    fn burgers() -> Symbols {
        Symbols::new(
            vec!["t".into(), "x".into()],
            vec!["u".into()],
            vec![("nu".into(), 0.01 / PI)],
        )
    }

    #[test]
    fn suggestions_are_names_within_two_edits() {
        let mut s = burgers();
        s.constants.push(("alpha".into(), 1.0));
        // One insertion, one substitution, two edits.
        assert_eq!(s.closest("nuu"), Some("nu"));
        assert_eq!(s.closest("alpah"), Some("alpha"));
        assert_eq!(s.closest("alp"), Some("alpha"));
        // Three edits, or as many edits as letters, suggest nothing.
        assert_eq!(s.closest("al"), None);
        assert_eq!(s.closest("q"), None);
        // Characters, not bytes: 'é' for 'e' is one substitution (in bytes
        // two, and 'e', one deletion away, would win).
        s.constants.push(("ré".into(), 2.0));
        assert_eq!(s.closest("re"), Some("ré"));
    }

    fn num(text: &str) -> f64 {
        match parse_expr(text, &burgers()) {
            Ok(Expr::Num(v)) => v,
            other => panic!("{text} did not fold to a number: {other:?}"),
        }
    }

    fn at(text: &str, t: f64, x: f64) -> f64 {
        let e = parse_expr(text, &burgers()).expect("parses");
        e.eval(&mut PointEval::new(&[t, x]))
    }

    fn err(text: &str) -> ExprError {
        parse_expr(text, &burgers()).expect_err("should fail")
    }

    fn out(d: Vec<usize>) -> Expr {
        Expr::Output {
            out: 0,
            d: MultiIndex::new(d),
        }
    }

    // Expected numbers below are computed by hand from the usual precedence
    // rules; all are exact in binary floating point or within 1e-15.
    #[test]
    fn precedence_and_associativity() {
        assert_eq!(num("1 + 2 * 3"), 7.0);
        assert_eq!(num("(1 + 2) * 3"), 9.0);
        assert_eq!(num("8 - 2 - 1"), 5.0); // left-assoc
        assert_eq!(num("16 / 4 / 2"), 2.0); // left-assoc
        assert_eq!(num("2 ^ 3 ^ 2"), 512.0); // right-assoc: 2^9
        assert_eq!(num("-2 ^ 2"), -4.0); // -(2^2)
        assert_eq!(num("2 ^ -1"), 0.5);
        assert_eq!(num("-+-3"), 3.0);
        assert_eq!(num("2 * -3"), -6.0);
        assert_eq!(num("1e-3 * .5e1"), 5e-3);
        assert_eq!(num("2 ^ -2 ^ 2"), 1.0 / 16.0); // 2^(-(2^2))
        assert_eq!(num("-2 ^ -1"), -0.5);
    }

    #[test]
    fn precedence_on_fields() {
        let s = Symbols::new(
            vec!["a".into(), "b".into(), "c".into(), "x".into()],
            vec![],
            vec![],
        );
        let tree = |text: &str| parse_expr(text, &s).expect("parses");
        let bin = |op, l: Expr, r: Expr| Expr::Bin(op, Box::new(l), Box::new(r));
        let (a, b, c, x) = (
            Expr::Input(0),
            Expr::Input(1),
            Expr::Input(2),
            Expr::Input(3),
        );
        // a/b*c = (a/b)*c and a-b-c = (a-b)-c: left-associative.
        let want = bin(BinOp::Mul, bin(BinOp::Div, a.clone(), b.clone()), c.clone());
        assert_eq!(tree("a / b * c"), want);
        let want = bin(BinOp::Sub, bin(BinOp::Sub, a.clone(), b.clone()), c);
        assert_eq!(tree("a - b - c"), want);
        // Unary minus binds looser than ^ on either side of it.
        let x2 = bin(BinOp::Pow, x.clone(), Expr::Num(2.0));
        assert_eq!(tree("-x^2"), Expr::Neg(Box::new(x2)));
        assert_eq!(tree("x^-1"), bin(BinOp::Pow, x.clone(), Expr::Num(-1.0)));
        let minus_x = Expr::Neg(Box::new(x.clone()));
        assert_eq!(tree("2^-x"), bin(BinOp::Pow, Expr::Num(2.0), minus_x));
        // a^b^c = a^(b^c); -a*b = (-a)*b (the same number either way).
        let bc = bin(BinOp::Pow, b.clone(), x.clone());
        assert_eq!(tree("a^b^x"), bin(BinOp::Pow, a.clone(), bc));
        let na = Expr::Neg(Box::new(a));
        assert_eq!(tree("-a * b"), bin(BinOp::Mul, na, b));
        // At x = 3: -x^2 = -9, x^-1 = 1/3, 2^-x = 1/8.
        let at = |text: &str| tree(text).eval(&mut PointEval::new(&[0.0, 0.0, 0.0, 3.0]));
        assert_eq!(at("-x^2"), -9.0);
        assert!((at("x^-1") - 1.0 / 3.0).abs() < 1e-16);
        assert!((at("2^-x") - 0.125).abs() < 1e-16);
    }

    #[test]
    fn new_functions_fold_and_evaluate() {
        // Values from their definitions: atan(1) = π/4, erf(1) =
        // 0.8427007929497149 (A&S table 7.1), cosh(ln 2) = 5/4.
        assert_eq!(num("sinh(0) + cosh(0) + sech(0) + atan(0) + erf(0)"), 2.0);
        assert!((num("atan(1)") - PI / 4.0).abs() < 1e-16);
        assert!((num("erf(1)") - 0.842_700_792_949_714_9).abs() < 1e-16);
        assert!((num("cosh(log(2))") - 1.25).abs() < 1e-15);
        assert!((num("sech(log(2))") - 0.8).abs() < 1e-15);
        assert!((num("sinh(log(2))") - 0.75).abs() < 1e-15);
        assert_eq!(num("erf(-30) + sech(800)"), -1.0);
        assert_eq!(num("min(2, -3) + max(2, -3) + min(1, 1)"), 0.0);
        // Functions of fields stay calls; min and max are two-argument nodes.
        let e = parse_expr("min(x, 0.5) + erf(t)", &burgers()).expect("parses");
        let want = Expr::Bin(
            BinOp::Add,
            Box::new(Expr::Bin(
                BinOp::Min,
                Box::new(Expr::Input(1)),
                Box::new(Expr::Num(0.5)),
            )),
            Box::new(Expr::Call(Func::Erf, Box::new(Expr::Input(0)))),
        );
        assert_eq!(e, want);
        // Pointwise branches: min(x, t) at (t, x) = (1, 2) is 1, max is 2.
        assert_eq!(at("min(x, t)", 1.0, 2.0), 1.0);
        assert_eq!(at("max(x, t)", 1.0, 2.0), 2.0);
        assert_eq!(at("max(x, 1 - x) - min(-x, x)", 0.0, 0.25), 1.0);
    }

    #[test]
    fn ties_take_the_first_argument() {
        // Told apart by the sign of zero: -0 == 0, so min(-0, 0) is -0.
        for op in [BinOp::Min, BinOp::Max] {
            assert!(op.apply(-0.0, 0.0).is_sign_negative(), "{op:?}");
            assert!(op.apply(0.0, -0.0).is_sign_positive(), "{op:?}");
        }
        assert!(BinOp::Min.apply(f64::NAN, 1.0).is_nan());
        assert_eq!(BinOp::Min.apply(1.0, f64::NAN), 1.0);
    }

    #[test]
    fn function_arity_is_checked_at_the_name() {
        for (text, offset, message) in [
            ("min(x)", 0, "'min' takes 2 arguments, found 1"),
            ("1 + max(x, t, 1)", 4, "'max' takes 2 arguments, found 3"),
            ("x * max()", 4, "'max' takes 2 arguments, found 0"),
            ("erf(x, t)", 0, "'erf' takes 1 argument, found 2"),
            ("2 * sech()", 4, "'sech' takes 1 argument, found 0"),
        ] {
            let e = err(text);
            assert_eq!(
                (e.offset, e.message.clone()),
                (offset, format!("wrong number of arguments: {message}")),
                "{text}"
            );
        }
        assert!(err("min + 1").message.contains("write min(...)"));
        // A missing ',' between two arguments is an unclosed '('.
        let e = err("max(x t)");
        assert_eq!(e.offset, 6);
        assert!(e.message.starts_with("expected ')'"), "{e}");
    }

    #[test]
    fn unary_minus_binds_looser_than_power_on_fields() {
        // -x^2 at x = 3 is -9, not 9.
        assert_eq!(at("-x^2", 0.0, 3.0), -9.0);
        let e = parse_expr("-x^2", &burgers()).expect("parses");
        let x2 = Expr::Bin(
            BinOp::Pow,
            Box::new(Expr::Input(1)),
            Box::new(Expr::Num(2.0)),
        );
        assert_eq!(e, Expr::Neg(Box::new(x2)));
    }

    #[test]
    fn constants_fold() {
        assert!((num("0.01 / pi") - 0.01 / PI).abs() < 1e-18);
        assert_eq!(num("nu * pi * 100"), 0.01 / PI * PI * 100.0);
        assert_eq!(num("sqrt(16) + abs(-2) + log(e)"), 7.0);
        // A constant subtree inside a field expression folds too.
        let e = parse_expr("x * (2 * pi)", &burgers()).expect("parses");
        assert_eq!(
            e,
            Expr::Bin(
                BinOp::Mul,
                Box::new(Expr::Input(1)),
                Box::new(Expr::Num(2.0 * PI))
            )
        );
    }

    #[test]
    fn evaluation_matches_hand_values() {
        // -sin(pi x) at x = 0.5 is -1 (to 1e-15).
        assert!((at("-sin(pi * x)", 0.0, 0.5) + 1.0).abs() < 1e-15);
        // exp(-0.4 t) sin(pi x) at t = 1, x = 0.5: exp(-0.4) = 0.6703200460356393.
        assert!(
            (at("exp(-0.4 * t) * sin(pi * x)", 1.0, 0.5) - 0.670_320_046_035_639_3).abs() < 1e-15
        );
        // t^x with both fields: 4^0.5 = 2.
        assert!((at("t ^ x", 4.0, 0.5) - 2.0).abs() < 1e-15);
        // 2^x = exp(x ln 2): 2^3 = 8.
        assert!((at("2 ^ x", 0.0, 3.0) - 8.0).abs() < 1e-14);
        assert_eq!(at("tanh(0 * t) + cos(0 * x) + tan(0 * x)", 1.0, 1.0), 1.0);
    }

    #[test]
    fn derivatives_in_both_syntaxes() {
        let s = burgers();
        assert_eq!(parse_expr("u", &s), Ok(out(vec![])));
        assert_eq!(parse_expr("u_x", &s), Ok(out(vec![1])));
        assert_eq!(parse_expr("u_xx", &s), Ok(out(vec![1, 1])));
        assert_eq!(parse_expr("u_tx", &s), Ok(out(vec![0, 1])));
        assert_eq!(parse_expr("u_xt", &s), Ok(out(vec![0, 1])));
        assert_eq!(parse_expr("d(u, x, x)", &s), Ok(out(vec![1, 1])));
        assert_eq!(parse_expr("d(u, t)", &s), Ok(out(vec![0])));
        assert_eq!(parse_expr("d(u_x, x)", &s), Ok(out(vec![1, 1])));
        let e = parse_expr("u_t + u * u_x - nu * u_xx", &s).expect("parses");
        let ds = e.output_derivatives();
        let want: Vec<(usize, MultiIndex)> = [vec![], vec![0], vec![1], vec![1, 1]]
            .into_iter()
            .map(|d| (0, MultiIndex::new(d)))
            .collect();
        assert_eq!(ds, want);
    }

    #[test]
    fn long_input_names_need_the_d_form() {
        let s = Symbols::new(vec!["x1".into(), "x2".into()], vec!["phi".into()], vec![]);
        assert_eq!(
            parse_expr("d(phi, x1, x2)", &s),
            Ok(Expr::Output {
                out: 0,
                d: MultiIndex::new(vec![0, 1])
            })
        );
        let e = parse_expr("phi_x1", &s).expect_err("ambiguous subscript");
        assert_eq!(e.offset, 0);
        assert!(
            e.message.contains("one-letter") && e.message.contains("d(phi"),
            "{e}"
        );
    }

    #[test]
    fn equations_become_lhs_minus_rhs() {
        let e = parse_equation("u = -sin(pi * x)", &burgers()).expect("parses");
        // u - (-sin(pi x)) at x = 0.5 with u = NaN is NaN; compare structure.
        let rhs = Expr::Neg(Box::new(Expr::Call(
            Func::Sin,
            Box::new(Expr::Bin(
                BinOp::Mul,
                Box::new(Expr::Num(PI)),
                Box::new(Expr::Input(1)),
            )),
        )));
        assert_eq!(
            e,
            Expr::Bin(BinOp::Sub, Box::new(out(vec![])), Box::new(rhs))
        );
        assert_eq!(parse_equation("1 = 0.25", &burgers()), Ok(Expr::Num(0.75)));
        let missing = parse_equation("u", &burgers()).expect_err("no '='");
        assert_eq!(missing.offset, 1);
        assert!(missing.message.starts_with("expected '='"), "{missing}");
        assert_eq!(
            parse_equation("u = 0 = 1", &burgers())
                .expect_err("two '='")
                .offset,
            6
        );
    }

    #[test]
    fn face_specs() {
        let s = Symbols::new(vec!["t".into(), "x".into()], vec!["u".into()], vec![]);
        let f = parse_faces("x = -1, x = pi / 2", &s).expect("parses");
        assert_eq!(
            f,
            vec![
                FaceSpec {
                    input: 1,
                    value: -1.0,
                    offset: 4
                },
                FaceSpec {
                    input: 1,
                    value: PI / 2.0,
                    offset: 12
                }
            ]
        );
        assert_eq!(
            parse_faces("y = 0", &s).expect_err("not an input").offset,
            0
        );
        assert_eq!(
            parse_faces("x = t", &s).expect_err("not constant").offset,
            4
        );
        assert_eq!(
            parse_faces("x = 0 x = 1", &s)
                .expect_err("missing comma")
                .offset,
            6
        );
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = err("sin(pi * x");
        assert_eq!(e.offset, 10);
        assert_eq!(
            e.to_string(),
            "expected ')' to close '(', found end of expression (the '(' is at column 4)"
        );
        let e = err("u_t + nuu * u_xx");
        assert_eq!(e.offset, 6);
        assert_eq!(
            e.to_string(),
            "unknown name 'nuu' (inputs: t, x; outputs: u; constants: nu); did you mean 'nu'?"
        );
        let e = err("sinc(x)");
        assert_eq!(e.offset, 0);
        assert!(e.message.starts_with("unknown function 'sinc'"), "{e}");
        assert!(e.message.contains("erf, min, max"), "{e}");
        let e = err("1 + sin(x, t)");
        assert_eq!(
            (e.offset, e.message.as_str()),
            (
                4,
                "wrong number of arguments: 'sin' takes 1 argument, found 2"
            )
        );
        assert!(err("d(u)").message.starts_with("wrong number of arguments"));
        let e = err("u_z");
        assert!(e.message.contains("'z' is not an input"), "{e}");
        assert_eq!(
            err("x + ").message,
            "expected a number, name or '(', found end of expression"
        );
        assert_eq!(err("x ** 2").offset, 3);
        assert!(err("x ** 2").message.contains("'^'"));
        assert_eq!(err("(x))").message, "unmatched ')': no '(' is open here");
        assert_eq!(
            err("x y").message,
            "expected an operator or end of expression, found name 'y'"
        );
        assert!(err("1 / (x - x) + 1 / 0").message.contains("inf"));
        assert_eq!(err("d(t, x)").offset, 2);
        assert_eq!(err("d(u, y)").offset, 5);
        assert!(err("sin + 1").message.contains("needs an argument"));
    }

    #[test]
    fn reserved_names() {
        for n in [
            "pi", "e", "d", "sin", "abs", "sinh", "cosh", "sech", "atan", "erf", "min", "max",
        ] {
            assert!(is_reserved(n), "{n}");
        }
        assert!(!is_reserved("nu"));
    }
}
