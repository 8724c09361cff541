//! VPC Flow Log records: the default version 2 format and custom formats.
//!
//! A record is a line of values separated by single spaces, in the order of the
//! flow log's format: the 14 version 2 fields by default, or the fields listed in
//! its custom `LogFormat` (`${version} ${vpc-id} ...`). Files delivered to S3
//! start with a header line naming the fields; CloudWatch Logs events carry no
//! header, so a custom format there comes from configuration (`vpc_format`).
//! Columns are AWS's field names with `-` turned into `_`; only the fields the
//! format names are written (the format decides the columns), and `-` is null.
//!
//! | column | type | version | notes |
//! |--------|------|---------|-------|
//! | `version` | bigint | 2 | flow log version (highest version of the fields in the format) |
//! | `account_id` | string | 2 | owner of the interface; a string (leading zeros, `unknown`) |
//! | `interface_id` | string | 2 | `eni-...` |
//! | `srcaddr`, `dstaddr` | string | 2 | IPv4 or IPv6 |
//! | `srcport`, `dstport` | bigint | 2 | |
//! | `protocol` | bigint | 2 | IANA protocol number |
//! | `packets`, `bytes` | bigint | 2 | |
//! | `start`, `end` | bigint | 2 | epoch seconds; `start` (else `end`) is the event time |
//! | `action` | string | 2 | `ACCEPT`, `REJECT` |
//! | `log_status` | string | 2 | `OK`, `NODATA`, `SKIPDATA` |
//! | `vpc_id`, `subnet_id`, `instance_id` | string | 3 | |
//! | `tcp_flags` | bigint | 3 | OR of the flags seen (SYN 2, SYN-ACK 18, FIN 1, RST 4) |
//! | `type` | string | 3 | `IPv4`, `IPv6`, `EFA` |
//! | `pkt_srcaddr`, `pkt_dstaddr` | string | 3 | packet-level addresses (NAT, transit gateway) |
//! | `region`, `az_id`, `sublocation_type`, `sublocation_id` | string | 4 | |
//! | `pkt_src_aws_service`, `pkt_dst_aws_service`, `flow_direction` | string | 5 | |
//! | `traffic_path` | bigint | 5 | egress path code 1-8 |
//! | `ecs_cluster_arn` ... `ecs_task_id` (10 fields) | string | 7 | ECS task attribution |
//! | `reject_reason` | string | 8 | `BPA`, `EC` |
//! | `resource_id` | string | 9 | e.g. regional NAT gateway id |
//! | `encryption_status` | bigint | 10 | 0 none, 1 Nitro, 2 application, 3 both |
//! | `instance_tag` ... `next_hop_interface_type` (12 fields) | string | 11 | tags, interface type, next hop |
//! | `extra` | map<string,string> | | fields the format names that this parser does not know (names normalised) |
//! | `extra_fields` | array<string> | | values beyond the format's fields, as written |
//!
//! Quirks handled: `NODATA`/`SKIPDATA` records with `-` almost everywhere; runs
//! of spaces count as one separator (a documented example has a double space);
//! the CloudWatch Logs export form with an ISO time stamp before the record
//! (`2018-09-22T20:28:14.000Z 2 6331... ACCEPT OK`) is accepted, the stamp being
//! the event time only when the record has neither `start` nor `end`. A record
//! with fewer values than its format, or a non-integer in an integer field, is
//! rejected: both mean the configured format is not the one the flow log writes.

use std::sync::LazyLock;

use schemars::JsonSchema;
use serde::Serialize;

use super::{ParseError, ParseResult, Parsed, Sniff, prefix};
use crate::pseudonym::scrub::{Rule, Scrub};
use crate::text::{nullable, opt_str};
use crate::time::{from_epoch_seconds, parse_iso8601};
use crate::value::{Fields, Str};

/// Parses one value of a known field (the field's Rust type decides how).
trait FieldValue<'a>: Sized {
    fn from_value(name: &'static str, value: &'a str) -> Result<Self, ParseError>;
}

impl<'a> FieldValue<'a> for Option<Str<'a>> {
    fn from_value(_: &'static str, value: &'a str) -> Result<Self, ParseError> {
        Ok(opt_str(value))
    }
}

impl<'a> FieldValue<'a> for Option<i64> {
    fn from_value(name: &'static str, value: &'a str) -> Result<Self, ParseError> {
        match nullable(value) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ParseError::new(format!(
                    "{name} is not an integer: {v:?}; is the flow log format right?"
                ))
            }),
        }
    }
}

macro_rules! vpc_fields {
    ($($variant:ident = $name:literal, $version:literal, $field:ident: $ty:ty, $doc:literal;)*) => {
        /// A field AWS documents for flow log records (versions 2 to 11).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Field {
            $(#[doc = $doc] $variant,)*
        }

        impl Field {
            /// Every known field, in the order of AWS's field table.
            pub const ALL: &'static [Field] = &[$(Field::$variant,)*];

            /// The name as AWS writes it in formats and header lines (`log-status`).
            pub const fn name(self) -> &'static str {
                match self { $(Field::$variant => $name,)* }
            }

            /// The flow log version that introduced the field.
            pub const fn version(self) -> u8 {
                match self { $(Field::$variant => $version,)* }
            }

            /// The field of an AWS name (`log-status`); see [`Field::lookup`] for
            /// the lenient form.
            pub fn from_name(name: &str) -> Option<Field> {
                match name { $($name => Some(Field::$variant),)* _ => None }
            }
        }

        /// One VPC flow log record. Only the fields the format names are written.
        #[derive(Debug, Clone, Default, Serialize, JsonSchema)]
        pub struct VpcFlow<'a> {
            $(
                #[doc = $doc]
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $field: $ty,
            )*
            /// Fields the format names that this parser does not know yet (name
            /// with `-` turned into `_`, value as written); AWS keeps adding fields.
            // `default` tells the schema the column may be absent.
            #[serde(default, skip_serializing_if = "Fields::is_empty")]
            pub extra: Fields<'a>,
            /// Values beyond the last field of the format, as written.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub extra_fields: Vec<Str<'a>>,
        }

        impl<'a> VpcFlow<'a> {
            fn set(&mut self, field: Field, value: &'a str) -> Result<(), ParseError> {
                match field {
                    $(Field::$variant => self.$field = FieldValue::from_value($name, value)?,)*
                }
                Ok(())
            }
        }
    };
}

vpc_fields! {
    Version = "version", 2, version: Option<i64>, "Flow log version: 2 for the default format, else the highest version of the fields in the custom format.";
    AccountId = "account-id", 2, account_id: Option<Str<'a>>, "AWS account that owns the network interface (a string: may be `unknown` for interfaces of AWS services).";
    InterfaceId = "interface-id", 2, interface_id: Option<Str<'a>>, "Network interface whose traffic is recorded.";
    Srcaddr = "srcaddr", 2, srcaddr: Option<Str<'a>>, "Source address (incoming: the sender; outgoing: the interface's private address).";
    Dstaddr = "dstaddr", 2, dstaddr: Option<Str<'a>>, "Destination address (outgoing: the receiver; incoming: the interface's private address).";
    Srcport = "srcport", 2, srcport: Option<i64>, "Source port.";
    Dstport = "dstport", 2, dstport: Option<i64>, "Destination port.";
    Protocol = "protocol", 2, protocol: Option<i64>, "IANA protocol number (6 TCP, 17 UDP, 1 ICMP).";
    Packets = "packets", 2, packets: Option<i64>, "Packets transferred during the flow.";
    Bytes = "bytes", 2, bytes: Option<i64>, "Bytes transferred during the flow.";
    Start = "start", 2, start: Option<i64>, "Time the first packet of the flow was received in the aggregation interval (epoch seconds).";
    End = "end", 2, end: Option<i64>, "Time the last packet of the flow was received in the aggregation interval (epoch seconds).";
    Action = "action", 2, action: Option<Str<'a>>, "ACCEPT or REJECT.";
    LogStatus = "log-status", 2, log_status: Option<Str<'a>>, "OK, NODATA (no traffic in the interval) or SKIPDATA (records skipped).";
    VpcId = "vpc-id", 3, vpc_id: Option<Str<'a>>, "VPC of the network interface.";
    SubnetId = "subnet-id", 3, subnet_id: Option<Str<'a>>, "Subnet of the network interface.";
    InstanceId = "instance-id", 3, instance_id: Option<Str<'a>>, "Instance the interface is attached to, when it is yours.";
    TcpFlags = "tcp-flags", 3, tcp_flags: Option<i64>, "Bitwise OR of the TCP flags seen in the interval (FIN 1, SYN 2, RST 4, SYN-ACK 18).";
    Type = "type", 3, r#type: Option<Str<'a>>, "Traffic type: IPv4, IPv6 or EFA.";
    PktSrcaddr = "pkt-srcaddr", 3, pkt_srcaddr: Option<Str<'a>>, "Packet-level (original) source address.";
    PktDstaddr = "pkt-dstaddr", 3, pkt_dstaddr: Option<Str<'a>>, "Packet-level (original) destination address.";
    Region = "region", 4, region: Option<Str<'a>>, "Region of the network interface.";
    AzId = "az-id", 4, az_id: Option<Str<'a>>, "Availability Zone id of the network interface.";
    SublocationType = "sublocation-type", 4, sublocation_type: Option<Str<'a>>, "wavelength, outpost or localzone.";
    SublocationId = "sublocation-id", 4, sublocation_id: Option<Str<'a>>, "Id of the sublocation.";
    PktSrcAwsService = "pkt-src-aws-service", 5, pkt_src_aws_service: Option<Str<'a>>, "AWS service of pkt-srcaddr's IP range.";
    PktDstAwsService = "pkt-dst-aws-service", 5, pkt_dst_aws_service: Option<Str<'a>>, "AWS service of pkt-dstaddr's IP range.";
    FlowDirection = "flow-direction", 5, flow_direction: Option<Str<'a>>, "ingress or egress, relative to the interface.";
    TrafficPath = "traffic-path", 5, traffic_path: Option<i64>, "Path egress traffic takes to its destination (1-8).";
    EcsClusterArn = "ecs-cluster-arn", 7, ecs_cluster_arn: Option<Str<'a>>, "ECS cluster ARN of the task.";
    EcsClusterName = "ecs-cluster-name", 7, ecs_cluster_name: Option<Str<'a>>, "ECS cluster name of the task.";
    EcsContainerInstanceArn = "ecs-container-instance-arn", 7, ecs_container_instance_arn: Option<Str<'a>>, "ECS container instance ARN (EC2 launch type).";
    EcsContainerInstanceId = "ecs-container-instance-id", 7, ecs_container_instance_id: Option<Str<'a>>, "ECS container instance id (EC2 launch type).";
    EcsContainerId = "ecs-container-id", 7, ecs_container_id: Option<Str<'a>>, "Docker id of the task's first container.";
    EcsSecondContainerId = "ecs-second-container-id", 7, ecs_second_container_id: Option<Str<'a>>, "Docker id of the task's second container.";
    EcsServiceName = "ecs-service-name", 7, ecs_service_name: Option<Str<'a>>, "ECS service of the task.";
    EcsTaskDefinitionArn = "ecs-task-definition-arn", 7, ecs_task_definition_arn: Option<Str<'a>>, "ECS task definition ARN.";
    EcsTaskArn = "ecs-task-arn", 7, ecs_task_arn: Option<Str<'a>>, "ECS task ARN.";
    EcsTaskId = "ecs-task-id", 7, ecs_task_id: Option<Str<'a>>, "ECS task id.";
    RejectReason = "reject-reason", 8, reject_reason: Option<Str<'a>>, "Why traffic was rejected (BPA: VPC Block Public Access; EC: encryption controls).";
    ResourceId = "resource-id", 9, resource_id: Option<Str<'a>>, "Id of the resource the traffic went through (e.g. a regional NAT gateway).";
    EncryptionStatus = "encryption-status", 10, encryption_status: Option<i64>, "0 not encrypted, 1 Nitro-encrypted, 2 application-encrypted, 3 both.";
    InstanceTag = "instance-tag", 11, instance_tag: Option<Str<'a>>, "Value of the instance tag chosen for the flow log (percent-encoded).";
    InstanceTag2 = "instance-tag-2", 11, instance_tag_2: Option<Str<'a>>, "Value of the second instance tag chosen for the flow log.";
    InterfaceTag = "interface-tag", 11, interface_tag: Option<Str<'a>>, "Value of the network interface tag chosen for the flow log.";
    InterfaceTag2 = "interface-tag-2", 11, interface_tag_2: Option<Str<'a>>, "Value of the second network interface tag chosen for the flow log.";
    AsgTag = "asg-tag", 11, asg_tag: Option<Str<'a>>, "Value of the Auto Scaling group tag chosen for the flow log.";
    AsgTag2 = "asg-tag-2", 11, asg_tag_2: Option<Str<'a>>, "Value of the second Auto Scaling group tag chosen for the flow log.";
    InterfaceType = "interface-type", 11, interface_type: Option<Str<'a>>, "Type of the network interface (e.g. nat_gateway, amazon-elb, efa).";
    NextHopInterfaceId = "next-hop-interface-id", 11, next_hop_interface_id: Option<Str<'a>>, "Network interface of the next hop.";
    NextHopSubnetId = "next-hop-subnet-id", 11, next_hop_subnet_id: Option<Str<'a>>, "Subnet of the next hop.";
    NextHopAzId = "next-hop-az-id", 11, next_hop_az_id: Option<Str<'a>>, "Availability Zone id of the next hop.";
    NextHopVpcId = "next-hop-vpc-id", 11, next_hop_vpc_id: Option<Str<'a>>, "VPC of the next hop.";
    NextHopInterfaceType = "next-hop-interface-type", 11, next_hop_interface_type: Option<Str<'a>>, "Interface type of the next hop (e.g. nat_gateway, vpc-endpoint).";
}

impl Field {
    /// The field of a name written in any of the usual spellings: AWS's
    /// (`log-status`), Athena/VRL's (`log_status`), any case.
    pub fn lookup(name: &str) -> Option<Field> {
        Field::from_name(name).or_else(|| Field::from_name(&normalise(name).replace('_', "-")))
    }

    /// The column name (`log_status`).
    pub fn column(self) -> String {
        self.name().replace('-', "_")
    }
}

/// Lower-cases a field name and turns `-` into `_` (the column spelling).
fn normalise(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

/// One column of a format: a known field, or a name this parser does not know
/// (kept, normalised to the column spelling, so its values land in `extra`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// A documented field.
    Known(Field),
    /// An unknown field name, e.g. one AWS added after this parser was written.
    Unknown(String),
}

/// The ordered field list of a flow log: the default version 2 format, the S3
/// header line, or the flow log's configured `LogFormat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    columns: Vec<Column>,
}

/// The version 2 fields, in the default format's order.
const DEFAULT_V2: [Field; 14] = [
    Field::Version,
    Field::AccountId,
    Field::InterfaceId,
    Field::Srcaddr,
    Field::Dstaddr,
    Field::Srcport,
    Field::Dstport,
    Field::Protocol,
    Field::Packets,
    Field::Bytes,
    Field::Start,
    Field::End,
    Field::Action,
    Field::LogStatus,
];

static DEFAULT_FORMAT: LazyLock<Format> = LazyLock::new(|| Format {
    columns: DEFAULT_V2.iter().map(|f| Column::Known(*f)).collect(),
});

impl Format {
    /// The default format: the 14 version 2 fields.
    pub fn default_v2() -> &'static Format {
        &DEFAULT_FORMAT
    }

    /// The columns, in record order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Reads the header line S3 delivery writes at the top of each file
    /// (`version account-id interface-id ...`). `None` for anything else, data
    /// lines in particular: at least two tokens, every one must look like a
    /// field name, the first must be a known field and most must be known.
    pub fn from_header(line: &str) -> Option<Format> {
        let mut columns = Vec::new();
        let mut known = 0;
        for token in line.split_ascii_whitespace() {
            let name_like = token
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
            if !name_like || !token.as_bytes()[0].is_ascii_lowercase() {
                return None;
            }
            match Field::lookup(token) {
                Some(field) => {
                    known += 1;
                    columns.push(Column::Known(field));
                }
                None if columns.is_empty() => return None,
                None => columns.push(Column::Unknown(normalise(token))),
            }
        }
        (columns.len() >= 2 && known * 2 > columns.len()).then_some(Format { columns })
    }

    /// Reads a configured format: the flow log's `LogFormat` as AWS shows it
    /// (`${version} ${interface-id} ...`) or plain names separated by spaces
    /// (`-` or `_` spelling). Names this parser does not know are accepted (AWS
    /// adds fields; their values go to `extra`); empty formats, duplicate
    /// fields and anything that is not a name are errors.
    pub fn from_config(spec: &str) -> Result<Format, ParseError> {
        let mut columns = Vec::new();
        for token in spec.split_ascii_whitespace() {
            let name = match token.strip_prefix("${") {
                Some(rest) => rest.strip_suffix('}').ok_or_else(|| {
                    ParseError::new(format!(
                        "{token:?} in VPC flow log format: a field must be written ${{name}}"
                    ))
                })?,
                None => token,
            };
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(ParseError::new(format!(
                    "{token:?} in VPC flow log format is not a field name; write the fields as `${{version}} ${{account-id}} ...` or `version account-id ...`, separated by spaces"
                )));
            }
            let column = match Field::lookup(name) {
                Some(field) => Column::Known(field),
                None => Column::Unknown(normalise(name)),
            };
            if columns.contains(&column) {
                return Err(ParseError::new(format!(
                    "field {name:?} appears twice in the VPC flow log format"
                )));
            }
            columns.push(column);
        }
        if columns.is_empty() {
            return Err(ParseError::fixed(
                "VPC flow log format is empty; give the flow log's LogFormat, e.g. `${version} ${account-id} ${interface-id} ...`",
            ));
        }
        Ok(Format { columns })
    }
}

/// A cheap, allocation-free pre-check for content sniffing: the line's first
/// word is a field name as AWS writes it in header lines (`version`,
/// `instance-id`, ...) and more words follow. [`Format::from_header`] decides.
pub fn starts_like_header(line: &str) -> bool {
    match line.split_once(' ') {
        Some((first, rest)) => !rest.trim().is_empty() && Field::from_name(first).is_some(),
        None => false,
    }
}

/// True when `token` looks like the ISO time stamp CloudWatch Logs exports put
/// before each record (`2018-09-22T20:28:14.000Z`).
fn iso_prefix(token: &str) -> Option<Option<i64>> {
    let b = token.as_bytes();
    (b.len() >= 20 && b.get(10) == Some(&b'T') && b[4] == b'-' && b[0].is_ascii_digit())
        .then(|| parse_iso8601(token))
}

/// Parses one flow log record with `format`.
pub fn parse<'a>(line: &'a str, format: &Format) -> ParseResult<VpcFlow<'a>> {
    let mut values = line.split_ascii_whitespace().peekable();
    let mut prefix_time = None;
    if let Some(stamp) = values.peek().and_then(|first| iso_prefix(first)) {
        prefix_time = stamp;
        values.next();
    }
    let mut flow = VpcFlow::default();
    for (i, column) in format.columns.iter().enumerate() {
        let Some(value) = values.next() else {
            if i == 0 {
                return Err(ParseError::fixed("empty line"));
            }
            let missing = match column {
                Column::Known(field) => field.name(),
                Column::Unknown(name) => name,
            };
            return Err(ParseError::new(format!(
                "{i} values for a format of {} fields (from {missing:?} on missing); configure the flow log's format (vpc_format) for this log group",
                format.columns.len()
            )));
        };
        match column {
            Column::Known(field) => flow.set(*field, value)?,
            Column::Unknown(name) => {
                if let Some(v) = opt_str(value) {
                    flow.extra.insert(Str::Owned(name.clone()), v);
                }
            }
        }
    }
    flow.extra_fields = values.map(Str::Borrowed).collect();
    let time = flow
        .start
        .or(flow.end)
        .and_then(from_epoch_seconds)
        .or(prefix_time);
    Ok(Parsed::new(flow, time))
}

/// VPC flow logs: the [`Format`] of this module. A field-list header (or the
/// source mapping's `vpc_format`) sets the columns of the lines after it.
pub struct VpcFlowFormat;

impl super::Format for VpcFlowFormat {
    type Body<'a> = VpcFlow<'a>;
    type Header = Option<Format>;

    fn sniff(line: &str) -> Sniff {
        let b = line.as_bytes();
        // Exported from CloudWatch Logs: `<time>Z <version> <account-id> ...`.
        if prefix::date_time_separator(b) == Some(b'T') && prefix::is_utc_then_small_number(b) {
            return Sniff::Line;
        }
        match prefix::first_word(b) {
            Some((first, _))
                if !first.is_empty()
                    && first.len() <= 2
                    && first.iter().all(u8::is_ascii_digit) =>
            {
                Sniff::Line
            }
            Some(_) if starts_like_header(line) && Format::from_header(line).is_some() => {
                Sniff::Header
            }
            _ => Sniff::No,
        }
    }

    fn header(format: &mut Option<Format>, line: &str) -> bool {
        match Format::from_header(line) {
            Some(found) => {
                *format = Some(found);
                true
            }
            None => false,
        }
    }

    fn parse<'a>(format: &Option<Format>, line: &'a str) -> ParseResult<VpcFlow<'a>> {
        parse(line, format.as_ref().unwrap_or(Format::default_v2()))
    }

    fn account_id<'b, 'a>(flow: &'b mut Self::Body<'a>) -> Option<&'b mut Option<Str<'a>>> {
        Some(&mut flow.account_id)
    }

    fn pseudonymise(v: &mut VpcFlow<'_>, s: &mut Scrub<'_>) {
        for slot in [
            &mut v.srcaddr,
            &mut v.dstaddr,
            &mut v.pkt_srcaddr,
            &mut v.pkt_dstaddr,
        ] {
            s.set(slot, Rule::PublicIp);
        }
    }

    fn alert_source<'b>(v: &'b VpcFlow<'_>) -> Option<&'b str> {
        v.interface_id.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::iso_string;

    fn flow(line: &str, format: &Format) -> (VpcFlow<'static>, Option<i64>) {
        let line: &'static str = Box::leak(line.to_owned().into_boxed_str());
        match parse(line, format) {
            Ok(Parsed { body, time }) => (body, time),
            other => panic!("{line}: {other:?}"),
        }
    }

    fn json(f: &VpcFlow<'_>) -> serde_json::Value {
        serde_json::to_value(f).unwrap()
    }

    #[test]
    fn parses_the_default_format() {
        let (f, time) = flow(
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
            Format::default_v2(),
        );
        assert_eq!(f.version, Some(2));
        assert_eq!(f.account_id.as_deref(), Some("123456789010"));
        assert_eq!(f.interface_id.as_deref(), Some("eni-1235b8ca123456789"));
        assert_eq!(
            (f.srcport, f.dstport, f.protocol, f.packets, f.bytes),
            (Some(20641), Some(22), Some(6), Some(20), Some(4249))
        );
        assert_eq!(
            (f.action.as_deref(), f.log_status.as_deref()),
            (Some("ACCEPT"), Some("OK"))
        );
        assert_eq!(iso_string(time.unwrap()), "2014-12-14T04:06:50.000Z");
        let v = json(&f);
        assert_eq!(v["account_id"], "123456789010", "account id stays a string");
        assert!(
            v.get("vpc_id").is_none(),
            "fields outside the format are not written"
        );
        assert!(v.get("extra").is_none() && v.get("extra_fields").is_none());
        assert!(matches!(f.srcaddr, Some(Str::Borrowed(_))));
    }

    #[test]
    fn nodata_and_skipdata_records_are_mostly_null() {
        for status in ["NODATA", "SKIPDATA"] {
            let line = format!(
                "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - {status}"
            );
            let (f, time) = flow(&line, Format::default_v2());
            assert_eq!(f.log_status.as_deref(), Some(status));
            assert_eq!(
                (f.srcaddr.is_none(), f.srcport, f.bytes, f.action.is_none()),
                (true, None, None, true)
            );
            assert_eq!(time, Some(1_431_280_876_000));
            assert_eq!(json(&f)["start"], 1431280876);
        }
    }

    #[test]
    fn event_time_falls_back_to_end_then_none() {
        let fmt = Format::from_config("${version} ${end} ${action}").unwrap();
        assert_eq!(flow("5 1616729349 ACCEPT", &fmt).1, Some(1_616_729_349_000));
        let fmt = Format::from_config("instance-id interface-id").unwrap();
        assert_eq!(flow("- eni-1", &fmt).1, None);
    }

    #[test]
    fn reads_header_lines_and_rejects_data_lines() {
        let h = Format::from_header("version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status").unwrap();
        assert_eq!(h.columns().len(), 21);
        assert_eq!(h.columns()[1], Column::Known(Field::VpcId));
        let nat =
            Format::from_header("instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr")
                .unwrap();
        assert_eq!(nat.columns()[0], Column::Known(Field::InstanceId));
        let future = Format::from_header("version account-id srcaddr flux-capacitor").unwrap();
        assert_eq!(
            future.columns()[3],
            Column::Unknown("flux_capacitor".into())
        );
        for data in [
            "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
            "- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5",
            "i-01234567890123456 eni-1111aaaa2222bbbb3 10.0.1.5 203.0.113.5 10.0.1.5 203.0.113.5",
            "hello world",
            "version",
            "",
            "START RequestId: x",
            "version foo bar baz",
        ] {
            assert_eq!(Format::from_header(data), None, "{data}");
        }
        assert_eq!(
            Format::from_header("version account-id")
                .unwrap()
                .columns()
                .len(),
            2
        );
        assert!(starts_like_header("instance-id interface-id srcaddr"));
        assert!(starts_like_header("version account-id"));
        for line in [
            "version",
            "version ",
            "79a59df900b949e5 bucket [06/Feb/2019:00:00:38 +0000]",
            "- eni-1 x",
            "2 123 eni-1",
        ] {
            assert!(!starts_like_header(line), "{line}");
        }
    }

    #[test]
    fn reads_configured_formats_in_both_spellings() {
        let a = Format::from_config("${version} ${vpc-id} ${log-status}").unwrap();
        let b = Format::from_config("version vpc_id LOG-STATUS").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.columns()[2], Column::Known(Field::LogStatus));
        let unknown = Format::from_config("${version} ${new-field}").unwrap();
        assert_eq!(unknown.columns()[1], Column::Unknown("new_field".into()));
        for (bad, says) in [
            ("", "empty"),
            ("   ", "empty"),
            ("${version", "${name}"),
            ("$version", "not a field name"),
            ("version,account-id", "not a field name"),
            ("${version}${account-id}", "not a field name"),
            ("version version", "appears twice"),
        ] {
            let err = Format::from_config(bad).unwrap_err();
            assert!(err.0.contains(says), "{bad:?}: {err}");
        }
    }

    #[test]
    fn keeps_unknown_fields_and_surplus_values() {
        let fmt = Format::from_config("${version} ${flux-capacitor} ${srcaddr}").unwrap();
        let (f, _) = flow("12 88mph 10.0.0.1 surplus-1 surplus-2", &fmt);
        assert_eq!(f.version, Some(12));
        assert_eq!(f.extra.get("flux_capacitor"), Some("88mph"));
        assert_eq!(f.extra_fields, vec!["surplus-1", "surplus-2"]);
        let v = json(&f);
        assert_eq!(v["extra"]["flux_capacitor"], "88mph");
        assert_eq!(v["extra_fields"][1], "surplus-2");
    }

    #[test]
    fn parses_every_v3_to_v11_field_type() {
        let fmt = Format::from_config(
            "version srcaddr dstaddr srcport dstport protocol start end type tcp-flags traffic-path flow-direction pkt-src-aws-service reject-reason resource-id encryption-status interface-type next-hop-az-id ecs-task-id",
        )
        .unwrap();
        let (f, _) = flow(
            "11 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 19 8 egress S3 BPA nat-0c50 1 nat_gateway apse2-az3 abcd1234",
            &fmt,
        );
        assert_eq!(
            (f.tcp_flags, f.traffic_path, f.encryption_status),
            (Some(19), Some(8), Some(1))
        );
        assert_eq!(f.r#type.as_deref(), Some("IPv4"));
        assert_eq!(json(&f)["type"], "IPv4");
        assert_eq!(f.reject_reason.as_deref(), Some("BPA"));
        assert_eq!(f.next_hop_az_id.as_deref(), Some("apse2-az3"));
        assert_eq!(f.ecs_task_id.as_deref(), Some("abcd1234"));
        assert!(Field::ALL.iter().all(|f| (2..=11).contains(&f.version())));
        assert_eq!(Field::ALL.len(), 54);
    }

    #[test]
    fn accepts_the_cloudwatch_export_with_an_iso_prefix() {
        let (f, time) = flow(
            "2018-09-22T20:28:14.000Z 2 633112549318 eni-d68830d4 209.141.42.153 10.155.108.192 54252 8088 6 1 40 1537648094 1537648129 ACCEPT OK",
            Format::default_v2(),
        );
        assert_eq!(f.account_id.as_deref(), Some("633112549318"));
        assert_eq!(f.dstport, Some(8088));
        assert_eq!(time, Some(1_537_648_094_000));
        let fmt = Format::from_config("version interface-id").unwrap();
        let (_, time) = flow("2018-09-22T20:28:14.000Z 2 eni-1", &fmt);
        assert_eq!(iso_string(time.unwrap()), "2018-09-22T20:28:14.000Z");
    }

    #[test]
    fn runs_of_spaces_are_one_separator() {
        let (f, _) = flow(
            "2 1 eni-1 10.0.0.62 52.213.180.42 5001 43638  6 14 967 1566933133 1566933193 ACCEPT OK",
            Format::default_v2(),
        );
        assert_eq!(
            (f.dstport, f.protocol, f.log_status.as_deref()),
            (Some(43638), Some(6), Some("OK"))
        );
    }

    #[test]
    fn rejects_lines_that_do_not_fit_the_format() {
        let short = parse(
            "2 eni-1235b8ca123456789 172.31.16.139 172.31.16.21",
            Format::default_v2(),
        )
        .unwrap_err();
        assert!(
            short.0.contains("4 values for a format of 14 fields")
                && short.0.contains("vpc_format"),
            "{short}"
        );
        let bad = parse(
            "2 123 eni-1 a b http 22 6 20 4249 1 2 ACCEPT OK",
            Format::default_v2(),
        )
        .unwrap_err();
        assert!(
            bad.0.contains("srcport is not an integer: \"http\""),
            "{bad}"
        );
        assert_eq!(parse("", Format::default_v2()).unwrap_err().0, "empty line");
        assert!(parse("   ", Format::default_v2()).is_err());
    }
}
