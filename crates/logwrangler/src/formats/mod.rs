//! One module per log format, each with its field table, its parser and its
//! tests (the layout of Vector's VRL stdlib).
//!
//! A format parser is a pure function from one line (already valid UTF-8) to a
//! typed body plus the event time found in the line, or a [`ParseError`] that
//! says what did not fit. Parsers never panic: the caller turns an error into an
//! `unparsed` record.

use std::borrow::Cow;
use std::fmt;

use crate::record::Body;
use crate::time::Millis;

pub mod alb;
pub mod app;
pub mod cloudfront;
pub mod cloudtrail;
pub mod elb_classic;
pub mod lambda_platform;
pub mod pexip_audit;
pub mod pexip_support;
pub mod pexip_web;
pub mod s3_access;
pub mod vpc_flow;

/// What a format parser returns for a line it accepted.
#[derive(Debug, Clone)]
pub struct Parsed<'a> {
    /// The typed fields.
    pub body: Body<'a>,
    /// The event time written in the line, when the format carries one.
    pub time: Option<Millis>,
}

impl<'a> Parsed<'a> {
    /// A parsed body with its event time.
    pub fn new(body: Body<'a>, time: Option<Millis>) -> Self {
        Parsed { body, time }
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
pub type ParseResult<'a> = Result<Parsed<'a>, ParseError>;
