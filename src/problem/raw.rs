//! The equation file as written: serde structs that keep the byte span of
//! every string the validator may need to point at.

use crate::config::{AdamConfig, NetConfig, QuasiNewtonConfig, SamplingConfig, TrainConfig};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProblem {
    pub name: Spanned<String>,
    pub title: Option<String>,
    pub inputs: Spanned<Vec<Spanned<String>>>,
    pub outputs: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub constants: Entries<Spanned<NumOrText>>,
    /// The box (with `[geometry]`, only the inputs the shape does not span
    /// are required).
    pub domain: Option<Spanned<RawDomain>>,
    pub geometry: Option<Spanned<Entries<Spanned<RawGeometry>>>>,
    pub residuals: Spanned<Entries<Spanned<RawTerm>>>,
    #[serde(default)]
    pub conditions: Vec<Spanned<RawCondition>>,
    /// The two outputs that form a velocity field, for pictures.
    pub velocity: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub unknowns: Entries<Spanned<RawUnknown>>,
    pub observations: Option<Spanned<RawObservations>>,
    pub reference: Option<Spanned<Entries<Spanned<RefValue>>>>,
    pub hard_constraints: Option<Spanned<Entries<Spanned<RawHard>>>>,
    #[serde(default)]
    pub quantities: Entries<Spanned<RawQuantity>>,
    pub network: Option<NetConfig>,
    pub adam: Option<AdamConfig>,
    pub quasi_newton: Option<QuasiNewtonConfig>,
    pub sampling: Option<SamplingConfig>,
    pub train: Option<Spanned<TrainConfig>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCondition {
    pub name: Option<Spanned<String>>,
    /// Faces, e.g. `x = 0, x = 1`; with `require`.
    pub on: Option<Spanned<String>>,
    pub require: Option<Spanned<RawTerm>>,
    /// Restricts `on` to the points where this predicate holds, e.g. `x > 0.5`.
    #[serde(rename = "where")]
    pub predicate: Option<Spanned<String>>,
    /// An input in which the solution is periodic, instead of `on`/`require`.
    pub periodic: Option<Spanned<String>>,
}

/// A hard constraint: `u = { value = "sin(pi * x)", distance = "t * x * (1 - x)" }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHard {
    /// The output where the distance vanishes (0 when left out).
    pub value: Option<Spanned<String>>,
    pub distance: Spanned<String>,
}

/// `domain = { t = [0, 1], x = [-1, 1] }`: `[lo, hi]` per input.
pub(crate) type RawDomain = Entries<Spanned<Vec<Spanned<NumOrText>>>>;

/// An entry of `[geometry]`: the combination (`shape = "a - b"`), the
/// inputs it spans (`space = ["x", "y"]`), or a named primitive
/// (`hole = { disk = [0, 0], radius = 0.3 }`).
pub(crate) enum RawGeometry {
    Text(String),
    Names(Vec<Spanned<String>>),
    Primitive(Entries<Spanned<RawArray>>),
}

/// A number, or a list of them (nested for a polygon's vertices).
pub(crate) enum RawArray {
    Num(NumOrText),
    List(Vec<Spanned<RawArray>>),
}

/// A derived quantity: `{ integral = "p * n_x", over = "cylinder" }` or
/// `{ value = "p", at = [0.15, 0.2], minus = [0.25, 0.2] }`, with an
/// optional `reference` value.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuantity {
    pub integral: Option<Spanned<String>>,
    pub over: Option<Spanned<String>>,
    /// With `over = "interior"`: only inside this combination of the
    /// geometry's shapes (`within = "near"`).
    pub within: Option<Spanned<String>>,
    pub value: Option<Spanned<String>>,
    pub at: Option<Spanned<Vec<Spanned<NumOrText>>>>,
    pub minus: Option<Spanned<Vec<Spanned<NumOrText>>>>,
    pub reference: Option<Spanned<NumOrText>>,
}

/// An unknown coefficient: `k = { init = 0.5, bounds = [0, inf], truth = 1 }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUnknown {
    pub init: Spanned<NumOrText>,
    pub bounds: Option<Spanned<Vec<Spanned<NumOrText>>>>,
    pub truth: Option<Spanned<NumOrText>>,
}

/// `[observations]`: `csv = "data.csv"`, optional `outputs` and `noise`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawObservations {
    pub csv: Spanned<String>,
    pub outputs: Option<Vec<Spanned<String>>>,
    pub noise: Option<Spanned<f64>>,
}

/// A residual or a condition's `require`: an expression (an equation for a
/// condition), or Rust code the program registered under a name, with the
/// expressions it reads: `{ code = "heat", reads = ["u_t", "u_xx"] }`.
pub(crate) enum RawTerm {
    Text(String),
    Code {
        code: Spanned<String>,
        reads: Spanned<Vec<Spanned<String>>>,
    },
}

/// A number written as a TOML number or as a constant expression string.
#[derive(Clone, Debug)]
pub(crate) enum NumOrText {
    Num(f64),
    Text(String),
}

/// A value in `[reference]`: a string (builtin, csv, an output's
/// expression), the `grid` table or a list of names (`up_to_constant`).
pub(crate) enum RefValue {
    Text(String),
    Table(Entries<Spanned<Vec<Spanned<NumOrText>>>>),
    Names(Vec<Spanned<String>>),
}

/// Table entries in file order with their key spans.
///
/// The `toml` crate (without `preserve_order`) hands tables over sorted by
/// key, so the order is recovered from the key spans: constants and
/// residuals are listed in the order they were written.
pub(crate) struct Entries<V>(pub Vec<(Spanned<String>, V)>);

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

fn collect_entries<'de, A: MapAccess<'de>, V: Deserialize<'de>>(
    mut map: A,
) -> Result<Entries<V>, A::Error> {
    let mut entries = Vec::new();
    while let Some(key) = map.next_key::<Spanned<String>>()? {
        let value = map.next_value::<V>()?;
        entries.push((key, value));
    }
    entries.sort_by_key(|(k, _)| k.span().start);
    Ok(Entries(entries))
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                collect_entries(map)
            }
        }
        d.deserialize_map(EntriesVisitor(PhantomData))
    }
}

impl<'de> Deserialize<'de> for NumOrText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NumVisitor;
        impl Visitor<'_> for NumVisitor {
            type Value = NumOrText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a constant expression string such as \"0.01 / pi\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumOrText, E> {
                Ok(NumOrText::Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumOrText, E> {
                Ok(NumOrText::Num(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NumOrText, E> {
                Ok(NumOrText::Num(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NumOrText, E> {
                Ok(NumOrText::Text(v.to_string()))
            }
        }
        d.deserialize_any(NumVisitor)
    }
}

impl<'de> Deserialize<'de> for RefValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RefVisitor;
        impl<'de> Visitor<'de> for RefVisitor {
            type Value = RefValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, a table for `grid` or a list of output names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RefValue, E> {
                Ok(RefValue::Text(v.to_string()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RefValue, A::Error> {
                let mut names = Vec::new();
                while let Some(n) = seq.next_element::<Spanned<String>>()? {
                    names.push(n);
                }
                Ok(RefValue::Names(names))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RefValue, A::Error> {
                collect_entries(map).map(RefValue::Table)
            }
        }
        d.deserialize_any(RefVisitor)
    }
}

impl<'de> Deserialize<'de> for RawGeometry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct GeometryVisitor;
        impl<'de> Visitor<'de> for GeometryVisitor {
            type Value = RawGeometry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a shape such as { disk = [0, 0], radius = 1 }, the combination shape = \"a - b\", or space = [\"x\", \"y\"]",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawGeometry, E> {
                Ok(RawGeometry::Text(v.to_string()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawGeometry, A::Error> {
                let mut names = Vec::new();
                while let Some(n) = seq.next_element::<Spanned<String>>()? {
                    names.push(n);
                }
                Ok(RawGeometry::Names(names))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawGeometry, A::Error> {
                collect_entries(map).map(RawGeometry::Primitive)
            }
        }
        d.deserialize_any(GeometryVisitor)
    }
}

impl<'de> Deserialize<'de> for RawArray {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ArrayVisitor;
        impl<'de> Visitor<'de> for ArrayVisitor {
            type Value = RawArray;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a constant expression string or a list of them")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawArray, E> {
                Ok(RawArray::Num(NumOrText::Num(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawArray, E> {
                Ok(RawArray::Num(NumOrText::Num(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawArray, E> {
                Ok(RawArray::Num(NumOrText::Num(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawArray, E> {
                Ok(RawArray::Num(NumOrText::Text(v.to_string())))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawArray, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = seq.next_element::<Spanned<RawArray>>()? {
                    items.push(v);
                }
                Ok(RawArray::List(items))
            }
        }
        d.deserialize_any(ArrayVisitor)
    }
}

impl<'de> Deserialize<'de> for RawTerm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TermVisitor;
        impl<'de> Visitor<'de> for TermVisitor {
            type Value = RawTerm;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "an expression string, or a table { code = \"NAME\", reads = [...] } for Rust code",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTerm, E> {
                Ok(RawTerm::Text(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTerm, A::Error> {
                let (mut code, mut reads) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "code" => code = Some(map.next_value()?),
                        "reads" => reads = Some(map.next_value()?),
                        other => return Err(de::Error::unknown_field(other, &["code", "reads"])),
                    }
                }
                match (code, reads) {
                    (Some(code), Some(reads)) => Ok(RawTerm::Code { code, reads }),
                    (None, _) => Err(de::Error::missing_field("code")),
                    (_, None) => Err(de::Error::missing_field("reads")),
                }
            }
        }
        d.deserialize_any(TermVisitor)
    }
}
