//! Reading JSON into our types, and writing them, written once.
//!
//! Stored records, store answers and API answers are read through a `Value`:
//! serde makes one copy of a type's reader per input it reads from, and the
//! Worker also reads these types from `Value`s (kept settings, `from_value`).
//! One input kind for them all keeps one copy in the wasm: 6.2 KB less gzip
//! for the Worker, for the cost of a `Value` built per read. Request bodies
//! people write keep `serde_json::from_str`, whose errors say the line and
//! column.

pub mod positions;
mod value;

pub use value::from_value;

use serde::de::DeserializeOwned;

/// `text` as a `T`, through a `Value`.
pub fn read<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    from_value(serde_json::from_str(text)?)
}

/// `value` as a `Value`, written as text and read back. serde makes one
/// copy of a type's writer per output; our types are written as text anyway
/// (answers, records), so a second, `Value`-building copy is left out: 1.1 KB
/// of the Worker's gzipped wasm for a parse where settings are kept.
pub fn to_value<T: serde::Serialize + ?Sized>(
    value: &T,
) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_str(&serde_json::to_string(value)?)
}
