//! Reads our types out of a `Value`, as `serde_json::from_value` does, with
//! one difference: a struct must be a JSON object.
//!
//! serde_json also takes a list for a struct (its fields in order), so each
//! derived reader carries that second way to read it, used by nothing we
//! store or receive: 9.7 KB of the Worker's gzipped wasm. Everything else is
//! serde_json's behaviour: a number reads itself, each kind of value is read
//! only where it is expected (not everything through `deserialize_any`, which
//! would make the list and object readers again for every scalar's visitor),
//! an unread list item is an error. Object keys are read as text only (no
//! map of ours has number keys).

use super::positions::escape;
use serde::de::value::{StrDeserializer, StringDeserializer};
use serde::de::{
    DeserializeOwned, DeserializeSeed, EnumAccess, Error as _, Expected, IntoDeserializer,
    MapAccess, SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde::{forward_to_deserialize_any, Deserialize, Deserializer};
use serde_json::{Error, Map, Value};
use std::cell::RefCell;

/// `value` as a `T`.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    from_value_located(value).map_err(|located| located.error)
}

/// An error, and the JSON pointer of the value (or key) it is about.
#[derive(Debug)]
pub struct Located {
    /// `/fields/2/transforms/0`; empty for the whole value.
    pub pointer: String,
    pub error: Error,
}

/// `value` as a `T`, or the first error with its pointer (where
/// serde_path_to_error would put it; a test holds the two together).
pub fn from_value_located<T: DeserializeOwned>(value: Value) -> Result<T, Located> {
    let first_error = RefCell::new(None);
    let at = At {
        place: &Place::Root,
        first_error: &first_error,
    };
    T::deserialize(Reader { value, at }).map_err(|error| Located {
        pointer: first_error.take().unwrap_or_default(),
        error,
    })
}

/// A value's place in the document being read: the path to name an error's
/// place with, built only when there is an error.
enum Place<'a> {
    Root,
    Key(&'a Place<'a>, &'a str),
    Index(&'a Place<'a>, usize),
}

impl Place<'_> {
    fn pointer(&self) -> String {
        match self {
            Place::Root => String::new(),
            Place::Key(parent, key) => format!("{}/{}", parent.pointer(), escape(key)),
            Place::Index(parent, index) => format!("{}/{index}", parent.pointer()),
        }
    }
}

/// Where a reader is, and where the first error was.
#[derive(Clone, Copy)]
struct At<'a> {
    place: &'a Place<'a>,
    first_error: &'a RefCell<Option<String>>,
}

impl<'a> At<'a> {
    fn at(self, place: &'a Place<'a>) -> At<'a> {
        At { place, ..self }
    }

    /// Notes `place` as the error's, unless an inner place was noted first.
    #[cold]
    #[inline(never)]
    fn note(self, place: &Place, error: Error) -> Error {
        let mut first = self.first_error.borrow_mut();
        if first.is_none() {
            *first = Some(place.pointer());
        }
        error
    }
}

/// A `Value` being read, and its place.
struct Reader<'a> {
    value: Value,
    at: At<'a>,
}

/// `value` is not what `expected` reads.
fn wrong_kind(value: &Value, expected: &dyn Expected) -> Error {
    Error::invalid_type(kind(value), expected)
}

fn kind(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

fn visit_list<'de, V: Visitor<'de>>(
    list: Vec<Value>,
    at: At,
    visitor: V,
) -> Result<V::Value, Error> {
    let len = list.len();
    let mut items = Items {
        items: list.into_iter(),
        next: 0,
        at,
    };
    let value = visitor.visit_seq(&mut items)?;
    match items.items.len() {
        0 => Ok(value),
        _ => Err(Error::invalid_length(len, &"fewer elements in array")),
    }
}

fn visit_object<'de, V: Visitor<'de>>(
    object: Map<String, Value>,
    at: At,
    visitor: V,
) -> Result<V::Value, Error> {
    visitor.visit_map(Entries {
        entries: object.into_iter(),
        key: String::new(),
        value: None,
        at,
    })
}

/// Reads `value`, a child of `parent` at `place`, noting `place` if it fails.
fn read_at<'de, S: DeserializeSeed<'de>>(
    seed: S,
    value: Value,
    parent: At,
    place: &Place,
) -> Result<S::Value, Error> {
    let at = parent.at(place);
    seed.deserialize(Reader { value, at })
        .map_err(|e| at.note(place, e))
}

/// A list's items, read in turn.
struct Items<'a> {
    items: std::vec::IntoIter<Value>,
    next: usize,
    at: At<'a>,
}

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        let Some(value) = self.items.next() else {
            return Ok(None);
        };
        let place = Place::Index(self.at.place, self.next);
        self.next += 1;
        read_at(seed, value, self.at, &place).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// An object's entries, read in turn: a key, then its value.
struct Entries<'a> {
    entries: serde_json::map::IntoIter,
    key: String,
    value: Option<Value>,
    at: At<'a>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = Error;

    fn next_key_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        self.key = key;
        match seed.deserialize(Key(&self.key)) {
            Ok(key) => Ok(Some(key)),
            Err(e) => Err(self.at.note(&Place::Key(self.at.place, &self.key), e)),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let value = self.value.take().unwrap_or_default();
        read_at(seed, value, self.at, &Place::Key(self.at.place, &self.key))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An object's key, read in place: a field's name is matched without a copy.
struct Key<'a>(&'a str);

impl<'de> Deserializer<'de> for Key<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str(self.0)
    }

    /// A map keyed by an enum's names (alert conditions).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let name: StrDeserializer<Error> = self.0.into_deserializer();
        visitor.visit_enum(name)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// A number's readers: a number reads itself; anything else is the wrong kind.
macro_rules! numbers {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                match self.value {
                    Value::Number(n) => n.deserialize_any(visitor),
                    other => Err(wrong_kind(&other, &visitor)),
                }
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Reader<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => n.deserialize_any(visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(list) => visit_list(list, self.at, visitor),
            Value::Object(object) => visit_object(object, self.at, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// Only an object: the difference from serde_json (see the module's doc).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    /// `"Variant"`, or `{"Variant": its content}`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::String(variant) => visitor.visit_enum(Variant {
                name: variant,
                content: None,
                at: self.at,
            }),
            Value::Object(object) if object.len() == 1 => {
                let (name, content) = object.into_iter().next().unwrap_or_default();
                visitor.visit_enum(Variant {
                    name,
                    content: Some(content),
                    at: self.at,
                })
            }
            Value::Object(_) => Err(Error::invalid_value(
                Unexpected::Map,
                &"map with a single key",
            )),
            other => Err(wrong_kind(&other, &"string or map")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Bool(b) => visitor.visit_bool(b),
            other => Err(wrong_kind(&other, &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => visitor.visit_string(s),
            other => Err(wrong_kind(&other, &visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            other => Err(wrong_kind(&other, &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Array(list) => visit_list(list, self.at, visitor),
            other => Err(wrong_kind(&other, &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Object(object) => visit_object(object, self.at, visitor),
            other => Err(wrong_kind(&other, &visitor)),
        }
    }

    numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    forward_to_deserialize_any! { bytes byte_buf }
}

/// An enum's variant: its name, and its content unless it is a bare name.
struct Variant<'a> {
    name: String,
    content: Option<Value>,
    /// The enum's place, which its content shares.
    at: At<'a>,
}

impl<'a, 'de> EnumAccess<'de> for Variant<'a> {
    type Error = Error;
    type Variant = Content<'a>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Content<'a>), Error> {
        let name: StringDeserializer<Error> = self.name.into_deserializer();
        Ok((
            seed.deserialize(name)?,
            Content {
                value: self.content,
                at: self.at,
            },
        ))
    }
}

/// What a variant holds.
struct Content<'a> {
    value: Option<Value>,
    at: At<'a>,
}

impl<'de> VariantAccess<'de> for Content<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            Some(value) => <()>::deserialize(Reader { value, at: self.at }),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Error> {
        match self.value {
            Some(value) => seed.deserialize(Reader { value, at: self.at }),
            None => Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Some(Value::Array(list)) => visit_list(list, self.at, visitor),
            other => Err(Error::invalid_type(
                other.as_ref().map_or(Unexpected::UnitVariant, kind),
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Some(Value::Object(object)) => visit_object(object, self.at, visitor),
            other => Err(Error::invalid_type(
                other.as_ref().map_or(Unexpected::UnitVariant, kind),
                &"struct variant",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Record {
        key: String,
        #[serde(default)]
        attempts: u32,
        when: Option<u64>,
        kind: Kind,
        tags: Vec<String>,
        extra: BTreeMap<String, Value>,
        pair: (String, i64),
        ratio: f64,
    }

    #[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
    #[serde(rename_all = "camelCase")]
    enum Kind {
        Plain,
        Wrapped(String),
        Named { n: u8 },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "type")]
    enum Tagged {
        One { a: String },
    }

    fn record() -> Value {
        json!({"key": "k", "when": null, "kind": "plain", "tags": ["a"], "extra": {"x": [1, {"y": 2}]},
               "pair": ["p", -3], "ratio": 0.1})
    }

    /// Ours and serde_json's readers give the same value or the same error.
    fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(value: Value) {
        let ours = from_value::<T>(value.clone()).map_err(|e| e.to_string());
        let theirs = serde_json::from_value::<T>(value).map_err(|e| e.to_string());
        assert_eq!(ours, theirs);
    }

    #[test]
    fn reads_as_serde_json_reads() {
        same::<Record>(record());
        for (field, value) in [
            ("kind", json!({"wrapped": "w"})),
            ("kind", json!({"named": {"n": 7}})),
            ("kind", json!("nope")),
            ("kind", json!({"plain": null, "wrapped": "w"})),
            ("kind", json!(3)),
            ("key", json!(5)),
            ("attempts", json!(-1)),
            ("attempts", json!(1.5)),
            ("when", json!(u64::MAX)),
            ("tags", json!("a")),
            ("pair", json!(["p"])),
            ("ratio", json!(1)),
            ("unknown", json!(1)),
        ] {
            let mut changed = record();
            changed[field] = value;
            same::<Record>(changed);
        }
        same::<Tagged>(json!({"type": "One", "a": "x"}));
        same::<Value>(record());
        same::<BTreeMap<String, u64>>(json!({"a": 1}));
        same::<BTreeMap<Kind, u64>>(json!({"plain": 1}));
        same::<BTreeMap<Kind, u64>>(json!({"nope": 1}));
    }

    #[test]
    fn a_struct_is_an_object_only() {
        let list = json!(["k", 0, null, "plain", [], {}, ["p", 1], 0.5]);
        assert!(serde_json::from_value::<Record>(list.clone()).is_ok());
        let err = from_value::<Record>(list).unwrap_err().to_string();
        assert!(
            err.starts_with("invalid type: sequence, expected struct Record"),
            "{err}"
        );
    }
}
