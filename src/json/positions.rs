//! Reads JSON text (mappings allow comments and trailing commas) and
//! remembers where every value stands, so that an error can be placed both
//! ways: a JSON pointer gets its line and column in the text, and the
//! position of a serde_json error gets the pointer of the value it is about.
//!
//! serde reads a plain copy of the text: its tokens alone, one space after
//! each (no comments, no trailing commas). Each value's span in that copy is
//! known, and the spaces make serde's position say which value it stopped at
//! (see [`Positions::pointer_of_error`]). That is how a structural error (an
//! unknown key, a missing field, a wrong kind of value) finds its pointer
//! without serde_path_to_error, which made a second, tracked copy of every
//! reader: 8.4 KB of the Worker's gzipped wasm.

use jsonc_parser::ast::{ObjectPropName, Value as Ast};
use jsonc_parser::common::Ranged;
use jsonc_parser::tokens::{Token, TokenAndRange};
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};
use std::collections::HashMap;

/// Where the text's values and keys are.
pub struct Positions {
    text: String,
    /// Where each pointer (a key's ends in `#key`) starts in the text.
    starts: HashMap<String, usize>,
    /// The plain copy serde reads.
    plain: String,
    /// Every value's and key's span in the plain copy, with its pointer.
    /// Spans nest, so the shortest one holding a byte is the innermost.
    spans: Vec<(usize, usize, String)>,
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

    /// The pointer of the value (or key) an error of serde_json reading the
    /// plain copy is about, without a key's `#key`; the root's when nothing
    /// is there.
    ///
    /// serde_json's position is the last byte it read, on the copy's one line:
    /// - a string, a number, `true`...: it read it, the byte is its last;
    /// - a key: the byte after it (the space before its `:`);
    /// - a missing field, a list of the wrong length: the `}` or `]` that ended it;
    /// - a list or an object of the wrong kind: it only peeked at it, so the
    ///   byte is the space after the `:`, `,` or `[` before it;
    /// - an error of the type's own (an untagged enum, a step of a mapping),
    ///   placed when the object or list holding the value goes on or ends: the
    ///   space after the value (before a `,`), the space after its `,`, or the
    ///   holder's `}` or `]`.
    pub fn pointer_of_error(&self, error: &serde_json::Error) -> String {
        let bytes = self.plain.as_bytes();
        let at = error.column().saturating_sub(1);
        let message = message_of(error);
        let previous = bytes[..at.min(bytes.len())]
            .iter()
            .rposition(|b| *b != b' ')
            .map(|i| bytes[i]);
        let pointer = match bytes.get(at) {
            Some(b'}' | b']')
                if !(message.starts_with("missing field")
                    || message.starts_with("invalid length")) =>
            {
                self.last_value_before(at)
            }
            Some(b' ') if peeked(&message) && matches!(previous, Some(b':' | b',' | b'[')) => {
                self.innermost(at + 1)
            }
            Some(b' ') => self.last_value_before(at),
            _ => self.innermost(at),
        };
        pointer.trim_end_matches("#key").to_string()
    }

    /// The innermost value or key holding byte `at`.
    fn innermost(&self, at: usize) -> &str {
        self.spans
            .iter()
            .filter(|(start, end, _)| (*start..*end).contains(&at))
            .min_by_key(|(start, end, _)| end - start)
            .map_or("", |(_, _, pointer)| pointer)
    }

    /// The outermost value (or the key) ending last before byte `at`, past
    /// the spaces and the one `,` between them.
    fn last_value_before(&self, at: usize) -> &str {
        let bytes = self.plain.as_bytes();
        let mut end = at.min(bytes.len());
        while end > 0 && bytes[end - 1] == b' ' {
            end -= 1;
        }
        if end > 0 && bytes[end - 1] == b',' {
            end -= 1;
            while end > 0 && bytes[end - 1] == b' ' {
                end -= 1;
            }
        }
        self.spans
            .iter()
            .filter(|(_, e, _)| *e == end)
            .max_by_key(|(start, e, _)| e - start)
            .map_or("", |(_, _, pointer)| pointer)
    }
}

/// Whether serde_json says it found a list or an object, which it only peeks at.
fn peeked(message: &str) -> bool {
    message.starts_with("invalid type: sequence") || message.starts_with("invalid type: map")
}

pub fn line_column_of(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// serde_json's message without the position it appends (" at line 3 column 7").
pub fn message_of(error: &serde_json::Error) -> String {
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match full.strip_suffix(&suffix) {
        Some(message) => message.to_string(),
        None => full,
    }
}

/// A syntax error, already placed.
#[derive(Debug)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Text that parsed: its positions, and the plain copy serde reads.
pub struct Parsed {
    pub positions: Positions,
    /// The text is a JSON object (not a list, a string...).
    pub is_object: bool,
}

impl Parsed {
    /// The text's tokens, one space after each: plain JSON.
    pub fn plain(&self) -> &str {
        &self.positions.plain
    }
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
/// in messages ("the mapping").
pub fn parse(text: &str, dialect: Dialect, what: &str) -> Result<Parsed, SyntaxError> {
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
    let collect = CollectOptions {
        tokens: true,
        ..CollectOptions::default()
    };
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
            message: format!(
                "{what} is empty: it should be a JSON object like {{\"version\": 1, \"fields\": [...]}}"
            ),
        });
    };
    let copy = PlainCopy::of(text, parsed.tokens.as_deref().unwrap_or_default());
    let mut positions = Positions {
        text: text.to_string(),
        starts: HashMap::new(),
        plain: String::new(),
        spans: Vec::new(),
    };
    record(&root, String::new(), &copy, &mut positions);
    positions.plain = copy.text;
    Ok(Parsed {
        positions,
        is_object: matches!(root, Ast::Object(_)),
    })
}

/// The text's tokens, one space after each, and where each token of the text
/// landed in it.
struct PlainCopy {
    text: String,
    /// A token's start in the text -> its start in the copy.
    starts: HashMap<usize, usize>,
    /// A token's end in the text -> its end in the copy.
    ends: HashMap<usize, usize>,
}

impl PlainCopy {
    fn of(text: &str, tokens: &[TokenAndRange]) -> PlainCopy {
        let mut copy = PlainCopy {
            text: String::with_capacity(text.len()),
            starts: HashMap::new(),
            ends: HashMap::new(),
        };
        for (i, token) in tokens.iter().enumerate() {
            let trailing_comma = matches!(token.token, Token::Comma)
                && tokens.get(i + 1).is_some_and(|next| {
                    matches!(next.token, Token::CloseBrace | Token::CloseBracket)
                });
            if trailing_comma {
                continue;
            }
            copy.starts.insert(token.range.start, copy.text.len());
            copy.text
                .push_str(&text[token.range.start..token.range.end]);
            copy.ends.insert(token.range.end, copy.text.len());
            copy.text.push(' ');
        }
        copy
    }

    /// Where a node of the text (which starts and ends with a token) is in the copy.
    fn span(&self, range: jsonc_parser::common::Range) -> (usize, usize) {
        let start = self.starts.get(&range.start).copied().unwrap_or_default();
        let end = self.ends.get(&range.end).copied().unwrap_or_default();
        (start, end)
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn record(node: &Ast, pointer: String, copy: &PlainCopy, positions: &mut Positions) {
    let range = node.range();
    positions.starts.insert(pointer.clone(), range.start);
    match node {
        Ast::Array(a) => {
            for (i, el) in a.elements.iter().enumerate() {
                record(el, format!("{pointer}/{i}"), copy, positions);
            }
        }
        Ast::Object(o) => {
            for prop in &o.properties {
                let key = match &prop.name {
                    ObjectPropName::String(s) => s.value.to_string(),
                    ObjectPropName::Word(w) => w.value.to_string(),
                };
                let child = format!("{pointer}/{}", escape(&key));
                // An error about a key itself points at the key.
                let name = prop.name.range();
                let key_pointer = format!("{child}#key");
                positions.starts.insert(key_pointer.clone(), name.start);
                let (start, end) = copy.span(name);
                positions.spans.push((start, end, key_pointer));
                record(&prop.value, child, copy, positions);
            }
        }
        _ => {}
    }
    let (start, end) = copy.span(range);
    positions.spans.push((start, end, pointer));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_map_to_lines_and_columns() {
        let text = "{\n  // comment\n  \"fields\": [\n    {\"to\": \"emial\"},\n  ],\n}";
        let parsed = parse(text, Dialect::Commented, "the mapping").unwrap();
        let pos = &parsed.positions;
        assert_eq!(pos.line_column("/fields/0/to"), (4, 12));
        assert_eq!(pos.line_column("/fields/0"), (4, 5));
        assert_eq!(
            pos.line_column("/fields/7/x"),
            (3, 13),
            "falls back to the nearest ancestor"
        );
    }

    #[test]
    fn the_plain_copy_is_the_json_of_the_text() {
        let text =
            "{\n  // a comment, with \"quotes\" and é\n  \"fields\": [1, /* x */ \"é\",],\n}";
        let parsed = parse(text, Dialect::Commented, "the mapping").unwrap();
        assert_eq!(parsed.plain(), "{ \"fields\" : [ 1 , \"é\" ] } ");
    }

    /// Where serde_json's error about `text` (read as `T`) points.
    fn pointer_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
        let parsed = parse(text, Dialect::Json, "the rules").unwrap();
        let error = serde_json::from_str::<T>(parsed.plain()).unwrap_err();
        parsed.positions.pointer_of_error(&error)
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Rule {
        to: String,
        #[serde(default)]
        ids: Vec<u32>,
        #[serde(default, deserialize_with = "odd")]
        odd: u32,
        #[serde(default)]
        odds: Vec<Odd>,
    }

    /// A type's own error, as an untagged enum or a step of a mapping gives.
    fn odd<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let n = <u32 as serde::Deserialize>::deserialize(d)?;
        if n % 2 == 1 {
            Ok(n)
        } else {
            Err(serde::de::Error::custom("not odd"))
        }
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Odd(#[serde(deserialize_with = "odd")] u32);

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        fields: Vec<Rule>,
    }

    #[test]
    fn serde_errors_find_the_value_they_are_about() {
        let at = pointer_of::<Doc>;
        // Read: a number, a key.
        assert_eq!(at(r#"{"fields": [{"to": 5}]}"#), "/fields/0/to");
        assert_eq!(
            at(r#"{"fields": [{"to": "a", "form": 1}]}"#),
            "/fields/0/form"
        );
        // Ended: a missing field.
        assert_eq!(at(r#"{"fields": [{"to": "a"}, {}]}"#), "/fields/1");
        // Peeked at: a list or an object where something else goes.
        assert_eq!(at(r#"{"fields": [{"to": []}]}"#), "/fields/0/to");
        assert_eq!(at(r#"{"fields": {"to": "a"}}"#), "/fields");
        assert_eq!(
            at(r#"{"fields": [{"to": "a", "ids": [1, {}]}]}"#),
            "/fields/0/ids/1"
        );
        // The type's own error: before a `,` and at the end of an object, and
        // in a list before a `,` and at its end.
        assert_eq!(
            at(r#"{"fields": [{"odd": 2, "to": "a"}]}"#),
            "/fields/0/odd"
        );
        assert_eq!(
            at("{\"fields\": [{\"to\": \"a\", \"odd\": 4 }\n]}"),
            "/fields/0/odd"
        );
        assert_eq!(
            at(r#"{"fields": [{"to": "a", "odds": [1, 2, 3]}]}"#),
            "/fields/0/odds/1"
        );
        assert_eq!(
            at(r#"{"fields": [{"to": "a", "odds": [1, 4]}]}"#),
            "/fields/0/odds/1"
        );
    }

    #[test]
    fn syntax_errors_are_placed() {
        let err = parse(
            "{\n  \"version\": 1\n  \"fields\": [}\n}",
            Dialect::Commented,
            "the mapping",
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
