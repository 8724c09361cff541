//! # logwrangler
//!
//! The pure core of the logwrangler pipeline: it turns one log event (a line,
//! or a JSON message) from a Pexip Infinity node or an AWS service into one
//! typed record (docs/ARCHITECTURE.md §4), decides its log_type (source mapping, then
//! content sniffing), its event time and severity, and exports the JSON Schema of
//! every record type. No I/O and no AWS SDK: the Lambdas and the CLI are the
//! shell around it.
//!
//! ```
//! use logwrangler::{EventContext, LineParser};
//!
//! let mut parser = LineParser::default();
//! let line = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
//! let record = parser.parse_line(line, &EventContext::default()).into_record().unwrap();
//! assert_eq!(record.log_type().as_str(), "vpc_flow");
//! assert!(record.to_json().contains(r#""dstport":22"#));
//! ```

pub mod alert;
pub mod app_api;
pub mod detect;
pub mod error;
pub mod formats;
pub mod gzip;
pub mod parser;
pub mod partition;
pub mod pseudonym;
pub mod record;
pub mod registry;
pub mod schema;
pub mod severity;
pub mod subscription;
pub mod summary;
pub mod text;
pub mod time;
pub mod value;

pub use detect::SourceConfig;
pub use error::ConfigError;
pub use parser::{EventContext, Line, LineParser};
pub use pseudonym::Pseudonymiser;
pub use record::{LogType, Record, Severity};
pub use severity::Rules;
