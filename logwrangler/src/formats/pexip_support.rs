//! STUB: to be replaced by the real parser.

use schemars::JsonSchema;
use serde::Serialize;

use super::{ParseError, ParseResult};
use crate::record::Str;

/// STUB
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PexipSupport<'a> {
    /// STUB
    pub node: Str<'a>,
    /// STUB
    pub level: Str<'a>,
    /// STUB
    pub name: Str<'a>,
    /// STUB
    pub message: Option<Str<'a>>,
    /// STUB
    pub fields: crate::record::Fields<'a>,
}

/// STUB
pub fn parse(_line: &str) -> ParseResult<'_> {
    Err(ParseError::fixed("not implemented"))
}
