//! ISO 8601 / RFC 3339 text read into jiff's values: `2026-11-14T10:36:12.625Z`,
//! `2026-11-14 10:36:12+01:00`, `20261114T103612`, `2026-11-14`.
//!
//! jiff's own `FromStr` reads the whole Temporal grammar, time-zone annotations
//! included, and so brings its time-zone machinery (TZif and POSIX rules) and
//! every one of its error texts into the wasm: about 39 KB gzip of a Worker that
//! never uses them. The forms read here are the ones payloads, GHL and our own
//! output use; a test reads a corpus of them and of near misses with jiff too
//! and checks both agree. Annotations are read and ignored, as jiff does for
//! these types: a time zone (`[Europe/Paris]`, `[!Europe/Paris]`) or a key and
//! value that is not critical (`[u-ca=iso8601]`); any other is refused.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::Offset;
use jiff::Timestamp;

/// An instant: a date, a time and a UTC offset (`Z` or `±HH[:MM[:SS]]`).
pub fn timestamp(text: &str) -> Option<Timestamp> {
    let parts = Parts::read(text)?;
    let offset = parts.offset?;
    Offset::from_seconds(offset.seconds())
        .ok()?
        .to_timestamp(parts.date.to_datetime(parts.time?))
        .ok()
}

/// Unix milliseconds as `2026-11-18T08:26:40Z` (whole seconds, UTC), for
/// messages people read.
pub fn format_ms(ms: u64) -> String {
    Timestamp::from_second((ms / 1000) as i64)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{ms} ms"))
}

/// A wall-clock date and time. A numeric offset is read and ignored, a `Z` is
/// refused (it names an instant, not a wall-clock time), as jiff does.
pub fn datetime(text: &str) -> Option<DateTime> {
    let parts = Parts::read_civil(text)?;
    Some(
        parts
            .date
            .to_datetime(parts.time.unwrap_or(Time::midnight())),
    )
}

/// A calendar date; a time and offset after it are read and ignored.
pub fn date(text: &str) -> Option<Date> {
    Some(Parts::read_civil(text)?.date)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Utc {
    Zulu,
    Seconds(i32),
}

impl Utc {
    fn seconds(self) -> i32 {
        match self {
            Utc::Zulu => 0,
            Utc::Seconds(s) => s,
        }
    }
}

struct Parts {
    date: Date,
    time: Option<Time>,
    offset: Option<Utc>,
}

impl Parts {
    fn read(text: &str) -> Option<Parts> {
        let mut cursor = Cursor(text.as_bytes());
        let date = cursor.date()?;
        let time = match cursor.peek() {
            Some(b'T' | b't' | b' ') => {
                cursor.skip(1);
                Some(cursor.time()?)
            }
            _ => None,
        };
        // An offset needs a time before it.
        let offset = match (time, cursor.peek()) {
            (Some(_), Some(b'Z' | b'z' | b'+' | b'-')) => Some(cursor.offset()?),
            _ => None,
        };
        while cursor.peek() == Some(b'[') {
            cursor.annotation()?;
        }
        cursor.0.is_empty().then_some(Parts { date, time, offset })
    }

    /// The parts of a wall-clock reading: a `Z` names an instant, so it is
    /// refused (as jiff refuses it for civil dates and times).
    fn read_civil(text: &str) -> Option<Parts> {
        Parts::read(text).filter(|parts| parts.offset != Some(Utc::Zulu))
    }
}

/// Hours, minutes, seconds and nanoseconds as written, not yet checked.
#[derive(Default)]
struct Clock {
    hours: i32,
    minutes: i32,
    seconds: i32,
    nanos: i32,
}

/// The text not read yet.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn skip(&mut self, n: usize) {
        self.0 = &self.0[n.min(self.0.len())..];
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.skip(1);
        }
        found
    }

    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize) -> Option<i32> {
        let digits = self.0.get(..n)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.skip(n);
        Some(digits.iter().fold(0, |v, d| v * 10 + i32::from(d - b'0')))
    }

    /// A sign, `+` or `-`, as `1` or `-1`.
    fn sign(&mut self) -> Option<i32> {
        if self.eat(b'+') {
            Some(1)
        } else if self.eat(b'-') {
            Some(-1)
        } else {
            None
        }
    }

    /// `YYYY-MM-DD` or `YYYYMMDD`, the year also as `±YYYYYY`.
    fn date(&mut self) -> Option<Date> {
        let year = match self.sign() {
            Some(sign) => {
                let year = self.digits(6)?;
                // `-000000` is not a year (ISO 8601 has no negative zero).
                if sign < 0 && year == 0 {
                    return None;
                }
                sign * year
            }
            None => self.digits(4)?,
        };
        let extended = self.eat(b'-');
        let month = self.digits(2)?;
        if extended && !self.eat(b'-') {
            return None;
        }
        let day = self.digits(2)?;
        Date::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .ok()
    }

    /// `HH`, `HH:MM`, `HH:MM:SS[.fff]` or the same without colons. A leap
    /// second (`:60`) reads as `:59`.
    fn time(&mut self) -> Option<Time> {
        let clock = self.clock()?;
        Time::new(
            i8::try_from(clock.hours).ok()?,
            i8::try_from(clock.minutes).ok()?,
            i8::try_from(clock.seconds.min(59)).ok()?,
            clock.nanos,
        )
        .ok()
    }

    /// Two-digit hours, then minutes and seconds if they follow (all with
    /// colons or none), then a fraction of the seconds: a time or an offset.
    fn clock(&mut self) -> Option<Clock> {
        let mut clock = Clock {
            hours: self.digits(2)?,
            ..Clock::default()
        };
        let extended = self.peek() == Some(b':');
        if self.minutes_follow(extended) {
            self.eat(b':');
            clock.minutes = self.digits(2)?;
            if self.minutes_follow(extended) {
                self.eat(b':');
                clock.seconds = self.digits(2)?;
                if matches!(self.peek(), Some(b'.' | b',')) {
                    self.skip(1);
                    clock.nanos = self.fraction()?;
                }
            }
        }
        Some(clock)
    }

    /// Whether the next two-digit field follows (after a `:` in the extended form).
    fn minutes_follow(&self, extended: bool) -> bool {
        match extended {
            true => self.peek() == Some(b':'),
            false => self.peek().is_some_and(|b| b.is_ascii_digit()),
        }
    }

    /// 1 to 9 digits of a second, as nanoseconds.
    fn fraction(&mut self) -> Option<i32> {
        let len = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=9).contains(&len) {
            return None;
        }
        let value = self.digits(len)?;
        Some(value * 10i32.pow(9 - len as u32))
    }

    /// `Z`, or `±HH`, `±HH:MM`, `±HH:MM:SS` (or without colons).
    fn offset(&mut self) -> Option<Utc> {
        if self.eat(b'Z') || self.eat(b'z') {
            return Some(Utc::Zulu);
        }
        let sign = self.sign()?;
        let Clock {
            hours,
            minutes,
            seconds,
            nanos,
        } = self.clock()?;
        if hours > 25 || minutes > 59 || seconds > 59 {
            return None;
        }
        // A fraction of a second rounds to the nearest second (an instant
        // then refuses an offset past ±25:59:59).
        let rounding = i32::from(nanos >= 500_000_000);
        Some(Utc::Seconds(
            sign * (hours * 3600 + minutes * 60 + seconds + rounding),
        ))
    }

    /// `[Europe/Paris]`, `[!Europe/Paris]`, `[+01:00]` (a time zone) or
    /// `[u-ca=iso8601]` (a key and value, not critical): read and ignored.
    fn annotation(&mut self) -> Option<()> {
        self.skip(1);
        let critical = self.eat(b'!');
        let len = self.0.iter().position(|&b| b == b']')?;
        let inside = &self.0[..len];
        let word = |text: &[u8]| {
            !text.is_empty()
                && text
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"/_-+:.".contains(&b))
        };
        let readable = match inside.iter().position(|&b| b == b'=') {
            // A critical key (`[!u-ca=...]`) must be understood: none is.
            Some(eq) => !critical && word(&inside[..eq]) && word(&inside[eq + 1..]),
            None => word(inside),
        };
        if !readable {
            return None;
        }
        self.skip(len + 1);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Forms people and systems write, and near misses of them.
    fn corpus() -> Vec<String> {
        let dates = [
            "2026-11-14",
            "20261114",
            "2024-02-29",
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-11-31",
            "2026-1-14",
            "2026-11-4",
            "202611-14",
            "2026-1114",
            "+002026-11-14",
            "-000001-01-01",
            "-000000-01-01",
            "+2026-11-14",
            "0000-01-01",
            "9999-12-31",
            "26-11-14",
        ];
        let times = [
            "",
            "T10",
            "T10:36",
            "T10:36:12",
            "T103612",
            "T1036",
            "t10:36:12",
            " 10:36:12",
            "T10:36:12.625",
            "T10:36:12,5",
            "T10:36:12.123456789",
            "T10:36:12.1234567890",
            "T10:36:12.",
            "T24:00:00",
            "T23:59:60",
            "T23:60:00",
            "T10:3612",
            "T1036:12",
            "T10:36:12.625123",
            "T",
            "T1",
            "T10:3",
            "  10:36",
            "T10:36:12 ",
        ];
        let offsets = [
            "",
            "Z",
            "z",
            "+01:00",
            "-05:00",
            "+0100",
            "+01",
            "+01:00:30",
            "+010030",
            "\u{2212}03:00",
            "+25:00",
            "[!u-ca=iso8601]",
            "[u-ca=gregory]",
            "[foo=bar]",
            "[!foo=bar]",
            "[Europe/Paris][u-ca=iso8601]",
            "[a=]",
            "[=b]",
            "[Not A Zone]",
            "+01:00[Mars/Olympus]",
            "[+0100]",
            "+26:00",
            "+01:60",
            "+1",
            "+01:0",
            "Z[Europe/Paris]",
            "+01:00[Europe/Paris]",
            "[Europe/Paris]",
            "+01:00[!Europe/Paris]",
            "[u-ca=iso8601]",
            "+01:00[+01:00]",
            "+01:00[]",
            "+01:00[Europe/Paris",
            "ZZ",
            "+01:00Z",
        ];
        let mut out = Vec::new();
        for d in dates {
            for t in times {
                for o in offsets {
                    out.push(format!("{d}{t}{o}"));
                }
            }
        }
        out.extend(
            [
                "",
                " ",
                "now",
                "T10:36:12Z",
                "99999-01-01",
                "2026-11-14T10:36:12-00:00",
                "2026-11-14T10:36:12+01:00:30.5",
                "2026-11-14T10:36:12+01:00:30.4",
                "2026-11-14T10:36:12+01:00:59.5",
                "2026-11-14T10:36:12+25:59:59.9",
                "2026-11-14T10:36:12+01:00.5",
                "2026-11-14T10:36:12+010030,5",
                "2026-11-14T10:36:12.625+01:00 ",
                "2026-11-14TZ",
                "2026",
                "2026-11",
                "1700000000",
                "2026-11-14T10:36:12.625Z\n",
            ]
            .map(String::from),
        );
        out
    }

    type Read = (Option<Timestamp>, Option<DateTime>, Option<Date>);

    fn both(text: &str) -> (Read, Read) {
        let ours = (timestamp(text), datetime(text), date(text));
        let jiffs = (
            text.parse::<Timestamp>().ok(),
            text.parse::<DateTime>().ok(),
            text.parse::<Date>().ok(),
        );
        (ours, jiffs)
    }

    #[test]
    fn reads_as_jiff_reads() {
        let corpus = corpus();
        assert!(corpus.len() > 10_000);
        let mut differ = Vec::new();
        for text in corpus {
            let (ours, jiffs) = both(&text);
            if ours != jiffs {
                differ.push(format!("{text:?}: ours {ours:?}, jiff {jiffs:?}"));
            }
        }
        assert!(
            differ.is_empty(),
            "{} differ:\n{}",
            differ.len(),
            differ.join("\n")
        );
    }

    proptest::proptest! {
        /// Pieces of dates glued at random: mostly near misses.
        #[test]
        fn glued_pieces_read_as_jiff_reads(pieces in proptest::collection::vec(
            proptest::sample::select(&["2026", "11", "14", "-", ":", "T", " ", "Z", "+01", "00",
                "60", ".", "5", "[", "]", "Europe/Paris", "!", "=", "u-ca", "+", "9"][..]),
            0..12,
        )) {
            let text = pieces.concat();
            let (ours, jiffs) = both(&text);
            proptest::prop_assert_eq!(ours, jiffs, "{:?}", text);
        }
    }
}
