//! Text templates: `"{prenom} {nom}"`. A placeholder is a source path, or `value`
//! (the current value, inside a `template` transform). `{{` and `}}` are literal
//! braces. A missing value renders as nothing.

use super::source::{Payload, SourcePath};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Path(SourcePath),
    CurrentValue,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

impl Template {
    pub fn parse(source: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = source.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|p| p.1) == Some('{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek().map(|p| p.1) == Some('}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '}')) => break,
                            Some((_, ch)) => name.push(ch),
                            None => {
                                return Err(format!(
                                    "the `{{` at character {} has no closing `}}` (write `{{{{` for a literal brace)",
                                    at + 1
                                ))
                            }
                        }
                    }
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    let name = name.trim();
                    if name == "value" {
                        parts.push(Part::CurrentValue);
                    } else {
                        let path = SourcePath::parse(name)
                            .map_err(|e| format!("placeholder at character {}: {e}", at + 1))?;
                        parts.push(Part::Path(path));
                    }
                }
                '}' => {
                    return Err(format!(
                    "the `}}` at character {} closes nothing (write `}}}}` for a literal brace)",
                    at + 1
                ))
                }
                other => text.push(other),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template {
            source: source.to_string(),
            parts,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The source paths this template reads.
    pub fn paths(&self) -> impl Iterator<Item = &SourcePath> {
        self.parts.iter().filter_map(|p| match p {
            Part::Path(path) => Some(path),
            _ => None,
        })
    }

    /// True when every placeholder renders empty (a template of nothing but text
    /// still counts as filled).
    pub fn renders_empty(&self, payload: &Payload) -> bool {
        let mut placeholders = 0;
        let mut filled = 0;
        for part in &self.parts {
            if let Part::Path(p) = part {
                placeholders += 1;
                if p.resolve(payload)
                    .is_some_and(|v| !super::source::is_empty_value(v))
                {
                    filled += 1;
                }
            }
        }
        placeholders > 0 && filled == 0
    }

    pub fn render(&self, payload: &Payload, current: Option<&Value>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Path(p) => p
                    .resolve(payload)
                    .into_iter()
                    .for_each(|v| push_text(&mut out, v)),
                Part::CurrentValue => current.into_iter().for_each(|v| push_text(&mut out, v)),
            }
        }
        match out.trim() {
            trimmed if trimmed.len() == out.len() => out,
            trimmed => trimmed.to_string(),
        }
    }
}

/// Writes a value's text onto `out` (as `transform::text_of` reads it), with no text in between.
pub fn push_text(out: &mut String, value: &Value) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Null => {}
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_text(out, item);
            }
        }
        other => {
            use std::fmt::Write;
            let _ = write!(out, "{other}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_paths_and_literal_braces() {
        let t = Template::parse("{prenom} {nom} {{vip}}").unwrap();
        assert_eq!(
            t.render(
                &Payload::new(&json!({"prenom": "Jean", "nom": "Dupont"})),
                None
            ),
            "Jean Dupont {vip}"
        );
        assert_eq!(
            t.render(&Payload::new(&json!({"nom": "Dupont"})), None),
            "Dupont {vip}"
        );
        let lists = Template::parse("Highlights: {highlights}").unwrap();
        assert_eq!(
            lists.render(
                &Payload::new(&json!({"highlights": ["serial_founder", "prior_exit"]})),
                None
            ),
            "Highlights: serial_founder, prior_exit"
        );
    }

    #[test]
    fn empty_detection() {
        let t = Template::parse("Message: {message}").unwrap();
        assert!(t.renders_empty(&Payload::new(&json!({}))));
        assert!(!t.renders_empty(&Payload::new(&json!({"message": "hi"}))));
        assert!(!Template::parse("constant")
            .unwrap()
            .renders_empty(&Payload::new(&json!({}))));
    }

    #[test]
    fn broken_templates_point_at_the_character() {
        assert!(Template::parse("Hi {prenom")
            .unwrap_err()
            .contains("character 4"));
        assert!(Template::parse("Hi }")
            .unwrap_err()
            .contains("closes nothing"));
        assert!(Template::parse("Hi {}").unwrap_err().contains("empty"));
    }
}
