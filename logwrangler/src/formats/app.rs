//! STUB: to be replaced by the real parser.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{ParseError, ParseResult, Parsed};
use crate::record::{Body, Str};

/// STUB
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct App<'a> {
    /// STUB
    pub log_level: Option<Str<'a>>,
}

/// STUB
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Json<'a> {
    /// STUB
    pub attributes: Option<Str<'a>>,
}

/// STUB
pub fn is_app(_object: &Map<String, Value>) -> bool {
    false
}

/// STUB
pub fn from_object(_object: Map<String, Value>) -> ParseResult<'static> {
    Err(ParseError::fixed("not implemented"))
}

/// STUB
pub fn json_from_object(object: Map<String, Value>) -> Parsed<'static> {
    Parsed::new(Body::Json(Json { attributes: Some(Value::Object(object).to_string().into()) }), None)
}
