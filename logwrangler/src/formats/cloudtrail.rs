//! STUB: to be replaced by the real parser.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{ParseError, ParseResult};
use crate::record::Str;

/// STUB
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CloudTrail<'a> {
    /// STUB
    pub stub: Option<Str<'a>>,
}

/// STUB
pub fn is_cloudtrail(_object: &Map<String, Value>) -> bool {
    false
}

/// STUB
pub fn from_object(_object: Map<String, Value>) -> ParseResult<'static> {
    Err(ParseError::fixed("not implemented"))
}
