//! Byte-prefix predicates that several formats' sniffs share (dates, times,
//! the syslog stamp of a Pexip node). Each looks at a bounded prefix and
//! never allocates.

/// `YYYY-MM-DD` at the start.
pub fn is_date(b: &[u8]) -> bool {
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// `HH:MM:SS` at the start.
pub fn is_time(b: &[u8]) -> bool {
    b.len() >= 8
        && b[2] == b':'
        && b[5] == b':'
        && [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit())
}

/// `YYYY-MM-DD<sep>HH:MM:SS` at the start, followed by more: the separator
/// (`T`, a tab, a comma) tells the formats that start with a time apart.
pub fn date_time_separator(b: &[u8]) -> Option<u8> {
    (is_date(b) && b.len() > 19 && is_time(&b[11..])).then(|| b[10])
}

/// A syslog time stamp as Pexip nodes write it: `YYYY-MM-DDTHH:MM:SS.mmm+00:00 `
/// (fraction and offset widths vary a little between collectors).
pub fn is_syslog_time(b: &[u8]) -> bool {
    if !(is_date(b) && b.len() > 20 && b[10] == b'T' && is_time(&b[11..])) {
        return false;
    }
    let Some(space) = memchr::memchr(b' ', &b[19..]).map(|i| i + 19) else {
        return false;
    };
    let tail = &b[19..space];
    // An offset (`+00:00`) tells a syslog stamp from ALB/ELB `...Z` times.
    tail.contains(&b'+') || (tail.len() >= 6 && tail[tail.len() - 6] == b'-')
}

/// The first space-separated word and the rest, when the line has a space.
pub fn first_word(b: &[u8]) -> Option<(&[u8], &[u8])> {
    memchr::memchr(b' ', b).map(|space| (&b[..space], &b[space + 1..]))
}

/// Lambda writes `<iso time> <request id> Task timed out after 3.00 seconds`
/// (or the bare message); it is short, so a bounded substring search is cheap.
pub fn is_lambda_timeout(b: &[u8]) -> bool {
    b.len() < 160 && memchr::memmem::find(b, b"Task timed out after").is_some()
}

/// A UTC time with milliseconds and `Z` at the start, then a space and a
/// one- or two-digit number: a VPC flow record exported from CloudWatch Logs
/// (`<time> <version> <account-id> ...`).
pub fn is_utc_then_small_number(b: &[u8]) -> bool {
    if b.get(23..25) != Some(b"Z ".as_slice()) {
        return false;
    }
    let rest = &b[25..];
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    (1..=2).contains(&digits) && rest.get(digits) == Some(&b' ')
}

/// The Pexip log a syslog-stamped line belongs to, from what follows the
/// time and host: a support line has the originating date
/// `YYYY-MM-DD HH:MM:SS,mmm`, an audit line `node=`/`type=` keys, and a web
/// line an Apache access record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PexipLog {
    /// Support and administrator log.
    Support,
    /// auditd lines.
    Audit,
    /// Web server access lines.
    Web,
}

/// Which Pexip log a line that starts with a time and a host is (see [`PexipLog`]).
pub fn pexip_log(b: &[u8]) -> Option<PexipLog> {
    let host_start = memchr::memchr(b' ', b)? + 1;
    let host_len = memchr::memchr(b' ', &b[host_start..])?;
    let rest = &b[host_start + host_len + 1..];
    if is_date(rest) && rest.get(10) == Some(&b' ') && is_time(&rest[11..]) {
        return Some(PexipLog::Support);
    }
    let head = &rest[..rest.len().min(256)];
    if memchr::memmem::find(head, b"type=").is_some()
        && memchr::memmem::find(rest, b"msg=audit(").is_some()
    {
        return Some(PexipLog::Audit);
    }
    if memchr::memmem::find(head, b" [").is_some() && memchr::memchr(b'"', head).is_some() {
        return Some(PexipLog::Web);
    }
    None
}
