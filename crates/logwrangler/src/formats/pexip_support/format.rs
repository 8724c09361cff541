//! What the pipeline knows about `pexip_support` besides parsing it: its
//! sniff, level, personal data, the facts an alert shows and the fast field
//! lookup of severity rules.

use std::borrow::Cow;

use super::{PexipSupport, parse};
use crate::formats::{FieldLookup, Format, ParseResult, Signature, Sniff, join_with, prefix};
use crate::pseudonym::scrub::{Kind, Rule, Scrub};
use crate::value::Severity;

/// Pexip Infinity support and administrator log lines.
pub struct PexipSupportFormat;

impl Format for PexipSupportFormat {
    type Body<'a> = PexipSupport<'a>;
    type Header = ();

    fn sniff(line: &str) -> Sniff {
        // `<syslog time> <host> YYYY-MM-DD HH:MM:SS,mmm ...`; the syslog
        // stamp may end in `Z`, which is why this format is asked before ELB.
        let b = line.as_bytes();
        match prefix::is_date(b)
            && b.get(10) == Some(&b'T')
            && prefix::pexip_log(b) == Some(prefix::PexipLog::Support)
        {
            true => Sniff::Line,
            false => Sniff::No,
        }
    }

    fn parse<'a>(_: &(), line: &'a str) -> ParseResult<PexipSupport<'a>> {
        parse(line)
    }

    fn natural_severity(p: &PexipSupport<'_>) -> Severity {
        Severity::from_level(&p.level).unwrap_or(Severity::Info)
    }

    fn pseudonymise(p: &mut PexipSupport<'_>, s: &mut Scrub<'_>) {
        let backplane = p
            .keys
            .protocol
            .as_deref()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("BACKPLANE"));
        if !backplane {
            let k = &mut p.keys;
            for (key, slot) in [
                ("participant", &mut k.participant),
                ("participant_alias", &mut k.participant_alias),
                ("presenter", &mut k.presenter),
                ("displayname", &mut k.displayname),
                ("user", &mut k.user),
                ("requester", &mut k.requester),
                ("remote_address", &mut k.remote_address),
                ("src_address", &mut k.src_address),
                ("dst_address", &mut k.dst_address),
            ] {
                if let Some(rule) = personal_rule(key) {
                    s.set(slot, rule);
                }
            }
            s.fields(&mut p.fields, personal_rule);
        }
        // The personal keys of a JSON or Python-repr Detail (a REST request's
        // `display_name`) first: the same values recur in the Detail text.
        let mut detail_json = p.detail_json.take().map(Cow::Owned);
        let mut parsed = s.json_personal(&detail_json);
        for (key, value) in p.fields.0.iter_mut() {
            if key == "detail"
                && let Some(text) = s.rewrite(value)
            {
                *value = Cow::Owned(text);
            }
        }
        s.text(&mut p.detail);
        s.text(&mut p.message);
        for word in p.extra_fields.iter_mut() {
            if let Some(text) = s.rewrite(word) {
                *word = Cow::Owned(text);
            }
        }
        s.json_finish(&mut detail_json, &mut parsed);
        p.detail_json = detail_json.map(Cow::into_owned);
    }

    fn alert_source<'b>(p: &'b PexipSupport<'_>) -> Option<&'b str> {
        Some(p.node.as_ref())
    }

    fn alert_signature<'b>(
        p: &'b PexipSupport<'_>,
        _raw: Option<&'b str>,
    ) -> Option<Signature<'b>> {
        let mut identity = Vec::new();
        let mut message = p.message.as_deref().unwrap_or_default().to_owned();
        match p.name.as_ref() {
            "administrator.alarm" => identity.extend([
                p.keys.alarm.as_deref().unwrap_or_default(),
                p.fields.get("node").unwrap_or_default(),
                p.keys.instance.as_deref().unwrap_or_default(),
            ]),
            "administrator.system.connectivity" => {
                identity.push(p.fields.get("node").unwrap_or_default());
            }
            _ => {}
        }
        // Disconnect reasons tell problems apart ("Media timeout" is not "Call rejected").
        if message.starts_with("Participant has disconnected")
            && let Some(detail) = &p.detail
        {
            message.push(' ');
            message.push_str(detail);
        }
        Some(Signature {
            module: Cow::Borrowed(p.name.as_ref()),
            message,
            identity,
        })
    }

    fn alert_headline(p: &PexipSupport<'_>) -> Option<String> {
        let message = p
            .message
            .as_deref()
            .filter(|m| !m.is_empty())
            .unwrap_or(p.name.as_ref());
        let about = p.fields.get("node");
        let context = match p.name.as_ref() {
            "administrator.alarm" => join_with(
                " on ",
                [
                    p.keys.alarm.as_deref().map(|a| a.trim_end_matches('.')),
                    p.keys.instance.as_deref().or(about),
                ],
            ),
            "administrator.system.connectivity" => about.unwrap_or_default().to_owned(),
            _ => join_with(
                ": ",
                [
                    p.keys.conference.as_deref(),
                    p.detail.as_deref().and_then(|d| d.lines().next()),
                ],
            ),
        };
        Some(match context.is_empty() {
            true => message.to_owned(),
            false => format!("{message} ({context})"),
        })
    }

    fn alert_details(
        p: &PexipSupport<'_>,
        _raw: Option<&str>,
        field: &mut dyn FnMut(&str, Option<&str>),
    ) {
        let k = &p.keys;
        field("Message", p.message.as_deref());
        field("Detail", p.detail.as_deref());
        field("Node", Some(p.node.as_ref()));
        field("Module", Some(p.name.as_ref()));
        field("Level", Some(p.level.as_ref()));
        field("Conference", k.conference.as_deref());
        field("Call id", k.call_id.as_deref());
        field("Participant", k.participant.as_deref());
        field("Participant id", k.participant_id.as_deref());
        field("Display name", k.displayname.as_deref());
        field("Protocol", k.protocol.as_deref());
        field("Remote address", k.remote_address.as_deref());
        field("Alarm", k.alarm.as_deref());
        field("About node", p.fields.get("node"));
        field("Instance", k.instance.as_deref());
        field("Reported by", k.src_node.as_deref());
        field("Last reported", k.last_reported.as_deref());
    }

    fn athena_narrowing(
        p: &PexipSupport<'_>,
        add: &mut dyn FnMut(&'static str, Option<&str>) -> bool,
    ) -> Option<bool> {
        // The call, else the conference, else the node and module (both added).
        Some(
            add("call_id", p.keys.call_id.as_deref())
                || add("conference", p.keys.conference.as_deref())
                || (add("node", Some(p.node.as_ref())) & add("name", Some(p.name.as_ref()))),
        )
    }

    fn rule_field<'b>(p: &'b PexipSupport<'_>, name: &str) -> FieldLookup<'b> {
        // Rules read Pexip pairs on the hot path: answer from them directly.
        FieldLookup::Direct(match name {
            "name" => Some(Cow::Borrowed(&p.name)),
            "message" => p.message.as_deref().map(Cow::Borrowed),
            "level" => Some(Cow::Borrowed(&p.level)),
            "node" => Some(Cow::Borrowed(&p.node)),
            other => p.fields.get(other).map(Cow::Borrowed),
        })
    }
}

/// Rules of Pexip keys (normalised: lower case, `-` -> `_`).
fn personal_rule(key: &str) -> Option<Rule> {
    Some(match key {
        "participant" | "participant_alias" | "presenter" | "last_presenter" => {
            Rule::Token(Kind::Alias)
        }
        "displayname" | "display_name" => Rule::Token(Kind::Name),
        "user" | "username" | "user_name" | "requester" => Rule::Token(Kind::User),
        "remote_address" | "remote_candidate_address" | "remote_ip" | "client_ip" => Rule::AnyIp,
        "src_address" | "dst_address" | "source_address" | "destination_address" => Rule::PublicIp,
        // Room addresses, not people (see the module documentation).
        "conferencealias" | "conference_alias" | "local_alias" => return None,
        k if k.ends_with("_alias") => Rule::Token(Kind::Alias),
        k if k.ends_with("display_name") || k.ends_with("displayname") => Rule::Token(Kind::Name),
        _ => return None,
    })
}
