//! Reads mapping text (JSON, with comments and trailing commas allowed) and
//! remembers where every value stands, so an error at a JSON pointer can name
//! its line and column.

use jsonc_parser::ast::{ObjectPropName, Value as Ast};
use jsonc_parser::common::Ranged;
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// Where each JSON pointer's value starts (byte offset), plus the text to turn
/// offsets into lines and columns.
pub struct Positions {
    text: String,
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

pub fn parse(text: &str) -> Result<(Value, Positions), SyntaxError> {
    // Comments and trailing commas help people; the other JSON5-ish liberties
    // (missing commas, single quotes, bare keys) would hide real typos.
    let options = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
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
            message: format!("the mapping is not valid JSON: {}", e.kind()),
        }
    })?;
    let Some(root) = parsed.value else {
        return Err(SyntaxError {
            line: 1,
            column: 1,
            message: "the mapping is empty: it should be a JSON object like {\"version\": 1, \"fields\": [...]}".into(),
        });
    };
    let mut starts = HashMap::new();
    let value = convert(&root, String::new(), &mut starts);
    Ok((
        value,
        Positions {
            text: text.to_string(),
            starts,
        },
    ))
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn convert(node: &Ast, pointer: String, starts: &mut HashMap<String, usize>) -> Value {
    starts.insert(pointer.clone(), node.range().start);
    match node {
        Ast::StringLit(s) => Value::String(s.value.to_string()),
        Ast::NumberLit(n) => n
            .value
            .parse::<Number>()
            .map(Value::Number)
            .or_else(|_| {
                n.value
                    .parse::<f64>()
                    .map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number))
            })
            .unwrap_or(Value::Null),
        Ast::BooleanLit(b) => Value::Bool(b.value),
        Ast::NullKeyword(_) => Value::Null,
        Ast::Array(a) => Value::Array(
            a.elements
                .iter()
                .enumerate()
                .map(|(i, el)| convert(el, format!("{pointer}/{i}"), starts))
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
                let value = convert(&prop.value, child.clone(), starts);
                // An error about a key itself points at the key.
                starts.insert(format!("{child}#key"), prop.name.range().start);
                map.insert(key, value);
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
        let (value, pos) = parse(text).unwrap();
        assert_eq!(value["fields"][0]["to"], "emial");
        assert_eq!(pos.line_column("/fields/0/to"), (4, 12));
        assert_eq!(pos.line_column("/fields/0"), (4, 5));
        assert_eq!(
            pos.line_column("/fields/7/x"),
            (3, 13),
            "falls back to the nearest ancestor"
        );
    }

    #[test]
    fn syntax_errors_are_placed() {
        let err = parse("{\n  \"version\": 1\n  \"fields\": [}\n}")
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
