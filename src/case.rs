//! Upper and lower case, Unicode's full mappings (`Straße` -> `STRASSE`, a
//! final `Σ` -> `ς`), as `str::to_uppercase` and `str::to_lowercase` give them.
//!
//! ASCII text is mapped here in every build. Other text, in wasm, goes to the
//! platform's `String.prototype.toUpperCase` / `toLowerCase` (V8 in workerd
//! and Chromium), which apply the same Unicode mappings: Rust's own case
//! tables and code are 15.5 KB of the Worker's gzipped wasm. Natively it is
//! the standard library. The web crate's browser tests hold the two to the
//! same answers on every letter of the scripts people write names in.

/// `text` in lower case.
pub fn lower(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        platform::lower(text)
    }
}

/// `text` in upper case.
pub fn upper(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_uppercase()
    } else {
        platform::upper(text)
    }
}

/// Appends `c` in lower case, on its own (a `Σ` alone is `σ`): one or more
/// characters. Nothing is allocated for an ASCII `c`.
pub fn push_lower(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else {
        out.push_str(&platform::lower(c.encode_utf8(&mut [0; 4])));
    }
}

/// Appends `c` in upper case (`ß` is `SS`).
pub fn push_upper(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_uppercase());
    } else {
        out.push_str(&platform::upper(c.encode_utf8(&mut [0; 4])));
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod platform {
    pub fn lower(text: &str) -> String {
        text.to_lowercase()
    }

    pub fn upper(text: &str) -> String {
        text.to_uppercase()
    }
}

#[cfg(target_arch = "wasm32")]
mod platform {
    use js_sys::JsString;

    pub fn lower(text: &str) -> String {
        JsString::from(text).to_lower_case().into()
    }

    pub fn upper(text: &str) -> String {
        JsString::from(text).to_upper_case().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_is_unicode_s_full_mapping() {
        assert_eq!(upper("Straße"), "STRASSE");
        assert_eq!(
            lower("ΟΔΟΣ"),
            "\u{3bf}\u{3b4}\u{3bf}\u{3c2}",
            "a final sigma"
        );
        let mut out = String::new();
        push_lower(&mut out, 'Σ');
        push_upper(&mut out, 'ß');
        push_upper(&mut out, 'a');
        assert_eq!(out, "σSSA");
        assert_eq!(lower("Élodie DUPONT"), "élodie dupont");
        assert_eq!(upper("mail@Example.fr"), "MAIL@EXAMPLE.FR");
    }
}
