//! `[quantities]` as written → [`Quantity`]s: integrals of an expression
//! over the interior, box faces or parts of the shape's boundary, and
//! values at points (or their difference), each with an optional reference.
//!
//! ```toml
//! [quantities]
//! drag = { integral = "p * n_x - 2 * nu * u_x * n_x", over = "cylinder", reference = 5.58 }
//! dp = { value = "p", at = [0.15, 0.2], minus = [0.25, 0.2], reference = 0.1175 }
//! mass = { integral = "u", over = "interior", within = "near" }  # near: a shape of [geometry]
//! ```

use super::build::{boundary_place, number, Space};
use super::error::Source;
use super::raw::{Entries, NumOrText, RawQuantity};
use super::{ProblemError, Quantity, QuantityPlace};
use crate::expr::{parse_expr, Symbols};
use crate::geometry::Region;
use crate::multi_index::MAX_ORDER;
use toml::Spanned;

type Result<T> = std::result::Result<T, ProblemError>;

/// The quantities of the file, in file order.
pub(super) fn declared(
    raw: &Entries<Spanned<RawQuantity>>,
    symbols: &Symbols,
    space: &Space,
    src: &Source,
) -> Result<Vec<Quantity>> {
    let mut out: Vec<Quantity> = Vec::new();
    for (key, q) in &raw.0 {
        let name = key.get_ref().clone();
        if out.iter().any(|o| o.name == name) {
            return Err(src.error(key.span(), format!("quantity '{name}' is declared twice")));
        }
        let body = q.get_ref();
        let (text, place) = match (&body.integral, &body.value) {
            (Some(text), None) => (text, integral_place(body, q.span(), symbols, space, src)?),
            (None, Some(text)) => (text, point_place(body, q.span(), symbols, space, src)?),
            _ => {
                return Err(src.error(
                    q.span(),
                    "a quantity is either { integral = \"...\", over = \"...\" } or { value = \"...\", at = [...] }",
                ))
            }
        };
        let expr = parse_expr(text.get_ref(), symbols).map_err(|e| src.expr_error(text, e))?;
        if let Some((_, d)) = expr
            .output_derivatives()
            .into_iter()
            .find(|(_, d)| d.order() > MAX_ORDER)
        {
            return Err(src.in_string(
                text,
                0,
                format!(
                    "derivatives up to order {MAX_ORDER} are computed; this reads order {}",
                    d.order()
                ),
            ));
        }
        let on_boundary = matches!(&place, QuantityPlace::Integral(r) if r.on_boundary());
        if expr.reads_normal() && !on_boundary {
            return Err(src.in_string(
                text,
                0,
                "the outward normal (u_n, n_x, ...) exists only on the boundary: integrate over a part or faces",
            ));
        }
        let reference = match &body.reference {
            Some(r) => Some(number(r, symbols, src)?),
            None => None,
        };
        out.push(Quantity {
            name,
            text: text.get_ref().clone(),
            expr,
            place,
            reference,
        });
    }
    Ok(out)
}

fn integral_place(
    body: &RawQuantity,
    span: std::ops::Range<usize>,
    symbols: &Symbols,
    space: &Space,
    src: &Source,
) -> Result<QuantityPlace> {
    if let Some(a) = body.at.as_ref().or(body.minus.as_ref()) {
        return Err(src.error(a.span(), "an integral takes 'over', not points"));
    }
    let Some(over) = &body.over else {
        return Err(src.error(
            span,
            "an integral needs over = \"interior\", a part of the shape (over = \"cylinder\") or faces (over = \"x = 0\")",
        ));
    };
    let interior = over.get_ref().trim() == "interior";
    match (&body.within, space.geometry) {
        (Some(w), _) if !interior => Err(src.error(
            w.span(),
            "within narrows over = \"interior\"; a boundary integral takes its part in over",
        )),
        (Some(w), None) => Err(src.error(
            w.span(),
            "within names shapes of [geometry]; this file has none",
        )),
        (Some(w), Some(g)) => Ok(QuantityPlace::Within {
            shape: super::geometry::within(w, g, src)?,
            text: w.get_ref().trim().to_string(),
        }),
        (None, _) if interior => Ok(QuantityPlace::Integral(Region::Interior)),
        (None, _) => Ok(QuantityPlace::Integral(boundary_place(
            over, symbols, space, src,
        )?)),
    }
}

fn point_place(
    body: &RawQuantity,
    span: std::ops::Range<usize>,
    symbols: &Symbols,
    space: &Space,
    src: &Source,
) -> Result<QuantityPlace> {
    if let Some(o) = body.over.as_ref().or(body.within.as_ref()) {
        return Err(src.error(
            o.span(),
            "a value is taken at points (at, minus), not over a region",
        ));
    }
    let Some(at) = &body.at else {
        return Err(src.error(span, "a value needs at = [...], one coordinate per input"));
    };
    let point = |p: &Spanned<Vec<Spanned<NumOrText>>>| -> Result<Vec<f64>> {
        if p.get_ref().len() != symbols.inputs.len() {
            return Err(src.error(
                p.span(),
                format!(
                    "expected one coordinate per input ({}), found {}",
                    symbols.inputs.join(", "),
                    p.get_ref().len()
                ),
            ));
        }
        let x: Vec<f64> = p
            .get_ref()
            .iter()
            .map(|v| number(v, symbols, src))
            .collect::<Result<_>>()?;
        let in_box = x
            .iter()
            .zip(space.domain)
            .all(|(v, [lo, hi])| v >= lo && v <= hi);
        let in_shape = space.geometry.is_none_or(|g| g.holds(&x));
        if !(in_box && in_shape) {
            return Err(src.error(p.span(), "this point is outside the domain"));
        }
        Ok(x)
    };
    Ok(QuantityPlace::Points {
        at: point(at)?,
        minus: body.minus.as_ref().map(point).transpose()?,
    })
}
