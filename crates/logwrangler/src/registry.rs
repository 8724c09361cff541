//! The one list of log formats. Each line names a log_type, the [`Format`]
//! that owns it and how its body is stored; from that list come the
//! [`LogType`] enum, the record [`Body`], content sniffing, header handling,
//! parsing by name, the JSON Schemas and every per-format question the rest
//! of the pipeline asks (severity, pseudonymisation, alert facts). Adding a
//! format is its module under [`crate::formats`] plus one line here
//! (docs/ARCHITECTURE.md §5).
//!
//! The order is the schema order and the sniffing order: the first format
//! whose [`Format::sniff`] answers decides, so where two sniffs could both
//! answer (a Pexip support line whose syslog stamp ends in `Z` also looks like
//! a Classic ELB time) the more specific format comes first. JSON object
//! lines are offered, in the same order, to the formats that claim objects.

use std::borrow::Cow;
use std::fmt;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde::Serialize;
use serde::ser::Serializer;
use serde_json::{Map, Value};

use crate::formats::{
    FieldLookup, Format, ParseError, ParseResult, Parsed, Signature, Sniff, alb, app, cloudfront,
    cloudtrail, elb_classic, lambda_platform, pexip_audit, pexip_support, pexip_web, s3_access,
    unparsed, vpc_flow,
};
use crate::pseudonym::scrub::Scrub;
use crate::value::{Severity, Str};

/// What content sniffing concluded about a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// A line of this log_type.
    Line(LogType),
    /// A JSON object: the object's keys decide its log_type ([`classify_object`]).
    JsonObject,
    /// A header line that configures a parser (CloudFront `#Fields`, Amplify CSV header, VPC field list).
    Header(LogType),
    /// Nothing recognisable.
    Unknown,
}

/// A body stored inline or boxed (the wide formats), so a record stays small
/// to move around whatever its type.
macro_rules! registry {
    (<$lt:lifetime> $($variant:ident => $name:literal: $format:ty, $body:ty, $doc:literal;)*) => {
        /// Every kind of record the pipeline produces; also the first partition key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum LogType { $(#[doc = $doc] $variant,)* }

        impl LogType {
            /// All log types, in schema order.
            pub const ALL: &'static [LogType] = &[$(LogType::$variant,)*];

            /// The name used in records, partition keys, schemas and Glue tables.
            pub const fn as_str(self) -> &'static str {
                match self { $(LogType::$variant => $name,)* }
            }

            /// Parses a log_type name as written in records and configuration.
            pub fn from_name(name: &str) -> Option<LogType> {
                match name { $($name => Some(LogType::$variant),)* _ => None }
            }
        }

        /// The log_type-specific part of a record: one variant per format.
        #[derive(Debug, Clone, Serialize)]
        #[serde(untagged)]
        pub enum Body<$lt> { $(#[doc = $doc] $variant($body),)* }

        /// Each format's header state for one source (one log stream or file).
        #[derive(Debug, Clone, Default)]
        #[allow(non_snake_case)]
        pub struct Headers { $($variant: <$format as Format>::Header,)* }

        /// Content sniffing: a line's log_type guessed from its first bytes,
        /// for lines whose log group the source mapping does not name.
        /// Never allocates.
        pub fn sniff(line: &str) -> Sniffed {
            match line.as_bytes().first() {
                None => return Sniffed::Unknown,
                Some(b'{') => return Sniffed::JsonObject,
                _ => {}
            }
            $(match <$format as Format>::sniff(line) {
                Sniff::Line => return Sniffed::Line(LogType::$variant),
                Sniff::Header => return Sniffed::Header(LogType::$variant),
                Sniff::No => {}
            })*
            Sniffed::Unknown
        }

        /// The log_type of a JSON object (the first format that claims it)
        /// and its body.
        pub fn classify_object(object: Map<String, Value>) -> Result<(LogType, Parsed<Body<'static>>), ParseError> {
            $(if <$format as Format>::claims_object(&object) {
                let parsed = <$format as Format>::from_object(object)?;
                return Ok((LogType::$variant, parsed.map(|b| Body::$variant(b.into()))));
            })*
            Err(ParseError::fixed("no format reads this JSON object"))
        }

        impl Headers {
            /// Consumes a header line of `log_type`; true when it was one.
            pub fn consume(&mut self, log_type: LogType, line: &str) -> bool {
                match log_type { $(LogType::$variant => <$format as Format>::header(&mut self.$variant, line),)* }
            }

            /// Parses `line` as `log_type`, under this source's headers.
            pub fn parse<'a>(&self, log_type: LogType, line: &'a str) -> ParseResult<Body<'a>> {
                match log_type {
                    $(LogType::$variant => <$format as Format>::parse(&self.$variant, line)
                        .map(|p| p.map(|b| Body::$variant(b.into()))),)*
                }
            }

            /// The VPC flow field list configured for this source.
            pub fn set_vpc_format(&mut self, format: vpc_flow::Format) {
                self.VpcFlow.get_or_insert(format);
            }
        }

        /// The JSON Schema of a log_type's body.
        pub(crate) fn body_schema(log_type: LogType) -> Schema {
            match log_type { $(LogType::$variant => inline_schema::<<$format as Format>::Body<'static>>(),)* }
        }

        impl<'a> Body<'a> {
            /// The level the record states about itself, before rules.
            pub fn natural_severity(&self) -> Severity {
                match self { $(Body::$variant(b) => <$format as Format>::natural_severity(b),)* }
            }

            /// The body's own `account_id` column, when its format has one.
            pub fn account_id(&mut self) -> Option<&mut Option<Str<'a>>> {
                match self { $(Body::$variant(b) => <$format as Format>::account_id(b),)* }
            }

            /// Replaces personal data in place.
            pub fn pseudonymise(&mut self, scrub: &mut Scrub<'_>) {
                match self { $(Body::$variant(b) => <$format as Format>::pseudonymise(b, scrub),)* }
            }

            /// Who produced the record, as an alert names it.
            pub fn alert_source(&self) -> Option<&str> {
                match self { $(Body::$variant(b) => <$format as Format>::alert_source(b),)* }
            }

            /// What identifies the problem the record reports.
            pub fn alert_signature<'b>(&'b self, raw: Option<&'b str>) -> Option<Signature<'b>> {
                match self { $(Body::$variant(b) => <$format as Format>::alert_signature(b, raw),)* }
            }

            /// The alert's one-line summary.
            pub fn alert_headline(&self) -> Option<String> {
                match self { $(Body::$variant(b) => <$format as Format>::alert_headline(b),)* }
            }

            /// The alert body's type-specific lines.
            pub fn alert_details(&self, raw: Option<&str>, field: &mut dyn FnMut(&str, Option<&str>)) {
                match self { $(Body::$variant(b) => <$format as Format>::alert_details(b, raw, field),)* }
            }

            /// The Athena filters that narrow an alert's suggested query.
            pub fn athena_narrowing(&self, add: &mut dyn FnMut(&'static str, Option<&str>) -> bool) -> Option<bool> {
                match self { $(Body::$variant(b) => <$format as Format>::athena_narrowing(b, add),)* }
            }

            /// A severity rule's field, straight from the body when the format can.
            pub fn rule_field(&self, name: &str) -> FieldLookup<'_> {
                match self { $(Body::$variant(b) => <$format as Format>::rule_field(b, name),)* }
            }
        }
    };
}

registry! { <'a>
    PexipSupport => "pexip_support": pexip_support::PexipSupportFormat, pexip_support::PexipSupport<'a>, "Pexip Infinity support and administrator log lines.";
    PexipAudit => "pexip_audit": pexip_audit::PexipAuditFormat, pexip_audit::PexipAudit<'a>, "Linux auditd lines forwarded by Pexip nodes.";
    PexipWeb => "pexip_web": pexip_web::PexipWebFormat, pexip_web::PexipWeb<'a>, "Pexip web server (Apache-style access) lines.";
    Alb => "alb": alb::AlbFormat, Box<alb::Alb<'a>>, "Application Load Balancer access log entries.";
    ElbClassic => "elb_classic": elb_classic::ElbClassicFormat, elb_classic::ElbClassic<'a>, "Classic Load Balancer access log entries.";
    CloudFront => "cloudfront": cloudfront::CloudFrontFormat, Box<cloudfront::CloudFront<'a>>, "CloudFront standard (legacy) access log entries.";
    AmplifyAccess => "amplify_access": cloudfront::AmplifyFormat, Box<cloudfront::CloudFront<'a>>, "Amplify Hosting access log rows (CSV).";
    S3Access => "s3_access": s3_access::S3AccessFormat, Box<s3_access::S3Access<'a>>, "S3 server access log entries.";
    VpcFlow => "vpc_flow": vpc_flow::VpcFlowFormat, Box<vpc_flow::VpcFlow<'a>>, "VPC Flow Log records, default or custom format.";
    CloudTrail => "cloudtrail": cloudtrail::CloudTrailFormat, Box<cloudtrail::CloudTrail<'a>>, "CloudTrail events as CloudWatch Logs delivers them.";
    LambdaPlatform => "lambda_platform": lambda_platform::LambdaPlatformFormat, lambda_platform::LambdaPlatform<'a>, "Lambda START/END/REPORT lines and platform.* JSON records.";
    App => "app": app::AppFormat, app::App<'a>, "Application events (the app log API shape and common JSON logger shapes).";
    Json => "json": app::JsonFormat, app::Json<'a>, "Any other JSON object.";
    Unparsed => "unparsed": unparsed::UnparsedFormat, unparsed::Unparsed<'a>, "Anything no parser understood, kept raw with the reason.";
}

impl fmt::Display for LogType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LogType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'a> Body<'a> {
    /// The body of an `unparsed` record.
    pub fn unparsed(parse_error: Cow<'a, str>) -> Body<'a> {
        Body::Unparsed(unparsed::Unparsed { parse_error })
    }
}

/// The schema of `T` with every subschema inline (what Glue columns are read from).
pub(crate) fn inline_schema<T: JsonSchema>() -> Schema {
    SchemaSettings::draft07()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator()
        .into_root_schema_for::<T>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_asks_each_format_in_registry_order() {
        let cases = [
            (
                "2026-03-02T10:15:42.118+00:00 px01 2026-03-02 10:15:42,117 Level=\"INFO\" Name=\"x\"",
                Sniffed::Line(LogType::PexipSupport),
            ),
            (
                "2026-03-02T10:15:42.118+00:00 px01 audispd: node=px01 type=USER_LOGIN msg=audit(1551880812.123:42): pid=1",
                Sniffed::Line(LogType::PexipAudit),
            ),
            (
                "2026-03-02T10:15:42.118+00:00 px01 apache2: 10.0.0.1 - - [02/Mar/2026:10:15:42 +0000] \"GET / HTTP/1.1\" 200 5",
                Sniffed::Line(LogType::PexipWeb),
            ),
            (
                "http 2018-07-02T22:23:00.186641Z app/x 1.2.3.4:1 -",
                Sniffed::Line(LogType::Alb),
            ),
            (
                "2015-05-13T23:39:43.945958Z my-lb 1.2.3.4:2817 - 0.1",
                Sniffed::Line(LogType::ElbClassic),
            ),
            (
                "2026-03-02T10:15:42.118Z px01 2026-03-02 10:15:42,117 Level=\"INFO\" Name=\"x\"",
                Sniffed::Line(LogType::PexipSupport),
            ),
            (
                "2019-12-04\t21:02:31\tLAX1\t392",
                Sniffed::Line(LogType::CloudFront),
            ),
            (
                "2023-10-01,01:36:53,SEA19-C1,10140",
                Sniffed::Line(LogType::AmplifyAccess),
            ),
            (
                "date,time,x-edge-location,sc-bytes",
                Sniffed::Header(LogType::AmplifyAccess),
            ),
            ("#Fields: date time", Sniffed::Header(LogType::CloudFront)),
            (
                "2 123456789010 eni-1 - - - - - - - 1 2 - NODATA",
                Sniffed::Line(LogType::VpcFlow),
            ),
            (
                "version account-id interface-id srcaddr",
                Sniffed::Header(LogType::VpcFlow),
            ),
            (
                "instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr",
                Sniffed::Header(LogType::VpcFlow),
            ),
            (
                "2018-09-22T20:29:12.000Z 2 633112549318 eni-d68830d4 - - - - - - - 1537648152 1537648249 - NODATA",
                Sniffed::Line(LogType::VpcFlow),
            ),
            (
                "2019-06-07T19:11:23.562Z c793869b-ee49-115b-a5b6-4fd21e8dedac Task timed out after 3.00 seconds",
                Sniffed::Line(LogType::LambdaPlatform),
            ),
            (
                "2019-06-07T19:11:20.562Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tINFO\tENVIRONMENT VARIABLES",
                Sniffed::Line(LogType::App),
            ),
            (
                "79a5 bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3",
                Sniffed::Line(LogType::S3Access),
            ),
            (
                "START RequestId: c793 Version: $LATEST",
                Sniffed::Line(LogType::LambdaPlatform),
            ),
            ("{\"a\":1}", Sniffed::JsonObject),
            ("hello world", Sniffed::Unknown),
            ("", Sniffed::Unknown),
        ];
        for (line, want) in cases {
            assert_eq!(sniff(line), want, "{line}");
        }
    }
}
