//! STUB: to be replaced by the real parser.

use schemars::JsonSchema;
use serde::Serialize;

use super::{ParseError, ParseResult};
use crate::record::Str;

/// STUB
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VpcFlow<'a> {
    /// STUB
    pub stub: Option<Str<'a>>,
}

/// STUB
#[derive(Debug, Clone)]
pub struct Format;

impl Format {
    /// STUB
    pub fn default_v2() -> &'static Format {
        &Format
    }
    /// STUB
    pub fn from_header(_line: &str) -> Option<Format> {
        None
    }
    /// STUB
    pub fn from_config(_spec: &str) -> Result<Format, ParseError> {
        Err(ParseError::fixed("not implemented"))
    }
}

/// STUB
pub fn parse<'a>(_line: &'a str, _format: &Format) -> ParseResult<'a> {
    Err(ParseError::fixed("not implemented"))
}
