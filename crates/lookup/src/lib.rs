//! The lookups of logwrangler's summary table (docs/ARCHITECTURE.md §7): the
//! six access patterns an operator asks about, each one DynamoDB Query.
//!
//! The `logwrangler lookup ...` commands, the read API Lambda and the local
//! demo all go through this crate, so they answer with the same items in the
//! same JSON shape:
//!
//! - [`pattern`]: what is asked ([`Lookup`]), over which time [`Window`],
//!   and the Query that answers it ([`pattern::Plan`]), a pure function;
//! - [`query`]: the seam to DynamoDB ([`Query`]) and the paging over it;
//! - [`dynamo`]: the [`Query`] of the real SDK client;
//! - [`item`]: the one serialiser of items to JSON;
//! - [`cursor`]: the opaque pagination cursor;
//! - [`render`]: the table a person reads in a terminal;
//! - [`html`]: the picture of a session, one self-contained page;
//! - [`api`]: the read API's routes, parameters and answers;
//! - [`table`]: the table definition shared with the CDK stack.

pub mod api;
pub mod cursor;
pub mod dynamo;
pub mod html;
pub mod item;
pub mod pattern;
pub mod query;
pub mod render;
pub mod table;

pub use dynamo::DynamoQuery;
pub use pattern::{Lookup, Window};
pub use query::{Page, Query, fetch};

/// Why a lookup could not be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// A parameter is malformed or does not apply (the API answers 400).
    BadParameter(String),
    /// DynamoDB failed (the API answers 502).
    Dynamo(String),
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::BadParameter(why) => f.write_str(why),
            LookupError::Dynamo(why) => write!(f, "DynamoDB: {why}"),
        }
    }
}

impl std::error::Error for LookupError {}
