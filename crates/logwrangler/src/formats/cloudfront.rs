//! CloudFront standard (legacy) access logs, and Amplify Hosting access logs
//! (the same columns as CSV).
//!
//! CloudFront writes tab-separated values under a `#Fields:` header that names
//! the columns; files older than the current 33 columns have fewer, and
//! standard logging v2 lets users pick them, so the header (kept per source by
//! the caller as [`Columns`]) decides which value is which. Without a header
//! the documented 33-column order applies. Amplify writes one CSV header row
//! (`date,time,x-edge-location,...`) and RFC 4180 rows.
//!
//! | column | type | notes |
//! |---|---|---|
//! | `date` | string | `YYYY-MM-DD` (UTC); with `time` the event time |
//! | `time` | string | `HH:MM:SS` (UTC) when the server finished the response |
//! | `x_edge_location` | string | edge location (`LAX1`, `SEA19-C1`) |
//! | `sc_bytes` | integer | bytes sent to the viewer, headers included |
//! | `c_ip` | string | viewer IP (v4 or v6) |
//! | `cs_method` | string | |
//! | `cs_host` | string | from `cs(Host)`: the distribution's domain |
//! | `cs_uri_stem` | string | path of the request URL; decoded once, like every text column (see Decoding) |
//! | `sc_status` | integer | `000` (viewer closed the connection) gives `0` |
//! | `cs_referer` | string | from `cs(Referer)`; decoded once |
//! | `cs_user_agent` | string | from `cs(User-Agent)`; decoded once (`%20` -> space) |
//! | `cs_uri_query` | string | query string without `?`; decoded once (the viewer's own escapes survive) |
//! | `cs_cookie` | string | from `cs(Cookie)` (cookie logging only); decoded once |
//! | `x_edge_result_type` | string | `Hit`, `Miss`, `Error`, ... |
//! | `x_edge_request_id` | string | |
//! | `x_host_header` | string | Host header the viewer sent |
//! | `cs_protocol` | string | `http`, `https`, `ws`, `wss` |
//! | `cs_bytes` | integer | bytes the viewer sent, headers included |
//! | `time_taken` | float | seconds |
//! | `x_forwarded_for` | string | |
//! | `ssl_protocol`, `ssl_cipher` | string | |
//! | `x_edge_response_result_type` | string | |
//! | `cs_protocol_version` | string | `HTTP/2.0` |
//! | `fle_status` | string | field-level encryption status |
//! | `fle_encrypted_fields` | integer | number of field-level encrypted fields |
//! | `c_port` | integer | viewer port |
//! | `time_to_first_byte` | float | seconds |
//! | `x_edge_detailed_result_type` | string | |
//! | `sc_content_type` | string | decoded once (`text/html;%20charset=utf-8`) |
//! | `sc_content_len` | integer | |
//! | `sc_range_start`, `sc_range_end` | integer | |
//! | `extra` | map of string | columns this version does not know, by normalised header name (`timestamp(ms)` -> `timestamp_ms`); values beyond the header's columns as `column_<n>` (1-based) |
//!
//! Header names are normalised to snake_case: lower-cased, `-` and `(` turned
//! into `_`, `)` dropped (`cs(User-Agent)` -> `cs_user_agent`).
//! A layout without `date`/`time` (standard logging v2 lets users drop them)
//! takes the event time from its `timestamp` (epoch seconds) or
//! `timestamp(ms)` column, kept in `extra`.
//!
//! Decoding: the CloudFront docs say log files "contain URL-encoded equivalents
//! for spaces and certain other characters in field values" (RFC 1738: bytes
//! 0-32 and 127 and up, the backtick, and `< > " # % { } | \ ^ ~ [ ] '`), for
//! every field, and `%` itself is among them. So every text value, `cs_uri_stem`
//! and `cs_uri_query` included, is percent-decoded exactly once, which restores
//! what the viewer sent (a client's own `%20` in a query arrives as `%2520` and
//! comes out as `%20`). Old files that encoded twice (`Mozilla/5.0%2520(...)`)
//! keep one level. Numbers are read as written.
//!
//! Empty values and `-` are null, and for this type null columns are left out of
//! the JSON object: the header decides which columns a file has. A trailing tab
//! adds no column. Amplify rows: quoted CSV fields are unquoted (`""` -> `"`),
//! and a backslash before a non-alphanumeric character is dropped (copies of the
//! format in circulation escape `(` and `=` as `\(` `\=`; CloudFront encodes a
//! real backslash as `%5C`, so no value loses one).

use std::borrow::Cow;
use std::sync::LazyLock;

use schemars::JsonSchema;
use serde::Serialize;

use super::{Format, ParseError, ParseResult, Parsed, Sniff, prefix};
use crate::pseudonym::scrub::{Kind, Rule, Scrub};
use crate::text::{nullable, opt_f64, opt_i64, percent_decode};
use crate::time::Millis;
use crate::value::{Fields, Str};

macro_rules! columns {
    ($($variant:ident => $name:literal,)*) => {
        /// One column of a CloudFront/Amplify layout.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Column {
            $(#[doc = concat!("`", $name, "`")] $variant,)*
            /// A column this version does not know: index into the layout's extra names.
            Extra(usize),
        }

        /// The documented columns with their normalised names, in the documented order.
        const KNOWN: &[(&str, Column)] = &[$(($name, Column::$variant),)*];
    };
}

columns! {
    Date => "date",
    Time => "time",
    XEdgeLocation => "x_edge_location",
    ScBytes => "sc_bytes",
    CIp => "c_ip",
    CsMethod => "cs_method",
    CsHost => "cs_host",
    CsUriStem => "cs_uri_stem",
    ScStatus => "sc_status",
    CsReferer => "cs_referer",
    CsUserAgent => "cs_user_agent",
    CsUriQuery => "cs_uri_query",
    CsCookie => "cs_cookie",
    XEdgeResultType => "x_edge_result_type",
    XEdgeRequestId => "x_edge_request_id",
    XHostHeader => "x_host_header",
    CsProtocol => "cs_protocol",
    CsBytes => "cs_bytes",
    TimeTaken => "time_taken",
    XForwardedFor => "x_forwarded_for",
    SslProtocol => "ssl_protocol",
    SslCipher => "ssl_cipher",
    XEdgeResponseResultType => "x_edge_response_result_type",
    CsProtocolVersion => "cs_protocol_version",
    FleStatus => "fle_status",
    FleEncryptedFields => "fle_encrypted_fields",
    CPort => "c_port",
    TimeToFirstByte => "time_to_first_byte",
    XEdgeDetailedResultType => "x_edge_detailed_result_type",
    ScContentType => "sc_content_type",
    ScContentLen => "sc_content_len",
    ScRangeStart => "sc_range_start",
    ScRangeEnd => "sc_range_end",
}

/// The column layout of a CloudFront or Amplify source: which field each
/// value position holds. Built once per header, then used for every line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    order: Vec<Column>,
    /// Normalised names of the columns this version does not know.
    extra_names: Vec<String>,
}

static DEFAULT_ORDER: LazyLock<Columns> = LazyLock::new(|| Columns {
    order: KNOWN.iter().map(|&(_, c)| c).collect(),
    extra_names: Vec::new(),
});

impl Columns {
    /// The documented 33-column layout, for lines without a header.
    pub fn default_order() -> &'static Columns {
        &DEFAULT_ORDER
    }

    /// The layout of a `#Fields: date time ...` header line; `None` for any other line.
    pub fn from_fields_header(line: &str) -> Option<Columns> {
        let names = line.strip_prefix("#Fields:")?;
        Columns::from_names(names.split_ascii_whitespace())
    }

    /// The layout of an Amplify CSV header row (`date,time,x-edge-location,...`);
    /// `None` for a data row or anything that is not a list of column names.
    pub fn from_csv_header(line: &str) -> Option<Columns> {
        // Cheap exit for data rows (called on each row of a mapped source): they start with a date.
        if !line
            .trim_start_matches('"')
            .starts_with(|c: char| c.is_ascii_alphabetic())
        {
            return None;
        }
        let is_name = |name: &str| {
            name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_()\\".contains(&b))
        };
        if Csv::new(line).count() < 2 || !Csv::new(line).all(|name| is_name(&name)) {
            return None;
        }
        let columns = Columns::from_names(Csv::new(line))?;
        // A row of words that names no CloudFront column is not this header.
        columns
            .order
            .iter()
            .any(|c| !matches!(c, Column::Extra(_)))
            .then_some(columns)
    }

    fn from_names(names: impl Iterator<Item = impl AsRef<str>>) -> Option<Columns> {
        let mut columns = Columns {
            order: Vec::new(),
            extra_names: Vec::new(),
        };
        for name in names {
            let name = normalise(name.as_ref());
            let column = match KNOWN.iter().find(|(known, _)| *known == name) {
                Some(&(_, column)) => column,
                None => {
                    columns.extra_names.push(name);
                    Column::Extra(columns.extra_names.len() - 1)
                }
            };
            columns.order.push(column);
        }
        (!columns.order.is_empty()).then_some(columns)
    }

    /// The columns in value order.
    pub fn order(&self) -> &[Column] {
        &self.order
    }
}

/// `cs(User-Agent)` -> `cs_user_agent`, `x-edge-location` -> `x_edge_location`,
/// `cs\(Host)` -> `cs_host`.
fn normalise(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            '\\' | ')' => None,
            '-' | '(' => Some('_'),
            c => Some(c.to_ascii_lowercase()),
        })
        .collect()
}

/// A CloudFront standard log entry or an Amplify access log row. Columns the
/// source does not have, and null values, are left out of the JSON object.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct CloudFront<'a> {
    /// Date of the event, `YYYY-MM-DD` (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Str<'a>>,
    /// Time the server finished responding, `HH:MM:SS` (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Str<'a>>,
    /// Edge location that served the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_edge_location: Option<Str<'a>>,
    /// Bytes the server sent to the viewer, headers included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sc_bytes: Option<i64>,
    /// IP address of the viewer (or of its proxy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub c_ip: Option<Str<'a>>,
    /// HTTP method of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs_method: Option<Str<'a>>,
    /// Domain name of the CloudFront distribution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs_host: Option<Str<'a>>,
    /// Path of the request URL (decoded once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs_uri_stem: Option<Str<'a>>,
    /// HTTP status of the response; 0 when the viewer closed the connection first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sc_status: Option<i64>,
    /// Referer header of the request (decoded once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs_referer: Option<Str<'a>>,
    /// User-Agent header of the request (decoded once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs_user_agent: Option<Str<'a>>,
    /// Query string of the request URL, without `?` (decoded once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs_uri_query: Option<Str<'a>>,
    /// Cookie header of the request (decoded once; cookie logging only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs_cookie: Option<Str<'a>>,
    /// How the server classified the response after the last byte (`Hit`, `Miss`, `Error`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_edge_result_type: Option<Str<'a>>,
    /// Opaque id of the request (the `x-amz-cf-id` response header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_edge_request_id: Option<Str<'a>>,
    /// Host header the viewer sent (an alternate domain name when used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_host_header: Option<Str<'a>>,
    /// Protocol of the viewer request (`http`, `https`, `ws`, `wss`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs_protocol: Option<Str<'a>>,
    /// Bytes the viewer sent, headers included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs_bytes: Option<i64>,
    /// Seconds from receiving the request to writing the last byte of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_taken: Option<f64>,
    /// Address of the viewer when it came through a proxy or load balancer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_forwarded_for: Option<Str<'a>>,
    /// TLS protocol negotiated with the viewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_protocol: Option<Str<'a>>,
    /// TLS cipher negotiated with the viewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_cipher: Option<Str<'a>>,
    /// How the server classified the response just before returning it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_edge_response_result_type: Option<Str<'a>>,
    /// HTTP version of the viewer request (`HTTP/2.0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs_protocol_version: Option<Str<'a>>,
    /// Field-level encryption outcome for the request body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fle_status: Option<Str<'a>>,
    /// Number of fields field-level encryption encrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fle_encrypted_fields: Option<i64>,
    /// Port of the viewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub c_port: Option<i64>,
    /// Seconds from receiving the request to writing the first byte of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_first_byte: Option<f64>,
    /// Detailed result type (`OriginDnsError`, `MissGeneratedResponse`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_edge_detailed_result_type: Option<Str<'a>>,
    /// Content-Type of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sc_content_type: Option<Str<'a>>,
    /// Content-Length of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sc_content_len: Option<i64>,
    /// First byte of a range response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sc_range_start: Option<i64>,
    /// Last byte of a range response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sc_range_end: Option<i64>,
    /// Columns this version does not know, by normalised header name.
    #[serde(default, skip_serializing_if = "Fields::is_empty")]
    pub extra: Fields<'a>,
}

/// Parses one tab-separated CloudFront entry laid out as `columns`.
pub fn parse<'a>(line: &'a str, columns: &Columns) -> ParseResult<CloudFront<'a>> {
    if line.contains('\t') {
        build(line.split('\t').map(Cow::Borrowed), columns)
    } else {
        // Values never hold a raw space (CloudFront encodes it), so a copy whose
        // tabs were turned into spaces still splits unambiguously.
        build(
            line.split(' ').filter(|v| !v.is_empty()).map(Cow::Borrowed),
            columns,
        )
    }
}

/// Parses one Amplify CSV row laid out as `columns`.
pub fn parse_amplify<'a>(line: &'a str, columns: &Columns) -> ParseResult<CloudFront<'a>> {
    build(Csv::new(line).map(strip_backslashes), columns)
}

fn build<'a>(
    values: impl Iterator<Item = Str<'a>>,
    columns: &Columns,
) -> ParseResult<CloudFront<'a>> {
    let mut entry = CloudFront::default();
    for (position, value) in values.enumerate() {
        if nullable(&value).is_none() {
            continue;
        }
        match columns.order.get(position) {
            Some(&column) => entry.set(column, value, columns),
            None => entry.extra.insert(
                Cow::Owned(format!("column_{}", position + 1)),
                decoded(value),
            ),
        }
    }
    let time = event_time(&entry, columns)?;
    Ok(Parsed::new(entry, time))
}

/// `date` + `time` when the layout has them (then they must be valid: the line
/// is something else otherwise), else the v2 `timestamp` / `timestamp(ms)` columns.
fn event_time(entry: &CloudFront<'_>, columns: &Columns) -> Result<Option<Millis>, ParseError> {
    if columns
        .order
        .iter()
        .any(|c| matches!(c, Column::Date | Column::Time))
    {
        let (date, time) = (
            entry.date.as_deref().unwrap_or("-"),
            entry.time.as_deref().unwrap_or("-"),
        );
        return crate::time::parse_date_and_time(date, time)
            .map(Some)
            .ok_or_else(|| {
                ParseError::new(format!(
                    "date {date:?} and time {time:?} are not YYYY-MM-DD and HH:MM:SS"
                ))
            });
    }
    if let Some(ms) = entry
        .extra
        .get("timestamp_ms")
        .and_then(|v| v.parse::<i64>().ok())
    {
        return Ok(
            crate::time::from_epoch_seconds(ms.div_euclid(1000)).map(|s| s + ms.rem_euclid(1000))
        );
    }
    Ok(entry
        .extra
        .get("timestamp")
        .and_then(crate::time::from_epoch_fraction))
}

impl<'a> CloudFront<'a> {
    /// Stores a non-null value: numbers as written, text decoded once.
    fn set(&mut self, column: Column, value: Str<'a>, columns: &Columns) {
        match column {
            Column::ScBytes => self.sc_bytes = opt_i64(&value),
            Column::ScStatus => self.sc_status = opt_i64(&value),
            Column::CsBytes => self.cs_bytes = opt_i64(&value),
            Column::TimeTaken => self.time_taken = opt_f64(&value),
            Column::FleEncryptedFields => self.fle_encrypted_fields = opt_i64(&value),
            Column::CPort => self.c_port = opt_i64(&value),
            Column::TimeToFirstByte => self.time_to_first_byte = opt_f64(&value),
            Column::ScContentLen => self.sc_content_len = opt_i64(&value),
            Column::ScRangeStart => self.sc_range_start = opt_i64(&value),
            Column::ScRangeEnd => self.sc_range_end = opt_i64(&value),
            Column::Extra(i) => {
                let name = columns
                    .extra_names
                    .get(i)
                    .map_or_else(|| format!("extra_{i}"), Clone::clone);
                self.extra.insert(Cow::Owned(name), decoded(value));
            }
            text => {
                if let Some(slot) = self.text_slot(text) {
                    *slot = Some(decoded(value));
                }
            }
        }
    }

    /// The field of a text column.
    fn text_slot(&mut self, column: Column) -> Option<&mut Option<Str<'a>>> {
        Some(match column {
            Column::Date => &mut self.date,
            Column::Time => &mut self.time,
            Column::XEdgeLocation => &mut self.x_edge_location,
            Column::CIp => &mut self.c_ip,
            Column::CsMethod => &mut self.cs_method,
            Column::CsHost => &mut self.cs_host,
            Column::CsUriStem => &mut self.cs_uri_stem,
            Column::CsReferer => &mut self.cs_referer,
            Column::CsUserAgent => &mut self.cs_user_agent,
            Column::CsUriQuery => &mut self.cs_uri_query,
            Column::CsCookie => &mut self.cs_cookie,
            Column::XEdgeResultType => &mut self.x_edge_result_type,
            Column::XEdgeRequestId => &mut self.x_edge_request_id,
            Column::XHostHeader => &mut self.x_host_header,
            Column::CsProtocol => &mut self.cs_protocol,
            Column::XForwardedFor => &mut self.x_forwarded_for,
            Column::SslProtocol => &mut self.ssl_protocol,
            Column::SslCipher => &mut self.ssl_cipher,
            Column::XEdgeResponseResultType => &mut self.x_edge_response_result_type,
            Column::CsProtocolVersion => &mut self.cs_protocol_version,
            Column::FleStatus => &mut self.fle_status,
            Column::XEdgeDetailedResultType => &mut self.x_edge_detailed_result_type,
            Column::ScContentType => &mut self.sc_content_type,
            _ => return None,
        })
    }
}

/// Percent-decodes once; borrows when there is nothing to decode.
fn decoded(value: Str<'_>) -> Str<'_> {
    match value {
        Cow::Borrowed(s) => percent_decode(s),
        Cow::Owned(s) => match percent_decode(&s) {
            Cow::Owned(d) => Cow::Owned(d),
            Cow::Borrowed(_) => Cow::Owned(s),
        },
    }
}

/// Drops a backslash that stands before a non-alphanumeric character (`\(` -> `(`).
fn strip_backslashes(value: Str<'_>) -> Str<'_> {
    if !value.contains('\\') {
        return value;
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        let escapes = c == '\\' && chars.peek().is_some_and(|next| !next.is_alphanumeric());
        if !escapes {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// RFC 4180 fields of one CSV line: `"a,b"` quoted, `""` inside quotes for `"`.
/// Text after a closing quote and before the next comma is dropped; an
/// unterminated quote runs to the end of the line.
struct Csv<'a> {
    rest: Option<&'a str>,
}

impl<'a> Csv<'a> {
    fn new(line: &'a str) -> Self {
        Csv { rest: Some(line) }
    }
}

impl<'a> Iterator for Csv<'a> {
    type Item = Str<'a>;

    fn next(&mut self) -> Option<Str<'a>> {
        let s = self.rest?;
        let Some(body) = s.strip_prefix('"') else {
            let end = memchr::memchr(b',', s.as_bytes());
            self.rest = end.map(|i| &s[i + 1..]);
            return Some(Cow::Borrowed(&s[..end.unwrap_or(s.len())]));
        };
        let bytes = body.as_bytes();
        let (mut from, mut doubled) = (0, false);
        let end = loop {
            match memchr::memchr(b'"', &bytes[from..]).map(|i| i + from) {
                Some(at) if bytes.get(at + 1) == Some(&b'"') => (from, doubled) = (at + 2, true),
                Some(at) => break at,
                None => break body.len(),
            }
        };
        let after = body.get(end + 1..).unwrap_or("");
        self.rest = memchr::memchr(b',', after.as_bytes()).map(|i| &after[i + 1..]);
        let value = &body[..end];
        Some(if doubled {
            Cow::Owned(value.replace("\"\"", "\""))
        } else {
            Cow::Borrowed(value)
        })
    }
}

/// CloudFront standard logs: the [`Format`] of this module. The `#Fields`
/// header sets the column order of the lines after it.
pub struct CloudFrontFormat;

impl Format for CloudFrontFormat {
    type Body<'a> = CloudFront<'a>;
    type Header = Option<Columns>;

    fn sniff(line: &str) -> Sniff {
        let b = line.as_bytes();
        if b.starts_with(b"#Fields:") || b.starts_with(b"#Version:") {
            Sniff::Header
        } else if prefix::date_time_separator(b) == Some(b'\t') {
            Sniff::Line
        } else {
            Sniff::No
        }
    }

    fn header(columns: &mut Option<Columns>, line: &str) -> bool {
        // Every `#` line is a header (`#Version` too); only `#Fields` sets columns.
        if !line.starts_with('#') {
            return false;
        }
        if let Some(found) = Columns::from_fields_header(line) {
            *columns = Some(found);
        }
        true
    }

    fn parse<'a>(columns: &Option<Columns>, line: &'a str) -> ParseResult<CloudFront<'a>> {
        parse(line, columns.as_ref().unwrap_or(Columns::default_order()))
    }

    fn pseudonymise(c: &mut CloudFront<'_>, s: &mut Scrub<'_>) {
        s.set(&mut c.c_ip, Rule::AnyIp);
        s.list(&mut c.x_forwarded_for, Rule::AnyIp);
        s.set(&mut c.cs_cookie, Rule::Token(Kind::Id));
        s.query(&mut c.cs_uri_query);
        s.url(&mut c.cs_referer);
    }

    fn alert_source<'b>(c: &'b CloudFront<'_>) -> Option<&'b str> {
        c.cs_host.as_deref().or(c.x_host_header.as_deref())
    }
}

/// Amplify Hosting access logs: CSV rows with CloudFront's columns, their
/// order set by the CSV header row.
pub struct AmplifyFormat;

impl Format for AmplifyFormat {
    type Body<'a> = CloudFront<'a>;
    type Header = Option<Columns>;

    fn sniff(line: &str) -> Sniff {
        let b = line.as_bytes();
        if prefix::date_time_separator(b) == Some(b',') {
            Sniff::Line
        } else if b.starts_with(b"date,time,x-edge-location") {
            Sniff::Header
        } else {
            Sniff::No
        }
    }

    fn header(columns: &mut Option<Columns>, line: &str) -> bool {
        match Columns::from_csv_header(line) {
            Some(found) => {
                *columns = Some(found);
                true
            }
            None => false,
        }
    }

    fn parse<'a>(columns: &Option<Columns>, line: &'a str) -> ParseResult<CloudFront<'a>> {
        parse_amplify(line, columns.as_ref().unwrap_or(Columns::default_order()))
    }

    fn pseudonymise(c: &mut CloudFront<'_>, s: &mut Scrub<'_>) {
        CloudFrontFormat::pseudonymise(c, s)
    }

    fn alert_source<'b>(c: &'b CloudFront<'_>) -> Option<&'b str> {
        CloudFrontFormat::alert_source(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::iso_string;

    const HEADER: &str = "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";
    const LINE: &str = "2019-12-13\t22:36:27\tSEA19-C1\t900\t192.0.2.200\tGET\td111111abcdef8.cloudfront.net\t/favicon.ico\t502\thttp://www.example.com/\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36\t-\t-\tError\t1pkpNfBQ39sYMnjjUQjmH2w1wdJnbHYTbag21o_3OfcQgPzdL2RSSQ==\twww.example.com\thttp\t675\t0.102\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t25260\t0.102\tOriginDnsError\ttext/html\t507\t-\t-";

    fn entry(parsed: ParseResult<CloudFront<'_>>) -> (CloudFront<'_>, Option<String>) {
        let Parsed { body, time } = parsed.unwrap();
        (body, time.map(iso_string))
    }

    #[test]
    fn header_names_normalise_and_default_order_has_33_columns() {
        let columns = Columns::from_fields_header(HEADER).unwrap();
        assert_eq!(&columns, Columns::default_order());
        assert_eq!(columns.order().len(), 33);
        assert_eq!(columns.order()[6], Column::CsHost);
        assert_eq!(columns.order()[10], Column::CsUserAgent);
        assert_eq!(normalise("cs\\(Referer)"), "cs_referer");
        assert_eq!(normalise("timestamp(ms)"), "timestamp_ms");
        assert!(Columns::from_fields_header("#Version: 1.0").is_none());
        assert!(Columns::from_fields_header("#Fields:").is_none());
    }

    #[test]
    fn parses_every_documented_column() {
        let (e, time) = entry(parse(LINE, Columns::default_order()));
        assert_eq!(time.as_deref(), Some("2019-12-13T22:36:27.000Z"));
        assert_eq!(
            (e.date.as_deref(), e.time.as_deref()),
            (Some("2019-12-13"), Some("22:36:27"))
        );
        assert_eq!(e.x_edge_location.as_deref(), Some("SEA19-C1"));
        assert_eq!(e.sc_bytes, Some(900));
        assert_eq!(e.c_ip.as_deref(), Some("192.0.2.200"));
        assert_eq!(e.cs_method.as_deref(), Some("GET"));
        assert_eq!(e.cs_host.as_deref(), Some("d111111abcdef8.cloudfront.net"));
        assert_eq!(e.cs_uri_stem.as_deref(), Some("/favicon.ico"));
        assert_eq!(e.sc_status, Some(502));
        assert_eq!(e.cs_referer.as_deref(), Some("http://www.example.com/"));
        assert_eq!(
            e.cs_user_agent.as_deref(),
            Some(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36"
            )
        );
        assert_eq!((&e.cs_uri_query, &e.cs_cookie), (&None, &None));
        assert_eq!(e.x_edge_result_type.as_deref(), Some("Error"));
        assert_eq!(
            e.x_edge_request_id.as_deref(),
            Some("1pkpNfBQ39sYMnjjUQjmH2w1wdJnbHYTbag21o_3OfcQgPzdL2RSSQ==")
        );
        assert_eq!(e.x_host_header.as_deref(), Some("www.example.com"));
        assert_eq!(e.cs_protocol.as_deref(), Some("http"));
        assert_eq!(e.cs_bytes, Some(675));
        assert_eq!(e.time_taken, Some(0.102));
        assert_eq!(
            (&e.x_forwarded_for, &e.ssl_protocol, &e.ssl_cipher),
            (&None, &None, &None)
        );
        assert_eq!(e.x_edge_response_result_type.as_deref(), Some("Error"));
        assert_eq!(e.cs_protocol_version.as_deref(), Some("HTTP/1.1"));
        assert_eq!((&e.fle_status, e.fle_encrypted_fields), (&None, None));
        assert_eq!(e.c_port, Some(25260));
        assert_eq!(e.time_to_first_byte, Some(0.102));
        assert_eq!(
            e.x_edge_detailed_result_type.as_deref(),
            Some("OriginDnsError")
        );
        assert_eq!(e.sc_content_type.as_deref(), Some("text/html"));
        assert_eq!(e.sc_content_len, Some(507));
        assert_eq!((e.sc_range_start, e.sc_range_end), (None, None));
        assert!(e.extra.is_empty());
        assert!(
            matches!(e.cs_host, Some(Cow::Borrowed(_))),
            "values without escapes are borrowed"
        );

        let json = serde_json::to_value(&e).unwrap();
        let object = json.as_object().unwrap();
        assert!(
            !object.contains_key("cs_uri_query") && !object.contains_key("extra"),
            "nulls are left out"
        );
        assert_eq!(json["sc_status"], 502);
        assert_eq!(json["time_taken"], 0.102);
    }

    #[test]
    fn trailing_tab_short_lines_and_extra_values() {
        let trailing_tab = format!("{LINE}\t");
        let (e, _) = entry(parse(&trailing_tab, Columns::default_order()));
        assert!(
            e.extra.is_empty(),
            "a trailing tab adds nothing: {:?}",
            e.extra
        );
        assert_eq!(e.sc_content_len, Some(507));

        let longer = format!("{LINE}\tnew-value\t-");
        let (e, _) = entry(parse(&longer, Columns::default_order()));
        assert_eq!(e.extra.get("column_34"), Some("new-value"));
        assert_eq!(e.extra.len(), 1);

        let short = LINE.split('\t').take(18).collect::<Vec<_>>().join("\t");
        let (e, time) = entry(parse(&short, Columns::default_order()));
        assert_eq!(time.as_deref(), Some("2019-12-13T22:36:27.000Z"));
        assert_eq!(e.cs_bytes, Some(675));
        assert_eq!((e.time_taken, e.c_port), (None, None));
    }

    #[test]
    fn old_18_column_header_double_encoding_and_spaces_for_tabs() {
        let columns = Columns::from_fields_header(
            "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes",
        )
        .unwrap();
        assert_eq!(columns.order().len(), 18);
        let line = "2014-04-28  09:59:49    LHR50   1658497 212.95.254.154  GET d11bmwv5kte7kk.cloudfront.net   /user-fsac5u7q/videos/2014-04-03/1-OptiGrill-TV-AD-OK_.mp4  206 http://vidzor.com/media/projects/MR4CoTBKd7_.html?t=201404251321&embed=true Mozilla/5.0%2520(Windows%2520NT%25206.2;%2520WOW64)%2520AppleWebKit/537.36%2520(KHTML,%2520like%2520Gecko)%2520Chrome/34.0.1847.116%2520Safari/537.36   -   -   Hit Pz-E4NGyogTStvPI1N9HQeJtiULC-zB00Zmpe_CfeexP18FKMO5IXA==    65.cdn.vidzor.com   http    827";
        let (e, time) = entry(parse(line, &columns));
        assert_eq!(time.as_deref(), Some("2014-04-28T09:59:49.000Z"));
        assert_eq!(e.sc_status, Some(206));
        assert_eq!(
            e.cs_user_agent.as_deref().map(|ua| &ua[..20]),
            Some("Mozilla/5.0%20(Windo")
        );
        assert_eq!(e.x_host_header.as_deref(), Some("65.cdn.vidzor.com"));
        assert_eq!(e.cs_bytes, Some(827));
        assert_eq!(e.time_taken, None);
    }

    #[test]
    fn custom_v2_layout_with_unknown_columns() {
        let columns =
            Columns::from_fields_header("#Fields: timestamp(ms) c-ip cs-uri-query asn sc-status")
                .unwrap();
        let (e, time) = entry(parse(
            "1700000000123\t2001:db8::1\ta=b%2520c&d=%26\t16509\t000",
            &columns,
        ));
        assert_eq!(time.as_deref(), Some("2023-11-14T22:13:20.123Z"));
        assert_eq!(e.c_ip.as_deref(), Some("2001:db8::1"));
        assert_eq!(e.cs_uri_query.as_deref(), Some("a=b%20c&d=&"));
        assert_eq!(e.sc_status, Some(0));
        assert_eq!(e.extra.get("asn"), Some("16509"));
        assert_eq!(e.extra.get("timestamp_ms"), Some("1700000000123"));

        let columns = Columns::from_fields_header("#Fields: timestamp c-ip").unwrap();
        let (_, time) = entry(parse("1700000000.5\t1.2.3.4", &columns));
        assert_eq!(time.as_deref(), Some("2023-11-14T22:13:20.500Z"));
    }

    #[test]
    fn rejects_lines_whose_date_and_time_do_not_fit() {
        for line in [
            "",
            "garbage",
            "2019-12-13",
            "2019-12-13\tnoon\tLAX1",
            "2019-13-45\t22:36:27",
        ] {
            assert!(parse(line, Columns::default_order()).is_err(), "{line:?}");
        }
    }

    #[test]
    fn amplify_header_rows_and_markdown_escapes() {
        let header = "date,time,x-edge-location,sc-bytes,c-ip,cs-method,cs\\(Host),cs-uri-stem,sc-status,cs\\(Referer),cs\\(User-Agent),cs-uri-query,cs\\(Cookie),x-edge-result-type,x-edge-request-id,x-host-header,cs-protocol,cs-bytes,time-taken,x-forwarded-for,ssl-protocol,ssl-cipher,x-edge-response-result-type,cs-protocol-version,fle-status,fle-encrypted-fields,c-port,time-to-first-byte,x-edge-detailed-result-type,sc-content-type,sc-content-len,sc-range-start,sc-range-end";
        let columns = Columns::from_csv_header(header).unwrap();
        assert_eq!(&columns, Columns::default_order());
        let row = "2023-10-01,01:37:18,SEA19-C1,560,18.236.255.84,GET,d1lmvuoxf479y0.cloudfront.net,/,301,-,Mozilla/5.0%20\\(X11;%20Linux%20x86_64)%20AppleWebKit/537.36%20\\(KHTML%20like%20Gecko)%20Chrome/83.0.4103.97%20Safari/537.36,-,-,Redirect,pncucQUqE1_UKpdP71t2RYTH3OHWzMJAA7OUFLQD1621Pxip_bnlww\\=\\=,danse.tech,http,177,0.000,-,-,-,Redirect,HTTP/1.1,-,-,12975,0.000,Redirect,text/html,167,-,-";
        assert!(
            Columns::from_csv_header(row).is_none(),
            "a data row is not a header"
        );
        assert!(Columns::from_csv_header("hello,world").is_none());
        let (e, time) = entry(parse_amplify(row, &columns));
        assert_eq!(time.as_deref(), Some("2023-10-01T01:37:18.000Z"));
        assert_eq!(e.sc_status, Some(301));
        assert_eq!(
            e.cs_user_agent.as_deref(),
            Some(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML like Gecko) Chrome/83.0.4103.97 Safari/537.36"
            )
        );
        assert_eq!(
            e.x_edge_request_id.as_deref(),
            Some("pncucQUqE1_UKpdP71t2RYTH3OHWzMJAA7OUFLQD1621Pxip_bnlww==")
        );
        assert_eq!(e.x_host_header.as_deref(), Some("danse.tech"));
        assert_eq!(
            (e.time_taken, e.c_port, e.sc_content_len),
            (Some(0.0), Some(12975), Some(167))
        );
    }

    #[test]
    fn amplify_quoted_csv_fields() {
        let row = "2023-10-01,01:36:53,SEA19-C1,10140,54.185.186.235,GET,host,/a,200,-,\"Mozilla/5.0%20(KHTML,%20like%20Gecko) \"\"x\"\"\",\"q=1,2\",-";
        let (e, _) = entry(parse_amplify(row, Columns::default_order()));
        assert_eq!(
            e.cs_user_agent.as_deref(),
            Some("Mozilla/5.0 (KHTML, like Gecko) \"x\"")
        );
        assert_eq!(e.cs_uri_query.as_deref(), Some("q=1,2"));
        assert_eq!(e.cs_cookie, None);
        let fields: Vec<_> = Csv::new("a,\"b,c\",,\"unterminated").collect();
        assert_eq!(fields, vec!["a", "b,c", "", "unterminated"]);
        assert_eq!(Csv::new("").collect::<Vec<_>>(), vec![""]);
        assert_eq!(
            strip_backslashes(Cow::Borrowed(r"a\(b\=\=\n\")),
            r"a(b==\n\"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(line in r#"\PC{0,40}|2019-12-04\t21:02:31(\t[^\t]{0,6}){0,36}|2023-10-01,01:36:53(,("[^"]{0,6}"?|[^,]{0,6})){0,36}"#) {
            let _ = parse(&line, Columns::default_order());
            let _ = parse_amplify(&line, Columns::default_order());
            let _ = Columns::from_csv_header(&line);
            let _ = Columns::from_fields_header(&line);
        }
    }
}
