//! Pseudonymisation end to end through the parser: every record of every
//! log_type that carries personal data leaves no original alias, display name,
//! user name or IP address anywhere in its JSON; records keep their schema;
//! summaries still count people; alerts carry tokens only.

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use logwrangler::alert::{QueryHint, build_alert};
use logwrangler::pseudonym::{Kind, Pseudonymiser, is_public};
use logwrangler::summary::{LegFacts, LegUpdate, SessionSummary, leg_update, summarise};
use logwrangler::{EventContext, LineParser, Record, Rules, SourceConfig};
use regex::Regex;
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const KEY: &str = "d95d2416c2267c9b846d69d7f7192ca50f0bccbce666cdfd10d5ea9e7339564c";

fn pseudonymiser() -> Arc<Pseudonymiser> {
    Arc::new(Pseudonymiser::from_key_text(KEY).unwrap())
}

fn fixture(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures").join(path)).unwrap()
}

/// Lines that carry the personal fields the fixtures lack, each with the
/// strings that must not survive pseudonymisation.
fn extra_inputs() -> Vec<(String, Vec<&'static str>)> {
    let alb = fixture("aws/alb.log").lines().next().unwrap().replace(
        "http://www.example.com:80/",
        "https://vc.example.com:443/webapp/m/meet.alice?name=Alice%20Jones&role=guest&email=alice%40example.com",
    );
    let web = fixture("pexip/web.log").lines().nth(5).unwrap().replace(
        "GET /webapp/ ",
        "GET /webapp/m/meet.alice?name=Bob+Smith&pin=1234 ",
    );
    let cloudfront = {
        let text = fixture("aws/cloudfront.log");
        let mut lines = text.lines();
        let version = lines.next().unwrap();
        let header = lines.next().unwrap();
        let names: Vec<&str> = header.trim_start_matches("#Fields: ").split(' ').collect();
        let mut values: Vec<String> = lines
            .next()
            .unwrap()
            .split('\t')
            .map(str::to_owned)
            .collect();
        let mut set = |name: &str, value: &str| {
            let i = names.iter().position(|n| *n == name).unwrap();
            values[i] = value.to_owned();
        };
        set("x-forwarded-for", "198.51.100.77,%2010.20.30.40");
        set("cs(Cookie)", "session=8f2c1e;%20user=frank");
        set("cs-uri-query", "displayName=Frank%20Castle&lang=en");
        format!("{version}\n{header}\n{}", values.join("\t"))
    };
    vec![
        (
            r#"2026-03-02T10:21:00.000+00:00 px-conf01 2026-03-02 10:21:00,000 Level="INFO" Name="administrator.participantdialer" Message="Participant disconnected by request" Conference="meet.alice" Requester="Carol Admin" Remote-alias="sip:dave@partner.example" Destination-alias="tel:+441632960001" Remote-display-name="Dave Partner" Last-presenter="sip:erin@example.com" Protocol="SIP" Detail="BYE from \"Dave Partner\" <sip:dave@partner.example> via 192.0.2.77""#.into(),
            vec!["Carol Admin", "dave@partner.example", "+441632960001", "Dave Partner", "erin@example.com", "192.0.2.77"],
        ),
        (
            r#"2026-03-02T10:22:00.000+00:00 px-conf01 2026-03-02 10:22:00,000 Level="WARNING" Name="administrator.conference" Message="Participant has disconnected." Conference="meet.alice" Conference-ID="470975eb-c344-4764-a72e-dd76637fa72a" Participant="sip:grace@example.com" DisplayName="Grace Hopper" Protocol="SIP" Call-id="c0ffee00-0000-4000-8000-000000000001" Participant-id="c0ffee00-0000-4000-8000-000000000001" Remote-address="192.168.7.20" Duration="12.5" Detail="Media timeout from Grace Hopper at 192.168.7.20""#.into(),
            vec!["grace@example.com", "Grace Hopper", "192.168.7.20"],
        ),
        (alb, vec!["Alice%20Jones", "alice%40example.com"]),
        (web, vec!["Bob+Smith"]),
        (cloudfront, vec!["198.51.100.77", "10.20.30.40", "8f2c1e", "Frank%20Castle"]),
        (
            r#"{"log_level": "warn", "message": "login failed for carol@example.com from 203.0.113.44", "source_application": "portal", "user": {"name": "Carol Danvers", "id": "u-9"}, "client_ip": "203.0.113.44", "displayName": "Carol D."}"#.into(),
            vec!["carol@example.com", "Carol Danvers", "u-9", "203.0.113.44", "Carol D."],
        ),
        (
            r#"{"event": "checkin", "email": "frank@example.com", "ip_address": "198.51.100.99", "room": "Board Room 2"}"#.into(),
            vec!["frank@example.com", "198.51.100.99"],
        ),
        (
            "junk from grace@example.com at 203.0.113.200 <- not a log line".into(),
            vec!["grace@example.com", "203.0.113.200"],
        ),
    ]
}

/// Every input: the fixtures of every format with personal data, then the extra lines.
fn inputs() -> Vec<(String, String, Vec<&'static str>)> {
    let mut inputs: Vec<(String, String, Vec<&'static str>)> = [
        "pexip/support.log",
        "pexip/audit.log",
        "pexip/web.log",
        "aws/alb.log",
        "aws/elb_classic.log",
        "aws/cloudfront.log",
        "aws/amplify_access.csv",
        "aws/s3_access.log",
        "aws/vpc_flow.log",
        "aws/vpc_flow_custom_1.log",
        "aws/vpc_flow_custom_2.log",
        "aws/vpc_flow_custom_3.log",
        "aws/vpc_flow_custom_4.log",
        "aws/cloudtrail.ndjson",
        "aws/app.ndjson",
    ]
    .iter()
    .map(|path| (path.to_string(), fixture(path), Vec::new()))
    .collect();
    for (i, (text, gone)) in extra_inputs().into_iter().enumerate() {
        inputs.push((format!("extra-{i}"), text, gone));
    }
    inputs
}

/// Records of one input, parsed with `parser` (fresh header state per input).
fn parse_all(parser: &LineParser, source: &str, text: &str) -> Vec<Value> {
    let mut parser = parser.clone();
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let ctx = EventContext {
                source,
                position: i as u64,
                received_ms: Some(1_772_446_000_000),
                ..EventContext::default()
            };
            parser
                .parse_line(line, &ctx)
                .into_record()
                .map(|r| r.to_value())
        })
        .collect()
}

fn is_placeholder(value: &str) -> bool {
    matches!(value.trim(), "" | "-" | "?" | "None" | "root" | "unset")
}

fn is_ip(value: &str) -> Option<IpAddr> {
    value.trim().parse().ok()
}

/// The personal values of a clear record, by the documented field list: the
/// ones to search for anywhere in the record's JSON, and the ones (user
/// names, short and common words) checked in their own field only.
fn personal_values(record: &Value) -> (Vec<String>, Vec<(String, String)>) {
    let mut anywhere = Vec::new();
    let mut in_field = Vec::new();
    let text = |v: &Value| v.as_str().filter(|s| !is_placeholder(s)).map(str::to_owned);
    // Address columns: the addresses (masked values such as `xxx.xxx.xxx.xxx` are not personal).
    let ip = |v: &Value| text(v).filter(|s| is_ip(s).is_some());
    let public = |v: &Value| text(v).filter(|s| is_ip(s).is_some_and(is_public));
    let pexip_or_field = |name: &str| [&record[name], &record["fields"][name]];
    match record["log_type"].as_str().unwrap() {
        "pexip_support" if record["protocol"] != "BACKPLANE" => {
            for name in [
                "participant",
                "participant_alias",
                "displayname",
                "presenter",
                "remote_address",
                "remote_candidate_address",
                "last_presenter",
                "remote_alias",
                "destination_alias",
                "remote_display_name",
            ] {
                anywhere.extend(pexip_or_field(name).into_iter().filter_map(text));
            }
            for name in ["src_address", "dst_address"] {
                anywhere.extend(pexip_or_field(name).into_iter().filter_map(public));
            }
            for name in ["user", "requester"] {
                in_field.extend(text(&record[name]).map(|v| (name.to_owned(), v)));
            }
        }
        "pexip_audit" => {
            for map in ["fields", "submsg", "enriched"] {
                anywhere.extend(text(&record[map]["addr"]));
                // The node's own name is infrastructure.
                anywhere.extend(text(&record[map]["hostname"]).filter(|h| {
                    record["node"] != *h
                        && !record["audit_node"]
                            .as_str()
                            .unwrap_or_default()
                            .starts_with(h.as_str())
                }));
                for name in ["acct", "AUID", "UID"] {
                    in_field.extend(text(&record[map][name]).map(|v| (format!("{map}.{name}"), v)));
                }
            }
        }
        "pexip_web" => {
            anywhere.extend(ip(&record["client_ip"]));
            for name in ["user", "ident"] {
                in_field.extend(text(&record[name]).map(|v| (name.to_owned(), v)));
            }
        }
        "alb" | "elb_classic" => anywhere.extend(ip(&record["client_ip"])),
        "cloudfront" | "amplify_access" => {
            anywhere.extend(ip(&record["c_ip"]));
            anywhere.extend(text(&record["cs_cookie"]));
            if let Some(list) = text(&record["x_forwarded_for"]) {
                anywhere.extend(list.split(',').map(|a| a.trim().to_owned()));
            }
        }
        "s3_access" => anywhere.extend(ip(&record["remote_ip"])),
        "vpc_flow" => {
            for name in ["srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr"] {
                anywhere.extend(public(&record[name]));
            }
        }
        "cloudtrail" => anywhere.extend(ip(&record["source_ip_address"])),
        _ => {}
    }
    (anywhere, in_field)
}

/// Whether `needle` stands in `haystack` as a whole word (raw or JSON-escaped).
fn contains_word(haystack: &str, needle: &str) -> bool {
    let escaped = serde_json::to_string(needle).unwrap();
    let escaped = &escaped[1..escaped.len() - 1];
    [needle, escaped].iter().any(|n| {
        Regex::new(&format!(
            r"(?:^|[^A-Za-z0-9_]){}(?:$|[^A-Za-z0-9_])",
            regex::escape(n)
        ))
        .unwrap()
        .is_match(haystack)
    })
}

fn field<'v>(record: &'v Value, path: &str) -> &'v Value {
    path.split('.').fold(record, |v, k| &v[k])
}

#[test]
fn no_original_personal_value_survives_in_any_log_type() {
    let token = Regex::new(r"^anon-(alias|name|user|host|id|ip4|ip6)-[0-9a-f]{32}$").unwrap();
    let clear = LineParser::default();
    let pseudonymised = LineParser::default().with_pseudonymiser(Some(pseudonymiser()));
    let mut checked: BTreeMap<String, usize> = BTreeMap::new();
    for (source, text, gone) in inputs() {
        let before = parse_all(&clear, &source, &text);
        let after = parse_all(&pseudonymised, &source, &text);
        assert_eq!(before.len(), after.len(), "{source}: every record is kept");
        for (b, a) in before.iter().zip(&after) {
            let json = a.to_string();
            for key in ["log_type", "timestamp", "severity", "log_group"] {
                assert_eq!(b[key], a[key], "{source}: {key} unchanged\n{json}");
            }
            let (anywhere, in_field) = personal_values(b);
            for value in &anywhere {
                assert!(
                    !contains_word(&json, value),
                    "{source}: {value:?} survived:\n{json}"
                );
            }
            for (path, value) in &in_field {
                let now = field(a, path).as_str().unwrap_or_default();
                assert!(token.is_match(now), "{source}: {path} {value:?} -> {now:?}");
            }
            let log_type = a["log_type"].as_str().unwrap();
            *checked.entry(log_type.to_owned()).or_default() += anywhere.len() + in_field.len();
            if !gone.is_empty() {
                for value in &gone {
                    assert!(
                        !json.contains(value),
                        "{source}: {value:?} survived:\n{json}"
                    );
                    assert!(
                        text.contains(value),
                        "{source}: the test line carries {value:?}"
                    );
                }
                *checked.entry(log_type.to_owned()).or_default() += gone.len();
            }
            // Direct columns hold tokens, not partly rewritten text.
            for name in [
                "client_ip",
                "c_ip",
                "remote_ip",
                "participant",
                "displayname",
            ] {
                if let (Some(before), Some(after)) = (b[name].as_str(), a[name].as_str())
                    && before != after
                {
                    assert!(token.is_match(after), "{source}: {name} = {after}");
                }
            }
        }
    }
    // Every format that carries personal data was really exercised.
    for log_type in [
        "pexip_support",
        "pexip_audit",
        "pexip_web",
        "alb",
        "elb_classic",
        "cloudfront",
        "amplify_access",
        "s3_access",
        "vpc_flow",
        "cloudtrail",
        "app",
        "json",
        "unparsed",
    ] {
        assert!(
            checked.get(log_type).copied().unwrap_or(0) > 0,
            "no personal value of {log_type} was checked: {checked:?}"
        );
    }
}

#[test]
fn what_is_kept_in_clear_stays_readable() {
    let p = pseudonymiser();
    let parser = LineParser::default().with_pseudonymiser(Some(p.clone()));
    let support = parse_all(&parser, "support", &fixture("pexip/support.log"));
    let joined = support
        .iter()
        .find(|r| r["message"] == "Participant has joined." && r["protocol"] == "SIP")
        .unwrap();
    assert_eq!(joined["conference"], "meet.alice");
    assert_eq!(joined["signaling_node"], "10.1.1.127");
    assert_eq!(joined["vendor"], "TANDBERG/4136 (X8.11.4)");
    assert_eq!(
        joined["participant"],
        p.pseudonymise(Kind::Alias, "sip:bob@example.com")
    );
    assert_eq!(
        joined["remote_address"],
        p.pseudonymise(Kind::Ip, "204.10.5.223")
    );
    // Node-to-node legs are not people.
    let backplane = support
        .iter()
        .find(|r| r["protocol"] == "BACKPLANE")
        .unwrap();
    assert_eq!(backplane["participant"], "px-conf01");
    assert_eq!(backplane["remote_address"], "10.1.1.127");
    // Private flow endpoints are the estate's interfaces.
    let flows = parse_all(&parser, "vpc", &fixture("aws/vpc_flow.log"));
    assert_eq!(flows[0]["srcaddr"], "172.31.16.139");
    // CloudTrail: service names stay, principals stay.
    let trail = parse_all(&parser, "ct", &fixture("aws/cloudtrail.ndjson"));
    assert_eq!(trail[0]["source_ip_address"], "s3.amazonaws.com");
    assert!(
        trail
            .iter()
            .any(|r| r["user_identity_arn"] == "arn:aws:iam::123456789012:user/ops-bot")
    );
}

#[test]
fn pseudonymised_records_keep_their_schema_and_a_second_pass_changes_nothing() {
    let p = pseudonymiser();
    let parser = LineParser::default().with_pseudonymiser(Some(p.clone()));
    for (source, text, _) in inputs() {
        let mut clone = parser.clone();
        for (i, line) in text.lines().enumerate() {
            let ctx = EventContext {
                source: &source,
                position: i as u64,
                ..EventContext::default()
            };
            let Some(mut record) = clone.parse_line(line, &ctx).into_record() else {
                continue;
            };
            let once = record.to_value();
            common::assert_schema_valid(&once);
            record.pseudonymise(&p);
            assert_eq!(record.to_value(), once, "{source}:{i}: apply is idempotent");
        }
    }
}

#[test]
fn event_ids_derived_from_content_are_keyed_and_cloudwatch_ids_kept() {
    let line = fixture("aws/alb.log").lines().next().unwrap().to_owned();
    let parse = |parser: &mut LineParser, event_id: Option<&'static str>| {
        let ctx = EventContext {
            source: "alb.log",
            position: 1,
            event_id,
            ..EventContext::default()
        };
        parser
            .parse_line(&line, &ctx)
            .into_record()
            .unwrap()
            .to_value()
    };
    let mut clear = LineParser::default();
    let mut keyed = LineParser::default().with_pseudonymiser(Some(pseudonymiser()));
    let mut other = LineParser::default().with_pseudonymiser(Some(Arc::new(
        Pseudonymiser::from_key_text(
            "fa663ae55d8dd1dd00132106d82cde888bbfab1482d7ebb2ac79bf5016288b69",
        )
        .unwrap(),
    )));
    let plain = parse(&mut clear, None)["event_id"].clone();
    let first = parse(&mut keyed, None)["event_id"].clone();
    assert!(plain.as_str().unwrap().starts_with("lw-"));
    assert!(first.as_str().unwrap().starts_with("lwp-"), "{first}");
    assert_eq!(first, parse(&mut keyed, None)["event_id"], "deterministic");
    assert_ne!(first, parse(&mut other, None)["event_id"], "keyed");
    let cloudwatch = "37564928375892374589237458923745892374589237458923745";
    assert_eq!(parse(&mut keyed, Some(cloudwatch))["event_id"], cloudwatch);
}

#[test]
fn raw_lines_are_dropped_or_rewritten() {
    let config = Arc::new(SourceConfig::from_json(r#"{"keep_raw": true}"#).unwrap());
    let parser = LineParser::new(config, Arc::new(Rules::default()));
    let web = fixture("pexip/web.log");
    let clear = parse_all(&parser, "web", &web);
    assert!(clear[0]["raw"].as_str().unwrap().contains("185.217.119.28"));
    let pseudonymised = parse_all(
        &parser.clone().with_pseudonymiser(Some(pseudonymiser())),
        "web",
        &web,
    );
    assert!(pseudonymised.iter().all(|r| r.get("raw").is_none()));
    let junk = parse_all(
        &parser.with_pseudonymiser(Some(pseudonymiser())),
        "junk",
        "junk from grace@example.com at 203.0.113.200",
    );
    let raw = junk[0]["raw"].as_str().unwrap();
    assert!(
        raw.starts_with("junk from anon-alias-") && raw.contains(" at anon-ip4-"),
        "{raw}"
    );
}

/// Legs merged per (session, leg) and the summary of every session.
fn summaries(records: &[Record<'_>]) -> (Vec<SessionSummary>, Vec<LegFacts>) {
    let mut legs: BTreeMap<(String, String, String), LegFacts> = BTreeMap::new();
    for record in records {
        if let Some(LegUpdate::Leg(facts)) = leg_update(record, record.envelope.severity) {
            let key = (
                facts.conference.clone(),
                facts.session_id.clone(),
                facts.leg_id.clone(),
            );
            legs.entry(key)
                .and_modify(|leg| leg.merge(&facts))
                .or_insert(*facts);
        }
    }
    let mut sessions: BTreeMap<(String, String), Vec<LegFacts>> = BTreeMap::new();
    for ((conference, session, _), leg) in &legs {
        sessions
            .entry((conference.clone(), session.clone()))
            .or_default()
            .push(leg.clone());
    }
    let summaries = sessions
        .iter()
        .map(|((conference, session), legs)| summarise(conference, session, legs))
        .collect();
    (summaries, legs.into_values().collect())
}

#[test]
fn summaries_from_pseudonymised_records_count_the_same_people() {
    let p = pseudonymiser();
    let text = fixture("pexip/support.log");
    let parse = |parser: LineParser| -> Vec<Record<'_>> {
        let mut parser = parser;
        text.lines()
            .enumerate()
            .filter_map(|(i, line)| {
                let ctx = EventContext {
                    source: "support.log",
                    position: i as u64,
                    ..EventContext::default()
                };
                parser.parse_line(line, &ctx).into_record()
            })
            .collect()
    };
    let clear = parse(LineParser::default());
    let pseudonymised = parse(LineParser::default().with_pseudonymiser(Some(p.clone())));
    let (clear_sessions, clear_legs) = summaries(&clear);
    let (sessions, legs) = summaries(&pseudonymised);
    assert!(!sessions.is_empty());
    assert!(sessions.iter().any(|s| s.participants_total >= 2));
    assert_eq!(
        sessions, clear_sessions,
        "same people, peaks, protocols and licences"
    );
    // Calls per alias: the same grouping, under tokens.
    let per_alias = |legs: &[LegFacts]| {
        let mut counts: BTreeMap<Option<String>, usize> = BTreeMap::new();
        for leg in legs {
            *counts.entry(leg.alias.clone()).or_default() += 1;
        }
        counts
    };
    let tokenised: BTreeMap<Option<String>, usize> = per_alias(&clear_legs)
        .into_iter()
        .map(|(alias, n)| {
            let token = alias.map(|a| match a.as_str() {
                "px-conf01" | "px-conf02" => a,
                _ => p.pseudonymise(Kind::Alias, &a),
            });
            (token, n)
        })
        .collect();
    assert_eq!(per_alias(&legs), tokenised);
    for leg in legs.iter().filter(|l| l.is_person()) {
        for value in [&leg.alias, &leg.display_name, &leg.remote_address]
            .into_iter()
            .flatten()
        {
            assert!(Pseudonymiser::is_token(value), "{value}");
        }
    }
}

#[test]
fn alerts_carry_tokens_only() {
    let line = r#"2026-03-02T10:22:00.000+00:00 px-conf01 2026-03-02 10:22:00,000 Level="WARNING" Name="administrator.conference" Message="Participant has disconnected." Conference="meet.alice" Participant="sip:grace@example.com" DisplayName="Grace Hopper" Protocol="SIP" Call-id="c0ffee00-0000-4000-8000-000000000001" Remote-address="203.0.113.61" Detail="Media timeout: no RTP from 203.0.113.61 (Grace Hopper)""#;
    let rules = Arc::new(Rules::default());
    let mut parser = LineParser::new(Arc::new(SourceConfig::default()), rules.clone())
        .with_pseudonymiser(Some(pseudonymiser()));
    let record = parser
        .parse_line(line, &EventContext::default())
        .into_record()
        .unwrap();
    let classification = rules.classify(&record);
    assert_eq!(classification.rule, Some("pexip-abnormal-disconnect"));
    let alert = build_alert(&record, &classification, 0, &QueryHint::default());
    for gone in ["grace", "Grace Hopper", "203.0.113.61"] {
        assert!(!alert.subject.contains(gone), "{}", alert.subject);
        assert!(!alert.body.contains(gone), "{}", alert.body);
    }
    assert!(alert.body.contains("Media timeout"), "{}", alert.body);
    assert!(alert.body.contains("anon-name-"), "{}", alert.body);
}

#[test]
fn query_parameters_get_the_same_tokens_as_the_fields() {
    let p = pseudonymiser();
    let parser = LineParser::default().with_pseudonymiser(Some(p.clone()));
    let (alb, _) = extra_inputs().into_iter().nth(2).unwrap();
    let record = &parse_all(&parser, "alb", &alb)[0];
    assert_eq!(
        record["request_url"],
        format!(
            "https://vc.example.com:443/webapp/m/meet.alice?name={}&role=guest&email={}",
            p.pseudonymise(Kind::Name, "Alice Jones"),
            p.pseudonymise(Kind::Alias, "alice@example.com")
        )
    );
}
