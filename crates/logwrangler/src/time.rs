//! Event times: parsing the fixed-width time formats the log sources write, and
//! writing the one form every record uses (`2026-11-24T06:39:00.123Z`).
//!
//! Every source writes a fixed-width layout, so these are byte-position parsers
//! rather than format-string interpreters: they run once per event on the hot
//! path. Times are milliseconds since the Unix epoch, UTC.

use serde::Serializer;

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

const MS_PER_DAY: i64 = 86_400_000;
/// Latest instant we accept (9999-12-31T23:59:59.999Z) so output stays four-digit-year ISO.
const MAX_MILLIS: Millis = 253_402_300_799_999;

/// Days since the epoch of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number since the epoch.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// UTC calendar fields of an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
}

/// Splits an instant into UTC calendar fields.
pub fn to_civil(ms: Millis) -> Civil {
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: (rem / 3_600_000) as u32,
        minute: (rem / 60_000 % 60) as u32,
        second: (rem / 1000 % 60) as u32,
        millis: (rem % 1000) as u32,
    }
}

/// Builds an instant from calendar fields, rejecting impossible values.
pub fn from_civil(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
) -> Option<Millis> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    // Second 60 appears in leap-second-aware sources; fold it into the next second.
    if hour > 23 || minute > 59 || second > 60 || millis > 999 {
        return None;
    }
    let ms = days_from_civil(year, month, day) * MS_PER_DAY
        + i64::from(hour) * 3_600_000
        + i64::from(minute) * 60_000
        + i64::from(second) * 1000
        + i64::from(millis);
    (0..=MAX_MILLIS).contains(&ms).then_some(ms)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Writes `YYYY-MM-DDTHH:MM:SS.mmmZ` (24 bytes).
pub fn format_iso(ms: Millis) -> [u8; 24] {
    let c = to_civil(ms.clamp(0, MAX_MILLIS));
    let mut out = *b"0000-00-00T00:00:00.000Z";
    put_digits(&mut out[0..4], c.year as u32);
    put_digits(&mut out[5..7], c.month);
    put_digits(&mut out[8..10], c.day);
    put_digits(&mut out[11..13], c.hour);
    put_digits(&mut out[14..16], c.minute);
    put_digits(&mut out[17..19], c.second);
    put_digits(&mut out[20..23], c.millis);
    out
}

/// The ISO form as a `String`.
pub fn iso_string(ms: Millis) -> String {
    String::from_utf8_lossy(&format_iso(ms)).into_owned()
}

fn put_digits(slot: &mut [u8], mut value: u32) {
    for byte in slot.iter_mut().rev() {
        *byte = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// serde helper: serialises an instant in the record form.
pub fn serialize_iso<S: Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
    let iso = format_iso(*ms);
    // format_iso writes ASCII digits and separators only.
    s.serialize_str(std::str::from_utf8(&iso).unwrap_or_default())
}

/// The zero-padded partition values (year, month, day, hour) of an instant.
pub fn partition_parts(ms: Millis) -> ([u8; 4], [u8; 2], [u8; 2], [u8; 2]) {
    let iso = format_iso(ms);
    (
        [iso[0], iso[1], iso[2], iso[3]],
        [iso[5], iso[6]],
        [iso[8], iso[9]],
        [iso[11], iso[12]],
    )
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 {
        return None;
    }
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// Parses the fraction digits after the seconds into milliseconds (extra digits truncated).
fn fraction_millis(frac: &[u8]) -> Option<u32> {
    if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut ms = 0;
    for i in 0..3 {
        ms = ms * 10 + frac.get(i).map_or(0, |b| u32::from(b - b'0'));
    }
    Some(ms)
}

/// Parses an ISO 8601 / RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, an optional
/// fraction after `.` or `,`, then `Z`, `±HH:MM`, `±HHMM`, `±HH` or nothing (UTC).
/// A space may stand for the `T` (Pexip's originating time writes one).
pub fn parse_iso8601(s: &str) -> Option<Millis> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    let mut rest = &b[19..];
    let mut millis = 0;
    if let [b'.' | b',', tail @ ..] = rest {
        let end = tail
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(tail.len());
        millis = fraction_millis(&tail[..end])?;
        rest = &tail[end..];
    }
    let offset_minutes: i64 = match rest {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), tz @ ..] => {
            let (h, m) = match tz {
                [h1, h2] => (digits(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?)
                }
                _ => return None,
            };
            let minutes = i64::from(h * 60 + m);
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    let local = from_civil(i64::from(year), month, day, hour, minute, second, millis)?;
    let utc = local - offset_minutes * 60_000;
    (0..=MAX_MILLIS).contains(&utc).then_some(utc)
}

/// Parses the Common Log Format time `06/Feb/2019:00:00:38 +0000` (without brackets).
pub fn parse_clf(s: &str) -> Option<Millis> {
    let b = s.as_bytes();
    if b.len() != 26
        || b[2] != b'/'
        || b[6] != b'/'
        || b[11] != b':'
        || b[14] != b':'
        || b[17] != b':'
        || b[20] != b' '
    {
        return None;
    }
    let day = digits(&b[0..2])?;
    let month = month_from_abbrev(&b[3..6])?;
    let year = digits(&b[7..11])?;
    let hour = digits(&b[12..14])?;
    let minute = digits(&b[15..17])?;
    let second = digits(&b[18..20])?;
    let sign = match b[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let offset = i64::from(digits(&b[22..24])? * 60 + digits(&b[24..26])?) * sign;
    let local = from_civil(i64::from(year), month, day, hour, minute, second, 0)?;
    let utc = local - offset * 60_000;
    (0..=MAX_MILLIS).contains(&utc).then_some(utc)
}

fn month_from_abbrev(m: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let lower = [
        m[0].to_ascii_lowercase(),
        m[1].to_ascii_lowercase(),
        m[2].to_ascii_lowercase(),
    ];
    MONTHS
        .iter()
        .position(|name| **name == lower)
        .map(|i| i as u32 + 1)
}

/// Parses a date `YYYY-MM-DD` and a time `HH:MM:SS[.fff]` given separately (CloudFront).
pub fn parse_date_and_time(date: &str, time: &str) -> Option<Millis> {
    let (d, t) = (date.as_bytes(), time.as_bytes());
    if d.len() != 10 || d[4] != b'-' || d[7] != b'-' || t.len() < 8 || t[2] != b':' || t[5] != b':'
    {
        return None;
    }
    let millis = match &t[8..] {
        [] => 0,
        [b'.', frac @ ..] => fraction_millis(frac)?,
        _ => return None,
    };
    from_civil(
        i64::from(digits(&d[0..4])?),
        digits(&d[5..7])?,
        digits(&d[8..10])?,
        digits(&t[0..2])?,
        digits(&t[3..5])?,
        digits(&t[6..8])?,
        millis,
    )
}

/// An instant from Unix epoch seconds, when in range.
pub fn from_epoch_seconds(seconds: i64) -> Option<Millis> {
    let ms = seconds.checked_mul(1000)?;
    (0..=MAX_MILLIS).contains(&ms).then_some(ms)
}

/// An instant from fractional Unix epoch seconds (auditd's `1551880812.123`).
pub fn from_epoch_fraction(s: &str) -> Option<Millis> {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let secs: i64 = secs
        .parse()
        .ok()
        .filter(|_| secs.bytes().all(|b| b.is_ascii_digit()))?;
    let ms = if frac.is_empty() {
        0
    } else {
        i64::from(fraction_millis(frac.as_bytes())?)
    };
    from_epoch_seconds(secs)?
        .checked_add(ms)
        .filter(|v| *v <= MAX_MILLIS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_four_centuries() {
        for days in (-1000..146_097 * 2).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn formats_with_milliseconds_and_z() {
        assert_eq!(iso_string(0), "1970-01-01T00:00:00.000Z");
        let ms = parse_iso8601("2026-11-24T06:39:00.123Z").unwrap();
        assert_eq!(iso_string(ms), "2026-11-24T06:39:00.123Z");
    }

    #[test]
    fn parses_iso_variants() {
        let base = parse_iso8601("2018-07-02T22:23:00.186Z").unwrap();
        assert_eq!(parse_iso8601("2018-07-02T22:23:00.186641Z"), Some(base));
        assert_eq!(parse_iso8601("2018-07-03T00:23:00.186+02:00"), Some(base));
        assert_eq!(parse_iso8601("2018-07-02T20:23:00.186-0200"), Some(base));
        assert_eq!(parse_iso8601("2018-07-02 22:23:00,186"), Some(base));
        assert_eq!(parse_iso8601("2018-07-02T22:23:00Z"), Some(base - 186));
        assert_eq!(parse_iso8601("2018-02-30T22:23:00Z"), None);
        assert_eq!(parse_iso8601("2018-07-02T22:23:00.Z"), None);
        assert_eq!(parse_iso8601("garbage-in-garbage-out"), None);
    }

    #[test]
    fn parses_common_log_time() {
        assert_eq!(
            iso_string(parse_clf("06/Feb/2019:00:00:38 +0000").unwrap()),
            "2019-02-06T00:00:38.000Z"
        );
        assert_eq!(
            iso_string(parse_clf("06/Feb/2019:01:00:38 +0100").unwrap()),
            "2019-02-06T00:00:38.000Z"
        );
        assert_eq!(parse_clf("06/Fob/2019:00:00:38 +0000"), None);
    }

    #[test]
    fn parses_epoch_forms_and_split_date_time() {
        assert_eq!(
            iso_string(from_epoch_seconds(1_418_530_010).unwrap()),
            "2014-12-14T04:06:50.000Z"
        );
        assert_eq!(
            iso_string(from_epoch_fraction("1551880812.123").unwrap()),
            "2019-03-06T14:00:12.123Z"
        );
        assert_eq!(
            iso_string(parse_date_and_time("2019-12-04", "21:02:31").unwrap()),
            "2019-12-04T21:02:31.000Z"
        );
        assert_eq!(from_epoch_seconds(i64::MAX), None);
    }

    #[test]
    fn partition_parts_are_zero_padded() {
        let ms = parse_iso8601("2026-03-02T05:15:42.118Z").unwrap();
        let (y, m, d, h) = partition_parts(ms);
        assert_eq!((&y, &m, &d, &h), (b"2026", b"03", b"02", b"05"));
    }
}
