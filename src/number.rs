//! Decimal numbers in text, read as `str::parse::<f64>` reads them (the same
//! forms, the same values), by serde_json's number reader.
//!
//! The wasm carries serde_json's reader for the JSON it reads anyway; core's
//! `f64::from_str` added its own code and tables, 14.5 KB of the Worker's
//! gzipped wasm. So a form JSON does
//! not write is first written as JSON: `+1` as `1`, `007` as `7`, `1.` as
//! `1`, `.5` as `0.5`; `inf`, `infinity` and `nan` (any case) are read here.
//! A property test holds this to `str::parse::<f64>` bit for bit.

use serde_json::Number;

/// `text` as a number, or `None` where `str::parse::<f64>` errs.
pub fn parse_f64(text: &str) -> Option<f64> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let sign = if negative { -1.0 } else { 1.0 };
    if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
        return Some(sign * f64::INFINITY);
    }
    if unsigned.eq_ignore_ascii_case("nan") {
        return Some(f64::NAN);
    }
    let json = as_json(unsigned)?;
    let magnitude = match json.parse::<Number>() {
        Ok(n) => n.as_f64()?,
        // serde_json refuses what overflows; `str::parse` says infinity.
        Err(e) if e.to_string().starts_with("number out of range") => f64::INFINITY,
        Err(_) => return None,
    };
    Some(sign * magnitude)
}

/// An unsigned decimal (`digits[.digits][e[+-]digits]`, with digits on at
/// least one side of the point) written as JSON writes it, or `None`.
fn as_json(text: &str) -> Option<String> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (mantissa, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let mut json = String::with_capacity(text.len() + 2);
    json.push_str(if whole.is_empty() { "0" } else { whole });
    if !fraction.is_empty() {
        json.push('.');
        json.push_str(fraction);
    }
    if let Some(exponent) = exponent {
        let unsigned = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if unsigned.is_empty() || !digits(unsigned) {
            return None;
        }
        json.push('e');
        json.push_str(exponent);
    }
    Some(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(text: &str) {
        let ours = parse_f64(text);
        let std = text.parse::<f64>().ok();
        match (ours, std) {
            (Some(a), Some(b)) if a.is_nan() && b.is_nan() => {}
            (Some(a), Some(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{text:?}: {a} vs {b}"),
            (a, b) => assert_eq!(a, b, "{text:?}"),
        }
    }

    #[test]
    fn reads_what_str_parse_reads() {
        for text in [
            "0",
            "-0",
            "+0",
            "1",
            "+1",
            "-1",
            "007",
            "1.",
            ".5",
            "-.5",
            ".",
            "",
            "-",
            "+",
            "1e5",
            "1E+5",
            "1e-5",
            "1e",
            "e5",
            "1.5e",
            "1e400",
            "-1e400",
            "1e-400",
            "inf",
            "-Infinity",
            "NaN",
            "nan ",
            " 1",
            "1_000",
            "1,5",
            "0x10",
            "12.50",
            "1.7976931348623157e308",
            "2.2250738585072011e-308",
            "123456789012345678901234567890",
            "0.1000000000000000055511151231257827",
        ] {
            same(text);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn reads_every_decimal_as_str_parse_does(
            text in "[+-]?(0{0,3}[0-9]{0,25})(\\.[0-9]{0,25})?([eE][+-]?[0-9]{0,4})?"
        ) {
            same(&text);
        }

        #[test]
        fn refuses_what_str_parse_refuses(text in "[-+.eE0-9a-zA-Z_, ]{0,12}") {
            same(&text);
        }
    }
}
