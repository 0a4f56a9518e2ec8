//! Named time zones (`Europe/Paris`): the UTC offset a zone has at an instant,
//! and the instant a wall-clock time in that zone means.
//!
//! The offsets come from the platform where it has them: in wasm (the Worker,
//! the browser, Node) from `Intl.DateTimeFormat`, so the wasm carries no
//! time-zone database; natively (tests, benchmarks) from jiff's bundled copy
//! of the IANA database. Everything else, including how a time that a
//! daylight-saving change skips or repeats is read, is decided here, once.

use std::cell::RefCell;

use jiff::civil::DateTime;
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};

/// A zone the platform knows, by name.
#[derive(Debug, Clone)]
pub struct Zone {
    source: platform::ZoneSource,
}

impl Zone {
    /// `None` if the platform does not know `name`. Looked up once per name
    /// and kept: a mapping names the same zone for every event.
    pub fn named(name: &str) -> Option<Zone> {
        KNOWN.with(|known| {
            let mut known = known.borrow_mut();
            if let Some((_, zone)) = known.iter().find(|(n, _)| n == name) {
                return zone.clone();
            }
            let zone = platform::ZoneSource::named(name).map(|source| Zone { source });
            if known.len() >= KEPT_ZONES {
                known.clear();
            }
            known.push((name.to_string(), zone.clone()));
            zone
        })
    }

    /// The zone's offset from UTC at `at`, in seconds.
    pub fn offset_seconds(&self, at: Timestamp) -> Option<i32> {
        self.source.offset_seconds(at)
    }

    /// The instant `wall` means in this zone. Like jiff's and Temporal's
    /// "compatible" reading: a time repeated when clocks go back is its first
    /// occurrence; a time skipped when they go forward is read with the offset
    /// from before the change (02:30 in a 02:00→03:00 gap is 03:30).
    pub fn instant_of(&self, wall: DateTime) -> Result<Timestamp, String> {
        let as_utc = Offset::UTC
            .to_timestamp(wall)
            .map_err(|_| out_of_range(&wall))?;
        // The offsets a day either side: a zone changes at most once in between.
        let offset_at = |at: Result<Timestamp, jiff::Error>| {
            at.ok()
                .and_then(|t| self.offset_seconds(t))
                .ok_or_else(|| out_of_range(&wall))
        };
        let day = SignedDuration::from_hours(24);
        let before = offset_at(as_utc.checked_sub(day))?;
        let after = offset_at(as_utc.checked_add(day))?;
        let shifted = |offset: i32| {
            as_utc
                .checked_sub(SignedDuration::from_secs(i64::from(offset)))
                .map_err(|_| out_of_range(&wall))
        };
        let mut earliest: Option<Timestamp> = None;
        for offset in [before, after] {
            let at = shifted(offset)?;
            if self.offset_seconds(at) == Some(offset) {
                earliest = Some(earliest.map_or(at, |e| e.min(at)));
            }
        }
        // Neither fits: the time is in a gap, read with the offset before it.
        earliest.map_or_else(|| shifted(before), Ok)
    }

    /// `at` as this zone's wall-clock time.
    pub fn wall_time(&self, at: Timestamp) -> Result<DateTime, String> {
        let seconds = self
            .offset_seconds(at)
            .ok_or_else(|| format!("no offset for {at}"))?;
        let offset = Offset::from_seconds(seconds)
            .map_err(|_| format!("the offset {seconds} s at {at} is out of range"))?;
        Ok(offset.to_datetime(at))
    }
}

/// Our own words for jiff's range errors. With date text read by
/// `crate::iso8601`, nothing displays a jiff error, and the wasm carries none of
/// jiff's error texts: one `to_string()` of a jiff error would bring them back.
pub(crate) fn out_of_range(what: &impl std::fmt::Display) -> String {
    format!("`{what}` is out of range")
}

/// How many zone names are kept (a deployment's locations use a handful).
const KEPT_ZONES: usize = 32;

thread_local! {
    static KNOWN: RefCell<Vec<(String, Option<Zone>)>> = const { RefCell::new(Vec::new()) };
}

#[cfg(not(target_arch = "wasm32"))]
mod platform {
    use jiff::tz::TimeZone;
    use jiff::Timestamp;

    /// jiff's bundled IANA database.
    #[derive(Debug, Clone)]
    pub struct ZoneSource(TimeZone);

    impl ZoneSource {
        pub fn named(name: &str) -> Option<ZoneSource> {
            TimeZone::get(name).ok().map(ZoneSource)
        }

        pub fn offset_seconds(&self, at: Timestamp) -> Option<i32> {
            Some(self.0.to_offset(at).seconds())
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod platform {
    use jiff::Timestamp;
    use js_sys::{Array, Function, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    /// An `Intl.DateTimeFormat` for the zone, writing every field as a number.
    #[derive(Debug, Clone)]
    pub struct ZoneSource {
        format: Object,
        format_to_parts: Function,
    }

    impl ZoneSource {
        pub fn named(name: &str) -> Option<ZoneSource> {
            let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
            let constructor: Function = Reflect::get(&intl, &"DateTimeFormat".into())
                .ok()?
                .dyn_into()
                .ok()?;
            let options = Object::new();
            let set = |key: &str, value: &str| Reflect::set(&options, &key.into(), &value.into());
            set("timeZone", name).ok()?;
            set("hourCycle", "h23").ok()?;
            for field in ["year", "month", "day", "hour", "minute", "second"] {
                set(field, "numeric").ok()?;
            }
            let args = Array::of2(&"en-US".into(), &options);
            // An unknown zone is a RangeError, caught here.
            let format: Object = Reflect::construct(&constructor, &args)
                .ok()?
                .dyn_into()
                .ok()?;
            let format_to_parts = Reflect::get(&format, &"formatToParts".into())
                .ok()?
                .dyn_into()
                .ok()?;
            Some(ZoneSource {
                format,
                format_to_parts,
            })
        }

        pub fn offset_seconds(&self, at: Timestamp) -> Option<i32> {
            let seconds = at.as_second();
            let date = js_sys::Date::new(&JsValue::from_f64(seconds as f64 * 1000.0));
            let parts: Array = self
                .format_to_parts
                .call1(&self.format, &date)
                .ok()?
                .dyn_into()
                .ok()?;
            let mut fields = [0i64; 6];
            for part in parts.iter() {
                let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
                let slot = match kind.as_str() {
                    "year" => 0,
                    "month" => 1,
                    "day" => 2,
                    "hour" => 3,
                    "minute" => 4,
                    "second" => 5,
                    _ => continue,
                };
                let value = Reflect::get(&part, &"value".into()).ok()?.as_string()?;
                fields[slot] = value.parse().ok()?;
            }
            let [y, mo, d, h, mi, s] = fields;
            let wall = jiff::civil::DateTime::new(
                i16::try_from(y).ok()?,
                i8::try_from(mo).ok()?,
                i8::try_from(d).ok()?,
                i8::try_from(h).ok()?,
                i8::try_from(mi).ok()?,
                i8::try_from(s).ok()?,
                0,
            )
            .ok()?;
            let wall_as_utc = jiff::tz::Offset::UTC.to_timestamp(wall).ok()?;
            i32::try_from(wall_as_utc.as_second() - seconds).ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use jiff::tz::Disambiguation;
    use jiff::tz::TimeZone;

    /// The reading here against jiff's own, on ordinary times, gaps and folds.
    #[test]
    fn wall_times_read_as_jiff_reads_them() {
        let cases = [
            ("Europe/Paris", date(2026, 3, 29).at(2, 30, 0, 0)), // skipped
            ("Europe/Paris", date(2026, 10, 25).at(2, 30, 0, 0)), // repeated
            ("Europe/Paris", date(2026, 7, 1).at(10, 0, 0, 0)),
            ("America/New_York", date(2026, 3, 8).at(2, 15, 0, 0)),
            ("America/New_York", date(2026, 11, 1).at(1, 30, 0, 0)),
            ("Indian/Reunion", date(2026, 1, 15).at(10, 30, 0, 0)),
            ("Australia/Lord_Howe", date(2026, 4, 5).at(1, 45, 0, 0)), // a 30-minute fold
            ("Pacific/Apia", date(2011, 12, 30).at(12, 0, 0, 0)),      // a skipped day
            ("UTC", date(2026, 1, 1).at(0, 0, 0, 0)),
        ];
        for (name, wall) in cases {
            let zone = Zone::named(name).unwrap();
            let jiffs = TimeZone::get(name)
                .unwrap()
                .to_ambiguous_zoned(wall)
                .disambiguate(Disambiguation::Compatible)
                .unwrap()
                .timestamp();
            assert_eq!(zone.instant_of(wall).unwrap(), jiffs, "{wall} in {name}");
            assert_eq!(
                zone.wall_time(jiffs).unwrap(),
                jiffs.to_zoned(TimeZone::get(name).unwrap()).datetime(),
                "{jiffs} in {name}"
            );
        }
    }

    #[test]
    fn unknown_zones_are_none() {
        assert!(Zone::named("Mars/Base").is_none());
    }
}
