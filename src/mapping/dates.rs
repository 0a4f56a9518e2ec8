//! Reading the dates sources send (Unix seconds, ISO 8601, `YYYY-MM-DD HH:MM:SS`,
//! `dd/mm/yyyy`, ...) and writing them the way GHL takes them.

use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::zones::{out_of_range, Zone};
use crate::iso8601;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DateFormat {
    /// Guess: digits are Unix seconds (milliseconds past 12 digits), ISO 8601 with
    /// or without time, `YYYY-MM-DD HH:MM:SS`, day-first `dd/mm/yyyy [HH:MM[:SS]]`.
    Auto,
    Unix,
    UnixMillis,
    Iso8601,
    /// `YYYY-MM-DD HH:MM:SS`
    YmdHms,
    /// `YYYY-MM-DD`
    Ymd,
    /// `dd/mm/yyyy` (also `-` or `.`), optional ` HH:MM[:SS]`
    Dmy,
    /// `mm/dd/yyyy`, US order
    Mdy,
}

impl DateFormat {
    pub fn label(self) -> &'static str {
        match self {
            DateFormat::Auto => "auto",
            DateFormat::Unix => "unix",
            DateFormat::UnixMillis => "unixMillis",
            DateFormat::Iso8601 => "iso8601",
            DateFormat::YmdHms => "ymdHms",
            DateFormat::Ymd => "ymd",
            DateFormat::Dmy => "dmy",
            DateFormat::Mdy => "mdy",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DateOutput {
    /// A date stays a date (`YYYY-MM-DD`); a moment becomes UTC ISO 8601.
    Auto,
    Date,
    Datetime,
}

/// A parsed date: a moment, or a calendar value still waiting for its zone.
enum Parsed {
    Instant(Timestamp),
    Civil(DateTime),
    Day(Date),
}

/// Reads `value` as `format`, places calendar values in `zone` (UTC if none) and
/// writes the result as `output`.
pub fn convert(
    value: &Value,
    format: DateFormat,
    zone: Option<&str>,
    output: DateOutput,
) -> Result<String, String> {
    let zone = match zone {
        Some(name) => {
            Some(Zone::named(name).ok_or_else(|| format!("`{name}` is not a known time zone"))?)
        }
        None => None,
    };
    let parsed = parse(value, format)?;
    let write_date = match output {
        DateOutput::Date => true,
        DateOutput::Datetime => false,
        DateOutput::Auto => matches!(parsed, Parsed::Day(_)),
    };
    let instant = match parsed {
        // A calendar date is the same date in every zone.
        Parsed::Day(day) if write_date => return Ok(day.to_string()),
        Parsed::Day(day) => place(day.into(), zone.as_ref())?,
        Parsed::Civil(wall) => place(wall, zone.as_ref())?,
        Parsed::Instant(ts) => ts,
    };
    if !write_date {
        return Ok(instant.to_string());
    }
    let wall = match &zone {
        Some(zone) => zone.wall_time(instant)?,
        None => Offset::UTC.to_datetime(instant),
    };
    Ok(wall.date().to_string())
}

/// The instant a wall-clock time means in `zone` (UTC if none).
fn place(wall: DateTime, zone: Option<&Zone>) -> Result<Timestamp, String> {
    match zone {
        Some(zone) => zone.instant_of(wall),
        None => Offset::UTC
            .to_timestamp(wall)
            .map_err(|_| out_of_range(&wall)),
    }
}

fn parse(value: &Value, format: DateFormat) -> Result<Parsed, String> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        other => return Err(format!("{other} is not a date")),
    };
    let bad = || format!("`{text}` is not a date in the {} format", format.label());
    match format {
        DateFormat::Unix => unix(&text, false).ok_or_else(bad),
        DateFormat::UnixMillis => unix(&text, true).ok_or_else(bad),
        DateFormat::Iso8601 | DateFormat::YmdHms | DateFormat::Ymd => iso(&text).ok_or_else(bad),
        DateFormat::Dmy => slashed(&text, true).ok_or_else(bad),
        DateFormat::Mdy => slashed(&text, false).ok_or_else(bad),
        DateFormat::Auto => {
            if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.') {
                let millis = text.split('.').next().unwrap_or("").len() > 11;
                return unix(&text, millis).ok_or_else(bad);
            }
            iso(&text)
                .or_else(|| slashed(&text, true))
                .ok_or_else(|| {
                    format!("`{text}` is not a date this mapping can read (expected Unix seconds, ISO 8601, YYYY-MM-DD HH:MM:SS or dd/mm/yyyy)")
                })
        }
    }
}

fn unix(text: &str, millis: bool) -> Option<Parsed> {
    let n = crate::number::parse_f64(text)?;
    let ms = if millis { n } else { n * 1000.0 };
    Timestamp::from_millisecond(ms as i64)
        .ok()
        .map(Parsed::Instant)
}

fn iso(text: &str) -> Option<Parsed> {
    if let Some(ts) = iso8601::timestamp(text) {
        return Some(Parsed::Instant(ts));
    }
    if text.len() > 10 {
        return iso8601::datetime(text).map(Parsed::Civil);
    }
    iso8601::date(text).map(Parsed::Day)
}

/// `dd/mm/yyyy [HH:MM[:SS]]` (day first) or `mm/dd/yyyy` (`day_first = false`).
fn slashed(text: &str, day_first: bool) -> Option<Parsed> {
    let (date_part, time_part) = match text.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let parts: Vec<&str> = date_part.split(['/', '-', '.']).collect();
    let [a, b, y] = parts.as_slice() else {
        return None;
    };
    let (d, m) = if day_first { (a, b) } else { (b, a) };
    let (d, m, y): (i8, i8, i16) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    if y < 1000 {
        return None;
    }
    let date = Date::new(y, m, d).ok()?;
    match time_part {
        None => Some(Parsed::Day(date)),
        Some(t) => {
            let nums: Vec<i8> = t
                .split(':')
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            let (h, mi, s) = match nums.as_slice() {
                [h, mi] => (*h, *mi, 0),
                [h, mi, s] => (*h, *mi, *s),
                _ => return None,
            };
            Some(Parsed::Civil(date.at(h, mi, s, 0)))
        }
    }
}

/// `30m`, `4h`, `2d`, `1w` after `now` (Unix seconds), as UTC ISO 8601.
pub fn after(now_unix: i64, span: &str) -> Result<String, String> {
    let seconds = parse_span(span)?;
    Timestamp::from_second(now_unix.saturating_add(seconds))
        .map(|ts| ts.to_string())
        .map_err(|_| out_of_range(&format!("{span} after {now_unix}")))
}

/// Seconds in `30m`, `4h`, `2d`, `1w`.
pub fn parse_span(span: &str) -> Result<i64, String> {
    let span = span.trim();
    let bad = || format!("`{span}` is not a duration: write a number and m, h, d or w (e.g. `2d`)");
    let (digits, unit) = span.split_at(span.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let unit_seconds = match unit {
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    n.checked_mul(unit_seconds).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn c(v: Value, f: DateFormat, z: Option<&str>, o: DateOutput) -> String {
        convert(&v, f, z, o).unwrap()
    }

    #[test]
    fn unix_seconds_and_millis() {
        assert_eq!(
            c(json!(1700000000), DateFormat::Auto, None, DateOutput::Auto),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            c(
                json!("1700000000000"),
                DateFormat::Auto,
                None,
                DateOutput::Auto
            ),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            c(
                json!("1700000000"),
                DateFormat::Unix,
                Some("Europe/Paris"),
                DateOutput::Date
            ),
            "2023-11-14"
        );
    }

    #[test]
    fn civil_times_take_the_zone_with_daylight_saving() {
        // Paris is UTC+2 in July, UTC+1 in January.
        assert_eq!(
            c(
                json!("2026-07-01 10:00:00"),
                DateFormat::Auto,
                Some("Europe/Paris"),
                DateOutput::Auto
            ),
            "2026-07-01T08:00:00Z"
        );
        assert_eq!(
            c(
                json!("2026-01-15 10:00:00"),
                DateFormat::YmdHms,
                Some("Europe/Paris"),
                DateOutput::Auto
            ),
            "2026-01-15T09:00:00Z"
        );
        assert_eq!(
            c(
                json!("15/01/2026 10:30"),
                DateFormat::Auto,
                Some("Indian/Reunion"),
                DateOutput::Auto
            ),
            "2026-01-15T06:30:00Z"
        );
    }

    #[test]
    fn skipped_and_repeated_times_and_dates_where_the_zone_is() {
        let paris = |t: &str| {
            c(
                json!(t),
                DateFormat::Auto,
                Some("Europe/Paris"),
                DateOutput::Auto,
            )
        };
        assert_eq!(paris("2026-03-29 02:30:00"), "2026-03-29T01:30:00Z");
        assert_eq!(paris("2026-10-25 02:30:00"), "2026-10-25T00:30:00Z");
        assert_eq!(
            c(
                json!("2026-01-15T21:30:00Z"),
                DateFormat::Auto,
                Some("Indian/Reunion"),
                DateOutput::Date
            ),
            "2026-01-16"
        );
    }

    #[test]
    fn dates_stay_dates() {
        assert_eq!(
            c(json!("25/09/1990"), DateFormat::Dmy, None, DateOutput::Auto),
            "1990-09-25"
        );
        assert_eq!(
            c(json!("09/25/1990"), DateFormat::Mdy, None, DateOutput::Auto),
            "1990-09-25"
        );
        assert_eq!(
            c(
                json!("1990-09-25"),
                DateFormat::Auto,
                None,
                DateOutput::Auto
            ),
            "1990-09-25"
        );
        assert_eq!(
            c(
                json!("1990-09-25"),
                DateFormat::Ymd,
                Some("Europe/Paris"),
                DateOutput::Datetime
            ),
            "1990-09-24T22:00:00Z"
        );
    }

    #[test]
    fn iso_with_offset_is_a_moment() {
        assert_eq!(
            c(
                json!("2021-06-23T03:30:00+05:30"),
                DateFormat::Iso8601,
                None,
                DateOutput::Auto
            ),
            "2021-06-22T22:00:00Z"
        );
    }

    #[test]
    fn bad_dates_and_zones_explain_themselves() {
        assert!(convert(
            &json!("31/02/2026"),
            DateFormat::Dmy,
            None,
            DateOutput::Auto
        )
        .unwrap_err()
        .contains("dmy"));
        assert!(
            convert(&json!("soon"), DateFormat::Auto, None, DateOutput::Auto)
                .unwrap_err()
                .contains("ISO 8601")
        );
        assert!(convert(
            &json!("2026-01-01"),
            DateFormat::Auto,
            Some("Mars/Base"),
            DateOutput::Auto
        )
        .unwrap_err()
        .contains("time zone"));
    }

    #[test]
    fn spans() {
        assert_eq!(after(1_700_000_000, "2d").unwrap(), "2023-11-16T22:13:20Z");
        assert_eq!(parse_span("30m"), Ok(1800));
        assert!(parse_span("2 days").is_err());
        assert!(parse_span("d").is_err());
    }
}
