//! A day of a Pexip Infinity estate: one management node and four
//! conferencing nodes in two locations, virtual meeting rooms used across the
//! working day, people joining and leaving over SIP, H.323, WebRTC (an API leg
//! and a media leg sharing a Conversation-id), Skype for Business, Teams and
//! RTMP streaming, backplanes between the nodes of a distributed conference,
//! call quality that sometimes collapses, the signalling chatter around each
//! call (SIP messages flattened with `^M`, large ones fragmented), alarms, one
//! connectivity loss between two nodes, auditd records and the web server's
//! access lines.
//!
//! Every line follows docs/ARCHITECTURE.md §4 (the Pexip line format) and the fixtures in
//! `tests/fixtures/pexip/`; each one is written together with what the core
//! must make of it ([`Expect`]) and, for call legs, the facts of the leg
//! ([`CallTruth`]), so the ground truth is known by construction.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use fastrand::Rng;
use logwrangler::summary::QUALITY_NAMES;
use logwrangler::{LogType, Severity};

use super::cloudwatch::{Expect, Sink, StreamId};
use super::truth::{CallTruth, ConferenceTruth, ConnectivityTruth, GroundTruth, bump};
use super::util::{
    DAY_MS, HOUR_MS, MINUTE_MS, alarm_time, between, chance, clf_time, ctime, diurnal, hex,
    hour_of_day, pick, public_ipv4, public_ipv6, push_pexip_prefix, push_syslog_time, scaled,
    sub_rng, token, uuid, weighted,
};
use super::{PEXIP_AUDIT_GROUP, PEXIP_SUPPORT_GROUP, PEXIP_WEB_GROUP};

/// A node of the estate.
struct Node {
    name: &'static str,
    ip: &'static str,
    location: &'static str,
}

const NODES: [Node; 5] = [
    Node {
        name: "px-mgr-01",
        ip: "10.1.1.10",
        location: "London",
    },
    Node {
        name: "px-conf-01",
        ip: "10.1.1.127",
        location: "London",
    },
    Node {
        name: "px-conf-02",
        ip: "10.1.1.128",
        location: "London",
    },
    Node {
        name: "px-conf-03",
        ip: "10.2.1.31",
        location: "Frankfurt",
    },
    Node {
        name: "px-conf-04",
        ip: "10.2.1.32",
        location: "Frankfurt",
    },
];
const MANAGEMENT: usize = 0;
const CONFERENCING: [usize; 4] = [1, 2, 3, 4];
const LOCATIONS: [[usize; 2]; 2] = [[1, 2], [3, 4]];
const DOMAIN: &str = "vc.example.com";

const SUPPORT: Expect = Expect::info(LogType::PexipSupport);
const DEBUG: Expect = Expect::level(LogType::PexipSupport, Severity::Debug);
const AUDIT: Expect = Expect::info(LogType::PexipAudit);
const WEB: Expect = Expect::info(LogType::PexipWeb);

const ROOM_NAMES: [&str; 24] = [
    "meet.alice",
    "sales.weekly",
    "eng.standup",
    "board.monthly",
    "support.bridge",
    "town.hall",
    "hr.interviews",
    "ops.war-room",
    "design.review",
    "meet.bob",
    "finance.close",
    "legal.sync",
    "marketing.huddle",
    "it.helpdesk",
    "exec.staff",
    "product.demo",
    "customer.onboarding",
    "training.room",
    "meet.carol",
    "meet.dave",
    "research.lab",
    "partner.sync",
    "meet.erin",
    "meet.frank",
];

const FIRST_NAMES: [&str; 30] = [
    "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory",
    "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Yasmin", "Zoe",
    "Hannah", "Liam", "Noah", "Mia", "Priya", "Tomasz", "Ines", "Kenji", "Fatima",
];
const LAST_NAMES: [&str; 16] = [
    "Jones", "Smith", "Müller", "Garcia", "Nguyen", "Okafor", "Kowalski", "Rossi", "Tanaka",
    "Dubois", "Andersen", "Silva", "Khan", "Murphy", "O'Brien", "Fischer",
];
const ROOMS: [&str; 7] = [
    "Board Room 1",
    "Board Room 2",
    "Huddle 3A",
    "Training Suite",
    "London Boardroom",
    "Frankfurt Meeting 4",
    "Exec Suite",
];
const BROWSERS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
];
const SIP_VENDORS: [&str; 5] = [
    "TANDBERG/4136 (X8.11.4)",
    "Cisco/CE 11.5.2",
    "Poly/RealPresence Group 500 6.2.2.2",
    "Yealink SIP-VP59 91.283.0.40",
    "Zoom Rooms 6.2.5",
];
const H323_VENDORS: [&str; 2] = [
    "Polycom HDX 8000 HD 3.1.14",
    "Cisco TelePresence SX20 TC7.3.21",
];
const MSSIP_VENDOR: &str = "UCCAPI/16.0.14326.20454 OC/16.0.14326.20454 (Skype for Business)";
const TEAMS_VENDOR: &str = "Microsoft Teams Connector";
const RTMP_VENDOR: &str = "Wowza Streaming Engine 4.8.27";

/// Protocols of people's calls, by share. The first calls of the day cycle
/// through all of them so that even a small day has each.
const PROTOCOLS: [(&str, u32); 6] = [
    ("SIP", 26),
    ("WebRTC", 34),
    ("H323", 8),
    ("MSSIP", 8),
    ("TEAMS", 18),
    ("RTMP", 6),
];

/// Disconnect reasons the default rules read as normal.
const NORMAL_REASONS: [(&str, u32); 10] = [
    ("Call disconnected", 40),
    ("Remote disconnect", 18),
    ("Disconnected by another participant", 5),
    ("Conference terminated by another participant", 3),
    ("Conference terminated by a host participant", 3),
    ("Disconnected by an administrator", 1),
    ("Timeout waiting for conference host", 2),
    (
        "Conference host ended the conference with a DTMF command",
        1,
    ),
    ("API initiated participant disconnect", 2),
    ("BYE received", 3),
];
/// Disconnect reasons the default rules rate abnormal (warning).
const ABNORMAL_REASONS: [(&str, u32); 5] = [
    ("Media timeout", 6),
    ("Call rejected", 1),
    ("Failed to gather ICE candidates", 1),
    ("Out of proxying resource", 1),
    ("Insufficient licenses", 1),
];
/// Share of people's calls that end abnormally.
const ABNORMAL_SHARE: f64 = 0.06;

/// Relative meeting starts per UTC hour: Europe's morning and afternoon, the
/// US east coast's morning, nothing at night.
const MEETING_WEIGHTS: [u32; 24] = [
    0, 0, 0, 0, 0, 0, 4, 9, 16, 20, 18, 12, 9, 15, 19, 18, 14, 10, 6, 4, 2, 0, 0, 0,
];

/// Why an outbound SIP connection failed.
const SIP_FAILURES: [&str; 3] = [
    "Connection refused",
    "Connection timed out",
    "TLS handshake failed",
];

const ALARM_CAPACITY: &str = "Call capacity limit reached";
const ALARM_CONNECTIVITY: &str = "Connectivity lost between nodes";
const ALARM_NTP: &str = "NTP not synchronized";

/// One Pexip line being written: the text so far, its node and syslog time.
struct Line {
    text: String,
    node: usize,
    syslog_ms: i64,
}

impl Line {
    /// Starts a line of `node` about an event at `time` (the originating
    /// time); syslog stamps it a millisecond or two later.
    fn new(node: usize, time: i64, level: &str, name: &str, message: &str) -> Line {
        let mut text = String::with_capacity(640);
        let syslog_ms = time + time.rem_euclid(3);
        push_pexip_prefix(&mut text, syslog_ms, NODES[node].name, time);
        let _ = write!(
            text,
            " Level=\"{level}\" Name=\"{name}\" Message=\"{message}\""
        );
        Line {
            text,
            node,
            syslog_ms,
        }
    }

    /// Appends ` Key="value"`, escaping quotes as Pexip does.
    fn pair(mut self, key: &str, value: &str) -> Line {
        self.text.push(' ');
        self.text.push_str(key);
        self.text.push_str("=\"");
        for c in value.chars() {
            if c == '"' {
                self.text.push('\\');
            }
            self.text.push(c);
        }
        self.text.push('"');
        self
    }

    /// Appends a raw ` Detail="..."` (flattened protocol text with raw
    /// quotes); it must be the last pair of the line.
    fn raw_detail(mut self, detail: &str) -> Line {
        self.text.push_str(" Detail=\"");
        self.text.push_str(detail);
        self.text.push('"');
        self
    }
}

/// One call leg as planned.
#[derive(Clone)]
struct Leg {
    protocol: &'static str,
    call_id: String,
    participant_id: String,
    conversation_id: String,
    alias: String,
    display_name: String,
    direction: &'static str,
    remote: String,
    vendor: Option<&'static str>,
    role: Option<&'static str>,
    licenses: &'static str,
    license_type: &'static str,
    node: usize,
    media_node: Option<usize>,
    joined: i64,
    left: i64,
    reason: &'static str,
    abnormal: bool,
    /// Quality changes: (time, was, now).
    quality: Vec<(i64, i64, i64)>,
}

impl Leg {
    fn is_backplane(&self) -> bool {
        self.protocol == "BACKPLANE"
    }

    fn duration_text(&self) -> String {
        format!("{:.3}", (self.left - self.joined) as f64 / 1000.0)
    }
}

/// Who is calling in.
struct Caller {
    protocol: &'static str,
    display_name: String,
    alias: String,
    vendor: &'static str,
    remote: String,
    node: usize,
    role: &'static str,
}

/// One request to a node's web server.
struct WebHit<'a> {
    node: usize,
    time: i64,
    client: &'a str,
    user: &'a str,
    request: &'a str,
    status: u16,
    bytes: Option<u64>,
    referrer_and_agent: Option<(&'a str, &'a str)>,
    /// Pexip's layout: the serving pid and the request size before the status.
    pexip_layout: Option<(u32, u64)>,
}

/// A virtual meeting room.
struct Room {
    name: String,
    tag: String,
}

/// A conference session being written.
struct Session<'r> {
    room: &'r Room,
    id: String,
    start: i64,
    end: i64,
    home: usize,
}

struct Pexip<'s> {
    rng: Rng,
    sink: &'s mut Sink,
    support: Vec<StreamId>,
    audit: Vec<StreamId>,
    web: Vec<StreamId>,
    day_start: i64,
    scale: f64,
    callers: usize,
    audit_serial: u64,
}

/// Writes the Pexip day into `sink` and its facts into `truth`.
pub fn generate(seed: u64, scale: f64, day_start: i64, sink: &mut Sink, truth: &mut GroundTruth) {
    let support = NODES
        .iter()
        .map(|n| sink.stream(PEXIP_SUPPORT_GROUP, n.name))
        .collect();
    let audit = NODES
        .iter()
        .map(|n| sink.stream(PEXIP_AUDIT_GROUP, n.name))
        .collect();
    let web = NODES
        .iter()
        .map(|n| sink.stream(PEXIP_WEB_GROUP, n.name))
        .collect();
    let mut pexip = Pexip {
        rng: sub_rng(seed, "pexip"),
        sink,
        support,
        audit,
        web,
        day_start,
        scale,
        callers: 0,
        audit_serial: 18_000,
    };
    pexip.conferences(truth);
    pexip.rng = sub_rng(seed, "pexip-operations");
    pexip.connectivity_incident(truth);
    pexip.alarms(truth);
    pexip.background();
    pexip.rng = sub_rng(seed, "pexip-audit");
    pexip.audit_trail();
    pexip.rng = sub_rng(seed, "pexip-web");
    pexip.web_background();
}

impl Pexip<'_> {
    // ---- writing lines -------------------------------------------------

    fn support(&mut self, line: Line, expect: Expect) {
        self.sink
            .emit(self.support[line.node], line.syslog_ms, line.text, expect);
    }

    /// An auditd record: `audispd: node=<fqdn> type=<TYPE> msg=audit(<epoch>:<serial>): <body>`.
    fn audit(&mut self, node: usize, time: i64, serial: u64, kind: &str, body: &str) {
        let mut text = String::with_capacity(320);
        let syslog_ms = time + self.rng.i64(1..=5);
        push_syslog_time(&mut text, syslog_ms);
        let name = NODES[node].name;
        let _ = write!(
            text,
            " {name} audispd: node={name}.{DOMAIN} type={kind} msg=audit({}.{:03}:{serial}): {body}",
            time.div_euclid(1000),
            time.rem_euclid(1000)
        );
        self.sink.emit(self.audit[node], syslog_ms, text, AUDIT);
    }

    fn next_serial(&mut self) -> u64 {
        self.audit_serial += 1 + self.rng.u64(0..3);
        self.audit_serial
    }

    /// An Apache access line of a node's web server.
    fn web(&mut self, hit: WebHit<'_>) {
        let mut text = String::with_capacity(320);
        let syslog_ms = hit.time + self.rng.i64(0..=3);
        push_syslog_time(&mut text, syslog_ms);
        let bytes = hit.bytes.map_or_else(|| "-".to_string(), |b| b.to_string());
        let _ = write!(
            text,
            " {} apache2: {} - {} [{}] \"{}\" ",
            NODES[hit.node].name,
            hit.client,
            hit.user,
            clf_time(hit.time),
            hit.request
        );
        match hit.pexip_layout {
            Some((pid, received)) => {
                let _ = write!(text, "{pid} {} {received} {bytes}", hit.status);
            }
            None => {
                let _ = write!(text, "{} {bytes}", hit.status);
            }
        }
        if let Some((referrer, agent)) = hit.referrer_and_agent {
            let _ = write!(text, " \"{referrer}\" \"{agent}\"");
        }
        self.sink.emit(self.web[hit.node], syslog_ms, text, WEB);
    }

    // ---- conferences -----------------------------------------------------

    fn conferences(&mut self, truth: &mut GroundTruth) {
        let sessions = scaled(300.0, self.scale, 3);
        let room_count = scaled(24.0, self.scale, 3).min(sessions);
        let rooms: Vec<Room> = (0..room_count)
            .map(|i| {
                let name = ROOM_NAMES
                    .get(i)
                    .map_or_else(|| format!("room.{:03}", i + 1), |n| n.to_string());
                let tag = format!("team-{}", name.split('.').next().unwrap_or("vc"));
                Room { name, tag }
            })
            .collect();
        // Each room's sessions start when people like to meet (the working
        // day's curve), one after the other: a room never hosts two at once.
        let mut planned: Vec<(i64, i64, usize)> = Vec::with_capacity(sessions);
        let first_start = self.day_start + 6 * HOUR_MS;
        let last_end = self.day_start + 22 * HOUR_MS;
        for r in 0..room_count {
            let count = sessions / room_count + usize::from(r < sessions % room_count);
            let mut wanted: Vec<i64> = (0..count)
                .map(|_| diurnal(&mut self.rng, self.day_start, &MEETING_WEIGHTS))
                .collect();
            wanted.sort_unstable();
            let mut free_from = first_start;
            for want in wanted {
                let start = want.max(free_from);
                let length = weighted(
                    &mut self.rng,
                    &[(15, 10), (25, 20), (30, 25), (45, 20), (60, 20), (90, 5)],
                ) * MINUTE_MS
                    + self.rng.i64(-120_000..120_000);
                if start + length + 5 * MINUTE_MS > last_end {
                    continue;
                }
                planned.push((start, start + length, r));
                // People linger up to 90 s after the end; the next session waits.
                free_from = start + length + between(&mut self.rng, 5 * MINUTE_MS, 25 * MINUTE_MS);
            }
        }
        planned.sort_unstable();
        let mut calls = Vec::new();
        for (start, end, r) in planned {
            let room = &rooms[r];
            let home_location = if chance(&mut self.rng, 0.6) { 0 } else { 1 };
            let session = Session {
                room,
                id: uuid(&mut self.rng),
                start,
                end,
                home: *pick(&mut self.rng, &LOCATIONS[home_location]),
            };
            let legs = self.session(&session);
            truth.conferences.push(conference_truth(&session, &legs));
            for leg in legs {
                calls.push(call_truth(&session, leg));
            }
        }
        calls.sort_by_key(|c| (c.joined_ms, c.node.clone()));
        for call in &calls {
            if !call.is_backplane {
                bump(&mut truth.joined_per_hour, hour_of_day(call.joined_ms));
                bump(&mut truth.left_per_hour, hour_of_day(call.left_ms));
                bump(&mut truth.protocol_mix, call.protocol.clone());
            }
        }
        truth.calls = calls;
    }

    /// Plans and writes one session; returns its legs.
    fn session(&mut self, s: &Session<'_>) -> Vec<Leg> {
        let people = if s.room.name == "town.hall" {
            between(&mut self.rng, 15, 40) as usize
        } else {
            weighted(
                &mut self.rng,
                &[
                    (2, 20),
                    (3, 22),
                    (4, 18),
                    (5, 13),
                    (6, 9),
                    (7, 6),
                    (8, 5),
                    (10, 4),
                    (14, 2),
                    (20, 1),
                ],
            )
        };
        let length = s.end - s.start;
        let mut legs: Vec<Leg> = Vec::new();
        for p in 0..people {
            let caller = self.caller(s.home);
            let joined = if p == 0 {
                s.start + self.rng.i64(0..20_000)
            } else if chance(&mut self.rng, 0.15) {
                s.start + self.rng.i64(0..length * 7 / 10)
            } else {
                s.start + self.rng.i64(0..(length / 4).min(5 * MINUTE_MS))
            };
            let mut left = s.end + self.rng.i64(-90_000..=90_000);
            if chance(&mut self.rng, 0.12) && left - joined > 2 * MINUTE_MS {
                left = joined + self.rng.i64(MINUTE_MS..left - joined);
            }
            let left = left.max(joined + 30_000);
            let (reason, abnormal) = self.reason(caller.protocol);
            self.call(s, &caller, joined, left, reason, abnormal, &mut legs);
            // Someone whose call failed usually dials back in: a new call, a new conversation.
            if abnormal && chance(&mut self.rng, 0.6) && left + 3 * MINUTE_MS < s.end {
                let rejoined = left + self.rng.i64(20_000..90_000);
                let left_again = (s.end + self.rng.i64(-60_000..=60_000)).max(rejoined + 30_000);
                let (reason, _) = self.normal_reason();
                self.call(s, &caller, rejoined, left_again, reason, false, &mut legs);
            }
        }
        self.backplanes(s, &mut legs);
        legs
    }

    /// Someone new to call into a session homed on `home`.
    fn caller(&mut self, home: usize) -> Caller {
        let protocol = match PROTOCOLS.get(self.callers) {
            Some(&(protocol, _)) => protocol,
            None => weighted(&mut self.rng, &PROTOCOLS),
        };
        self.callers += 1;
        let first = *pick(&mut self.rng, &FIRST_NAMES);
        let last = *pick(&mut self.rng, &LAST_NAMES);
        let user = format!(
            "{}.{}",
            first.to_lowercase(),
            last.to_lowercase().replace('\'', "").replace('ü', "ue")
        );
        let mut display_name = format!("{first} {last}");
        if chance(&mut self.rng, 0.02) {
            display_name = format!(
                "{first} \"{}\" {last}",
                pick(&mut self.rng, &["Boss", "The Builder", "DJ"])
            );
        }
        let room = chance(&mut self.rng, 0.35);
        let (alias, vendor, remote) = match protocol {
            "SIP" if room => {
                let name = *pick(&mut self.rng, &ROOMS);
                display_name = name.to_string();
                (
                    format!("sip:{}@example.com", name.to_lowercase().replace(' ', "")),
                    *pick(&mut self.rng, &SIP_VENDORS),
                    format!("10.20.{}.{}", self.rng.u8(1..40), self.rng.u8(2..250)),
                )
            }
            "SIP" => (
                format!("sip:{user}@example.com"),
                *pick(&mut self.rng, &SIP_VENDORS),
                public_ipv4(&mut self.rng),
            ),
            "H323" => {
                let name = *pick(&mut self.rng, &ROOMS);
                display_name = name.to_string();
                (
                    format!("h323:{}@example.com", name.to_lowercase().replace(' ', "")),
                    *pick(&mut self.rng, &H323_VENDORS),
                    public_ipv4(&mut self.rng),
                )
            }
            "MSSIP" => (
                format!("sip:{user}@corp.example.com"),
                MSSIP_VENDOR,
                public_ipv4(&mut self.rng),
            ),
            "TEAMS" => (
                format!("{user}@contoso.example"),
                TEAMS_VENDOR,
                format!("52.112.{}.{}", self.rng.u8(0..=255), self.rng.u8(2..250)),
            ),
            "RTMP" => {
                display_name = "Live stream".to_string();
                (
                    format!("rtmp://live.example.com/app/{}", token(&mut self.rng, 20)),
                    RTMP_VENDOR,
                    format!("198.18.{}.{}", self.rng.u8(0..=255), self.rng.u8(2..250)),
                )
            }
            _ => (
                display_name.clone(),
                *pick(&mut self.rng, &BROWSERS),
                if chance(&mut self.rng, 0.2) {
                    public_ipv6(&mut self.rng)
                } else {
                    public_ipv4(&mut self.rng)
                },
            ),
        };
        let node = if chance(&mut self.rng, 0.75) {
            home
        } else {
            *pick(&mut self.rng, &CONFERENCING)
        };
        let role = if chance(&mut self.rng, 0.2) {
            "chair"
        } else {
            "guest"
        };
        Caller {
            protocol,
            display_name,
            alias,
            vendor,
            remote,
            node,
            role,
        }
    }

    fn reason(&mut self, protocol: &str) -> (&'static str, bool) {
        if protocol != "RTMP" && chance(&mut self.rng, ABNORMAL_SHARE) {
            let mut reason = weighted(&mut self.rng, &ABNORMAL_REASONS);
            if reason == "Failed to gather ICE candidates" && protocol != "WebRTC" {
                reason = "Media timeout";
            }
            (reason, true)
        } else {
            self.normal_reason()
        }
    }

    fn normal_reason(&mut self) -> (&'static str, bool) {
        (weighted(&mut self.rng, &NORMAL_REASONS), false)
    }

    /// Writes one person's call (one leg, or the API and media legs of a
    /// WebRTC user) with its signalling, and adds the legs to `legs`.
    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        s: &Session<'_>,
        caller: &Caller,
        joined: i64,
        left: i64,
        reason: &'static str,
        abnormal: bool,
        legs: &mut Vec<Leg>,
    ) {
        let call_id = uuid(&mut self.rng);
        let licensed = if chance(&mut self.rng, 0.03) {
            "True"
        } else {
            "1"
        };
        let mut leg = Leg {
            protocol: caller.protocol,
            call_id: call_id.clone(),
            participant_id: uuid(&mut self.rng),
            conversation_id: call_id,
            alias: caller.alias.clone(),
            display_name: caller.display_name.clone(),
            direction: if caller.protocol == "RTMP" {
                "out"
            } else {
                "in"
            },
            remote: caller.remote.clone(),
            vendor: Some(caller.vendor),
            role: Some(caller.role),
            licenses: licensed,
            license_type: "port",
            node: caller.node,
            media_node: Some(caller.node),
            joined,
            left,
            reason,
            abnormal,
            quality: Vec::new(),
        };
        match caller.protocol {
            "WebRTC" => {
                let conversation = uuid(&mut self.rng);
                let api_id = uuid(&mut self.rng);
                let api = Leg {
                    protocol: "API",
                    call_id: api_id.clone(),
                    participant_id: api_id,
                    conversation_id: conversation.clone(),
                    licenses: "0",
                    license_type: "none",
                    media_node: None,
                    left: left + self.rng.i64(300..1_500),
                    reason: if abnormal {
                        "Call disconnected"
                    } else {
                        reason
                    },
                    abnormal: false,
                    ..leg.clone()
                };
                leg.joined = joined + self.rng.i64(3_000..9_000);
                leg.left = left.max(leg.joined + 10_000);
                leg.participant_id = leg.call_id.clone();
                leg.conversation_id = conversation;
                leg.quality = self.quality_plan(leg.joined, leg.left);
                self.webrtc_chatter(s, &api, &leg);
                self.join_line(s, &api);
                self.join_line(s, &leg);
                self.quality_lines(s, &leg);
                self.leave_line(s, &leg);
                self.leave_line(s, &api);
                legs.push(api);
                legs.push(leg);
            }
            protocol => {
                if protocol != "RTMP" {
                    leg.quality = self.quality_plan(joined, left);
                }
                match protocol {
                    "SIP" | "MSSIP" => self.sip_chatter(s, &leg),
                    "H323" => self.h323_chatter(s, &leg),
                    "TEAMS" => self.teams_chatter(s, &leg),
                    _ => self.rtmp_chatter(s, &leg),
                }
                if protocol != "RTMP" {
                    self.attempt_line(s, &leg);
                }
                self.join_line(s, &leg);
                self.quality_lines(s, &leg);
                self.leave_line(s, &leg);
                legs.push(leg);
            }
        }
    }

    /// One backplane per conferencing node (other than the home node) that
    /// carries people of the session, for as long as it carries them.
    fn backplanes(&mut self, s: &Session<'_>, legs: &mut Vec<Leg>) {
        let nodes: BTreeSet<usize> = legs
            .iter()
            .map(|l| l.node)
            .filter(|n| *n != s.home)
            .collect();
        for node in nodes {
            let on_node = legs.iter().filter(|l| l.node == node);
            let first = on_node.clone().map(|l| l.joined).min().unwrap_or(s.start);
            let last = on_node.map(|l| l.left).max().unwrap_or(s.end);
            let id = uuid(&mut self.rng);
            let leg = Leg {
                protocol: "BACKPLANE",
                call_id: id.clone(),
                participant_id: id.clone(),
                conversation_id: id,
                alias: NODES[s.home].name.to_string(),
                display_name: String::new(),
                direction: "out",
                remote: NODES[s.home].ip.to_string(),
                vendor: None,
                role: None,
                licenses: "None",
                license_type: "none",
                node,
                media_node: Some(node),
                joined: first + self.rng.i64(200..1_200),
                left: last + self.rng.i64(200..900),
                reason: if chance(&mut self.rng, 0.7) {
                    "Conference ended"
                } else {
                    "Call disconnected"
                },
                abnormal: false,
                quality: Vec::new(),
            };
            self.join_line(s, &leg);
            self.leave_line(s, &leg);
            legs.push(leg);
        }
    }

    // ---- call lifecycle lines ------------------------------------------

    fn attempt_line(&mut self, s: &Session<'_>, leg: &Leg) {
        let line = Line::new(
            leg.node,
            leg.joined - self.rng.i64(900..1_300),
            "INFO",
            "administrator.conference",
            "Participant attempting to join conference.",
        )
        .pair("ConferenceAlias", &format!("{}@{DOMAIN}", s.room.name))
        .pair("Participant", &leg.alias)
        .pair("Protocol", leg.protocol)
        .pair("Direction", leg.direction)
        .pair("Remote-Address", &leg.remote)
        .pair("Participant-Id", &leg.participant_id)
        .pair("Location", NODES[leg.node].location);
        self.support(line, SUPPORT);
    }

    fn join_line(&mut self, s: &Session<'_>, leg: &Leg) {
        let mut line = Line::new(
            leg.node,
            leg.joined,
            "INFO",
            "administrator.conference",
            "Participant has joined.",
        )
        .pair("Conference", &s.room.name)
        .pair("Conference-ID", &s.id)
        .pair("Service-type", "conference")
        .pair("Service-tag", &s.room.tag)
        .pair("Participant", &leg.alias)
        .pair("DisplayName", &leg.display_name)
        .pair("Protocol", leg.protocol)
        .pair("Direction", leg.direction)
        .pair("Call-id", &leg.call_id)
        .pair("Conversation-id", &leg.conversation_id)
        .pair("Participant-id", &leg.participant_id)
        .pair("Remote-address", &leg.remote)
        .pair("Location", NODES[leg.node].location)
        .pair("Licenses", leg.licenses)
        .pair("License-type", leg.license_type)
        .pair("Signaling-node", NODES[leg.node].ip)
        .pair("Media-node", leg.media_node.map_or("None", |n| NODES[n].ip));
        if let Some(vendor) = leg.vendor {
            line = line.pair("Vendor", vendor);
        }
        if let Some(role) = leg.role {
            line = line.pair("Role", role);
        }
        self.support(line, SUPPORT);
    }

    fn leave_line(&mut self, s: &Session<'_>, leg: &Leg) {
        let mut line = Line::new(
            leg.node,
            leg.left,
            "INFO",
            "administrator.conference",
            "Participant has disconnected.",
        )
        .pair("Conference", &s.room.name)
        .pair("Conference-ID", &s.id)
        .pair("Service-type", "conference")
        .pair("Participant", &leg.alias)
        .pair("DisplayName", &leg.display_name)
        .pair("Protocol", leg.protocol)
        .pair("Direction", leg.direction)
        .pair("Call-id", &leg.call_id)
        .pair("Conversation-id", &leg.conversation_id)
        .pair("Participant-id", &leg.participant_id)
        .pair("Remote-address", &leg.remote)
        .pair("Licenses", leg.licenses);
        if let Some(role) = leg.role {
            line = line.pair("Role", role);
        }
        let line = line
            .pair("Duration", &leg.duration_text())
            .pair("Detail", leg.reason);
        let expect = if leg.abnormal {
            Expect::rule(
                LogType::PexipSupport,
                Severity::Warning,
                "pexip-abnormal-disconnect",
            )
        } else {
            SUPPORT
        };
        self.support(line, expect);
    }

    /// Pexip's stable quality of a media leg: mostly good from the start,
    /// sometimes a dip to okay, for some calls one to three drops to bad or
    /// terrible with or without recovery.
    fn quality_plan(&mut self, joined: i64, left: i64) -> Vec<(i64, i64, i64)> {
        let length = left - joined;
        let roll = self.rng.f64();
        let mut plan = Vec::new();
        if roll > 0.88 || length < 20_000 {
            return plan;
        }
        let settled = joined + self.rng.i64(2_000..8_000);
        plan.push((settled, 0, 1));
        let mut now = 1;
        if roll < 0.13 && length > 3 * MINUTE_MS {
            let drops: i64 = weighted(&mut self.rng, &[(1, 60), (2, 30), (3, 10)]);
            let from = settled + 15_000;
            let segment = (left - 15_000 - from) / drops;
            for k in 0..drops {
                let start = from + k * segment;
                let dropped = start + self.rng.i64(0..segment / 2);
                let worse = if chance(&mut self.rng, 0.3) { 4 } else { 3 };
                plan.push((dropped, now, worse));
                now = worse;
                if worse == 3 && chance(&mut self.rng, 0.25) {
                    let at = dropped + self.rng.i64(5_000..(segment / 4).max(5_001));
                    plan.push((at, 3, 4));
                    now = 4;
                }
                if k + 1 < drops || chance(&mut self.rng, 0.7) {
                    let at = start + segment / 2 + self.rng.i64(0..segment / 2 - 1_000);
                    let better = if chance(&mut self.rng, 0.6) { 1 } else { 2 };
                    plan.push((at, now, better));
                    now = better;
                }
            }
        } else if roll < 0.33 && length > 2 * MINUTE_MS {
            let dip = settled + self.rng.i64(10_000..(length / 2).max(10_001));
            plan.push((dip, 1, 2));
            plan.push((
                dip + self.rng.i64(5_000..60_000).min(left - dip - 1_000),
                2,
                1,
            ));
        }
        plan
    }

    fn quality_lines(&mut self, s: &Session<'_>, leg: &Leg) {
        let (stream, media) = if leg.protocol == "MSSIP" && chance(&mut self.rng, 0.5) {
            ("0", "audio")
        } else {
            ("1", "video")
        };
        for &(time, was, now) in &leg.quality {
            let message = format!(
                "Stable call quality changed from {} to {}",
                QUALITY_NAMES[was as usize], QUALITY_NAMES[now as usize]
            );
            let line = Line::new(leg.node, time, "INFO", "support.media", &message)
                .pair("Call-id", &leg.call_id)
                .pair("Stream-id", stream)
                .pair("Media-type", media)
                .pair("Was", &was.to_string())
                .pair("Now", &now.to_string());
            let expect = if now >= 3 {
                Expect::rule(
                    LogType::PexipSupport,
                    Severity::Warning,
                    "pexip-call-quality-bad",
                )
            } else {
                SUPPORT
            };
            self.support(line, expect);
            if now == 4 && media == "video" && chance(&mut self.rng, 0.6) {
                let line = Line::new(
                    leg.node,
                    time + self.rng.i64(500..3_000),
                    "INFO",
                    "support.participant",
                    "Lost incoming video",
                )
                .pair("Conference", &s.room.name)
                .pair("Service-tag", &s.room.tag)
                .pair("Participant", &leg.alias)
                .pair("Call-id", &leg.call_id)
                .pair("Conversation-id", &leg.conversation_id)
                .pair("Detail", "Stream 1 (video)");
                self.support(line, SUPPORT);
            }
        }
    }

    fn media_lines(&mut self, leg: &Leg, codec: &str) {
        let resolution = pick(
            &mut self.rng,
            &[
                "1280x720 at 30fps",
                "1920x1080 at 30fps",
                "640x360 at 15fps",
            ],
        );
        let line = Line::new(
            leg.node,
            leg.joined + self.rng.i64(1_000..2_000),
            "INFO",
            "support.media",
            "New mode activated",
        )
        .pair("Call-id", &leg.call_id)
        .pair("Stream-id", "1")
        .pair("Media-type", "video")
        .pair("Mode", &format!("{resolution}, {codec}"));
        self.support(line, SUPPORT);
        let line = Line::new(
            leg.node,
            leg.left - self.rng.i64(20..200),
            "INFO",
            "support.media",
            "Media Stream destroyed",
        )
        .pair("Call-id", &leg.call_id)
        .pair("Stream-id", "1")
        .pair("Media-type", "video");
        self.support(line, SUPPORT);
    }

    fn ice_line(&mut self, leg: &Leg, at: i64) {
        let line = Line::new(leg.node, at, "INFO", "support.ice", "ICE new-selected-pair")
            .pair("Call-id", &leg.call_id)
            .pair("Media-type", "audio")
            .pair("Stream-id", "0")
            .pair("Component-id", "1")
            .pair("Local-candidate-type", "host")
            .pair("Local-candidate-address", NODES[leg.node].ip)
            .pair(
                "Local-candidate-port",
                &self.rng.u16(40_000..49_999).to_string(),
            )
            .pair("Local-candidate-transport", "udp")
            .pair("Remote-candidate-type", "srflx")
            .pair("Remote-candidate-address", &leg.remote)
            .pair(
                "Remote-candidate-port",
                &self.rng.u16(1_024..65_000).to_string(),
            )
            .pair("Remote-candidate-transport", "udp");
        self.support(line, SUPPORT);
    }

    /// SIP (and Skype for Business) signalling: INVITE (sometimes fragmented),
    /// 100 Trying, 200 OK, ACK, DTMF or presentation now and then, BYE.
    fn sip_chatter(&mut self, s: &Session<'_>, leg: &Leg) {
        let node_ip = NODES[leg.node].ip;
        let port = self.rng.u16(30_000..60_000).to_string();
        let tag = hex(&mut self.rng, 8);
        let branch = hex(&mut self.rng, 10);
        let sdp_port = self.rng.u16(10_000..30_000);
        let room_uri = format!("sip:{}@{DOMAIN}", s.room.name);
        let from = format!("\"{}\" <{}>;tag={tag}", leg.display_name, leg.alias);
        let invite = format!(
            "^MINVITE {room_uri} SIP/2.0^MVia: SIP/2.0/TLS {}:{port};branch=z9hG4bK{branch};rport^MMax-Forwards: 70^MFrom: {from}^MTo: <{room_uri}>^MCall-ID: {}^MCSeq: 1 INVITE^MContact: <{};transport=tls>^MUser-Agent: {}^MContent-Type: application/sdp^MContent-Length: 412^M^Mv=0^Mo=- {sdp_port}{port} 1 IN IP4 {}^Ms=-^Mc=IN IP4 {}^Mt=0 0^Mm=audio {sdp_port} RTP/AVP 9 0 8 101^Ma=rtpmap:101 telephone-event/8000^Ma=fmtp:101 0-15^Mm=video {} RTP/AVP 97^Ma=rtpmap:97 H264/90000^Ma=fmtp:97 profile-level-id=42e01f^M",
            leg.remote,
            leg.call_id,
            leg.alias,
            leg.vendor.unwrap_or("-"),
            leg.remote,
            leg.remote,
            sdp_port + 2
        );
        let t = leg.joined - self.rng.i64(1_400..2_000);
        let header = |line: Line, src: &str, src_port: &str, dst: &str, dst_port: &str| {
            line.pair("Src-address", src)
                .pair("Src-port", src_port)
                .pair("Dst-address", dst)
                .pair("Dst-port", dst_port)
                .pair("Transport", "TLS")
        };
        if chance(&mut self.rng, 0.3) {
            // Large INVITEs are split across lines at line breaks.
            let fragment_id = uuid(&mut self.rng);
            for (n, part) in fragments(&invite, 3).iter().enumerate() {
                let line = Line::new(
                    leg.node,
                    t + n as i64,
                    "INFO",
                    "support.sip",
                    "Received SIP request",
                );
                let line = header(line, &leg.remote, &port, node_ip, "5061")
                    .pair("Call-id", &leg.call_id)
                    .pair("Fragment-id", &fragment_id)
                    .pair("Fragment-number", &(n + 1).to_string())
                    .pair("Fragment-total", "3")
                    .raw_detail(part);
                self.support(line, SUPPORT);
            }
        } else {
            let line = Line::new(leg.node, t, "INFO", "support.sip", "Received SIP request");
            let line = header(line, &leg.remote, &port, node_ip, "5061")
                .pair("Call-id", &leg.call_id)
                .raw_detail(&invite);
            self.support(line, SUPPORT);
        }
        let to = format!("<{room_uri}>;tag={}", hex(&mut self.rng, 8));
        for (offset, status) in [(60, "100 Trying"), (900, "200 OK")] {
            let detail = format!(
                "^MSIP/2.0 {status}^MVia: SIP/2.0/TLS {}:{port};branch=z9hG4bK{branch};rport={port}^MFrom: {from}^MTo: {to}^MCall-ID: {}^MCSeq: 1 INVITE^MContent-Length: 0^M^M",
                leg.remote, leg.call_id
            );
            let line = Line::new(
                leg.node,
                t + offset,
                "INFO",
                "support.sip",
                "Sending SIP response",
            );
            let line = header(line, node_ip, "5061", &leg.remote, &port)
                .pair("Call-id", &leg.call_id)
                .raw_detail(&detail);
            self.support(line, SUPPORT);
        }
        let line = Line::new(
            leg.node,
            leg.joined - self.rng.i64(50..300),
            "INFO",
            "support.sip",
            "Summarised received SIP request",
        );
        let line = header(line, &leg.remote, &port, node_ip, "5061")
            .pair("Method", "ACK")
            .pair("Cseq", "1")
            .pair("Call-id", &leg.call_id);
        self.support(line, SUPPORT);
        if leg.protocol == "MSSIP" {
            self.ice_line(leg, leg.joined + 400);
        }
        self.media_lines(
            leg,
            if leg.protocol == "MSSIP" {
                "H264-UC"
            } else {
                "H264"
            },
        );
        self.dtmf_and_presentation(s, leg);
        // The side that hangs up sends the BYE.
        let remote_hung_up =
            leg.reason != "Disconnected by an administrator" && chance(&mut self.rng, 0.7);
        let (message, answer, src, src_port, dst, dst_port) = if remote_hung_up {
            (
                "Received SIP request",
                "Summarised sending SIP response",
                leg.remote.as_str(),
                port.as_str(),
                node_ip,
                "5061",
            )
        } else {
            (
                "Sending SIP request",
                "Summarised received SIP response",
                node_ip,
                "5061",
                leg.remote.as_str(),
                port.as_str(),
            )
        };
        let bye = format!(
            "^MBYE {room_uri} SIP/2.0^MVia: SIP/2.0/TLS {src}:{src_port};branch=z9hG4bK{}^MFrom: {from}^MTo: {to}^MCall-ID: {}^MCSeq: 2 BYE^MContent-Length: 0^M^M",
            hex(&mut self.rng, 10),
            leg.call_id
        );
        let line = Line::new(
            leg.node,
            leg.left - self.rng.i64(300..600),
            "INFO",
            "support.sip",
            message,
        );
        let line = header(line, src, src_port, dst, dst_port)
            .pair("Call-id", &leg.call_id)
            .raw_detail(&bye);
        self.support(line, SUPPORT);
        let line = Line::new(
            leg.node,
            leg.left - self.rng.i64(100..280),
            "INFO",
            "support.sip",
            answer,
        );
        let line = header(line, dst, dst_port, src, src_port)
            .pair("Method", "BYE")
            .pair("Cseq", "2")
            .pair("Call-id", &leg.call_id);
        self.support(line, SUPPORT);
    }

    fn dtmf_and_presentation(&mut self, s: &Session<'_>, leg: &Leg) {
        let length = leg.left - leg.joined;
        if chance(&mut self.rng, 0.1) {
            let at = leg.joined + self.rng.i64(3_000..length.max(3_001));
            for (i, digit) in ["1", "2", "3", "4", "#"]
                .iter()
                .take(self.rng.usize(1..=5))
                .enumerate()
            {
                let line = Line::new(
                    leg.node,
                    at + i as i64 * 350,
                    "DEBUG",
                    "support.dtmf",
                    "Got DTMF digit",
                )
                .pair("Call-id", &leg.call_id)
                .pair("Digit", digit)
                .pair("Mechanism", "RFC2833");
                self.support(line, DEBUG);
            }
        }
        if chance(&mut self.rng, 0.1) && length > 60_000 {
            let at = leg.joined + self.rng.i64(10_000..length - 30_000);
            let line = Line::new(
                leg.node,
                at,
                "INFO",
                "support.bfcp",
                "Received BFCP message",
            )
            .pair("Src-address", &leg.remote)
            .pair("Src-port", "5070")
            .pair("Dst-address", NODES[leg.node].ip)
            .pair("Dst-port", &self.rng.u16(33_000..34_000).to_string())
            .pair("Call-id", &leg.call_id)
            .pair("Primitive", "FloorRequest")
            .pair("Transaction-id", &self.rng.u8(1..60).to_string())
            .pair("Floor-request-id", "1")
            .pair("Floor-status", "Pending");
            self.support(line, SUPPORT);
            let line = Line::new(
                leg.node,
                at + 400,
                "INFO",
                "support.participant",
                "Participant presentation changed.",
            )
            .pair("Conference", &s.room.name)
            .pair("Participant", &leg.alias)
            .pair("Call-id", &leg.call_id)
            .pair("Presenter", &leg.display_name)
            .pair("Last-presenter", "None");
            self.support(line, SUPPORT);
        }
    }

    fn h323_chatter(&mut self, s: &Session<'_>, leg: &Leg) {
        let node_ip = NODES[leg.node].ip;
        let remote_port = self.rng.u16(1_024..65_000).to_string();
        let t = leg.joined - self.rng.i64(1_500..2_500);
        let line = Line::new(
            leg.node,
            t,
            "INFO",
            "support.h323.q931",
            "TCP Connection established",
        )
        .pair("Local-address", node_ip)
        .pair("Local-port", "1720")
        .pair("Remote-address", &leg.remote)
        .pair("Remote-port", &remote_port)
        .pair("Uuid", &leg.call_id);
        self.support(line, SUPPORT);
        let setup = format!(
            "setup:^M  protocolIdentifier: 0.0.8.2250.0.4^M  sourceAddress: h323-ID \"{}\"^M  destinationAddress: h323-ID \"{}\"^M  conferenceGoal: create^M",
            leg.display_name, s.room.name
        );
        for (offset, name, message, detail) in [
            (150, "support.h323.q931", "Received H.225 message", setup),
            (
                700,
                "support.h323.q931",
                "Sending H.225 message",
                "connect:^M  protocolIdentifier: 0.0.8.2250.0.4^M  h245Address: ipAddress^M".to_string(),
            ),
            (
                1_100,
                "support.h323.h245",
                "Sending H.245 message",
                "request:^M  openLogicalChannel:^M    forwardLogicalChannelNumber: 1^M    forwardLogicalChannelParameters:^M      dataType: audioData g7221 maxBitRate 240^M      multiplexParameters: h2250LogicalChannelParameters sessionID 1^M".to_string(),
            ),
        ] {
            let (src, dst) = if message.starts_with("Received") {
                (leg.remote.as_str(), node_ip)
            } else {
                (node_ip, leg.remote.as_str())
            };
            let line = Line::new(leg.node, t + offset, "INFO", name, message)
                .pair("Src-address", src)
                .pair("Dst-address", dst)
                .pair("Uuid", &leg.call_id)
                .pair("Detail", &detail);
            self.support(line, SUPPORT);
        }
        self.media_lines(leg, "H264");
        self.dtmf_and_presentation(s, leg);
        let line = Line::new(
            leg.node,
            leg.left - self.rng.i64(100..400),
            "INFO",
            "support.h323.q931",
            "Received H.225 message",
        )
        .pair("Src-address", &leg.remote)
        .pair("Dst-address", node_ip)
        .pair("Uuid", &leg.call_id)
        .pair(
            "Detail",
            "releaseComplete:^M  protocolIdentifier: 0.0.8.2250.0.4^M  reason: undefinedReason^M",
        );
        self.support(line, SUPPORT);
    }

    fn teams_chatter(&mut self, s: &Session<'_>, leg: &Leg) {
        let call = uuid(&mut self.rng);
        let detail = format!(
            "{{\"method\": \"POST\", \"path\": \"/v1/calls\", \"body\": {{\"callId\": \"{call}\", \"conference\": \"{}\", \"mediaHosts\": [\"{}\"]}}}}",
            s.room.name, NODES[leg.node].ip
        );
        let line = Line::new(
            leg.node,
            leg.joined - self.rng.i64(800..1_500),
            "INFO",
            "support.teams",
            "Sending Teams API request",
        )
        .pair("Conference", &s.room.name)
        .pair("Detail", &detail);
        self.support(line, SUPPORT);
        let at = leg.joined + self.rng.i64(200..900);
        self.ice_line(leg, at);
        self.media_lines(leg, "H264");
        let detail =
            format!("{{\"method\": \"DELETE\", \"path\": \"/v1/calls/{call}\", \"body\": null}}");
        let line = Line::new(
            leg.node,
            leg.left - self.rng.i64(100..400),
            "INFO",
            "support.teams",
            "Sending Teams API request",
        )
        .pair("Conference", &s.room.name)
        .pair("Detail", &detail);
        self.support(line, SUPPORT);
    }

    fn rtmp_chatter(&mut self, s: &Session<'_>, leg: &Leg) {
        let line = Line::new(
            leg.node,
            leg.joined - self.rng.i64(2_000..4_000),
            "INFO",
            "administrator.participantdialer",
            "Dialing out participant",
        )
        .pair("Conference", &s.room.name)
        .pair("ConferenceAlias", &format!("{}@{DOMAIN}", s.room.name))
        .pair("DisplayName", &leg.display_name)
        .pair("Participant-alias", &leg.alias)
        .pair("Protocol", "RTMP")
        .pair("Role", "guest");
        self.support(line, SUPPORT);
        let line = Line::new(
            leg.node,
            leg.joined - self.rng.i64(200..1_000),
            "INFO",
            "support.rtmp",
            "RTMP connection established",
        )
        .pair("Call-id", &leg.call_id)
        .pair("Remote-address", &leg.remote)
        .pair("Remote-port", "1935");
        self.support(line, SUPPORT);
    }

    /// A WebRTC user: the web app, the token request, the API leg's REST
    /// calls that create the media leg, ICE, media, events.
    fn webrtc_chatter(&mut self, s: &Session<'_>, api: &Leg, media: &Leg) {
        let node = api.node;
        let node_ip = NODES[node].ip;
        let agent = api.vendor.unwrap_or("-");
        let referrer = format!("https://{DOMAIN}/webapp/home");
        let base = format!("/api/client/v2/conferences/{}", s.room.name);
        let hit = WebHit {
            node,
            time: api.joined - self.rng.i64(15_000..40_000),
            client: &api.remote,
            user: "-",
            request: "GET /webapp/home HTTP/1.1",
            status: if chance(&mut self.rng, 0.4) { 304 } else { 200 },
            bytes: Some(18_233),
            referrer_and_agent: Some(("-", agent)),
            pexip_layout: None,
        };
        self.web(hit);
        let hit = WebHit {
            node,
            time: api.joined - self.rng.i64(100..600),
            client: &api.remote,
            user: "-",
            request: &format!("POST {base}/request_token HTTP/1.1"),
            status: 200,
            bytes: Some(self.rng.u64(1_400..1_700)),
            referrer_and_agent: Some((&referrer, agent)),
            pexip_layout: None,
        };
        self.web(hit);
        let request = format!(
            "v2/conferences/{}/participants/{}/calls",
            s.room.name, api.participant_id
        );
        let rest_id = uuid(&mut self.rng);
        let src_port = self.rng.u16(1_024..65_000).to_string();
        let t = media.joined - self.rng.i64(1_500..2_500);
        let sdp_id: u64 = self
            .rng
            .u64(1_000_000_000_000_000_000..9_000_000_000_000_000_000);
        let line = Line::new(node, t, "INFO", "support.rest", "Received REST API request")
            .pair("Src-address", &api.remote)
            .pair("Src-port", &src_port)
            .pair("Dst-address", node_ip)
            .pair("Dst-port", "443")
            .pair("Request", &request)
            .pair("Uuid", &rest_id)
            .pair(
                "Detail",
                &format!(
                    "{{u'sdp': u'v=0^Mo=- {sdp_id} 2 IN IP4 127.0.0.1^Ms=-^Mt=0 0^Mm=audio 9 UDP/TLS/RTP/SAVPF 111^Mm=video 9 UDP/TLS/RTP/SAVPF 96^M', u'call_type': u'WEBRTC', u'present': u'receive', u'display_name': u'{}'}}",
                    api.display_name.replace(['\'', '"'], "")
                ),
            );
        self.support(line, SUPPORT);
        let line = Line::new(node, t + self.rng.i64(300..900), "INFO", "support.rest", "Sending REST API response")
            .pair("Src-address", node_ip)
            .pair("Src-port", "443")
            .pair("Dst-address", &api.remote)
            .pair("Dst-port", &src_port)
            .pair("Request", &request)
            .pair("Uuid", &rest_id)
            .pair(
                "Detail",
                &format!(
                    "{{'status': 'success', 'result': {{'allow_1080p': False, 'bandwidth_in': 1280, 'bandwidth_out': 1280L, 'call_uuid': '{}', 'token': None, 'stun': [{{'url': 'stun:stun.l.google.com:19302'}}], 'turn': []}}}}",
                    media.call_id
                ),
            );
        self.support(line, SUPPORT);
        let hit = WebHit {
            node,
            time: t + self.rng.i64(900..1_200),
            client: &api.remote,
            user: "-",
            request: &format!("POST /api/client/{request} HTTP/1.1"),
            status: 200,
            bytes: Some(self.rng.u64(1_800..2_400)),
            referrer_and_agent: Some((&referrer, agent)),
            pexip_layout: Some((self.rng.u32(1_000..30_000), self.rng.u64(2_500..3_500))),
        };
        self.web(hit);
        let line = Line::new(node, media.joined + self.rng.i64(100..400), "INFO", "support.rest", "Sending REST API event")
            .pair("Event", "participant_create")
            .pair("Conference", &s.room.name)
            .pair(
                "Detail",
                &format!(
                    "{{\"uuid\": \"{}\", \"display_name\": \"{}\", \"is_muted\": \"NO\", \"spotlight\": 0, \"start_time\": {}.{}, \"role\": \"{}\"}}",
                    media.call_id,
                    api.display_name.replace('"', ""),
                    media.joined / 1000,
                    media.joined % 1000 / 100,
                    api.role.unwrap_or("guest")
                ),
            );
        self.support(line, SUPPORT);
        let at = media.joined + self.rng.i64(500..1_500);
        self.ice_line(media, at);
        self.media_lines(media, "VP8");
        // The web app long-polls its event stream while connected.
        let polls = 1 + ((media.left - media.joined) / (20 * MINUTE_MS)).min(3);
        for _ in 0..polls {
            let at = media.joined + self.rng.i64(0..(media.left - media.joined).max(1));
            let hit = WebHit {
                node,
                time: at,
                client: &api.remote,
                user: "-",
                request: &format!(
                    "GET {base}/participants/{}/events?token={} HTTP/1.1",
                    api.participant_id,
                    token(&mut self.rng, 64)
                ),
                status: 200,
                bytes: Some(self.rng.u64(200..4_000)),
                referrer_and_agent: Some((&referrer, agent)),
                pexip_layout: None,
            };
            self.web(hit);
        }
        let hit = WebHit {
            node,
            time: api.left - self.rng.i64(50..250),
            client: &api.remote,
            user: "-",
            request: &format!("POST {base}/release_token HTTP/1.1"),
            status: 200,
            bytes: Some(52),
            referrer_and_agent: Some((&referrer, agent)),
            pexip_layout: None,
        };
        self.web(hit);
    }

    // ---- operations: connectivity, alarms, background --------------------

    fn connectivity_incident(&mut self, truth: &mut GroundTruth) {
        let lost = self.day_start + between(&mut self.rng, 10 * HOUR_MS, 16 * HOUR_MS);
        let restored = lost + between(&mut self.rng, 3 * MINUTE_MS, 8 * MINUTE_MS);
        let (source, affected) = (3, 4);
        for (time, message, level) in [
            (lost, "Connectivity lost to node.", "WARNING"),
            (restored, "Connectivity re-established.", "INFO"),
        ] {
            let last_reported = ctime(time - self.rng.i64(15_000..40_000));
            let line = Line::new(
                MANAGEMENT,
                time,
                level,
                "administrator.system.connectivity",
                message,
            )
            .pair("Node", NODES[affected].ip)
            .pair("Src-Node", NODES[source].ip)
            .pair("Last-Reported", &last_reported);
            let expect = if level == "WARNING" {
                Expect::rule(
                    LogType::PexipSupport,
                    Severity::Critical,
                    "pexip-node-connectivity-lost",
                )
            } else {
                SUPPORT
            };
            self.support(line, expect);
        }
        let detail = format!(
            "Connectivity lost between {} ({}) and {} ({})",
            NODES[source].name, NODES[source].ip, NODES[affected].name, NODES[affected].ip
        );
        let raised = lost + self.rng.i64(1_000..5_000);
        let lowered = restored + self.rng.i64(1_000..5_000);
        self.alarm(
            affected,
            ALARM_CONNECTIVITY,
            raised,
            lowered,
            &detail,
            truth,
        );
        truth.connectivity_incidents += 1;
        truth.connectivity.push(ConnectivityTruth {
            reported_by: NODES[MANAGEMENT].name.to_string(),
            affected_node: NODES[affected].ip.to_string(),
            source_node: NODES[source].ip.to_string(),
            lost_ms: lost,
            restored_ms: restored,
        });
    }

    /// An alarm raised and lowered on the management node about `node`.
    fn alarm(
        &mut self,
        node: usize,
        alarm: &str,
        raised: i64,
        lowered: i64,
        detail: &str,
        truth: &mut GroundTruth,
    ) {
        let line = Line::new(
            MANAGEMENT,
            raised,
            "WARNING",
            "administrator.alarm",
            "Alarm raised",
        )
        .pair("Node", NODES[node].ip)
        .pair("Alarm", alarm)
        .pair("Instance", NODES[node].name)
        .pair("Time", &alarm_time(raised))
        .pair("Detail", detail);
        self.support(
            line,
            Expect::rule(
                LogType::PexipSupport,
                Severity::Critical,
                "pexip-alarm-raised",
            ),
        );
        let line = Line::new(
            MANAGEMENT,
            lowered,
            "INFO",
            "administrator.alarm",
            "Alarm lowered",
        )
        .pair("Node", NODES[node].ip)
        .pair("Alarm", alarm)
        .pair("Instance", NODES[node].name)
        .pair("Time", &alarm_time(lowered))
        .pair("Detail", "None");
        self.support(
            line,
            Expect::rule(LogType::PexipSupport, Severity::Info, "pexip-alarm-lowered"),
        );
        bump(&mut truth.alarms_raised, alarm.to_string());
    }

    fn alarms(&mut self, truth: &mut GroundTruth) {
        // A capacity alarm flapping at the afternoon peak: a short, bounded storm.
        let flaps = (2 + (2.0 * self.scale).round() as usize).min(5);
        let node = 1;
        let mut at = self.day_start + between(&mut self.rng, 14 * HOUR_MS, 15 * HOUR_MS);
        for _ in 0..flaps {
            let lowered = at + between(&mut self.rng, 40_000, 150_000);
            let detail = format!(
                "Media capacity exhausted on Conferencing Node {} ({})",
                NODES[node].name, NODES[node].ip
            );
            self.alarm(node, ALARM_CAPACITY, at, lowered, &detail, truth);
            at = lowered + between(&mut self.rng, 60_000, 240_000);
        }
        let ntp = self.day_start + between(&mut self.rng, 2 * HOUR_MS, 4 * HOUR_MS);
        let cleared = ntp + between(&mut self.rng, 5 * MINUTE_MS, 20 * MINUTE_MS);
        self.alarm(
            2,
            ALARM_NTP,
            ntp,
            cleared,
            "NTP server 10.1.0.123 is unreachable",
            truth,
        );
    }

    fn background(&mut self) {
        // Load samples of every conferencing node, all day.
        let samples = scaled(288.0, self.scale, 4);
        for node in CONFERENCING {
            for i in 0..samples {
                let at =
                    self.day_start + i as i64 * (DAY_MS / samples as i64) + self.rng.i64(0..20_000);
                let load = self.rng.f64() * 0.6 + 0.05;
                let message = format!(
                    "Media CPU load: {load:.2}, Instant system idle: {:.2}, NUMA: [{:.2}, {:.2}]",
                    1.0 - load * 0.8,
                    load * 0.9,
                    load * 1.1
                );
                let line = Line::new(node, at, "DEBUG", "worker_load_monitor", &message);
                self.support(line, DEBUG);
            }
        }
        for _ in 0..scaled(4.0, self.scale, 1) {
            let node = *pick(&mut self.rng, &CONFERENCING);
            let at = self.day_start + self.rng.i64(0..DAY_MS - HOUR_MS);
            let line = Line::new(
                node,
                at,
                "WARNING",
                "support.scheduler",
                "Irregular pulse duration detected",
            )
            .pair("Duration", &format!("{:.3}", 1.0 + self.rng.f64() * 2.0));
            self.support(
                line,
                Expect::level(LogType::PexipSupport, Severity::Warning),
            );
        }
        for _ in 0..scaled(2.0, self.scale, 1) {
            let node = *pick(&mut self.rng, &CONFERENCING);
            let at = self.day_start + 7 * HOUR_MS + self.rng.i64(0..12 * HOUR_MS);
            let line = Line::new(node, at, "ERROR", "support.rest", "Unhandled exception while processing request")
                .pair("Uuid", &uuid(&mut self.rng))
                .pair("Request", "v2/conferences/meet.alice/participants/unknown/mute")
                .raw_detail("Traceback (most recent call last):^M  File \"/opt/pexip/share/python/si/web/rest.py\", line 212, in handle^M    result = self._dispatch(request)^M  File \"/opt/pexip/share/python/si/web/rest.py\", line 388, in _dispatch^M    participant = self.participants[kwargs['participant_uuid']]^MKeyError: 'unknown'^M");
            self.support(line, Expect::level(LogType::PexipSupport, Severity::Error));
        }
        for _ in 0..scaled(10.0, self.scale, 1) {
            let node = *pick(&mut self.rng, &CONFERENCING);
            let at = self.day_start + 6 * HOUR_MS + self.rng.i64(0..15 * HOUR_MS);
            let failure = *pick(&mut self.rng, &SIP_FAILURES);
            let line = Line::new(node, at, "INFO", "support.sip", "SIP Transport Failure")
                .pair("Local-address", NODES[node].ip)
                .pair("Local-port", &self.rng.u16(33_000..34_000).to_string())
                .pair("Remote-address", &public_ipv4(&mut self.rng))
                .pair("Remote-port", "5061")
                .pair("Detail", failure);
            self.support(line, SUPPORT);
        }
        for _ in 0..scaled(60.0, self.scale, 2) {
            let node = *pick(&mut self.rng, &CONFERENCING);
            let at = self.day_start + 6 * HOUR_MS + self.rng.i64(0..15 * HOUR_MS);
            let (target, result) = *pick(
                &mut self.rng,
                &[
                    ("_sips._tcp.example.com", "sip.example.com"),
                    ("_sip._tcp.partner.example.net", "vcs.partner.example.net"),
                    (
                        "_sipfederationtls._tcp.corp.example.com",
                        "sipfed.corp.example.com",
                    ),
                ],
            );
            let line = Line::new(node, at, "INFO", "support.dns", "SRV record lookup")
                .pair("Target", target)
                .pair("Type", "SRV")
                .pair("Port", "5061")
                .pair("Transport", "TLS")
                .pair("Result", result)
                .pair("Path", "dns");
            self.support(line, SUPPORT);
        }
    }

    // ---- audit and web ---------------------------------------------------

    fn audit_trail(&mut self) {
        // Administrators logging in over SSH to the management node.
        for _ in 0..scaled(6.0, self.scale, 1) {
            let start = self.day_start + 7 * HOUR_MS + self.rng.i64(0..11 * HOUR_MS);
            self.ssh_session(start);
        }
        // Hourly cron jobs on every node.
        let runs = scaled(24.0, self.scale, 1);
        for node in 0..NODES.len() {
            for i in 0..runs {
                let at = self.day_start
                    + i as i64 * (DAY_MS / runs as i64)
                    + 60_000 * (1 + node as i64)
                    + self.rng.i64(0..900);
                let pid = self.rng.u32(10_000..60_000);
                let pam = |op: &str, grantors: &str| {
                    format!(
                        "pid={pid} uid=0 auid=0 ses=7 subj=unconfined msg='op={op} grantors={grantors} acct=\"root\" exe=\"/usr/sbin/cron\" hostname=? addr=? terminal=cron res=success'"
                    )
                };
                let records = [
                    ("USER_ACCT", pam("PAM:accounting", "pam_permit"), 0),
                    ("CRED_ACQ", pam("PAM:setcred", "pam_permit"), 1),
                    (
                        "LOGIN",
                        format!(
                            "pid={pid} uid=0 subj=unconfined old-auid=4294967295 auid=0 tty=(none) old-ses=4294967295 ses=7 res=1"
                        ),
                        2,
                    ),
                    (
                        "USER_START",
                        pam(
                            "PAM:session_open",
                            "pam_loginuid,pam_env,pam_permit,pam_unix",
                        ),
                        3,
                    ),
                    ("CRED_DISP", pam("PAM:setcred", "pam_permit"), 900),
                    (
                        "USER_END",
                        pam(
                            "PAM:session_close",
                            "pam_loginuid,pam_env,pam_permit,pam_unix",
                        ),
                        902,
                    ),
                ];
                for (kind, body, offset) in records {
                    let serial = self.next_serial();
                    self.audit(node, at + offset, serial, kind, &body);
                }
            }
        }
        for _ in 0..scaled(3.0, self.scale, 1) {
            let node = *pick(&mut self.rng, &CONFERENCING);
            let at = self.day_start + self.rng.i64(0..DAY_MS - HOUR_MS);
            let serial = self.next_serial();
            self.audit(node, at, serial, "AVC", "avc:  denied  { read write } for  pid=812 comm=\"pexip-media\" name=\"shm\" dev=\"tmpfs\" ino=1042 scontext=system_u:system_r:pexip_t:s0 tcontext=system_u:object_r:tmpfs_t:s0 tclass=dir permissive=1");
        }
        for _ in 0..scaled(2.0, self.scale, 1) {
            let node = *pick(&mut self.rng, &CONFERENCING);
            let at = self.day_start + self.rng.i64(0..DAY_MS - HOUR_MS);
            let serial = self.next_serial();
            self.audit(node, at, serial, "CONFIG_CHANGE", "auid=4294967295 ses=4294967295 subj=unconfined op=add_rule key=\"pexip_config\" list=4 res=1");
        }
    }

    /// An administrator's SSH session on the management node: PAM records,
    /// a command, a configuration change through the admin UI, logout.
    fn ssh_session(&mut self, start: i64) {
        let pid = self.rng.u32(2_000..9_000);
        let session = self.rng.u32(10..400);
        let admin = "10.0.0.5";
        let pam = |op: &str, grantors: &str| {
            format!(
                "pid={pid} uid=0 auid=1001 ses={session} subj=unconfined msg='op={op} grantors={grantors} acct=\"admin\" exe=\"/usr/sbin/sshd\" hostname={admin} addr={admin} terminal=ssh res=success'"
            )
        };
        let login = [
            ("USER_AUTH", pam("PAM:authentication", "pam_unix"), 0),
            (
                "USER_ACCT",
                pam("PAM:accounting", "pam_unix,pam_localuser"),
                4,
            ),
            ("CRED_ACQ", pam("PAM:setcred", "pam_unix"), 9),
            (
                "LOGIN",
                format!(
                    "pid={pid} uid=0 subj=unconfined old-auid=4294967295 auid=1001 tty=(none) old-ses=4294967295 ses={session} res=1"
                ),
                13,
            ),
            (
                "USER_START",
                pam(
                    "PAM:session_open",
                    "pam_loginuid,pam_keyinit,pam_limits,pam_unix",
                ),
                90,
            ),
            (
                "USER_LOGIN",
                format!(
                    "pid={pid} uid=0 auid=1001 ses={session} subj=unconfined msg='op=login id=1001 exe=\"/usr/sbin/sshd\" hostname={admin} addr={admin} terminal=/dev/pts/0 res=success'"
                ),
                400,
            ),
        ];
        for (kind, body, offset) in login {
            let serial = self.next_serial();
            self.audit(MANAGEMENT, start + offset, serial, kind, &body);
        }
        let command_at = start + self.rng.i64(30_000..300_000);
        let serial = self.next_serial();
        let child = pid + 11;
        for (kind, body) in [
            ("SYSCALL", format!("arch=c000003e syscall=59 success=yes exit=0 a0=55d1c8a4e2a0 a1=55d1c8a4e1f0 a2=55d1c8a4e208 a3=0 items=2 ppid={pid} pid={child} auid=1001 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses={session} comm=\"systemctl\" exe=\"/usr/bin/systemctl\" subj=unconfined key=\"pexip_exec\"")),
            ("EXECVE", "argc=3 a0=\"systemctl\" a1=\"status\" a2=\"pexip-mgmt\"".to_string()),
            ("CWD", "cwd=\"/home/admin\"".to_string()),
            ("PATH", "item=0 name=\"/usr/bin/systemctl\" inode=1311015 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0".to_string()),
            ("PROCTITLE", "proctitle=73797374656D63746C007374617475730070657869702D6D676D74".to_string()),
        ] {
            self.audit(MANAGEMENT, command_at, serial, kind, &body);
        }
        // A change through the administrator web interface.
        let change_at = command_at + self.rng.i64(60_000..600_000);
        let room = *pick(&mut self.rng, &ROOM_NAMES);
        let hit = WebHit {
            node: MANAGEMENT,
            time: change_at - 400,
            client: admin,
            user: "admin",
            request: "POST /admin/platform/conference/12/change/ HTTP/1.1",
            status: 302,
            bytes: Some(0),
            referrer_and_agent: Some((
                "https://px-mgr-01.vc.example.com/admin/platform/conference/12/change/",
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            )),
            pexip_layout: None,
        };
        self.web(hit);
        let line = Line::new(
            MANAGEMENT,
            change_at,
            "INFO",
            "administrator.configuration",
            "Object modified.",
        )
        .pair("User", "admin")
        .pair("Remote-address", admin)
        .pair("Remote-Port", &self.rng.u16(40_000..60_000).to_string())
        .pair("Type", "conference")
        .pair("Id", "12")
        .pair(
            "Fields",
            &format!("pin: \"****\" -> \"****\", description: \"\" -> \"{room}\""),
        );
        self.support(line, SUPPORT);
        let end = change_at + self.rng.i64(60_000..1_200_000);
        for (kind, body, offset) in [
            (
                "USER_END",
                pam(
                    "PAM:session_close",
                    "pam_loginuid,pam_keyinit,pam_limits,pam_unix",
                ),
                0,
            ),
            ("CRED_DISP", pam("PAM:setcred", "pam_unix"), 6),
        ] {
            let serial = self.next_serial();
            self.audit(MANAGEMENT, end + offset, serial, kind, &body);
        }
    }

    fn web_background(&mut self) {
        // The load balancer's health checks of every conferencing node.
        let checks = scaled(144.0, self.scale, 2);
        for node in CONFERENCING {
            for i in 0..checks {
                let at =
                    self.day_start + i as i64 * (DAY_MS / checks as i64) + self.rng.i64(0..5_000);
                let hit = WebHit {
                    node,
                    time: at,
                    client: "10.1.0.23",
                    user: "-",
                    request: "GET /api/client/v2/status HTTP/1.1",
                    status: 200,
                    bytes: Some(2),
                    referrer_and_agent: Some(("-", "ELB-HealthChecker/2.0")),
                    pexip_layout: None,
                };
                self.web(hit);
            }
        }
        // Monitoring polls the management API.
        let polls = scaled(96.0, self.scale, 2);
        for i in 0..polls {
            let at = self.day_start + i as i64 * (DAY_MS / polls as i64) + self.rng.i64(0..3_000);
            let bytes = self.rng.u64(900..9_000);
            let hit = WebHit {
                node: MANAGEMENT,
                time: at,
                client: "10.0.0.20",
                user: "monitor",
                request: "GET /api/admin/status/v1/conference/?limit=100 HTTP/1.1",
                status: 200,
                bytes: Some(bytes),
                referrer_and_agent: Some(("-", "python-requests/2.32.3")),
                pexip_layout: None,
            };
            self.web(hit);
        }
        // Scanners probing the public nodes.
        for _ in 0..scaled(30.0, self.scale, 2) {
            let node = *pick(&mut self.rng, &CONFERENCING);
            let at = self.day_start + self.rng.i64(0..DAY_MS - MINUTE_MS);
            let client = if chance(&mut self.rng, 0.3) {
                public_ipv6(&mut self.rng)
            } else {
                format!("45.146.164.{}", self.rng.u8(2..250))
            };
            let path = *pick(
                &mut self.rng,
                &[
                    "/wp-login.php",
                    "/.env",
                    "/cgi-bin/luci",
                    "/admin/config.php",
                    "/.git/config",
                    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
                ],
            );
            let agent = *pick(
                &mut self.rng,
                &["Mozilla/5.0 zgrab/0.x", "curl/8.5.0", "python-httpx/0.27.0"],
            );
            let hit = WebHit {
                node,
                time: at,
                client: &client,
                user: "-",
                request: &format!("GET {path} HTTP/1.1"),
                status: 404,
                bytes: Some(196),
                referrer_and_agent: Some(("-", agent)),
                pexip_layout: None,
            };
            self.web(hit);
        }
    }
}

/// Splits a flattened message at `^M` line breaks into `parts` pieces of
/// about equal length (the first keeps its leading `^M`).
fn fragments(text: &str, parts: usize) -> Vec<&str> {
    let mut out = Vec::with_capacity(parts);
    let mut rest = text;
    for remaining in (2..=parts).rev() {
        let target = rest.len() / remaining;
        let cut = rest[target..]
            .find("^M")
            .map(|i| target + i + 2)
            .filter(|&at| at < rest.len());
        match cut {
            Some(at) => {
                out.push(&rest[..at]);
                rest = &rest[at..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

fn call_truth(s: &Session<'_>, leg: Leg) -> CallTruth {
    let worst = leg.quality.iter().map(|q| q.2).max();
    let bad: Vec<i64> = leg
        .quality
        .iter()
        .filter(|q| q.2 >= 3)
        .map(|q| q.0)
        .collect();
    CallTruth {
        conference: s.room.name.clone(),
        conference_id: Some(s.id.clone()),
        duration_s: (leg.left - leg.joined) as f64 / 1000.0,
        call_id: leg.call_id,
        participant_id: leg.participant_id,
        conversation_id: Some(leg.conversation_id),
        alias: leg.alias,
        protocol: leg.protocol.to_string(),
        is_backplane: leg.protocol == "BACKPLANE",
        node: NODES[leg.node].name.to_string(),
        joined_ms: leg.joined,
        left_ms: leg.left,
        disconnect_reason: leg.reason.to_string(),
        abnormal: leg.abnormal,
        worst_quality: worst.map(|q| QUALITY_NAMES[q as usize].to_string()),
        quality_drops: bad.len(),
        first_bad_ms: bad.first().copied(),
    }
}

/// The session as its legs describe it: people are conversations, backplane
/// legs excluded; concurrency counts leaves before joins at the same instant.
fn conference_truth(s: &Session<'_>, legs: &[Leg]) -> ConferenceTruth {
    let mut people: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for leg in legs.iter().filter(|l| !l.is_backplane()) {
        let span = people
            .entry(&leg.conversation_id)
            .or_insert((leg.joined, leg.left));
        span.0 = span.0.min(leg.joined);
        span.1 = span.1.max(leg.left);
    }
    let mut edges: Vec<(i64, i64)> = people
        .values()
        .flat_map(|&(joined, left)| [(joined, 1), (left, -1)])
        .collect();
    edges.sort_unstable();
    let (mut now, mut most) = (0i64, 0i64);
    for (_, delta) in edges {
        now += delta;
        most = most.max(now);
    }
    ConferenceTruth {
        conference: s.room.name.clone(),
        conference_id: s.id.clone(),
        start_ms: legs.iter().map(|l| l.joined).min().unwrap_or(s.start),
        end_ms: legs.iter().map(|l| l.left).max().unwrap_or(s.end),
        people: people.len() as u64,
        max_concurrent: most as u64,
        legs: legs.len() as u64,
        abnormal_disconnects: legs.iter().filter(|l| l.abnormal).count() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_split_at_line_breaks() {
        let text = "^MINVITE sip:a SIP/2.0^MVia: x^MFrom: \"A\" <sip:a>^MTo: <sip:b>^MCall-ID: 1^M";
        let parts = fragments(text, 3);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.concat(), text);
        assert!(parts[0].starts_with("^M") && parts[0].ends_with("^M"));
        assert!(!parts[1].starts_with("^M"));
    }

    #[test]
    fn lines_escape_quotes_and_keep_raw_details_last() {
        let line = Line {
            text: String::from("x"),
            node: 0,
            syslog_ms: 0,
        }
        .pair("DisplayName", "Bob \"B\" Smith")
        .raw_detail("^MFrom: \"Bob\" <sip:b>");
        assert_eq!(
            line.text,
            r#"x DisplayName="Bob \"B\" Smith" Detail="^MFrom: "Bob" <sip:b>""#
        );
    }
}
