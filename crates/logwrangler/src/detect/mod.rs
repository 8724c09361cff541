//! Deciding a line's log_type: the source mapping first (log-group patterns from
//! configuration, [`source`]), then cheap content sniffing on byte prefixes
//! ([`sniff`](mod@sniff)).

pub mod sniff;
pub mod source;

pub use sniff::{Sniffed, sniff};
pub use source::{SourceConfig, SourceConfigFile, SourceRule, SourceTarget};
