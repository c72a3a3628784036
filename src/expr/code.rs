//! Residuals written in Rust, evaluated on the same [`Field`]s as parsed
//! expressions: the network's jets in training, plain numbers at a point.
//!
//! [`Field`] is generic over its value type, so a `dyn` residual cannot take
//! one; [`Values`] is its object-safe face, whose values are handles into
//! the field's own values for the length of one evaluation. A residual
//! declares what it reads (any expressions of the problem's names: `u_t`,
//! `d(u, x, x)`, `k`, `x`), so the jets compute exactly those derivatives and
//! the checks of an equation file apply to it.

use super::{Expr, Field, Func};
use std::fmt;
use std::sync::Arc;

/// A value during one evaluation of a [`Residual`]: a handle, valid only
/// with the [`Values`] that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value(usize);

/// What a residual written in Rust may do with a batch's values.
pub trait Values {
    /// The value of the `k`-th expression the residual declared it reads.
    fn read(&mut self, k: usize) -> Value;
    /// A number at every point.
    fn constant(&mut self, c: f64) -> Value;
    fn add(&mut self, a: Value, b: Value) -> Value;
    fn sub(&mut self, a: Value, b: Value) -> Value;
    fn mul(&mut self, a: Value, b: Value) -> Value;
    fn div(&mut self, a: Value, b: Value) -> Value;
    fn neg(&mut self, a: Value) -> Value;
    /// `a + c` for a number `c`.
    fn add_scalar(&mut self, a: Value, c: f64) -> Value;
    /// `a * c` for a number `c`.
    fn mul_scalar(&mut self, a: Value, c: f64) -> Value;
    /// `a ^ n` for an integer `n` (may be negative).
    fn powi(&mut self, a: Value, n: i32) -> Value;
    /// `a ^ p` for a non-integer number `p`.
    fn powf(&mut self, a: Value, p: f64) -> Value;
    /// An elementary function (`sin`, `exp`, …) of `a`.
    fn func(&mut self, f: Func, a: Value) -> Value;
    /// `min(a, b)` pointwise (ties take `a`, see [`super::BinOp::Min`]).
    fn min(&mut self, a: Value, b: Value) -> Value;
    /// `max(a, b)` pointwise (ties take `a`).
    fn max(&mut self, a: Value, b: Value) -> Value;
}

/// A residual (or a condition's residual) written in Rust.
///
/// Any `Fn(&mut dyn Values) -> Value + Send + Sync` is one, e.g.
/// `|v: &mut dyn Values| { let (u_t, u_xx) = (v.read(0), v.read(1)); let d = v.mul_scalar(u_xx, 0.1); v.sub(u_t, d) }`.
pub trait Residual: Send + Sync {
    fn eval(&self, values: &mut dyn Values) -> Value;
}

impl<F: Fn(&mut dyn Values) -> Value + Send + Sync> Residual for F {
    fn eval(&self, values: &mut dyn Values) -> Value {
        self(values)
    }
}

/// A residual in Rust as a node of an [`Expr`]: its name, what it reads and
/// the code.
#[derive(Clone)]
pub struct Code {
    pub name: String,
    /// The expressions the code reads, in the order of [`Values::read`].
    pub reads: Vec<Expr>,
    pub residual: Arc<dyn Residual>,
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Code")
            .field("name", &self.name)
            .field("reads", &self.reads)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Code {
    /// The same code reading the same expressions.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.reads == other.reads
            && Arc::ptr_eq(&self.residual, &other.residual)
    }
}

impl Code {
    /// Runs the code on `field`.
    pub fn eval<F: Field>(&self, field: &mut F) -> F::V {
        let mut on = OnField {
            field,
            reads: &self.reads,
            values: Vec::new(),
        };
        let out = self.residual.eval(&mut on);
        on.values.swap_remove(out.0)
    }
}

/// [`Values`] over a [`Field`]: every value of the evaluation is kept, and
/// handles index them.
struct OnField<'a, F: Field> {
    field: &'a mut F,
    reads: &'a [Expr],
    values: Vec<F::V>,
}

impl<F: Field> OnField<'_, F> {
    fn keep(&mut self, v: F::V) -> Value {
        self.values.push(v);
        Value(self.values.len() - 1)
    }

    fn two(&mut self, a: Value, b: Value, op: fn(&mut F, &F::V, &F::V) -> F::V) -> Value {
        let v = op(self.field, &self.values[a.0], &self.values[b.0]);
        self.keep(v)
    }

    fn one(&mut self, a: Value, op: impl FnOnce(&mut F, &F::V) -> F::V) -> Value {
        let v = op(self.field, &self.values[a.0]);
        self.keep(v)
    }
}

impl<F: Field> Values for OnField<'_, F> {
    fn read(&mut self, k: usize) -> Value {
        let v = self.reads[k].eval(self.field);
        self.keep(v)
    }
    fn constant(&mut self, c: f64) -> Value {
        let v = self.field.constant(c);
        self.keep(v)
    }
    fn add(&mut self, a: Value, b: Value) -> Value {
        self.two(a, b, F::add)
    }
    fn sub(&mut self, a: Value, b: Value) -> Value {
        self.two(a, b, F::sub)
    }
    fn mul(&mut self, a: Value, b: Value) -> Value {
        self.two(a, b, F::mul)
    }
    fn div(&mut self, a: Value, b: Value) -> Value {
        self.two(a, b, F::div)
    }
    fn neg(&mut self, a: Value) -> Value {
        self.one(a, F::neg)
    }
    fn add_scalar(&mut self, a: Value, c: f64) -> Value {
        self.one(a, |f, v| f.add_scalar(v, c))
    }
    fn mul_scalar(&mut self, a: Value, c: f64) -> Value {
        self.one(a, |f, v| f.mul_scalar(v, c))
    }
    fn powi(&mut self, a: Value, n: i32) -> Value {
        self.one(a, |f, v| f.powi(v, n))
    }
    fn powf(&mut self, a: Value, p: f64) -> Value {
        self.one(a, |f, v| f.powf(v, p))
    }
    fn func(&mut self, func: Func, a: Value) -> Value {
        self.one(a, |f, v| f.func(func, v))
    }
    fn min(&mut self, a: Value, b: Value) -> Value {
        self.two(a, b, F::min)
    }
    fn max(&mut self, a: Value, b: Value) -> Value {
        self.two(a, b, F::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{parse_expr, PointEval, Symbols};

    #[test]
    fn code_reads_its_expressions_and_computes_like_the_parsed_form() {
        let symbols = Symbols::new(
            vec!["t".into(), "x".into()],
            vec!["u".into()],
            vec![("k".into(), 0.5)],
        );
        let reads: Vec<Expr> = ["x", "t * x", "k"]
            .iter()
            .map(|r| parse_expr(r, &symbols).expect("parses"))
            .collect();
        // x² − sin(t·x)·k / (x + 1), written both ways.
        let residual = |v: &mut dyn Values| {
            let (x, tx, k) = (v.read(0), v.read(1), v.read(2));
            let xx = v.mul(x, x);
            let s = v.func(Func::Sin, tx);
            let sk = v.mul(s, k);
            let x1 = v.add_scalar(x, 1.0);
            let q = v.div(sk, x1);
            v.sub(xx, q)
        };
        let code = Code {
            name: "r".into(),
            reads,
            residual: Arc::new(residual),
        };
        let parsed = parse_expr("x^2 - sin(t * x) * k / (x + 1)", &symbols).expect("parses");
        for p in [[0.3, -0.7], [1.0, 2.0], [0.0, 0.25]] {
            let a = code.eval(&mut PointEval::new(&p));
            let b = parsed.eval(&mut PointEval::new(&p));
            assert!((a - b).abs() < 1e-15, "{p:?}: {a} vs {b}");
        }
    }
}
