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

/// `c` in lower case, on its own (a `Σ` alone is `σ`): one or more characters.
pub fn lower_char(c: char) -> String {
    lower(c.encode_utf8(&mut [0; 4]))
}

/// `c` in upper case (`ß` is `SS`).
pub fn upper_char(c: char) -> String {
    upper(c.encode_utf8(&mut [0; 4]))
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
        assert_eq!(lower_char('Σ'), "σ");
        assert_eq!(upper_char('ß'), "SS");
        assert_eq!(lower("Élodie DUPONT"), "élodie dupont");
        assert_eq!(upper("mail@Example.fr"), "MAIL@EXAMPLE.FR");
    }
}
