//! `[geometry]` as written → a [`Geometry`]: named primitives, the inputs
//! they span and their combination, each checked with the place in the
//! file an error points at.
//!
//! ```toml
//! [geometry]
//! channel = { rectangle = [[0, 0], [2.2, 0.41]] }
//! cylinder = { disk = [0.2, 0.2], radius = 0.05 }
//! shape = "channel - cylinder"       # + union, - difference, & intersection
//! inlet = "x = 0"                    # a name for faces of the shape's box
//! ```

use super::build::number;
use super::error::Source;
use super::raw::{Entries, RawArray, RawGeometry};
use super::ProblemError;
use crate::expr::Symbols;
use crate::geometry::{crossing_edges, signed_area, Geometry, Primitive, Shape};
use toml::Spanned;

type Result<T> = std::result::Result<T, ProblemError>;

/// Names `[geometry]` keeps for itself (and `on = "boundary"`, the whole
/// boundary).
const RESERVED: [&str; 3] = ["shape", "space", "boundary"];

/// The primitive kinds and the keys each takes.
const KINDS: &str = "rectangle (or box) = [[lo...], [hi...]], disk (or ball) = [center...] with radius, ellipse = [cx, cy] with radii = [a, b], polygon = [[x, y], ...]";

/// Names for box faces of the shape (`inlet = "x = 0"`), with their text.
pub(super) type Sides = Vec<(String, Spanned<String>)>;

/// The geometry of `raw` and its named sides, if the file has one.
pub(super) fn declared(
    raw: Option<&Spanned<Entries<Spanned<RawGeometry>>>>,
    symbols: &Symbols,
    src: &Source,
) -> Result<Option<(Geometry, Sides)>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let (mut shape_text, mut space) = (None, None);
    let (mut names, mut primitives) = (Vec::new(), Vec::new());
    let mut sides: Sides = Vec::new();
    for (key, value) in &raw.get_ref().0 {
        match (key.get_ref().as_str(), value.get_ref()) {
            ("shape", RawGeometry::Text(t)) => {
                shape_text = Some(Spanned::new(value.span(), t.clone()));
            }
            ("space", RawGeometry::Names(n)) => space = Some((value.span(), n)),
            (name, RawGeometry::Text(t)) if name != "shape" && name != "space" => {
                check_name(key, symbols, src)?;
                if sides.iter().any(|(n, _)| n == name) {
                    return Err(src.error(key.span(), format!("side '{name}' is declared twice")));
                }
                sides.push((name.to_string(), Spanned::new(value.span(), t.clone())));
            }
            ("shape" | "space", _) => {
                let want = if key.get_ref() == "shape" {
                    "a combination of the named shapes, e.g. shape = \"plate - hole\""
                } else {
                    "a list of input names, e.g. space = [\"x\", \"y\"]"
                };
                return Err(src.error(value.span(), format!("expected {want}")));
            }
            (name, RawGeometry::Primitive(entries)) => {
                check_name(key, symbols, src)?;
                if names.iter().any(|n| n == name) {
                    return Err(src.error(key.span(), format!("shape '{name}' is declared twice")));
                }
                primitives.push((
                    primitive(entries, value.span(), symbols, src)?,
                    value.span(),
                ));
                names.push(name.to_string());
            }
            (name, _) => {
                return Err(src.error(
                    value.span(),
                    format!("expected a shape for '{name}', one of: {KINDS}"),
                ))
            }
        }
    }
    if primitives.is_empty() {
        return Err(src.error(
            raw.span(),
            format!("[geometry] declares no shape; name one, e.g. plate = {{ rectangle = [[0, 0], [1, 1]] }} ({KINDS})"),
        ));
    }
    let space = space_inputs(space, symbols, raw.span(), src)?;
    for (p, span) in &primitives {
        if p.dim() != space.len() {
            return Err(src.error(
                span.clone(),
                format!(
                    "this shape has {} coordinates, but the geometry spans {} inputs ({})",
                    p.dim(),
                    space.len(),
                    space
                        .iter()
                        .map(|&i| symbols.inputs[i].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let (shape, text) = match &shape_text {
        Some(t) => (combination(t, &names, src)?, t.get_ref().trim().to_string()),
        None if names.len() == 1 => (Shape::Primitive(0), names[0].clone()),
        None => {
            return Err(src.error(
                raw.span(),
                format!(
                    "[geometry] names {} shapes; say how they combine, e.g. shape = \"{} - {}\"",
                    names.len(),
                    names[0],
                    names[1]
                ),
            ))
        }
    };
    let primitives = primitives.into_iter().map(|(p, _)| p).collect();
    let geometry = Geometry::new(space, names, primitives, shape, text);
    if geometry.volume <= 0.0 {
        let span = shape_text.as_ref().map_or(raw.span(), |t| t.span());
        return Err(src.error(
            span,
            "the shape is empty: no point of its bounding box lies inside it (an intersection of shapes that do not overlap, or a difference that removes everything)",
        ));
    }
    let box_volume: f64 = geometry.bounds().iter().map(|[lo, hi]| hi - lo).product();
    if geometry.volume < MIN_FILL * box_volume {
        let span = shape_text.as_ref().map_or(raw.span(), |t| t.span());
        return Err(src.error(
            span,
            format!(
                "the shape fills {:.1e} of its bounding box, below {MIN_FILL}: points inside it would be drawn too slowly",
                geometry.volume / box_volume
            ),
        ));
    }
    Ok(Some((geometry, sides)))
}

/// The least share of its bounding box a shape may fill (interior points
/// are drawn in the box and kept inside).
const MIN_FILL: f64 = 1e-3;

fn check_name(key: &Spanned<String>, symbols: &Symbols, src: &Source) -> Result<()> {
    let name = key.get_ref();
    let identifier = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Err(src.error(
            key.span(),
            format!("shape name '{name}' is not an identifier (letters, digits, _)"),
        ));
    }
    if RESERVED.contains(&name.as_str()) || symbols.inputs.contains(name) {
        return Err(src.error(
            key.span(),
            format!("'{name}' cannot name a shape: it is reserved or an input's name"),
        ));
    }
    Ok(())
}

/// The inputs the shape spans: as listed, or every input but `t`.
fn space_inputs(
    space: Option<(std::ops::Range<usize>, &Vec<Spanned<String>>)>,
    symbols: &Symbols,
    table: std::ops::Range<usize>,
    src: &Source,
) -> Result<Vec<usize>> {
    let Some((span, names)) = space else {
        let out: Vec<usize> = (0..symbols.inputs.len())
            .filter(|&i| symbols.inputs[i] != "t")
            .collect();
        if out.is_empty() || out.len() > 3 {
            return Err(src.error(
                table,
                "say which inputs the shape spans: space = [\"x\", \"y\"] (one to three inputs)",
            ));
        }
        return Ok(out);
    };
    let mut out = Vec::new();
    for n in names {
        let Some(i) = symbols.inputs.iter().position(|s| s == n.get_ref()) else {
            return Err(src.error(
                n.span(),
                format!(
                    "unknown input '{}' in space (inputs: {})",
                    n.get_ref(),
                    symbols.inputs.join(", ")
                ),
            ));
        };
        if out.contains(&i) {
            return Err(src.error(n.span(), format!("'{}' is listed twice", n.get_ref())));
        }
        out.push(i);
    }
    if out.is_empty() || out.len() > 3 {
        return Err(src.error(span, "a shape spans one to three inputs"));
    }
    Ok(out)
}

/// A number of a primitive.
fn scalar(v: &Spanned<RawArray>, symbols: &Symbols, src: &Source) -> Result<f64> {
    match v.get_ref() {
        RawArray::Num(n) => number(&Spanned::new(v.span(), n.clone()), symbols, src),
        RawArray::List(_) => Err(src.error(v.span(), "expected a number, found a list")),
    }
}

/// A list of numbers (a point).
fn point(v: &Spanned<RawArray>, symbols: &Symbols, src: &Source) -> Result<Vec<f64>> {
    match v.get_ref() {
        RawArray::List(items) if (1..=3).contains(&items.len()) => {
            items.iter().map(|x| scalar(x, symbols, src)).collect()
        }
        _ => Err(src.error(
            v.span(),
            "expected a point: a list of one to three numbers, e.g. [0.2, 0.2]",
        )),
    }
}

/// A list of points.
fn points(v: &Spanned<RawArray>, symbols: &Symbols, src: &Source) -> Result<Vec<Vec<f64>>> {
    match v.get_ref() {
        RawArray::List(items) => items.iter().map(|p| point(p, symbols, src)).collect(),
        RawArray::Num(_) => Err(src.error(v.span(), "expected a list of points")),
    }
}

/// One primitive from its table.
fn primitive(
    entries: &Entries<Spanned<RawArray>>,
    span: std::ops::Range<usize>,
    symbols: &Symbols,
    src: &Source,
) -> Result<Primitive> {
    let get = |name: &str| {
        entries
            .0
            .iter()
            .find(|(k, _)| k.get_ref() == name)
            .map(|(_, v)| v)
    };
    let kinds = ["rectangle", "box", "disk", "ball", "ellipse", "polygon"];
    let found: Vec<&str> = kinds.iter().copied().filter(|k| get(k).is_some()).collect();
    let kind = match found.as_slice() {
        [k] => *k,
        [] => {
            let first = entries.0.first().map_or(span.clone(), |(k, _)| k.span());
            return Err(src.error(first, format!("unknown shape; expected one of: {KINDS}")));
        }
        [_, second, ..] => {
            let key = entries
                .0
                .iter()
                .find(|(k, _)| k.get_ref() == second)
                .expect("found");
            return Err(src.error(
                key.0.span(),
                "a shape has one kind; declare another shape and combine them",
            ));
        }
    };
    let allowed: &[&str] = match kind {
        "disk" | "ball" => &["radius"],
        "ellipse" => &["radii"],
        _ => &[],
    };
    for (k, _) in &entries.0 {
        if k.get_ref() != kind && !allowed.contains(&k.get_ref().as_str()) {
            return Err(src.error(
                k.span(),
                format!(
                    "unknown key '{}' for a {kind}; it takes {kind}{}",
                    k.get_ref(),
                    allowed
                        .iter()
                        .map(|a| format!(" and {a}"))
                        .collect::<String>()
                ),
            ));
        }
    }
    let value = get(kind).expect("found");
    let required = |name: &str| {
        get(name).ok_or_else(|| src.error(span.clone(), format!("a {kind} needs {name}")))
    };
    match kind {
        "rectangle" | "box" => {
            let corners = points(value, symbols, src)?;
            let [lo, hi] = corners.as_slice() else {
                return Err(src.error(value.span(), "expected two corners, [[lo...], [hi...]]"));
            };
            if lo.len() != hi.len() || lo.iter().zip(hi).any(|(l, h)| l >= h) {
                return Err(src.error(
                    value.span(),
                    "the first corner must lie below the second in every coordinate, e.g. [[0, 0], [2.2, 0.41]]",
                ));
            }
            Ok(Primitive::Rectangle {
                lo: lo.clone(),
                hi: hi.clone(),
            })
        }
        "disk" | "ball" => {
            let center = point(value, symbols, src)?;
            let r = required("radius")?;
            let radius = scalar(r, symbols, src)?;
            if !(radius > 0.0 && radius.is_finite()) {
                return Err(src.error(
                    r.span(),
                    format!("the radius must be positive, found {radius}"),
                ));
            }
            Ok(Primitive::Ball { center, radius })
        }
        "ellipse" => {
            let center = point(value, symbols, src)?;
            let r = required("radii")?;
            let radii = point(r, symbols, src)?;
            let ([cx, cy], [a, b]) = (center.as_slice(), radii.as_slice()) else {
                return Err(src.error(
                    value.span(),
                    "an ellipse is 2D: ellipse = [cx, cy], radii = [a, b]",
                ));
            };
            if !(*a > 0.0 && *b > 0.0) {
                return Err(src.error(r.span(), "the radii must be positive"));
            }
            Ok(Primitive::Ellipse {
                center: [*cx, *cy],
                radii: [*a, *b],
            })
        }
        _ => {
            let vertices = points(value, symbols, src)?;
            if vertices.len() < 3 || vertices.iter().any(|v| v.len() != 2) {
                return Err(src.error(
                    value.span(),
                    "a polygon needs three or more vertices [x, y]",
                ));
            }
            let vertices: Vec<[f64; 2]> = vertices.iter().map(|v| [v[0], v[1]]).collect();
            let n = vertices.len();
            if let Some(i) = (0..n).find(|&i| vertices[i] == vertices[(i + 1) % n]) {
                return Err(src.error(
                    value.span(),
                    format!(
                        "vertices {} and {} of the polygon are the same point {:?}",
                        i + 1,
                        (i + 1) % n + 1,
                        vertices[i]
                    ),
                ));
            }
            if let Some((i, j)) = crossing_edges(&vertices) {
                return Err(src.error(
                    value.span(),
                    format!(
                        "the polygon crosses itself: edge {} ({:?} to {:?}) meets edge {} ({:?} to {:?})",
                        i + 1,
                        vertices[i],
                        vertices[(i + 1) % n],
                        j + 1,
                        vertices[j],
                        vertices[(j + 1) % n]
                    ),
                ));
            }
            if signed_area(&vertices) == 0.0 {
                return Err(src.error(value.span(), "the polygon has no area"));
            }
            Ok(Primitive::Polygon { vertices })
        }
    }
}

/// The combination `a - b + (c & d)`: `&` binds tighter than `+` and `-`,
/// which go left to right; every name at most once.
fn combination(text: &Spanned<String>, names: &[String], src: &Source) -> Result<Shape> {
    let s = text.get_ref();
    let mut tokens = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            ' ' | '\t' => {}
            '+' | '-' | '&' | '(' | ')' => tokens.push((at, c.to_string())),
            c if c.is_ascii_alphanumeric() || c == '_' => {
                let mut end = at + c.len_utf8();
                while let Some(&(i, d)) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' {
                        end = i + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push((at, s[at..end].to_string()));
            }
            other => {
                return Err(src.in_string(
                    text,
                    at,
                    format!("unexpected '{other}': combine shapes with + (union), - (difference), & (intersection) and parentheses"),
                ))
            }
        }
    }
    let mut parser = Combination {
        tokens,
        at: 0,
        names,
        used: Vec::new(),
        text,
        src,
    };
    let shape = parser.sum()?;
    if let Some((at, t)) = parser.tokens.get(parser.at) {
        return Err(src.in_string(
            text,
            *at,
            format!("unexpected '{t}' after a complete shape"),
        ));
    }
    Ok(shape)
}

struct Combination<'a> {
    tokens: Vec<(usize, String)>,
    at: usize,
    names: &'a [String],
    used: Vec<usize>,
    text: &'a Spanned<String>,
    src: &'a Source<'a>,
}

impl Combination<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(|(_, t)| t.as_str())
    }

    fn offset(&self) -> usize {
        self.tokens
            .get(self.at)
            .map_or(self.text.get_ref().len(), |(o, _)| *o)
    }

    fn sum(&mut self) -> Result<Shape> {
        let mut left = self.product()?;
        while let Some(op @ ("+" | "-")) = self.peek() {
            let union = op == "+";
            self.at += 1;
            let right = Box::new(self.product()?);
            left = if union {
                Shape::Union(Box::new(left), right)
            } else {
                Shape::Difference(Box::new(left), right)
            };
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Shape> {
        let mut left = self.atom()?;
        while self.peek() == Some("&") {
            self.at += 1;
            left = Shape::Intersection(Box::new(left), Box::new(self.atom()?));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Shape> {
        let at = self.offset();
        match self.peek().map(str::to_string) {
            Some(t) if t == "(" => {
                self.at += 1;
                let inner = self.sum()?;
                if self.peek() != Some(")") {
                    return Err(self.src.in_string(self.text, self.offset(), "expected ')'"));
                }
                self.at += 1;
                Ok(inner)
            }
            Some(name) if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let Some(k) = self.names.iter().position(|n| *n == name) else {
                    return Err(self.src.in_string(
                        self.text,
                        at,
                        format!(
                            "unknown shape '{name}' (declared: {})",
                            self.names.join(", ")
                        ),
                    ));
                };
                if self.used.contains(&k) {
                    return Err(self.src.in_string(
                        self.text,
                        at,
                        format!("'{name}' is used twice; each shape may appear once"),
                    ));
                }
                self.used.push(k);
                self.at += 1;
                Ok(Shape::Primitive(k))
            }
            other => Err(self.src.in_string(
                self.text,
                at,
                format!(
                    "expected a shape name or '(', found {}",
                    other.map_or("the end".to_string(), |t| format!("'{t}'"))
                ),
            )),
        }
    }
}

/// A quantity's `within`: a combination of the geometry's primitives, used
/// in the shape or not, that must overlap it.
pub(super) fn within(text: &Spanned<String>, g: &Geometry, src: &Source) -> Result<Shape> {
    let shape = combination(text, &g.names, src)?;
    let bounds = g.bounds_of(&shape);
    let overlaps = bounds
        .iter()
        .zip(g.bounds())
        .all(|([lo, hi], [glo, ghi])| lo.max(glo) < hi.min(ghi));
    if !overlaps {
        return Err(src.error(
            text.span(),
            format!(
                "'{}' does not overlap the shape {}",
                text.get_ref().trim(),
                g.text
            ),
        ));
    }
    Ok(shape)
}

/// The comma-separated items of `text`, trimmed, with their offsets.
pub(super) fn items(text: &str) -> Vec<(usize, &str)> {
    text.split(',')
        .scan(0, |start, item| {
            let at = *start + item.len() - item.trim_start().len();
            *start += item.len() + 1;
            Some((at, item.trim()))
        })
        .collect()
}

/// The parts named in `on` (`cylinder`, `inlet, outlet`, `boundary`): the
/// primitives whose boundary they are. None when `on` is not a list of
/// names (then it is a list of faces).
pub(super) fn parts(
    on: &Spanned<String>,
    geometry: Option<&Geometry>,
    src: &Source,
) -> Option<Result<Vec<usize>>> {
    let text = on.get_ref();
    let named = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let items = items(text);
    if text.contains('=') {
        // A part among faces: one condition holds on faces or on parts.
        let part = items.iter().find(|(_, s)| {
            *s == "boundary" || geometry.is_some_and(|g| g.names.iter().any(|n| n == s))
        });
        return part.map(|&(at, name)| {
            Err(src.in_string(
                on,
                at,
                format!("'{name}' is a part of the shape and the rest are faces: put them in two conditions (on = \"{name}\" in one)"),
            ))
        });
    }
    if !items.iter().all(|(_, s)| named(s)) {
        return None;
    }
    Some(parts_of(on, &items, geometry, src))
}

fn parts_of(
    on: &Spanned<String>,
    items: &[(usize, &str)],
    geometry: Option<&Geometry>,
    src: &Source,
) -> Result<Vec<usize>> {
    let Some(g) = geometry else {
        return Err(src.in_string(
            on,
            items[0].0,
            format!(
                "'{}' is not a face: write faces as on = \"x = 0\", or declare the shape in [geometry] to name its parts",
                items[0].1
            ),
        ));
    };
    let used = g.used();
    let mut out = Vec::new();
    for &(at, name) in items {
        let found: Vec<usize> = if name == "boundary" {
            used.clone()
        } else {
            match g.names.iter().position(|n| n == name) {
                Some(k) if used.contains(&k) => vec![k],
                Some(_) => {
                    return Err(src.in_string(
                        on,
                        at,
                        format!("shape '{name}' is not part of shape = \"{}\"", g.text),
                    ))
                }
                None => {
                    return Err(src.in_string(
                        on,
                        at,
                        format!(
                            "unknown part '{name}' (the shapes of [geometry]: {}, or boundary for all of it)",
                            used.iter().map(|&k| g.names[k].as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    ))
                }
            }
        };
        for k in found {
            if g.part_measure(k) <= 0.0 {
                return Err(src.in_string(
                    on,
                    at,
                    format!(
                        "no part of shape '{}'s boundary lies on the boundary of {}",
                        g.names[k], g.text
                    ),
                ));
            }
            if out.contains(&k) {
                return Err(src.in_string(on, at, format!("'{name}' is listed twice")));
            }
            out.push(k);
        }
    }
    Ok(out)
}
