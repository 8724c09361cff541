//! STUB: to be replaced by the real parser.

use schemars::JsonSchema;
use serde::Serialize;

use super::{ParseError, ParseResult};
use crate::record::Str;

/// STUB
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CloudFront<'a> {
    /// STUB
    pub stub: Option<Str<'a>>,
}

/// STUB
#[derive(Debug, Clone)]
pub struct Columns;

impl Columns {
    /// STUB
    pub fn default_order() -> &'static Columns {
        &Columns
    }
    /// STUB
    pub fn from_fields_header(_line: &str) -> Option<Columns> {
        None
    }
    /// STUB
    pub fn from_csv_header(_line: &str) -> Option<Columns> {
        None
    }
}

/// STUB
pub fn parse<'a>(_line: &'a str, _columns: &Columns) -> ParseResult<'a> {
    Err(ParseError::fixed("not implemented"))
}

/// STUB
pub fn parse_amplify<'a>(_line: &'a str, _columns: &Columns) -> ParseResult<'a> {
    Err(ParseError::fixed("not implemented"))
}
