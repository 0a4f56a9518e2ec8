//! Reads JSON text (mappings allow comments and trailing commas) into a
//! `Value`, and remembers where every value and key stands, so that an error
//! at a JSON pointer (from [`super::from_value_located`] or a check) can name
//! its line and column.

use jsonc_parser::ast::{ObjectPropName, Value as Ast};
use jsonc_parser::common::Ranged;
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// Where the text's values and keys are.
pub struct Positions {
    text: String,
    /// Where each pointer (a key's ends in `#key`) starts in the text.
    starts: HashMap<String, usize>,
}

impl Positions {
    /// 1-based line and column (in characters) of the value at `pointer`, or of
    /// its nearest ancestor that exists in the text.
    pub fn line_column(&self, pointer: &str) -> (usize, usize) {
        let mut p = pointer.to_string();
        loop {
            if let Some(&at) = self.starts.get(&p) {
                return line_column_of(&self.text, at);
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => return (1, 1),
            }
        }
    }
}

pub fn line_column_of(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A syntax error, already placed.
#[derive(Debug)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Text that parsed: its value, and where each part of it is.
pub struct Parsed {
    pub value: Value,
    pub positions: Positions,
    /// The pointer of a key given twice in one object (its second time).
    pub repeated_key: Option<String>,
}

/// What the text may hold beside JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Plain JSON.
    Json,
    /// Comments and trailing commas allowed (mappings).
    Commented,
}

/// Reads `text`, or says where its syntax is wrong. `what` names the document
/// in messages ("the mapping"), `example` shows an empty one what it should
/// be like (`{"version": 1, "fields": [...]}`).
pub fn parse(
    text: &str,
    dialect: Dialect,
    what: &str,
    example: &str,
) -> Result<Parsed, SyntaxError> {
    let liberal = dialect == Dialect::Commented;
    // Comments and trailing commas help people; the other JSON5-ish liberties
    // (missing commas, single quotes, bare keys) would hide real typos.
    let options = ParseOptions {
        allow_comments: liberal,
        allow_trailing_commas: liberal,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let collect = CollectOptions::default();
    let parsed = parse_to_ast(text, &collect, &options).map_err(|e| {
        let (line, column) = line_column_of(text, e.range().start);
        SyntaxError {
            line,
            column,
            message: format!("{what} is not valid JSON: {}", e.kind()),
        }
    })?;
    let Some(root) = parsed.value else {
        return Err(SyntaxError {
            line: 1,
            column: 1,
            message: format!("{what} is empty: it should be a JSON object like {example}"),
        });
    };
    let mut positions = Positions {
        text: text.to_string(),
        starts: HashMap::new(),
    };
    let mut repeated_key = None;
    let value = convert(&root, String::new(), &mut positions, &mut repeated_key);
    Ok(Parsed {
        value,
        positions,
        repeated_key,
    })
}

/// A key as a JSON pointer's segment (`~` and `/` escaped).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A JSON pointer's segment as the key it names.
pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn convert(
    node: &Ast,
    pointer: String,
    positions: &mut Positions,
    repeated_key: &mut Option<String>,
) -> Value {
    positions.starts.insert(pointer.clone(), node.range().start);
    match node {
        Ast::StringLit(s) => Value::String(s.value.to_string()),
        Ast::NumberLit(n) => n.value.parse::<Number>().map_or(Value::Null, Value::Number),
        Ast::BooleanLit(b) => Value::Bool(b.value),
        Ast::NullKeyword(_) => Value::Null,
        Ast::Array(a) => Value::Array(
            a.elements
                .iter()
                .enumerate()
                .map(|(i, el)| convert(el, format!("{pointer}/{i}"), positions, repeated_key))
                .collect(),
        ),
        Ast::Object(o) => {
            let mut map = Map::new();
            for prop in &o.properties {
                let key = match &prop.name {
                    ObjectPropName::String(s) => s.value.to_string(),
                    ObjectPropName::Word(w) => w.value.to_string(),
                };
                let child = format!("{pointer}/{}", escape(&key));
                // An error about a key itself points at the key.
                let key_pointer = format!("{child}#key");
                positions
                    .starts
                    .insert(key_pointer, prop.name.range().start);
                let value = convert(&prop.value, child.clone(), positions, repeated_key);
                if map.insert(key, value).is_some() && repeated_key.is_none() {
                    *repeated_key = Some(child);
                }
            }
            Value::Object(map)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_map_to_lines_and_columns() {
        let text = "{\n  // comment\n  \"fields\": [\n    {\"to\": \"emial\"},\n  ],\n}";
        let parsed = parse(text, Dialect::Commented, "the mapping", "{}").unwrap();
        assert_eq!(parsed.value["fields"][0]["to"], "emial");
        let pos = &parsed.positions;
        assert_eq!(pos.line_column("/fields/0/to"), (4, 12));
        assert_eq!(pos.line_column("/fields/0/to#key"), (4, 6));
        assert_eq!(pos.line_column("/fields/0"), (4, 5));
        assert_eq!(
            pos.line_column("/fields/7/x"),
            (3, 13),
            "falls back to the nearest ancestor"
        );
    }

    #[test]
    fn a_key_given_twice_is_noted() {
        let parsed = parse(r#"{"a": {"b": 1, "b": 2}}"#, Dialect::Json, "it", "{}").unwrap();
        assert_eq!(parsed.repeated_key.as_deref(), Some("/a/b"));
        assert_eq!(parsed.value["a"]["b"], 2);
        let parsed = parse(r#"{"a": {"b": 1}, "b": 1}"#, Dialect::Json, "it", "{}").unwrap();
        assert_eq!(parsed.repeated_key, None);
    }

    #[test]
    fn plain_json_refuses_comments() {
        assert!(parse("{\"a\": 1 // no\n}", Dialect::Json, "it", "{}").is_err());
        assert!(parse("{\"a\": 1 // yes\n}", Dialect::Commented, "it", "{}").is_ok());
    }

    #[test]
    fn syntax_errors_are_placed() {
        let err = parse(
            "{\n  \"version\": 1\n  \"fields\": [}\n}",
            Dialect::Commented,
            "the mapping",
            "{}",
        )
        .err()
        .unwrap();
        // The comma is missing at the end of line 2: that is where it points.
        assert_eq!(err.line, 2);
        assert!(err.message.contains("not valid JSON"), "{}", err.message);
        assert!(
            err.message.to_lowercase().contains("comma"),
            "{}",
            err.message
        );
    }
}
