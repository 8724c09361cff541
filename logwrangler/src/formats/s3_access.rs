//! STUB: to be replaced by the real parser.

use schemars::JsonSchema;
use serde::Serialize;

use super::{ParseError, ParseResult};
use crate::record::Str;

/// STUB
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct S3Access<'a> {
    /// STUB
    pub stub: Option<Str<'a>>,
}

/// STUB
pub fn parse(_line: &str) -> ParseResult<'_> {
    Err(ParseError::fixed("not implemented"))
}
