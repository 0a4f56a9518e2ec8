//! Reads JSON text (mappings allow comments and trailing commas) into a
//! `Value`, and says where a value or key stands, so that an error at a JSON
//! pointer (from [`super::from_value_located`] or a check) can name its line
//! and column. Positions are found only when an error asks: the text is read
//! again and the pointer walked down it, so text that has no error (a
//! mapping the Worker compiles, a preview's every keystroke) builds no index.

use jsonc_parser::ast::{ObjectPropName, Value as Ast};
use jsonc_parser::common::Ranged;
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};
use serde_json::{Map, Number, Value};

/// Where the text's values and keys are, found on demand.
pub struct Positions {
    text: String,
    dialect: Dialect,
}

impl Positions {
    /// 1-based line and column (in characters) of the value at each pointer
    /// (of the key itself when it ends in `#key`), or of its nearest ancestor
    /// that exists in the text; the text is read once for all.
    pub fn line_columns<'p>(
        &self,
        pointers: impl IntoIterator<Item = &'p str>,
    ) -> Vec<(usize, usize)> {
        let collect = CollectOptions::default();
        let parsed = parse_to_ast(&self.text, &collect, &options(self.dialect));
        let root = parsed.ok().and_then(|p| p.value);
        pointers
            .into_iter()
            .map(|pointer| root.as_ref().map_or(0, |root| start_of(root, pointer)))
            .map(|at| line_column_of(&self.text, at))
            .collect()
    }
}

/// The byte where `pointer`'s value (or key) starts in the text of `root`.
fn start_of(root: &Ast, pointer: &str) -> usize {
    let (path, of_key) = match pointer.strip_suffix("#key") {
        Some(path) => (path, true),
        None => (pointer, false),
    };
    let mut node = root;
    let mut segments = path.split('/').skip(1).peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        match node {
            Ast::Object(o) => {
                let key = unescape(segment);
                // A key given twice: the later one, which is the one read.
                let Some(prop) = o
                    .properties
                    .iter()
                    .rev()
                    .find(|p| prop_name(&p.name) == key)
                else {
                    break;
                };
                if last && of_key {
                    return prop.name.range().start;
                }
                node = &prop.value;
            }
            Ast::Array(a) => match segment
                .parse::<usize>()
                .ok()
                .and_then(|i| a.elements.get(i))
            {
                Some(element) => node = element,
                None => break,
            },
            _ => break,
        }
    }
    node.range().start
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

fn options(dialect: Dialect) -> ParseOptions {
    let liberal = dialect == Dialect::Commented;
    // Comments and trailing commas help people; the other JSON5-ish liberties
    // (missing commas, single quotes, bare keys) would hide real typos.
    ParseOptions {
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
    }
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
    let collect = CollectOptions::default();
    let parsed = parse_to_ast(text, &collect, &options(dialect)).map_err(|e| {
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
    let mut repeated_key = None;
    let value = convert(&root, &mut Vec::new(), &mut repeated_key);
    Ok(Parsed {
        value,
        positions: Positions {
            text: text.to_string(),
            dialect,
        },
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

fn prop_name<'t>(name: &'t ObjectPropName) -> &'t str {
    match name {
        ObjectPropName::String(s) => &s.value,
        ObjectPropName::Word(w) => w.value,
    }
}

/// One step from the root to the value being read: a key or an index.
enum Step<'t> {
    Key(&'t str),
    Index(usize),
}

/// The pointer of `path`, then `key`: only written for a key given twice.
fn pointer_of(path: &[Step], key: &str) -> String {
    let mut pointer = String::new();
    for step in path {
        match step {
            Step::Key(k) => pointer.push_str(&format!("/{}", escape(k))),
            Step::Index(i) => pointer.push_str(&format!("/{i}")),
        }
    }
    pointer + "/" + &escape(key)
}

/// The AST as a `Value`; `path` is where `node` is, for the pointer of the
/// first key given twice.
fn convert<'t>(
    node: &'t Ast,
    path: &mut Vec<Step<'t>>,
    repeated_key: &mut Option<String>,
) -> Value {
    match node {
        Ast::StringLit(s) => Value::String(s.value.to_string()),
        Ast::NumberLit(n) => n.value.parse::<Number>().map_or(Value::Null, Value::Number),
        Ast::BooleanLit(b) => Value::Bool(b.value),
        Ast::NullKeyword(_) => Value::Null,
        Ast::Array(a) => Value::Array(
            a.elements
                .iter()
                .enumerate()
                .map(|(i, element)| {
                    path.push(Step::Index(i));
                    let value = convert(element, path, repeated_key);
                    path.pop();
                    value
                })
                .collect(),
        ),
        Ast::Object(o) => {
            let mut map = Map::new();
            for prop in &o.properties {
                let key = prop_name(&prop.name);
                path.push(Step::Key(key));
                let value = convert(&prop.value, path, repeated_key);
                path.pop();
                if map.insert(key.to_string(), value).is_some() && repeated_key.is_none() {
                    *repeated_key = Some(pointer_of(path, key));
                }
            }
            Value::Object(map)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Positions {
        /// One pointer's place.
        fn line_column(&self, pointer: &str) -> (usize, usize) {
            self.line_columns([pointer])[0]
        }
    }

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
    fn a_repeated_key_is_placed_at_its_second_time_and_escaped_keys_are_found() {
        let text = "{\"a/b\": {\"c\": 1,\n  \"c\": [true, {\"d~\": 2}]}}";
        let parsed = parse(text, Dialect::Json, "it", "{}").unwrap();
        let pointer = parsed.repeated_key.unwrap();
        assert_eq!(pointer, "/a~1b/c");
        let pos = &parsed.positions;
        assert_eq!(pos.line_column(&format!("{pointer}#key")), (2, 3));
        assert_eq!(pos.line_column("/a~1b/c/1/d~0"), (2, 22));
        assert_eq!(
            pos.line_column("/a~1b/c/9"),
            (2, 8),
            "past the list: the list"
        );
        assert_eq!(pos.line_column(""), (1, 1));
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
