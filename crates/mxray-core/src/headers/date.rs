//! RFC 5322 §3.3 dates, with the obsolete forms of §4.3 that real MTAs still write:
//! two- and three-digit years, zone names (`UT`, `GMT`, `EST` … `PDT`), military zone
//! letters (taken as `-0000`, as §4.3 advises), missing seconds, missing day names,
//! fractional seconds, comments such as `(UTC)` or `(PDT)`, and `GMT+0100`-style zones.
//! No clock: the result is unix seconds plus the offset as written.

use serde::Serialize;

use crate::x509::{civil_from_days, days_from_civil};

/// A date read from a header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageDate {
    /// Seconds since 1970-01-01 UTC.
    pub unix: i64,
    /// The zone offset in minutes east of UTC; `None` for `-0000` and military letters
    /// (RFC 5322: the local time zone is unknown; the time is taken as UTC).
    pub offset_minutes: Option<i32>,
}

impl MessageDate {
    /// RFC 3339 in UTC: `2026-11-22T13:05:09Z`.
    pub fn rfc3339(&self) -> String {
        let days = self.unix.div_euclid(86_400);
        let rem = self.unix.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
    }
}

const MONTHS: [&str; 12] =
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Offset in minutes of a zone written as a name or a military letter; `Some(None)` for
/// zones that mean "unknown" (`-0000`, military letters).
fn named_zone(zone: &str) -> Option<Option<i32>> {
    let z = zone.to_ascii_uppercase();
    let hours = match z.as_str() {
        "UT" | "UTC" | "GMT" | "Z" => 0,
        "EDT" => -4,
        "EST" | "CDT" => -5,
        "CST" | "MDT" => -6,
        "MST" | "PDT" => -7,
        "PST" => -8,
        _ if z.len() == 1 && z.as_bytes()[0].is_ascii_alphabetic() && z != "J" => return Some(None),
        _ => return None,
    };
    Some(Some(hours * 60))
}

/// `+hhmm`, `-hhmm`, `+hh:mm`, also after `GMT`/`UTC`; `Some(None)` for `-0000`.
fn numeric_zone(zone: &str) -> Option<Option<i32>> {
    let zone = zone.strip_prefix("GMT").or_else(|| zone.strip_prefix("UTC")).unwrap_or(zone);
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|&c| c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = if digits.len() == 4 { digits[2..].parse().ok()? } else { 0 };
    if h > 23 || m > 59 {
        return None;
    }
    if sign < 0 && h == 0 && m == 0 {
        return Some(None);
    }
    Some(Some(sign * (h * 60 + m)))
}

/// Parses an RFC 5322 date-time (`Sun, 22 Nov 2026 13:05:09 +0100 (CET)`), tolerating the
/// obsolete forms listed in the module doc. `None` if it is not a date.
pub fn parse_date(text: &str) -> Option<MessageDate> {
    // Drop comments, then split into words on whitespace and commas.
    let mut plain = String::with_capacity(text.len());
    let mut depth = 0u32;
    for c in text.chars() {
        match c {
            '(' => depth = depth.saturating_add(1),
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let mut words = plain.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).peekable();
    if words
        .peek()
        .is_some_and(|w| w.get(..3).is_some_and(|d| DAYS.contains(&d.to_ascii_lowercase().as_str())))
    {
        words.next();
    }
    let first = words.next()?;
    // "22 Nov 2026" or, as a few MTAs write, "Nov 22 2026".
    let (day, month) = if first.bytes().all(|b| b.is_ascii_digit()) {
        (first, words.next()?)
    } else {
        let day = words.next()?;
        (day, first)
    };
    let day: i64 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month_l = month.get(..3)?.to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| *m == month_l)? as i64 + 1;
    let year_text = words.next()?;
    if !year_text.bytes().all(|b| b.is_ascii_digit()) || year_text.len() > 4 {
        return None;
    }
    let mut year: i64 = year_text.parse().ok()?;
    // RFC 5322 §4.3: two digits are 1950-2049; three digits add 1900.
    year = match year_text.len() {
        2 if year < 50 => year + 2000,
        2 => year + 1900,
        3 => year + 1900,
        _ => year,
    };
    let time = words.next()?;
    let mut parts = time.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let s: i64 = match parts.next() {
        Some(sec) => sec.split('.').next()?.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let offset = match words.next() {
        Some(zone) => numeric_zone(zone).or_else(|| named_zone(zone))?,
        // No zone at all: unknown, taken as UTC.
        None => None,
    };
    let days = days_from_civil(year, month, day);
    let unix = days * 86_400 + h * 3600 + m * 60 + s - i64::from(offset.unwrap_or(0)) * 60;
    Some(MessageDate { unix, offset_minutes: offset })
}
