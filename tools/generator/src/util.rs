//! Small building blocks of the generator: the time layouts the sources write,
//! identifiers, and seeded choices. Everything is a pure function of its
//! arguments (and of the generator passed in), so a seed gives one day.

use std::fmt::Write as _;

use fastrand::Rng;
use logwrangler::time::{Civil, to_civil};

/// Milliseconds in one hour.
pub const HOUR_MS: i64 = 3_600_000;
/// Milliseconds in one minute.
pub const MINUTE_MS: i64 = 60_000;
/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

fn month_name(c: &Civil) -> &'static str {
    MONTHS[(c.month as usize).saturating_sub(1) % 12]
}

/// `2026-11-24T06:39:00.123Z`.
pub fn iso_ms(ms: i64) -> String {
    logwrangler::time::iso_string(ms)
}

/// `2026-11-24T06:39:00Z` (CloudTrail).
pub fn iso_seconds(ms: i64) -> String {
    let c = to_civil(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `2026-11-24T06:39:00.123456Z` (ALB: microseconds).
pub fn iso_micros(ms: i64, micros: u32) -> String {
    let c = to_civil(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{:03}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.millis,
        micros % 1000
    )
}

/// Appends the syslog stamp and originating time of a Pexip line:
/// `2026-11-24T06:39:00.124+00:00 <node> 2026-11-24 06:39:00,123`.
pub fn push_pexip_prefix(out: &mut String, syslog_ms: i64, node: &str, originating_ms: i64) {
    push_syslog_time(out, syslog_ms);
    let o = to_civil(originating_ms);
    let _ = write!(
        out,
        " {node} {:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03}",
        o.year, o.month, o.day, o.hour, o.minute, o.second, o.millis
    );
}

/// Appends `2026-11-24T06:39:00.124+00:00`.
pub fn push_syslog_time(out: &mut String, ms: i64) {
    let s = to_civil(ms);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+00:00",
        s.year, s.month, s.day, s.hour, s.minute, s.second, s.millis
    );
}

/// `2026-11-24 06:39:00.123` (the `Time` key of alarm lines).
pub fn alarm_time(ms: i64) -> String {
    let c = to_civil(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis
    )
}

/// `Tue Nov 24 06:38:40 2026` (C `ctime`, day padded with a space).
pub fn ctime(ms: i64) -> String {
    let c = to_civil(ms);
    let weekday = WEEKDAYS[ms.div_euclid(DAY_MS).rem_euclid(7) as usize];
    format!(
        "{weekday} {} {:>2} {:02}:{:02}:{:02} {:04}",
        month_name(&c),
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.year
    )
}

/// `24/Nov/2026:06:39:00 +0000` (Apache and S3 access logs).
pub fn clf_time(ms: i64) -> String {
    let c = to_civil(ms);
    format!(
        "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000",
        c.day,
        month_name(&c),
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// (`2026-11-24`, `06:39:00`) as CloudFront writes them.
pub fn date_and_time(ms: i64) -> (String, String) {
    let c = to_civil(ms);
    (
        format!("{:04}-{:02}-{:02}", c.year, c.month, c.day),
        format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second),
    )
}

/// `2026/11/24` (Lambda log stream names).
pub fn slash_date(ms: i64) -> String {
    let c = to_civil(ms);
    format!("{:04}/{:02}/{:02}", c.year, c.month, c.day)
}

/// The UTC hour of day of an instant.
pub fn hour_of_day(ms: i64) -> u32 {
    to_civil(ms).hour
}

/// A random version 4 UUID.
pub fn uuid(rng: &mut Rng) -> String {
    let a = rng.u64(..);
    let b = rng.u64(..);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// `n` random lower-case hex digits.
pub fn hex(rng: &mut Rng, n: usize) -> String {
    let mut out = String::with_capacity(n);
    for _ in 0..n {
        out.push(char::from_digit(rng.u32(..16), 16).unwrap_or('0'));
    }
    out
}

/// `n` random upper-case letters and digits (S3 request ids, CloudFront ids).
pub fn upper_alnum(rng: &mut Rng, n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n)
        .map(|_| CHARS[rng.usize(..CHARS.len())] as char)
        .collect()
}

/// `n` random characters of the URL-safe base64 alphabet (tokens, host ids).
pub fn token(rng: &mut Rng, n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..n)
        .map(|_| CHARS[rng.usize(..CHARS.len())] as char)
        .collect()
}

/// One element of a non-empty slice.
pub fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// One value of `(value, weight)` pairs, by weight.
pub fn weighted<T: Copy>(rng: &mut Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.u32(..total.max(1));
    for (value, weight) in items {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

/// True with probability `p`.
pub fn chance(rng: &mut Rng, p: f64) -> bool {
    rng.f64() < p
}

/// A uniform integer in `[low, high]`.
pub fn between(rng: &mut Rng, low: i64, high: i64) -> i64 {
    rng.i64(low..=high.max(low))
}

/// Relative traffic per UTC hour of a working day around Europe and the US
/// east coast: quiet nights, a morning ramp, a lunch dip, an evening tail.
pub const WORKDAY_WEIGHTS: [u32; 24] = [
    2, 1, 1, 1, 1, 2, 4, 9, 16, 20, 21, 19, 15, 18, 21, 20, 17, 13, 9, 6, 4, 3, 3, 2,
];

/// A time of the day drawn from hourly weights, epoch ms.
pub fn diurnal(rng: &mut Rng, day_start_ms: i64, weights: &[u32; 24]) -> i64 {
    let hours: Vec<(i64, u32)> = (0..24).map(|h| (h as i64, weights[h])).collect();
    let hour = weighted(rng, &hours);
    day_start_ms + hour * HOUR_MS + rng.i64(0..HOUR_MS)
}

/// `count` scaled linearly, rounded, and never below `min`.
pub fn scaled(base: f64, scale: f64, min: usize) -> usize {
    ((base * scale).round().max(0.0) as usize).max(min)
}

/// A random public-looking IPv4 address from the documentation and a few
/// provider ranges (stable, harmless addresses).
pub fn public_ipv4(rng: &mut Rng) -> String {
    const PREFIXES: [&str; 8] = [
        "185.217.119",
        "204.10.5",
        "140.242.250",
        "81.2.69",
        "92.40.188",
        "151.101.2",
        "62.252.8",
        "86.150.33",
    ];
    format!("{}.{}", pick(rng, &PREFIXES), rng.u8(2..=254))
}

/// A random global IPv6 address inside 2001:db8::/32.
pub fn public_ipv6(rng: &mut Rng) -> String {
    format!(
        "2001:db8:{:x}:{:x}::{:x}:{:x}",
        rng.u16(..),
        rng.u16(1..),
        rng.u16(1..),
        rng.u16(1..)
    )
}

/// A generator for one part of the day, derived from the day's seed and a
/// label, so that changing one part never shifts the others.
pub fn sub_rng(seed: u64, label: &str) -> Rng {
    // FNV-1a over the label, mixed with the seed.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in label.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    Rng::with_seed(seed ^ hash.rotate_left(17))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_795_502_340_123; // 2026-11-24T06:39:00.123Z

    #[test]
    fn time_layouts_match_the_sources() {
        assert_eq!(iso_ms(T), "2026-11-24T06:39:00.123Z");
        assert_eq!(iso_seconds(T), "2026-11-24T06:39:00Z");
        assert_eq!(iso_micros(T, 456), "2026-11-24T06:39:00.123456Z");
        assert_eq!(ctime(T), "Tue Nov 24 06:39:00 2026");
        assert_eq!(clf_time(T), "24/Nov/2026:06:39:00 +0000");
        assert_eq!(alarm_time(T), "2026-11-24 06:39:00.123");
        assert_eq!(slash_date(T), "2026/11/24");
        let mut line = String::new();
        push_pexip_prefix(&mut line, T + 1, "px-conf-01", T);
        assert_eq!(
            line,
            "2026-11-24T06:39:00.124+00:00 px-conf-01 2026-11-24 06:39:00,123"
        );
        assert_eq!(logwrangler::time::parse_iso8601(&iso_micros(T, 7)), Some(T));
    }

    #[test]
    fn identifiers_have_their_shapes() {
        let mut rng = Rng::with_seed(1);
        let id = uuid(&mut rng);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert_eq!(hex(&mut rng, 17).len(), 17);
        assert_ne!(sub_rng(1, "a").u64(..), sub_rng(1, "b").u64(..));
        assert_eq!(scaled(300.0, 0.1, 0), 30);
        assert_eq!(scaled(2.0, 0.1, 1), 1);
    }
}
