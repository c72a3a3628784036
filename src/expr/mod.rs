//! Expression language of equation files: lexer, parser, resolved AST and
//! evaluation over any [`Field`] (plain numbers or network jets).
//!
//! Parsing turns text into a [`Expr`] whose names are resolved against a
//! [`Symbols`] table (inputs, outputs, constants), with constant subtrees
//! folded to numbers. Evaluation walks the tree once per batch through the
//! small [`Field`] trait, so the same residual runs on `f64` points (reference
//! expressions, checks) and on dfdx jets (training) without the expression
//! code ever seeing a tape.

use crate::multi_index::MultiIndex;

mod code;
mod derivatives;
mod lexer;
mod parser;

pub use code::{Code, Residual, Value, Values};
pub use derivatives::{power, Derivatives, MAX_ORDER};
pub use lexer::{lex, Tok, Token};
pub use parser::{
    is_reserved, parse_constant, parse_equation, parse_expr, parse_faces, parse_predicate,
    ExprError, FaceSpec, Note, Predicate, Symbols, BINARY_FUNCTIONS, FUNCTIONS, MAX_DEPTH,
    MAX_NESTING, MAX_TOKENS,
};

/// Elementary functions of the language (one argument; `min` and `max`
/// take two and are [`BinOp`]s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Sin,
    Cos,
    Tan,
    Exp,
    Log,
    Sqrt,
    Tanh,
    Abs,
    Sinh,
    Cosh,
    /// 1 / cosh.
    Sech,
    Atan,
    /// The error function (2/√π) ∫₀ˣ exp(−t²) dt.
    Erf,
}

impl Func {
    /// Applies the function to a number.
    pub fn apply(self, v: f64) -> f64 {
        match self {
            Func::Sin => v.sin(),
            Func::Cos => v.cos(),
            Func::Tan => v.tan(),
            Func::Exp => v.exp(),
            Func::Log => v.ln(),
            Func::Sqrt => v.sqrt(),
            Func::Tanh => v.tanh(),
            Func::Abs => v.abs(),
            Func::Sinh => v.sinh(),
            Func::Cosh => v.cosh(),
            // cosh overflows to inf beyond |v| ≈ 710, and 1/inf is the right 0.
            Func::Sech => v.cosh().recip(),
            Func::Atan => v.atan(),
            Func::Erf => libm::erf(v),
        }
    }
}

/// Values over a batch of points, with the operations expressions need.
///
/// Implemented for `f64` evaluation at one point and, in [`crate::jet`], for
/// network outputs and their derivatives on a batch.
pub trait Field {
    /// One value per point of the batch.
    type V: Clone;
    /// Input coordinate `i` (physical units) at every point.
    fn input(&mut self, i: usize) -> Self::V;
    /// Derivative `d` of output `out` at every point.
    fn output(&mut self, out: usize, d: &MultiIndex) -> Self::V;
    /// Component `i` of the outward unit normal at every point (0 where a
    /// point lies on no face of the condition).
    fn normal(&mut self, i: usize) -> Self::V;
    /// Unknown coefficient `k` (an inverse problem's trained scalar) at every point.
    fn unknown(&mut self, k: usize) -> Self::V;
    /// A constant at every point.
    fn constant(&mut self, c: f64) -> Self::V;
    fn add(&mut self, a: &Self::V, b: &Self::V) -> Self::V;
    fn sub(&mut self, a: &Self::V, b: &Self::V) -> Self::V;
    fn mul(&mut self, a: &Self::V, b: &Self::V) -> Self::V;
    fn div(&mut self, a: &Self::V, b: &Self::V) -> Self::V;
    fn neg(&mut self, a: &Self::V) -> Self::V;
    /// `a + c` for a number `c`.
    fn add_scalar(&mut self, a: &Self::V, c: f64) -> Self::V;
    /// `a * c` for a number `c`.
    fn mul_scalar(&mut self, a: &Self::V, c: f64) -> Self::V;
    /// `a ^ n` for an integer `n` (may be negative).
    fn powi(&mut self, a: &Self::V, n: i32) -> Self::V;
    /// `a ^ p` for a non-integer number `p`.
    fn powf(&mut self, a: &Self::V, p: f64) -> Self::V;
    fn func(&mut self, f: Func, a: &Self::V) -> Self::V;
    /// `min(a, b)` pointwise, by [`BinOp::Min`]'s rule (ties take `a`).
    fn min(&mut self, a: &Self::V, b: &Self::V) -> Self::V;
    /// `max(a, b)` pointwise, by [`BinOp::Max`]'s rule (ties take `a`).
    fn max(&mut self, a: &Self::V, b: &Self::V) -> Self::V;
}

/// Binary operators, and the two-argument functions `min` and `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    /// `min(a, b)`: `b` where `b < a`, otherwise `a`. A tie (or a NaN) takes
    /// the first argument, so its derivatives are those of `a` there.
    Min,
    /// `max(a, b)`: `b` where `b > a`, otherwise `a` (ties take `a`).
    Max,
}

impl BinOp {
    /// Applies the operator to numbers.
    pub fn apply(self, x: f64, y: f64) -> f64 {
        match self {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => x / y,
            BinOp::Pow => x.powf(y),
            BinOp::Min if min_takes_second(x, y) => y,
            BinOp::Max if max_takes_second(x, y) => y,
            BinOp::Min | BinOp::Max => x,
        }
    }
}

/// Whether `min(a, b)` takes `b`: the one tie rule every field follows.
pub fn min_takes_second<T: PartialOrd>(a: T, b: T) -> bool {
    b < a
}

/// Whether `max(a, b)` takes `b`.
pub fn max_takes_second<T: PartialOrd>(a: T, b: T) -> bool {
    b > a
}

/// A resolved expression: names are indices, constants are folded.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Num(f64),
    /// Input coordinate by index.
    Input(usize),
    /// A derivative (or the value, for the empty multi-index) of an output.
    Output {
        out: usize,
        d: MultiIndex,
    },
    /// Component of the outward unit normal along input `i` (conditions on
    /// faces only): `u_n` is Σᵢ Normal(i)·∂ᵢu.
    Normal(usize),
    /// An unknown coefficient by index: a scalar trained with the network.
    Unknown(usize),
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Box<Expr>),
    /// A residual written in Rust, of the expressions it reads.
    Code(Code),
}

impl Expr {
    /// The distinct output derivatives the expression reads (any output).
    pub fn derivatives(&self) -> Vec<MultiIndex> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Output { d, .. } = e {
                if !out.contains(d) {
                    out.push(d.clone());
                }
            }
        });
        out
    }

    /// The distinct `(output, derivative)` pairs the expression reads, sorted
    /// by derivative order, then output, then directions.
    pub fn output_derivatives(&self) -> Vec<(usize, MultiIndex)> {
        let mut out: Vec<(usize, MultiIndex)> = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Output { out: o, d } = e {
                out.push((*o, d.clone()));
            }
        });
        out.sort_by(|a, b| (a.1.order(), a.0, &a.1).cmp(&(b.1.order(), b.0, &b.1)));
        out.dedup();
        out
    }

    /// True when the expression reads the outward normal (`u_n`).
    pub fn reads_normal(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| found |= matches!(e, Expr::Normal(_)));
        found
    }

    /// The same expression with the normal components along inputs that
    /// `keep` rejects set to zero and folded away: on x faces, `u_n` reads
    /// u_x alone, so the jets need not compute u_y or u_t for it.
    pub fn without_normals(&self, keep: &dyn Fn(usize) -> bool) -> Expr {
        let zero = |e: &Expr| matches!(e, Expr::Num(v) if *v == 0.0);
        match self {
            Expr::Normal(i) if !keep(*i) => Expr::Num(0.0),
            Expr::Neg(a) => Expr::Neg(Box::new(a.without_normals(keep))),
            Expr::Code(c) => Expr::Code(Code {
                reads: c.reads.iter().map(|r| r.without_normals(keep)).collect(),
                ..c.clone()
            }),
            Expr::Call(f, a) => Expr::Call(*f, Box::new(a.without_normals(keep))),
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.without_normals(keep), b.without_normals(keep));
                match op {
                    BinOp::Mul if zero(&a) || zero(&b) => Expr::Num(0.0),
                    BinOp::Add if zero(&a) => b,
                    BinOp::Add | BinOp::Sub if zero(&b) => a,
                    _ => Expr::Bin(*op, Box::new(a), Box::new(b)),
                }
            }
            other => other.clone(),
        }
    }

    /// The distinct unknown coefficients the expression reads, in index order.
    pub fn unknowns(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Unknown(k) = e {
                out.push(*k);
            }
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The number of levels of the tree (1 for a leaf), counted without
    /// recursion: the parser measures trees it has not yet bounded.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut open = vec![(self, 1)];
        while let Some((e, d)) = open.pop() {
            deepest = deepest.max(d);
            match e {
                Expr::Neg(a) | Expr::Call(_, a) => open.push((a, d + 1)),
                Expr::Bin(_, a, b) => open.extend([(&**a, d + 1), (&**b, d + 1)]),
                Expr::Code(c) => open.extend(c.reads.iter().map(|r| (r, d + 1))),
                _ => {}
            }
        }
        deepest
    }

    /// True when the expression reads no network output.
    pub fn is_data_only(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| found |= matches!(e, Expr::Output { .. }));
        !found
    }

    fn visit(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Neg(a) | Expr::Call(_, a) => a.visit(f),
            Expr::Bin(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Expr::Code(c) => c.reads.iter().for_each(|r| r.visit(f)),
            Expr::Num(_)
            | Expr::Input(_)
            | Expr::Output { .. }
            | Expr::Normal(_)
            | Expr::Unknown(_) => {}
        }
    }

    /// Evaluates the expression on a batch. Numeric operands are passed to the
    /// field's scalar operations instead of being broadcast.
    pub fn eval<F: Field>(&self, f: &mut F) -> F::V {
        self.eval_inner(f).into_field(f)
    }

    fn eval_inner<F: Field>(&self, f: &mut F) -> Val<F::V> {
        use Val::{Field as Fv, Num};
        match self {
            Expr::Num(c) => Num(*c),
            Expr::Input(i) => Fv(f.input(*i)),
            Expr::Output { out, d } => Fv(f.output(*out, d)),
            Expr::Normal(i) => Fv(f.normal(*i)),
            Expr::Unknown(k) => Fv(f.unknown(*k)),
            Expr::Neg(a) => match a.eval_inner(f) {
                Num(c) => Num(-c),
                Fv(v) => Fv(f.neg(&v)),
            },
            Expr::Call(func, a) => match a.eval_inner(f) {
                Num(c) => Num(func.apply(c)),
                Fv(v) => Fv(f.func(*func, &v)),
            },
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval_inner(f), b.eval_inner(f));
                bin(f, *op, a, b)
            }
            Expr::Code(c) => Fv(c.eval(f)),
        }
    }
}

enum Val<V> {
    Num(f64),
    Field(V),
}

impl<V> Val<V> {
    /// The value as a field value, a number broadcast to every point.
    fn into_field<F: Field<V = V>>(self, f: &mut F) -> V {
        match self {
            Val::Num(c) => f.constant(c),
            Val::Field(v) => v,
        }
    }
}

fn bin<F: Field>(f: &mut F, op: BinOp, a: Val<F::V>, b: Val<F::V>) -> Val<F::V> {
    use Val::{Field as Fv, Num};
    match (op, a, b) {
        (op, Num(x), Num(y)) => Num(op.apply(x, y)),
        // min and max have no scalar form: a number takes part as a field.
        (BinOp::Min | BinOp::Max, a, b) => {
            let (a, b) = (a.into_field(f), b.into_field(f));
            Fv(bin_fields(f, op, &a, &b))
        }
        (BinOp::Add, Fv(v), Num(c)) | (BinOp::Add, Num(c), Fv(v)) => Fv(f.add_scalar(&v, c)),
        (BinOp::Sub, Fv(v), Num(c)) => Fv(f.add_scalar(&v, -c)),
        (BinOp::Sub, Num(c), Fv(v)) => {
            let n = f.neg(&v);
            Fv(f.add_scalar(&n, c))
        }
        (BinOp::Mul, Fv(v), Num(c)) | (BinOp::Mul, Num(c), Fv(v)) => Fv(f.mul_scalar(&v, c)),
        (BinOp::Div, Fv(v), Num(c)) => Fv(f.mul_scalar(&v, 1.0 / c)),
        (BinOp::Div, Num(c), Fv(v)) => {
            let r = f.powi(&v, -1);
            Fv(f.mul_scalar(&r, c))
        }
        (BinOp::Pow, Fv(v), Num(p)) => {
            if p.fract() == 0.0 && p.abs() <= 64.0 {
                Fv(f.powi(&v, p as i32))
            } else {
                Fv(f.powf(&v, p))
            }
        }
        (BinOp::Pow, Num(c), Fv(v)) => {
            // c^v = exp(v ln c)
            let s = f.mul_scalar(&v, c.ln());
            Fv(f.func(Func::Exp, &s))
        }
        (op, Fv(x), Fv(y)) => Fv(bin_fields(f, op, &x, &y)),
    }
}

/// `x op y` for two field values.
fn bin_fields<F: Field>(f: &mut F, op: BinOp, x: &F::V, y: &F::V) -> F::V {
    match op {
        BinOp::Add => f.add(x, y),
        BinOp::Sub => f.sub(x, y),
        BinOp::Mul => f.mul(x, y),
        BinOp::Div => f.div(x, y),
        BinOp::Pow => {
            let l = f.func(Func::Log, x);
            let p = f.mul(y, &l);
            f.func(Func::Exp, &p)
        }
        BinOp::Min => f.min(x, y),
        BinOp::Max => f.max(x, y),
    }
}

/// Evaluation at one point with plain numbers: inputs given, every output
/// (and derivative) one fixed value.
///
/// Used for reference expressions and boundary data, which the parser has
/// checked read no network output ([`PointEval::new`]: outputs and unknowns
/// are NaN, so any misuse shows in results rather than passing as
/// plausible), and for the data part of a term ([`PointEval::data_part`]:
/// outputs are 0, unknown coefficients 1).
pub struct PointEval<'a> {
    inputs: &'a [f64],
    outputs: f64,
    /// The outward normal there; without one, normal components read as
    /// the outputs do (NaN, or 0 for the data part, where they multiply a
    /// zeroed output derivative).
    normal: Option<&'a [f64]>,
    unknowns: f64,
}

impl<'a> PointEval<'a> {
    pub fn new(inputs: &'a [f64]) -> Self {
        Self {
            inputs,
            outputs: f64::NAN,
            normal: None,
            unknowns: f64::NAN,
        }
    }

    /// What remains of a term with the network's outputs set to zero: the
    /// prescribed values of a condition, the source of a residual. An
    /// unknown coefficient counts as 1: it scales a source but does not
    /// change where its frequencies lie, which is what this is used for.
    pub fn data_part(inputs: &'a [f64]) -> Self {
        Self {
            inputs,
            outputs: 0.0,
            normal: None,
            unknowns: 1.0,
        }
    }

    /// The same evaluation at a point with outward normal `normal`.
    pub fn with_normal(mut self, normal: &'a [f64]) -> Self {
        self.normal = Some(normal);
        self
    }
}

impl PointLeaves for PointEval<'_> {
    fn at_input(&mut self, i: usize) -> f64 {
        self.inputs[i]
    }
    fn at_output(&mut self, _out: usize, _d: &MultiIndex) -> f64 {
        self.outputs
    }
    fn at_normal(&mut self, i: usize) -> f64 {
        self.normal
            .and_then(|n| n.get(i).copied())
            .unwrap_or(self.outputs)
    }
    fn at_unknown(&mut self, _k: usize) -> f64 {
        self.unknowns
    }
}

/// The leaves of an expression at one point, as numbers. Every such source
/// is a [`Field`] with ordinary f64 arithmetic (the blanket impl below).
pub trait PointLeaves {
    fn at_input(&mut self, i: usize) -> f64;
    fn at_output(&mut self, out: usize, d: &MultiIndex) -> f64;
    fn at_normal(&mut self, i: usize) -> f64;
    fn at_unknown(&mut self, k: usize) -> f64;
}

impl<T: PointLeaves> Field for T {
    type V = f64;
    fn input(&mut self, i: usize) -> f64 {
        self.at_input(i)
    }
    fn output(&mut self, out: usize, d: &MultiIndex) -> f64 {
        self.at_output(out, d)
    }
    fn normal(&mut self, i: usize) -> f64 {
        self.at_normal(i)
    }
    fn unknown(&mut self, k: usize) -> f64 {
        self.at_unknown(k)
    }
    fn constant(&mut self, c: f64) -> f64 {
        c
    }
    fn add(&mut self, a: &f64, b: &f64) -> f64 {
        a + b
    }
    fn sub(&mut self, a: &f64, b: &f64) -> f64 {
        a - b
    }
    fn mul(&mut self, a: &f64, b: &f64) -> f64 {
        a * b
    }
    fn div(&mut self, a: &f64, b: &f64) -> f64 {
        a / b
    }
    fn neg(&mut self, a: &f64) -> f64 {
        -a
    }
    fn add_scalar(&mut self, a: &f64, c: f64) -> f64 {
        a + c
    }
    fn mul_scalar(&mut self, a: &f64, c: f64) -> f64 {
        a * c
    }
    fn powi(&mut self, a: &f64, n: i32) -> f64 {
        a.powi(n)
    }
    fn powf(&mut self, a: &f64, p: f64) -> f64 {
        a.powf(p)
    }
    fn func(&mut self, func: Func, a: &f64) -> f64 {
        func.apply(*a)
    }
    fn min(&mut self, a: &f64, b: &f64) -> f64 {
        BinOp::Min.apply(*a, *b)
    }
    fn max(&mut self, a: &f64, b: &f64) -> f64 {
        BinOp::Max.apply(*a, *b)
    }
}
