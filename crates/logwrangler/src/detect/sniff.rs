//! Content sniffing: a line's log_type guessed from its first bytes, for lines
//! whose log group the source mapping does not name.

use crate::formats::vpc_flow;
use crate::record::LogType;

/// What content sniffing concluded about a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// A line of this log_type.
    Line(LogType),
    /// A JSON object: the object's keys decide between cloudtrail, lambda_platform, app and json.
    JsonObject,
    /// A header line that configures a parser (CloudFront `#Fields`, Amplify CSV header, VPC field list).
    Header(LogType),
    /// Nothing recognisable.
    Unknown,
}

/// Guesses the format of `line` from its first bytes. Never allocates.
pub fn sniff(line: &str) -> Sniffed {
    let b = line.as_bytes();
    match b.first() {
        None => return Sniffed::Unknown,
        Some(b'{') => return Sniffed::JsonObject,
        Some(b'#') => {
            return if b.starts_with(b"#Fields:") || b.starts_with(b"#Version:") {
                Sniffed::Header(LogType::CloudFront)
            } else {
                Sniffed::Unknown
            };
        }
        _ => {}
    }
    if is_syslog_time(b) {
        return sniff_pexip(b);
    }
    // A syslog stamp written with `Z` looks like an ELB time; a Pexip support line
    // is told apart by the originating date and time after the host.
    if is_date(b)
        && b.get(10) == Some(&b'T')
        && sniff_pexip(b) == Sniffed::Line(LogType::PexipSupport)
    {
        return Sniffed::Line(LogType::PexipSupport);
    }
    if is_date(b) && b.len() > 19 && is_time(&b[11..]) {
        return match b[10] {
            b'\t' => Sniffed::Line(LogType::CloudFront),
            b',' => Sniffed::Line(LogType::AmplifyAccess),
            b'T' => sniff_utc_prefixed(b),
            _ => Sniffed::Unknown,
        };
    }
    if b.starts_with(b"date,time,x-edge-location") {
        return Sniffed::Header(LogType::AmplifyAccess);
    }
    if let Some(space) = memchr::memchr(b' ', b) {
        let first = &b[..space];
        let rest = &b[space + 1..];
        if matches!(
            first,
            b"http" | b"https" | b"h2" | b"grpcs" | b"ws" | b"wss"
        ) && is_date(rest)
        {
            return Sniffed::Line(LogType::Alb);
        }
        if matches!(
            first,
            b"START"
                | b"END"
                | b"REPORT"
                | b"INIT_START"
                | b"INIT_REPORT"
                | b"RESTORE_START"
                | b"RESTORE_REPORT"
                | b"EXTENSION"
                | b"TELEMETRY"
        ) && (rest.starts_with(b"RequestId:")
            || first.starts_with(b"INIT")
            || first.starts_with(b"RESTORE")
            || rest.starts_with(b"Name:"))
        {
            return Sniffed::Line(LogType::LambdaPlatform);
        }
        if first.iter().all(u8::is_ascii_digit) && !first.is_empty() && first.len() <= 2 {
            return Sniffed::Line(LogType::VpcFlow);
        }
        if vpc_flow::starts_like_header(line) && vpc_flow::Format::from_header(line).is_some() {
            return Sniffed::Header(LogType::VpcFlow);
        }
        if is_s3_access(b) {
            return Sniffed::Line(LogType::S3Access);
        }
    }
    if is_lambda_timeout(b) {
        return Sniffed::Line(LogType::LambdaPlatform);
    }
    Sniffed::Unknown
}

/// Lines that start with a UTC time stamp ending in `Z`: Classic ELB entries
/// (microseconds, `Z` at 26), and, with milliseconds (`Z` at 23), Lambda runtime
/// lines (`<time>\t<request id>\t<LEVEL>\t<message>`), Lambda timeouts
/// (`<time> <request id> Task timed out ...`) and VPC flow records exported from
/// CloudWatch Logs (`<time> <version> <account-id> ...`).
fn sniff_utc_prefixed(b: &[u8]) -> Sniffed {
    if b.get(26..28) == Some(b"Z ".as_slice()) {
        return Sniffed::Line(LogType::ElbClassic);
    }
    match b.get(23..25) {
        Some(b"Z\t") => Sniffed::Line(LogType::App),
        Some(b"Z ") if is_lambda_timeout(b) => Sniffed::Line(LogType::LambdaPlatform),
        Some(b"Z ") => {
            let rest = &b[25..];
            let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            if (1..=2).contains(&digits) && rest.get(digits) == Some(&b' ') {
                Sniffed::Line(LogType::VpcFlow)
            } else {
                Sniffed::Line(LogType::ElbClassic)
            }
        }
        _ => Sniffed::Unknown,
    }
}

/// Lambda writes `<iso time> <request id> Task timed out after 3.00 seconds`
/// (or the bare message); it is short, so a bounded substring search is cheap.
fn is_lambda_timeout(b: &[u8]) -> bool {
    b.len() < 160 && memchr::memmem::find(b, b"Task timed out after").is_some()
}

/// `YYYY-MM-DD` at the start.
fn is_date(b: &[u8]) -> bool {
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// `HH:MM:SS` at the start.
fn is_time(b: &[u8]) -> bool {
    b.len() >= 8
        && b[2] == b':'
        && b[5] == b':'
        && [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit())
}

/// A syslog time stamp as Pexip nodes write it: `YYYY-MM-DDTHH:MM:SS.mmm+00:00 `
/// (fraction and offset widths vary a little between collectors).
fn is_syslog_time(b: &[u8]) -> bool {
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

/// After the syslog time and host: a Pexip support line has the originating date
/// `YYYY-MM-DD HH:MM:SS,mmm`, an audit line `node=`/`type=` keys, and a web line
/// an Apache access record.
fn sniff_pexip(b: &[u8]) -> Sniffed {
    let Some(host_start) = memchr::memchr(b' ', b).map(|i| i + 1) else {
        return Sniffed::Unknown;
    };
    let Some(host_len) = memchr::memchr(b' ', &b[host_start..]) else {
        return Sniffed::Unknown;
    };
    let rest = &b[host_start + host_len + 1..];
    if is_date(rest) && rest.get(10) == Some(&b' ') && is_time(&rest[11..]) {
        return Sniffed::Line(LogType::PexipSupport);
    }
    let head = &rest[..rest.len().min(256)];
    if memchr::memmem::find(head, b"type=").is_some()
        && memchr::memmem::find(rest, b"msg=audit(").is_some()
    {
        return Sniffed::Line(LogType::PexipAudit);
    }
    if memchr::memmem::find(head, b" [").is_some() && memchr::memchr(b'"', head).is_some() {
        return Sniffed::Line(LogType::PexipWeb);
    }
    Sniffed::Unknown
}

/// S3 server access logs: `<owner> <bucket> [dd/Mon/yyyy:...` — exactly two
/// fields before the bracketed time (an Apache log has three).
fn is_s3_access(b: &[u8]) -> bool {
    let Some(first) = memchr::memchr(b' ', b) else {
        return false;
    };
    let Some(second) = memchr::memchr(b' ', &b[first + 1..]).map(|i| i + first + 1) else {
        return false;
    };
    let rest = &b[second + 1..];
    rest.len() > 13 && rest[0] == b'[' && rest[3] == b'/' && rest[7] == b'/' && rest[12] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_format_from_its_prefix() {
        let cases = [
            (
                "2026-03-02T10:15:42.118+00:00 px01 2026-03-02 10:15:42,117 Level=\"INFO\" Name=\"x\"",
                Sniffed::Line(LogType::PexipSupport),
            ),
            (
                "2026-03-02T10:15:42.118+00:00 px01 audispd: node=px01 type=USER_LOGIN msg=audit(1551880812.123:42): pid=1",
                Sniffed::Line(LogType::PexipAudit),
            ),
            (
                "2026-03-02T10:15:42.118+00:00 px01 apache2: 10.0.0.1 - - [02/Mar/2026:10:15:42 +0000] \"GET / HTTP/1.1\" 200 5",
                Sniffed::Line(LogType::PexipWeb),
            ),
            (
                "http 2018-07-02T22:23:00.186641Z app/x 1.2.3.4:1 -",
                Sniffed::Line(LogType::Alb),
            ),
            (
                "2015-05-13T23:39:43.945958Z my-lb 1.2.3.4:2817 - 0.1",
                Sniffed::Line(LogType::ElbClassic),
            ),
            (
                "2026-03-02T10:15:42.118Z px01 2026-03-02 10:15:42,117 Level=\"INFO\" Name=\"x\"",
                Sniffed::Line(LogType::PexipSupport),
            ),
            (
                "2019-12-04\t21:02:31\tLAX1\t392",
                Sniffed::Line(LogType::CloudFront),
            ),
            (
                "2023-10-01,01:36:53,SEA19-C1,10140",
                Sniffed::Line(LogType::AmplifyAccess),
            ),
            (
                "date,time,x-edge-location,sc-bytes",
                Sniffed::Header(LogType::AmplifyAccess),
            ),
            ("#Fields: date time", Sniffed::Header(LogType::CloudFront)),
            (
                "2 123456789010 eni-1 - - - - - - - 1 2 - NODATA",
                Sniffed::Line(LogType::VpcFlow),
            ),
            (
                "version account-id interface-id srcaddr",
                Sniffed::Header(LogType::VpcFlow),
            ),
            (
                "instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr",
                Sniffed::Header(LogType::VpcFlow),
            ),
            (
                "2018-09-22T20:29:12.000Z 2 633112549318 eni-d68830d4 - - - - - - - 1537648152 1537648249 - NODATA",
                Sniffed::Line(LogType::VpcFlow),
            ),
            (
                "2019-06-07T19:11:23.562Z c793869b-ee49-115b-a5b6-4fd21e8dedac Task timed out after 3.00 seconds",
                Sniffed::Line(LogType::LambdaPlatform),
            ),
            (
                "2019-06-07T19:11:20.562Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tINFO\tENVIRONMENT VARIABLES",
                Sniffed::Line(LogType::App),
            ),
            (
                "79a5 bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3",
                Sniffed::Line(LogType::S3Access),
            ),
            (
                "START RequestId: c793 Version: $LATEST",
                Sniffed::Line(LogType::LambdaPlatform),
            ),
            ("{\"a\":1}", Sniffed::JsonObject),
            ("hello world", Sniffed::Unknown),
            ("", Sniffed::Unknown),
        ];
        for (line, want) in cases {
            assert_eq!(sniff(line), want, "{line}");
        }
    }
}
