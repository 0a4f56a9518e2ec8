//! Reading JSON into our types, and writing them, written once.
//!
//! Every type of ours is read out of a `Value` by one reader, [`from_value`]:
//! serde makes one copy of a type's reader per input it reads from, so one
//! input kind keeps one copy in the wasm (6.2 KB less gzip for the Worker
//! when stored records and store answers stopped being read from text, for
//! the cost of a `Value` built per read). Text people write (a mapping, sync
//! rules, an admin request's body) is read the same way, and an error names
//! the line and column of a syntax error, or the path of the value it is
//! about ([`read_document`], [`positions`]).

pub mod positions;
mod value;

pub use value::{from_value, from_value_located, Located};

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

/// A document people wrote (sync rules, an admin request's body) as a `T`,
/// or what is wrong and where: a syntax error at its line and column,
/// anything else at the path of the value it is about
/// (`spotHit.taskCompleted[0].sms`). `what` names it in messages.
pub fn read_document<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, String> {
    let parsed = positions::parse(text, positions::Dialect::Json, what, "{...}")
        .map_err(|e| format!("{} (line {}, column {})", e.message, e.line, e.column))?;
    if let Some(pointer) = parsed.repeated_key {
        return Err(format!("at `{}`: given twice", path_of(&pointer)));
    }
    from_value_located(parsed.value).map_err(|e| match path_of(&e.pointer) {
        path if path.is_empty() => e.error.to_string(),
        path => format!("at `{path}`: {}", e.error),
    })
}

/// A JSON pointer written as a path: `/a/b/0/c` is `a.b[0].c`.
pub fn path_of(pointer: &str) -> String {
    let mut path = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = positions::unescape(segment);
        if segment.bytes().all(|b| b.is_ascii_digit()) && !segment.is_empty() {
            path.push_str(&format!("[{segment}]"));
        } else {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&segment);
        }
    }
    path
}
