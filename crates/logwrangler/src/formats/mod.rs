//! One module per log format, each the whole truth of its format (the layout
//! of Vector's VRL stdlib): the field table in its docs, the body type, the
//! parser, and one [`Format`] implementation that tells the rest of the
//! pipeline everything else it needs to know (how to recognise a line, its
//! header lines, its natural severity, its personal data, what an alert about
//! it shows). [`crate::registry`] lists the formats; nothing else names them
//! one by one (docs/ARCHITECTURE.md §5).
//!
//! A format parser is a pure function from one line (already valid UTF-8) to a
//! typed body plus the event time found in the line, or a [`ParseError`] that
//! says what did not fit. Parsers never panic: the caller turns an error into an
//! `unparsed` record.

use std::borrow::Cow;
use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::pseudonym::scrub::Scrub;
use crate::time::Millis;
use crate::value::{Severity, Str};

pub mod alb;
pub mod app;
pub mod cloudfront;
pub mod cloudtrail;
pub mod elb_classic;
pub mod lambda_platform;
pub mod pexip_audit;
pub mod pexip_support;
pub mod pexip_web;
pub mod prefix;
pub mod s3_access;
pub mod unparsed;
pub mod vpc_flow;

/// Everything the pipeline knows about one log format. Only [`Format::parse`]
/// is required: every other item has the answer of a format that has no
/// headers, no JSON shape, no level of its own, no personal data and nothing
/// special to say in an alert.
///
/// The implementing type is a marker (`AlbFormat`); the record body is
/// [`Format::Body`]. Every method is a pure function.
pub trait Format {
    /// The typed fields of one record of this format.
    type Body<'a>: Serialize + JsonSchema + fmt::Debug + Clone;

    /// What header lines (CloudFront `#Fields`, a VPC field list) configure
    /// for the lines after them, per source; `()` for formats without headers.
    type Header: fmt::Debug + Clone + Default;

    /// A cheap look at the first bytes of a line whose log group the source
    /// mapping does not name: is it a line, or a header line, of this format?
    /// Never allocates; the registry asks the formats in its order and the
    /// first one that answers wins, so a sniff must be specific.
    fn sniff(_line: &str) -> Sniff {
        Sniff::No
    }

    /// Consumes a header line into `header`; true when `line` was one.
    fn header(_header: &mut Self::Header, _line: &str) -> bool {
        false
    }

    /// Parses one line (JSON formats: one JSON object as text).
    fn parse<'a>(header: &Self::Header, line: &'a str) -> ParseResult<Self::Body<'a>>;

    /// JSON formats: true when a JSON object is of this format (by its keys).
    /// Content sniffing offers every JSON object line to the formats in
    /// registry order.
    fn claims_object(_object: &Map<String, Value>) -> bool {
        false
    }

    /// JSON formats: the body of an object this format claimed.
    fn from_object(_object: Map<String, Value>) -> ParseResult<Self::Body<'static>> {
        Err(ParseError::fixed("this format does not read JSON objects"))
    }

    /// The level a record states about itself, before rules.
    fn natural_severity(_body: &Self::Body<'_>) -> Severity {
        Severity::Info
    }

    /// The body's own `account_id` column: the CloudWatch owner fills it when
    /// the line has none, and the envelope then does not write the key twice.
    fn account_id<'b, 'a>(_body: &'b mut Self::Body<'a>) -> Option<&'b mut Option<Str<'a>>> {
        None
    }

    /// Replaces personal data in place (see [`crate::pseudonym`] for what and why).
    fn pseudonymise(_body: &mut Self::Body<'_>, _scrub: &mut Scrub<'_>) {}

    /// Who produced the record, as an alert names it (the node, the load
    /// balancer, the bucket); `None` lets the log group stand in.
    fn alert_source<'b>(_body: &'b Self::Body<'_>) -> Option<&'b str> {
        None
    }

    /// What identifies the problem a record reports, for the alert's dedupe
    /// fingerprint; `None`: the body without its time and id columns.
    /// `raw` is the line as received, when kept.
    fn alert_signature<'b>(
        _body: &'b Self::Body<'_>,
        _raw: Option<&'b str>,
    ) -> Option<Signature<'b>> {
        None
    }

    /// The alert's one-line summary; `None`: `<log_type> event`.
    fn alert_headline(_body: &Self::Body<'_>) -> Option<String> {
        None
    }

    /// The alert body's type-specific lines: `field(label, value)` for each.
    fn alert_details(
        _body: &Self::Body<'_>,
        _raw: Option<&str>,
        _field: &mut dyn FnMut(&str, Option<&str>),
    ) {
    }

    /// Narrows the Athena query an alert suggests: `add(column, value)` for
    /// each filter (it returns false for a value it cannot use). Returns
    /// whether the filters narrow the query enough; `None`: filter on the log
    /// group.
    fn athena_narrowing(
        _body: &Self::Body<'_>,
        _add: &mut dyn FnMut(&'static str, Option<&str>) -> bool,
    ) -> Option<bool> {
        None
    }

    /// A severity rule's field lookup straight from the body (the hot Pexip
    /// case); [`FieldLookup::ByName`] finds the field in the record's JSON.
    fn rule_field<'b>(_body: &'b Self::Body<'_>, _name: &str) -> FieldLookup<'b> {
        FieldLookup::ByName
    }
}

/// What a format's sniff concluded about a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniff {
    /// Not this format.
    No,
    /// A line of this format.
    Line,
    /// A header line of this format.
    Header,
}

/// The answer of [`Format::rule_field`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldLookup<'b> {
    /// The field's value as text (`None`: the record has no such field).
    Direct(Option<Cow<'b, str>>),
    /// Look the field up by name in the record as it serialises.
    ByName,
}

/// What identifies the problem an alert reports (see [`Format::alert_signature`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature<'r> {
    /// The module or event name.
    pub module: Cow<'r, str>,
    /// The message, normalised by the alert code before hashing.
    pub message: String,
    /// Identities that separate otherwise equal alerts (an alarm's node).
    pub identity: Vec<&'r str>,
}

/// What a format parser returns for a line it accepted.
#[derive(Debug, Clone)]
pub struct Parsed<B> {
    /// The typed fields.
    pub body: B,
    /// The event time written in the line, when the format carries one.
    pub time: Option<Millis>,
}

impl<B> Parsed<B> {
    /// A parsed body with its event time.
    pub fn new(body: B, time: Option<Millis>) -> Self {
        Parsed { body, time }
    }

    /// The same event time with the body converted (into the registry's `Body`).
    pub fn map<C>(self, f: impl FnOnce(B) -> C) -> Parsed<C> {
        Parsed {
            body: f(self.body),
            time: self.time,
        }
    }
}

/// Why a parser rejected a line; becomes `parse_error` on an `unparsed` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub Cow<'static, str>);

impl ParseError {
    /// An error with a fixed message.
    pub const fn fixed(message: &'static str) -> Self {
        ParseError(Cow::Borrowed(message))
    }

    /// An error with a formatted message.
    pub fn new(message: impl Into<String>) -> Self {
        ParseError(Cow::Owned(message.into()))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

/// The result type of every format parser.
pub type ParseResult<B> = Result<Parsed<B>, ParseError>;

/// One line of JSON text as an object (the JSON formats' `parse`).
pub fn json_object(line: &str) -> Result<Map<String, Value>, ParseError> {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ParseError::fixed("JSON value is not an object")),
        Err(e) => Err(ParseError::new(format!("invalid JSON: {e}"))),
    }
}

/// Joins the present, non-blank parts with `sep` (alert text).
pub fn join_with<'s>(sep: &str, parts: impl IntoIterator<Item = Option<&'s str>>) -> String {
    let parts: Vec<&str> = parts
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    parts.join(sep)
}

/// Joins the present, non-blank parts with spaces (alert text).
pub fn join<'s>(parts: impl IntoIterator<Item = Option<&'s str>>) -> String {
    join_with(" ", parts)
}
