//! Deciding a line's log_type: the source mapping first (log-group patterns from
//! configuration, [`source`]), then cheap content sniffing on byte prefixes
//! (each format's own sniff, asked in registry order: [`sniff`]).

pub mod source;

pub use crate::registry::{Sniffed, sniff};
pub use source::{SourceConfig, SourceConfigFile, SourceRule, SourceTarget};
