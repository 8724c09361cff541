//! `unparsed`: a line no format understood, kept raw (in the envelope's
//! `raw`) with the reason, so nothing is ever dropped and an operator can
//! query what the pipeline could not type.
//!
//! | column | type | notes |
//! |--------|------|-------|
//! | `parse_error` | string | `<log_type tried>: <why>`, or why nothing matched |

use schemars::JsonSchema;
use serde::Serialize;

use super::{Format, ParseError, ParseResult, Signature};
use crate::pseudonym::scrub::Scrub;
use crate::value::Str;

/// Fields of an `unparsed` record (the envelope's `raw` carries the line).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Unparsed<'a> {
    /// Why no parser accepted the line.
    #[schemars(with = "String")]
    pub parse_error: Str<'a>,
}

/// The format of lines no other format took; never sniffed, never parsed into.
pub struct UnparsedFormat;

impl Format for UnparsedFormat {
    type Body<'a> = Unparsed<'a>;
    type Header = ();

    fn parse<'a>(_: &(), _line: &'a str) -> ParseResult<Unparsed<'a>> {
        Err(ParseError::fixed("log_type unparsed was requested"))
    }

    fn pseudonymise(u: &mut Unparsed<'_>, s: &mut Scrub<'_>) {
        if let Some(text) = s.rewrite(&u.parse_error) {
            u.parse_error = Str::Owned(text);
        }
    }

    fn alert_signature<'b>(u: &'b Unparsed<'_>, raw: Option<&'b str>) -> Option<Signature<'b>> {
        Some(Signature {
            module: "".into(),
            message: raw.unwrap_or(u.parse_error.as_ref()).to_owned(),
            identity: Vec::new(),
        })
    }

    fn alert_headline(u: &Unparsed<'_>) -> Option<String> {
        Some(format!("unparsed line: {}", u.parse_error))
    }

    fn alert_details(
        u: &Unparsed<'_>,
        raw: Option<&str>,
        field: &mut dyn FnMut(&str, Option<&str>),
    ) {
        field("Parse error", Some(u.parse_error.as_ref()));
        field("Line", raw);
    }
}
