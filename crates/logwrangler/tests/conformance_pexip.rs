//! Conformance of the Pexip parsers (`pexip_support`, `pexip_audit`, `pexip_web`).
//!
//! Inputs: the fixtures in `tests/fixtures/pexip/` (built from the documented line
//! format, docs/ARCHITECTURE.md §4 (the Pexip line format): no real production line is public), the complete or
//! completable lines quoted in `tests/peers/pexip/*.txt`, the values of the
//! mlnrt/pexip-logs-in-aws query screenshots (transcribed in the same file) rebuilt into
//! lines, and Vector's `parse_common_log` cases behind a syslog prefix.
//!
//! Every line goes through the public API (`LineParser::default()`, auto detection),
//! so sniffing is checked together with the parsers.
//!
//! Deliberate differences from the peers:
//! - mlnrt keeps the literal `None` as a call id; our `call_id` column is null for it
//!   (the string stays in `fields.call_id`).
//! - VRL `parse_common_log` accepts `- - - - - - -` (no bracketed time); we require the
//!   `[time]` field, which is also what routes the line to `pexip_web`.
//! - VRL fails `- - - [1234] - - -` on its time; we keep the line, with the time as
//!   written in `request_time` and the event time taken from the syslog prefix.
//! - VRL drops null fields; we keep the columns as null.

use std::path::PathBuf;

use logwrangler::{EventContext, LineParser, LogType};
use serde_json::{Value, json};

fn repo_file(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn fixture_lines(name: &str) -> Vec<String> {
    repo_file(&format!("tests/fixtures/pexip/{name}"))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Parses one line with auto detection and returns the record as JSON.
fn parse(line: &str) -> Value {
    let mut parser = LineParser::default();
    let ctx = EventContext {
        source: "conformance_pexip",
        received_ms: Some(1_772_446_540_000),
        ..Default::default()
    };
    parser
        .parse_line(line, &ctx)
        .into_record()
        .expect("a record, not a header")
        .to_value()
}

/// Parses one line as `pexip_web` without sniffing.
fn parse_as_web(line: &str) -> Value {
    let mut parser = LineParser::default().force_type(LogType::PexipWeb);
    parser
        .parse_line(line, &EventContext::default())
        .into_record()
        .expect("a record")
        .to_value()
}

/// The cells of a transcribed screenshot row (`a | b | | c`), trimmed.
fn cells(row: &str) -> Vec<String> {
    row.split('|').map(|c| c.trim().to_owned()).collect()
}

/// Parses line `n` (1-based) of a fixture and checks its log_type.
fn fixture_record(lines: &[String], n: usize, log_type: &str) -> Value {
    let record = parse(&lines[n - 1]);
    assert_eq!(record["log_type"], log_type, "line {n}: {record}");
    record
}

/// Asserts that `record` has every key/value of `expected` (an object); `null`
/// means the key must be null or absent.
#[track_caller]
fn assert_has(record: &Value, expected: Value) {
    for (key, want) in expected.as_object().expect("expected is an object") {
        let got = record.get(key).unwrap_or(&Value::Null);
        assert_eq!(got, want, "field {key} of {record}");
    }
}

#[track_caller]
fn assert_absent(record: &Value, keys: &[&str]) {
    for key in keys {
        assert!(
            record.get(*key).is_none(),
            "{key} should be omitted: {record}"
        );
    }
}

fn detail_json(record: &Value) -> Value {
    let text = record["detail_json"]
        .as_str()
        .unwrap_or_else(|| panic!("no detail_json: {record}"));
    serde_json::from_str(text).expect("detail_json is valid JSON")
}

#[test]
fn every_fixture_line_is_detected_and_parsed() {
    for (file, log_type, min_lines) in [
        ("support.log", "pexip_support", 40),
        ("audit.log", "pexip_audit", 8),
        ("web.log", "pexip_web", 8),
    ] {
        let lines = fixture_lines(file);
        assert!(lines.len() >= min_lines, "{file} has {} lines", lines.len());
        for (i, line) in lines.iter().enumerate() {
            let record = parse(line);
            assert_eq!(
                record["log_type"],
                log_type,
                "{file}:{}: {}",
                i + 1,
                record["parse_error"]
            );
            assert!(record.get("parse_error").is_none());
        }
    }
}

#[test]
fn support_conference_legs() {
    let lines = fixture_lines("support.log");

    // 1: the (C)-style "attempting to join" line with Remote-Address / Participant-Id spelling.
    let r = fixture_record(&lines, 1, "pexip_support");
    assert_has(
        &r,
        json!({"timestamp": "2026-03-02T10:15:42.911Z", "syslog_time": "2026-03-02T10:15:42.911+00:00", "node": "px-conf01",
               "level": "INFO", "name": "administrator.conference", "message": "Participant attempting to join conference.",
               "conferencealias": "meet.alice@vc.example.com", "remote_address": "185.217.119.28",
               "participant_id": "fc263f02-203b-47db-a8af-35a0cb504031", "protocol": "API", "severity": "info"}),
    );

    // 2: API leg join, every conference key; Media-node="None" is null.
    let r = fixture_record(&lines, 2, "pexip_support");
    assert_has(
        &r,
        json!({"timestamp": "2026-03-02T10:15:45.748Z", "conference": "meet.alice",
               "conference_id": "470975eb-c344-4764-a72e-dd76637fa72a", "service_type": "conference",
               "service_tag": "team-alpha", "participant": "Alice Jones", "displayname": "Alice Jones", "protocol": "API",
               "direction": "in", "call_id": "fc263f02-203b-47db-a8af-35a0cb504031",
               "conversation_id": "8d1c6f7e-2a44-4b0b-9f3e-5b7a1c2d3e4f", "location": "London", "licenses": 0,
               "license_type": "none", "signaling_node": "10.1.1.127", "media_node": null, "role": "chair",
               "detail": null, "detail_json": null}),
    );
    assert!(
        r["vendor"]
            .as_str()
            .unwrap()
            .starts_with("Mozilla/5.0 (Windows NT 10.0")
    );
    assert_eq!(r["fields"]["media_node"], "None");
    assert_eq!(
        r["fields"]["conference_id"],
        "470975eb-c344-4764-a72e-dd76637fa72a"
    );
    assert_absent(
        &r,
        &["media_node", "duration", "remote_port", "extra_fields"],
    );

    // 5: WebRTC media leg shares the API leg's Conversation-id.
    let webrtc = fixture_record(&lines, 5, "pexip_support");
    assert_has(
        &webrtc,
        json!({"protocol": "WebRTC", "licenses": 1, "media_node": "10.1.1.127"}),
    );
    assert_eq!(webrtc["conversation_id"], r["conversation_id"]);
    assert_ne!(webrtc["call_id"], r["call_id"]);

    // 14: SIP join with escaped quotes in DisplayName.
    let r = fixture_record(&lines, 14, "pexip_support");
    assert_has(
        &r,
        json!({"displayname": "Bob \"The Builder\" Smith", "protocol": "SIP", "vendor": "TANDBERG/4136 (X8.11.4)"}),
    );
    assert_eq!(r["fields"]["displayname"], "Bob \"The Builder\" Smith");

    // 15: BACKPLANE leg, Licenses="None" -> null, empty DisplayName/Vendor -> null but kept in fields.
    let r = fixture_record(&lines, 15, "pexip_support");
    assert_has(
        &r,
        json!({"node": "px-conf02", "protocol": "BACKPLANE", "direction": "out", "licenses": null}),
    );
    assert_absent(&r, &["licenses", "displayname", "vendor"]);
    assert_has(
        &r["fields"],
        json!({"licenses": "None", "displayname": "", "vendor": ""}),
    );

    // 16: H323 leg, Licenses="True" -> 1; unknown key Registered stays in fields only.
    let r = fixture_record(&lines, 16, "pexip_support");
    assert_has(
        &r,
        json!({"protocol": "H323", "licenses": 1, "conference": "sales.weekly", "service_tag": null}),
    );
    assert_eq!(r["fields"]["registered"], "False");
    assert_absent(&r, &["registered"]);

    // 45-49: disconnects with Duration (float seconds) and reason in Detail.
    let r = fixture_record(&lines, 45, "pexip_support");
    assert_has(
        &r,
        json!({"message": "Participant has disconnected.", "call_id": "ab6dabf8-437e-45c8-8f7d-6978c44116c9",
               "duration": 206.863, "detail": "Media process disconnected", "severity": "warning"}),
    );
    let r = fixture_record(&lines, 46, "pexip_support");
    assert_has(
        &r,
        json!({"protocol": "WebRTC", "duration": 251.125, "detail": "Conference terminated by a Host participant", "severity": "info"}),
    );
    let r = fixture_record(&lines, 48, "pexip_support");
    assert_has(
        &r,
        json!({"protocol": "BACKPLANE", "duration": 229.251, "detail": "Conference ended", "severity": "info"}),
    );
    let r = fixture_record(&lines, 49, "pexip_support");
    assert_has(
        &r,
        json!({"protocol": "H323", "licenses": 1, "duration": null, "detail": "Call disconnected"}),
    );
    assert_eq!(r["fields"]["duration"], "None");
}

#[test]
fn support_sip_messages_and_fragments() {
    let lines = fixture_lines("support.log");

    // 7: Sending SIP request, the ^M body runs to the end of the line with raw quotes.
    let r = fixture_record(&lines, 7, "pexip_support");
    assert_has(
        &r,
        json!({"name": "support.sip", "message": "Sending SIP request", "src_address": "10.1.1.127", "src_port": 33000,
               "dst_address": "204.10.5.223", "dst_port": 5061, "transport": "TLS",
               "call_id": "ab6dabf8-437e-45c8-8f7d-6978c44116c9", "detail_json": null}),
    );
    let detail = r["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(
            "\nINVITE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/TLS 10.1.1.127:33000;"
        ),
        "{detail}"
    );
    assert!(
        detail.contains("\nFrom: \"meet.alice\" <sip:meet.alice@vc.example.com>;tag=1928301774\n")
    );
    assert!(detail.ends_with("\na=rtpmap:101 telephone-event/8000\n"));
    assert!(!detail.contains("^M"));
    assert!(
        r["fields"]["detail"]
            .as_str()
            .unwrap()
            .starts_with("^MINVITE sip:bob@example.com SIP/2.0^MVia:")
    );

    // 9: 200 OK with Received-time kept as written.
    let r = fixture_record(&lines, 9, "pexip_support");
    assert_has(
        &r,
        json!({"message": "Received SIP response", "src_port": 5061, "received_time": "2026-03-02T10:15:44,912031"}),
    );
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .starts_with("\nSIP/2.0 200 OK\n")
    );

    // 10: summarised form.
    let r = fixture_record(&lines, 10, "pexip_support");
    assert_has(
        &r,
        json!({"method": "ACK", "cseq": "314159", "detail": null}),
    );

    // 11-13: one message in three fragments; 12 has Detail first, with raw quotes, then more keys.
    let parts: Vec<Value> = (11..=13)
        .map(|n| fixture_record(&lines, n, "pexip_support"))
        .collect();
    for (i, r) in parts.iter().enumerate() {
        assert_has(
            r,
            json!({"fragment_id": "7f3e9a10-4c2b-4d8e-9f6a-1b2c3d4e5f60", "fragment_number": i + 1, "fragment_total": 3,
                   "transport": "TLS", "dst_port": 5061}),
        );
    }
    assert_eq!(
        parts[1]["detail"],
        "To: \"Room 9\" <sip:room9@example.com>\nContact: <sip:meet.alice@10.1.1.127:33000;transport=tls>\nContent-Type: application/sdp\n"
    );
    assert_absent(&parts[1], &["extra_fields"]);
    let whole: String = parts
        .iter()
        .map(|r| r["detail"].as_str().unwrap())
        .collect();
    assert!(whole.starts_with("\nINVITE sip:room9@example.com SIP/2.0\n"));
    assert!(whole.contains(";tag=55aa\nTo: \"Room 9\""));
    assert!(whole.ends_with("a=rtpmap:97 H264/90000\n"));

    // 42: SIP transport failure with local/remote ports.
    let r = fixture_record(&lines, 42, "pexip_support");
    assert_has(
        &r,
        json!({"local_port": 33020, "remote_port": 5061, "remote_address": "198.51.100.7", "detail": "Connection refused"}),
    );
}

#[test]
fn support_detail_json_python_repr_and_json() {
    let lines = fixture_lines("support.log");

    // 3: Python-repr request with u'' strings and ^M inside the SDP.
    let r = fixture_record(&lines, 3, "pexip_support");
    assert_has(
        &r,
        json!({"src_port": 19745, "dst_port": 443, "uuid": "c3d4e5f6-0718-4293-a4b5-c6d7e8f90a1b"}),
    );
    assert_eq!(
        detail_json(&r),
        json!({"sdp": "v=0\no=- 1767866985333291978 2 IN IP4 127.0.0.1\ns=-\nt=0 0\nm=audio 9 UDP/TLS/RTP/SAVPF 111\n",
               "call_type": "WEBRTC", "present": "receive", "display_name": "Alice Jones"})
    );
    // Order of the source keys is kept.
    assert!(
        r["detail_json"]
            .as_str()
            .unwrap()
            .starts_with(r#"{"sdp":"v=0\no=- "#)
    );

    // 4: Python-repr response: False, None, a Python 2 long, nested dicts and lists.
    let r = fixture_record(&lines, 4, "pexip_support");
    let j = detail_json(&r);
    assert_eq!(j["status"], "success");
    assert_eq!(j["result"]["allow_1080p"], false);
    assert_eq!(j["result"]["token"], Value::Null);
    assert_eq!(j["result"]["bandwidth_in"], 1280);
    assert_eq!(j["result"]["bandwidth_out"], 1280);
    assert_eq!(
        j["result"]["stun"],
        json!([{"url": "stun:stun.l.google.com:19302"}])
    );
    assert_eq!(j["result"]["version"]["pseudo_version"], "79024.0.0");

    // 6: JSON Detail with \" escapes.
    let r = fixture_record(&lines, 6, "pexip_support");
    assert_has(&r, json!({"event": "participant_create"}));
    assert_eq!(
        detail_json(&r),
        json!({"uuid": "2b9e4d61-7c3f-4e8a-b5d2-9f0a1c3e5d7b", "display_name": "Alice Jones", "is_muted": "NO",
               "spotlight": 0, "start_time": 1772446541.5, "tags": ["vip", null, true]})
    );

    // 39: a list of dicts with a tuple.
    let r = fixture_record(&lines, 39, "pexip_support");
    assert_eq!(
        detail_json(&r),
        json!([{"name": "spaces/abc-defg-hij", "state": "ACTIVE", "participants": [1, 2]}])
    );

    // 40: JSON Detail written with raw (unescaped) quotes.
    let r = fixture_record(&lines, 40, "pexip_support");
    assert_eq!(
        detail_json(&r),
        json!({"method": "POST", "path": "/v1/calls", "body": {"callId": "ab12", "mediaHosts": ["10.1.1.127"]}})
    );

    // 38: JSON in another key (Content, b'' wrapped) is kept as a string in fields only.
    let r = fixture_record(&lines, 38, "pexip_support");
    assert!(
        r["fields"]["content"]
            .as_str()
            .unwrap()
            .starts_with("b'{\"uuid\": \"2b9e4d61")
    );
    assert_has(
        &r,
        json!({"detail": null, "detail_json": null, "uuid": "2b9e4d61-7c3f-4e8a-b5d2-9f0a1c3e5d7b"}),
    );

    // 34: a stack trace (raw quotes, ^M) is text, not JSON.
    let r = fixture_record(&lines, 34, "pexip_support");
    assert_has(
        &r,
        json!({"level": "ERROR", "severity": "error", "detail_json": null}),
    );
    let detail = r["detail"].as_str().unwrap();
    assert!(detail.starts_with("Traceback (most recent call last):\n  File \"/opt/pexip/share/python/si/web/rest.py\", line 212, in handle\n"));
    assert!(detail.ends_with("KeyError: 'unknown'\n"));
}

#[test]
fn support_keys_literals_and_modules() {
    let lines = fixture_lines("support.log");

    // 17 and 20: Remote-port and Remote-Port both become remote_port.
    let r = fixture_record(&lines, 17, "pexip_support");
    assert_has(
        &r,
        json!({"local_address": "10.1.1.128", "local_port": 1720, "remote_port": 4242, "uuid": "9f527e61-1a35-41c1-9fac-855dfbcbb114"}),
    );
    let r = fixture_record(&lines, 20, "pexip_support");
    assert_has(
        &r,
        json!({"user": "admin", "remote_port": 51234, "node": "px-mgr01"}),
    );
    assert_eq!(r["fields"]["remote_port"], "51234");
    // Escaped quotes inside a value.
    assert_eq!(
        r["fields"]["fields"],
        "name: \"meet.alice\" -> \"meet.alice2\""
    );

    // 18 and 19: H.225 / H.245 ^M text, escapes undone in a value that does not start with ^M.
    let r = fixture_record(&lines, 18, "pexip_support");
    assert_eq!(
        r["detail"],
        "setup:\n  protocolIdentifier: 0.0.8.2250.0.4\n  sourceAddress: h323-ID \"Board Room 1\"\n  conferenceGoal: create\n"
    );
    let r = fixture_record(&lines, 19, "pexip_support");
    assert_has(
        &r,
        json!({"name": "support.h323.h245", "message": "Sending H.245 message", "detail_json": null}),
    );
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .starts_with("request:\n  openLogicalChannel:\n    forwardLogicalChannelNumber: 1\n")
    );

    // 21: Call-id="None" -> null; the literal stays in fields.
    let r = fixture_record(&lines, 21, "pexip_support");
    assert_has(
        &r,
        json!({"call_id": null, "conversation_id": null, "payload_type": "101"}),
    );
    assert_has(
        &r["fields"],
        json!({"call_id": "None", "conversation_id": "None"}),
    );

    // 22-26: ICE, media mode, BFCP, DTMF, DNS.
    assert_has(
        &fixture_record(&lines, 22, "pexip_support"),
        json!({"media_type": "audio", "stream_id": 0}),
    );
    let r = fixture_record(&lines, 22, "pexip_support");
    assert_eq!(r["fields"]["remote_candidate_port"], "61234");
    assert_has(
        &fixture_record(&lines, 23, "pexip_support"),
        json!({"mode": "1280x720 at 30fps, VP8", "stream_id": 1}),
    );
    assert_has(
        &fixture_record(&lines, 24, "pexip_support"),
        json!({"primitive": "FloorRequest", "transaction_id": "7", "floor_request_id": "1", "floor_status": "Pending"}),
    );
    assert_has(
        &fixture_record(&lines, 25, "pexip_support"),
        json!({"level": "DEBUG", "severity": "debug", "digit": "5", "mechanism": "RFC2833"}),
    );
    let r = fixture_record(&lines, 26, "pexip_support");
    assert_has(
        &r,
        json!({"target": "_sips._tcp.example.com", "port": 5061, "result": "sip.example.com", "path": "dns"}),
    );
    assert_eq!(r["fields"]["type"], "SRV");

    // 28 and 33: quality Was/Now as integers; bad quality is a warning.
    let r = fixture_record(&lines, 28, "pexip_support");
    assert_has(
        &r,
        json!({"was": 1, "now": 3, "media_type": "video", "severity": "warning"}),
    );
    assert_has(
        &fixture_record(&lines, 33, "pexip_support"),
        json!({"was": 3, "now": 1, "severity": "info"}),
    );

    // 29, 44: lost video, stream destroyed.
    assert_has(
        &fixture_record(&lines, 29, "pexip_support"),
        json!({"message": "Lost incoming video", "detail": "Stream 1 (video)"}),
    );
    assert_has(
        &fixture_record(&lines, 44, "pexip_support"),
        json!({"message": "Media Stream destroyed", "stream_id": 1}),
    );

    // 35: no pairs after Message; 36: float Duration outside conferences.
    let r = fixture_record(&lines, 35, "pexip_support");
    assert_has(
        &r,
        json!({"name": "worker_load_monitor", "message": "Media CPU load: 0.45, Instant system idle: 0.81, NUMA: [0.40, 0.50]"}),
    );
    assert_eq!(r["fields"], json!({}));
    assert_has(
        &fixture_record(&lines, 36, "pexip_support"),
        json!({"level": "WARNING", "duration": 1.532, "severity": "warning"}),
    );

    // 37: an unknown module is normal; unknown keys go to fields only; empty values allowed.
    let r = fixture_record(&lines, 37, "pexip_support");
    assert_has(
        &r,
        json!({"name": "support.experimental.holodeck", "severity": "debug"}),
    );
    assert_eq!(
        r["fields"],
        json!({"foo_bar": "baz", "widget_count": "3", "empty": ""})
    );
    assert_absent(&r, &["foo_bar", "widget_count", "empty"]);

    // 41, 43, 50, 51: participant dialer, presenter, system, upgrade (Node= stays in fields).
    assert_has(
        &fixture_record(&lines, 41, "pexip_support"),
        json!({"participant_alias": "sip:room2@example.com", "displayname": "Room 2", "conferencealias": "meet.alice@vc.example.com"}),
    );
    let r = fixture_record(&lines, 43, "pexip_support");
    assert_has(&r, json!({"presenter": "Alice Jones"}));
    assert_eq!(r["fields"]["last_presenter"], "None");
    assert_has(
        &fixture_record(&lines, 50, "pexip_support"),
        json!({"pid": 1234, "version": "36 (79024.0.0)"}),
    );
    let r = fixture_record(&lines, 51, "pexip_support");
    assert_has(&r, json!({"node": "px-mgr01", "version": "36"}));
    assert_has(
        &r["fields"],
        json!({"node": "10.1.1.128", "current_version": "35.1"}),
    );
}

#[test]
fn support_alarms_and_connectivity() {
    let lines = fixture_lines("support.log");

    // 27: alarm raised; Node= is the node the alarm is about and never overwrites our node.
    let r = fixture_record(&lines, 27, "pexip_support");
    assert_has(
        &r,
        json!({"node": "px-mgr01", "level": "WARNING", "name": "administrator.alarm", "message": "Alarm raised",
               "alarm": "Call capacity limit reached", "instance": "px-conf02", "time": "2026-03-02 10:17:41.198",
               "detail": "Media capacity exhausted on Conferencing Node px-conf02 (10.1.1.128)", "severity": "critical"}),
    );
    assert_eq!(r["fields"]["node"], "10.1.1.128");

    // 32: alarm lowered; Detail="None" is kept as text.
    let r = fixture_record(&lines, 32, "pexip_support");
    assert_has(
        &r,
        json!({"message": "Alarm lowered", "node": "px-mgr01", "detail": "None", "severity": "info"}),
    );

    // 30 / 31: connectivity lost / re-established with Src-Node and Last-Reported.
    let r = fixture_record(&lines, 30, "pexip_support");
    assert_has(
        &r,
        json!({"name": "administrator.system.connectivity", "message": "Connectivity lost to node.",
               "src_node": "10.1.1.127", "last_reported": "Mon Mar  2 10:17:40 2026", "severity": "critical"}),
    );
    assert_eq!(r["fields"]["node"], "10.1.1.128");
    let r = fixture_record(&lines, 31, "pexip_support");
    assert_has(
        &r,
        json!({"message": "Connectivity re-established.", "severity": "info"}),
    );
}

/// The lines of `tests/peers/pexip/pexip_samples*.txt` that are whole support lines,
/// or that become whole once the 30 characters Pexip's tool cut off are restored.
#[test]
fn peer_sample_lines_parse() {
    let samples = repo_file("tests/peers/pexip/pexip_samples.txt");

    // (C): the only complete line.
    let line = samples
        .lines()
        .find(|l| l.starts_with("2026-05-14T23:38:44.061+00:00 internal "))
        .expect("sample (C)");
    let r = parse(line);
    assert_has(
        &r,
        json!({"log_type": "pexip_support", "timestamp": "2026-05-14T23:38:44.061Z", "node": "internal", "level": "INFO",
               "name": "administrator.conference", "message": "Participant attempting to join conference.",
               "conferencealias": "main-vmr", "participant": "DENNIS J LORIST", "protocol": "API", "direction": "in",
               "remote_address": "10.0.1.12", "participant_id": "e15d0b7a-...", "location": "syd"}),
    );

    // (B1): `line[30:]` of a real line; put a 29-character syslog time back. The trailing
    // `...` of the excerpt is kept as a stray word.
    let cut = samples
        .lines()
        .find(|l| l.starts_with("us-mns-wrk1 "))
        .expect("sample (B1)");
    let r = parse(&format!("2014-08-01T13:14:02.030+00:00 {cut}"));
    assert_has(
        &r,
        json!({"log_type": "pexip_support", "node": "us-mns-wrk1", "level": "INFO", "timestamp": "2014-08-01T13:14:02.030Z",
               "extra_fields": ["..."]}),
    );

    // (B2)/(B3): every quoted Message literal survives as the message.
    let mut literals = 0;
    for sample in samples.lines().filter(|l| l.starts_with("Message=\"")) {
        // The first literal of the entry; the file annotates after it (`/ "..."`, `# ...`).
        let literal = sample.split('"').nth(1).unwrap();
        let line = format!(
            "2026-03-02T10:15:42.118+00:00 px01 2026-03-02 10:15:42,117 Level=\"INFO\" Name=\"x\" Message=\"{literal}\" Call-id=\"x\""
        );
        let r = parse(&line);
        assert_eq!(r["log_type"], "pexip_support", "{line}");
        assert_eq!(r["message"], literal, "{line}");
        literals += 1;
    }
    assert!(literals >= 20, "{literals}");

    // The design's own example line (section 5), with its `...` placeholders.
    let design = r#"2026-03-02T10:15:42.118+00:00 px-conf01 2026-03-02 10:15:42,117 Level="INFO" Name="administrator.conference" Message="Participant has joined." Conference="meet.alice" Participant="sip:bob@example.com" Call-id="..." Protocol="SIP" ..."#;
    assert_has(
        &parse(design),
        json!({"log_type": "pexip_support", "timestamp": "2026-03-02T10:15:42.117Z", "conference": "meet.alice",
               "participant": "sip:bob@example.com", "call_id": "...", "protocol": "SIP", "extra_fields": ["..."]}),
    );

    // Detail shapes quoted from mlnrt's wrangler comments.
    let prefix = r#"2019-06-09T21:07:02.823+00:00 px01 2019-06-09 21:07:02,822 Level="INFO" Name="support.rest" Message="m" "#;
    let repo = repo_file("tests/peers/pexip/pexip_samples_from_repo.txt");
    let details: Vec<&str> = repo.lines().filter(|l| l.starts_with("Detail=")).collect();
    assert_eq!(details.len(), 5);
    let parsed: Vec<Value> = details
        .iter()
        .map(|d| parse(&format!("{prefix}{d}")))
        .collect();
    assert_eq!(parsed[0]["detail"], "Stream 0 (audio)");
    // `{u'sdp': u'v=0^Mo=xxxx^M ....', u'call_type': u'WEBRTC'}`
    assert_eq!(
        detail_json(&parsed[1]),
        json!({"sdp": "v=0\no=xxxx\n ....", "call_type": "WEBRTC"})
    );
    // `{'status': 'success', 'result': {'allow_1080p': False, ...}...}` is elided: not convertible.
    assert!(
        parsed[2]["detail"]
            .as_str()
            .unwrap()
            .starts_with("{'status': 'success', 'result': {'allow_1080p': False")
    );
    assert_eq!(parsed[2]["detail_json"], Value::Null);
    assert_eq!(
        parsed[3]["detail"],
        "request:\n  openLogicalChannel:\n    forwardLogicalChannelNumber: 1\n..."
    );
    // `^MSIP/2.0 200 OK^MVia: ... From: "from_name" ... ^M` runs to the end of the line.
    assert_eq!(
        parsed[4]["detail"],
        "\nSIP/2.0 200 OK\nVia: SIP/2.0/TLS ... From: \"from_name\" ... \n"
    );
    for p in &parsed {
        assert_eq!(p["log_type"], "pexip_support");
    }
}

/// mlnrt's query screenshots show wrangled values of real support.sip,
/// administrator.conference and support.rest lines; rebuild the lines and compare.
#[test]
fn mlnrt_screenshot_values_round_trip() {
    let repo = repo_file("tests/peers/pexip/pexip_samples_from_repo.txt");

    // SIP: originating_date | originating_time | Message | Src_address | Src_port | Dst_address | Dst_port | Transport | SIP_Header
    let sip: Vec<Vec<String>> = repo
        .lines()
        .filter(|l| l.starts_with("2019-06-09 | "))
        .map(cells)
        .collect();
    assert_eq!(sip.len(), 7);
    for row in &sip {
        let header = row[8].split(" (SDP").next().unwrap().trim();
        let line = format!(
            "2019-06-09T{t}+00:00 10.1.1.127 {d} {tc} Level=\"INFO\" Name=\"support.sip\" Message=\"{m}\" Src-address=\"{sa}\" Src-port=\"{sp}\" Dst-address=\"{da}\" Dst-port=\"{dp}\" Transport=\"{tr}\" Detail=\"^M{header}^MContent-Length: 0^M^M\"",
            t = row[1].replace(',', "."),
            d = row[0],
            tc = row[1],
            m = row[2],
            sa = row[3],
            sp = row[4],
            da = row[5],
            dp = row[6],
            tr = row[7],
        );
        let r = parse(&line);
        assert_has(
            &r,
            json!({"log_type": "pexip_support", "timestamp": format!("{}T{}Z", row[0], row[1].replace(',', ".")),
                   "message": row[2], "src_address": row[3], "src_port": row[4].parse::<i64>().unwrap(),
                   "dst_address": row[5], "dst_port": row[6].parse::<i64>().unwrap(), "transport": row[7]}),
        );
        assert_eq!(r["detail"].as_str().unwrap().lines().nth(1), Some(header));
    }

    // Conference: Conference_ID | Conference_Node | Call_id | Participant_IP | Participant_Protocol | Participant_Endpoint
    let conf: Vec<Vec<String>> = repo
        .lines()
        .filter(|l| l.starts_with("470975eb-") || l.starts_with("e83609ae-"))
        .map(cells)
        .collect();
    assert_eq!(conf.len(), 4);
    for row in &conf {
        let line = format!(
            "2019-06-09T21:06:36.512+00:00 10.1.1.127 2019-06-09 21:06:36,511 Level=\"INFO\" Name=\"administrator.conference\" Message=\"Participant has joined.\" Conference-ID=\"{}\" Media-node=\"{}\" Call-id=\"{}\" Remote-address=\"{}\" Protocol=\"{}\" Vendor=\"{}\"",
            row[0], row[1], row[2], row[3], row[4], row[5]
        );
        let r = parse(&line);
        let media_node = if row[1].is_empty() {
            Value::Null
        } else {
            json!(row[1])
        };
        assert_has(
            &r,
            json!({"conference_id": row[0], "media_node": media_node, "call_id": row[2], "remote_address": row[3],
                   "protocol": row[4], "vendor": row[5]}),
        );
    }

    // REST: Message | Src_address | Src_port | Dst_address | Dst_port | Status | Call_Type | SDP
    let rest: Vec<Vec<String>> = repo
        .lines()
        .filter(|l| {
            l.starts_with("Sending REST API response |")
                || l.starts_with("Received REST API request |")
        })
        .map(cells)
        .collect();
    assert_eq!(rest.len(), 5);
    for row in &rest {
        let mut detail = Vec::new();
        if !row[5].is_empty() {
            detail.push(format!("'status': '{}'", row[5]));
        }
        if !row[6].is_empty() {
            detail.push(format!("u'call_type': u'{}'", row[6]));
        }
        let line = format!(
            "2019-06-15T17:18:42.001+00:00 10.1.1.127 2019-06-15 17:18:42,000 Level=\"INFO\" Name=\"support.rest\" Message=\"{}\" Src-address=\"{}\" Src-port=\"{}\" Dst-address=\"{}\" Dst-port=\"{}\" Detail=\"{{{}}}\"",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            detail.join(", ")
        );
        let r = parse(&line);
        assert_has(
            &r,
            json!({"message": row[0], "src_address": row[1], "src_port": row[2].parse::<i64>().unwrap(),
                   "dst_address": row[3], "dst_port": row[4].parse::<i64>().unwrap()}),
        );
        let j = detail_json(&r);
        assert_eq!(
            j.get("status").and_then(Value::as_str).unwrap_or(""),
            row[5]
        );
        assert_eq!(
            j.get("call_type").and_then(Value::as_str).unwrap_or(""),
            row[6]
        );
    }

    // Call-id "None" (query-list-call-ids): a null call_id here, the literal in fields.
    let r = parse(
        r#"2019-06-09T20:00:00.001+00:00 10.1.1.127 2019-06-09 20:00:00,000 Level="INFO" Name="support.sip" Message="m" Call-id="None""#,
    );
    assert_eq!(
        (r["call_id"].clone(), r["fields"]["call_id"].clone()),
        (Value::Null, json!("None"))
    );
}

#[test]
fn audit_fixture_values() {
    let lines = fixture_lines("audit.log");

    let r = fixture_record(&lines, 1, "pexip_audit");
    assert_has(
        &r,
        json!({"timestamp": "2026-03-02T10:30:01.108Z", "syslog_time": "2026-03-02T10:30:01.112+00:00", "node": "px-mgr01",
               "tag": "audispd", "audit_node": "px-mgr01.vc.example.com", "audit_type": "USER_AUTH",
               "audit_time": "1772447401.108", "audit_serial": 1838, "text": null}),
    );
    assert_eq!(
        r["fields"],
        json!({"pid": "4242", "uid": "0", "auid": "4294967295", "ses": "4294967295", "subj": "unconfined"})
    );
    assert_eq!(
        r["submsg"],
        json!({"op": "PAM:authentication", "grantors": "pam_unix", "acct": "admin", "exe": "/usr/sbin/sshd",
               "hostname": "10.0.0.5", "addr": "10.0.0.5", "terminal": "ssh", "res": "success"})
    );

    // LOGIN has no msg='...': empty submsg; keys with dashes stay as written.
    let r = fixture_record(&lines, 4, "pexip_audit");
    assert_has(
        &r,
        json!({"audit_type": "LOGIN", "audit_serial": 1841, "submsg": {}}),
    );
    assert_has(
        &r["fields"],
        json!({"old-auid": "4294967295", "auid": "1001", "tty": "(none)", "res": "1"}),
    );

    // One event in five records sharing time and serial.
    let event: Vec<Value> = (7..=11)
        .map(|n| fixture_record(&lines, n, "pexip_audit"))
        .collect();
    let types: Vec<&str> = event
        .iter()
        .map(|r| r["audit_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE"]);
    for r in &event {
        assert_has(
            r,
            json!({"audit_serial": 1850, "audit_time": "1772447475.004", "timestamp": "2026-03-02T10:31:15.004Z"}),
        );
    }
    assert_has(
        &event[0]["fields"],
        json!({"syscall": "59", "success": "yes", "comm": "systemctl", "key": "pexip_exec"}),
    );
    assert_has(
        &event[1]["fields"],
        json!({"argc": "3", "a1": "restart", "a2": "pexip-mgmt"}),
    );
    assert_has(&event[2]["fields"], json!({"cwd": "/home/admin"}));
    assert_has(
        &event[3]["fields"],
        json!({"name": "/usr/bin/systemctl", "mode": "0100755"}),
    );
    assert_has(
        &event[4]["fields"],
        json!({"proctitle": "73797374656D63746C00726573746172740070657869702D6D676D74"}),
    );

    // SERVICE_START: `?` kept, unit in submsg.
    let r = fixture_record(&lines, 12, "pexip_audit");
    assert_has(
        &r["submsg"],
        json!({"unit": "pexip-mgmt", "comm": "systemd", "hostname": "?", "res": "success"}),
    );

    // CONFIG_CHANGE on another node.
    let r = fixture_record(&lines, 13, "pexip_audit");
    assert_has(
        &r,
        json!({"node": "px-conf01", "audit_node": "px-conf01.vc.example.com", "audit_type": "CONFIG_CHANGE", "audit_serial": 922}),
    );
    assert_has(
        &r["fields"],
        json!({"op": "add_rule", "key": "pexip_config", "list": "4"}),
    );

    // AVC: the words kept in text; enriched fields after the 0x1d separator.
    let r = fixture_record(&lines, 14, "pexip_audit");
    assert_has(
        &r,
        json!({"audit_type": "AVC", "text": "avc: denied { read write } for"}),
    );
    assert_has(
        &r["fields"],
        json!({"pid": "812", "comm": "pexip-media", "tclass": "dir", "permissive": "1"}),
    );
    assert_has(
        &r["enriched"],
        json!({"SYSCALL": "openat", "AUID": "unset", "UID": "root"}),
    );
    assert_eq!(
        r["fields"].get("UID"),
        None,
        "enriched keys stay apart from the raw ones"
    );

    // ADD_USER: a value with a space inside msg='...' is split as auditd writes it.
    let r = fixture_record(&lines, 15, "pexip_audit");
    assert_has(
        &r["submsg"],
        json!({"op": "adding", "id": "1002", "exe": "/usr/sbin/useradd"}),
    );
    assert_eq!(r["text"], "user");

    let r = fixture_record(&lines, 17, "pexip_audit");
    assert_has(
        &r,
        json!({"audit_type": "CRED_DISP", "audit_serial": 1903, "timestamp": "2026-03-02T11:02:44.311Z"}),
    );
}

#[test]
fn web_fixture_values() {
    let lines = fixture_lines("web.log");

    let r = fixture_record(&lines, 1, "pexip_web");
    assert_has(
        &r,
        json!({"timestamp": "2026-03-02T10:15:40.000Z", "syslog_time": "2026-03-02T10:15:40.003+00:00", "node": "px-conf01",
               "tag": "apache2", "client_ip": "185.217.119.28", "ident": null, "user": null,
               "request_time": "02/Mar/2026:10:15:40 +0000", "request_verb": "POST",
               "request_url": "/api/client/v2/conferences/meet.alice/request_token", "request_proto": "HTTP/1.1",
               "pid": null, "status": 200, "bytes_received": null, "bytes": 1532,
               "referrer": "https://vc.example.com/webapp/home", "extra_fields": []}),
    );
    assert!(
        r["user_agent"]
            .as_str()
            .unwrap()
            .starts_with("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
    );

    assert_has(
        &fixture_record(&lines, 2, "pexip_web"),
        json!({"status": 304, "bytes": null}),
    );

    // The Pexip layout: pid status bytes_received bytes_sent.
    let r = fixture_record(&lines, 3, "pexip_web");
    assert_has(
        &r,
        json!({"pid": 3187, "status": 200, "bytes_received": 1842, "bytes": 2210, "request_verb": "POST", "referrer": "https://vc.example.com/webapp/home"}),
    );

    // Authenticated user; time with a +0100 offset normalised to UTC.
    let r = fixture_record(&lines, 4, "pexip_web");
    assert_has(
        &r,
        json!({"user": "admin", "status": 302, "bytes": 0, "timestamp": "2026-03-02T10:16:02.000Z",
               "request_url": "/admin/login/?next=/admin/", "request_time": "02/Mar/2026:11:16:02 +0100"}),
    );

    // Common log format: no referrer or user agent.
    assert_has(
        &fixture_record(&lines, 5, "pexip_web"),
        json!({"status": 200, "bytes": 4821, "referrer": null, "user_agent": null, "request_url": "/api/admin/status/v1/conference/?limit=20"}),
    );

    // IPv6 client, HTTP/2.0, "-" referrer.
    assert_has(
        &fixture_record(&lines, 6, "pexip_web"),
        json!({"client_ip": "2001:db8:85a3::8a2e:370:7334", "request_proto": "HTTP/2.0", "referrer": null}),
    );

    // Escaped quotes in the request and the user agent.
    let r = fixture_record(&lines, 7, "pexip_web");
    assert_has(
        &r,
        json!({"status": 404, "request_url": "/cgi-bin/\"test\".sh", "user_agent": "curl/8.5.0 \"scanner\""}),
    );

    // A trailing extra field after the user agent.
    assert_has(
        &fixture_record(&lines, 8, "pexip_web"),
        json!({"user_agent": "ELB-HealthChecker/2.0", "extra_fields": ["1245"]}),
    );

    // "-" request (timeout before the request line).
    assert_has(
        &fixture_record(&lines, 9, "pexip_web"),
        json!({"request_verb": null, "request_url": null, "request_proto": null, "status": 408, "bytes": null}),
    );

    // No syslog tag.
    assert_has(
        &fixture_record(&lines, 10, "pexip_web"),
        json!({"node": "px-conf02", "tag": null, "client_ip": "185.217.119.28", "status": 200}),
    );
}

/// Vector's `parse_common_log` cases, forwarded over syslog by a Pexip node.
#[test]
fn vrl_common_log_cases() {
    let cases = repo_file("tests/peers/vrl/parse_common_log.jsonl");
    let prefix = "2026-03-02T10:15:40.003+00:00 px-conf01 apache2: ";
    let mut compared = 0;
    for case in cases
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
    {
        let name = case["name"].as_str().unwrap();
        let input = case["input"].as_str().unwrap();
        let r = parse(&format!("{prefix}{input}"));
        match name {
            // Deliberate differences, see the module comment.
            "log_line_valid_empty" | "log_line_invalid" => {
                assert_eq!(r["log_type"], "unparsed", "{name}")
            }
            "log_line_invalid_timestamp" => {
                // No quote in the line, so sniffing does not pick it; parsed as pexip_web it is kept.
                let r = parse_as_web(&format!("{prefix}{input}"));
                assert_has(
                    &r,
                    json!({"log_type": "pexip_web", "request_time": "1234", "timestamp": "2026-03-02T10:15:40.003Z"}),
                )
            }
            _ => {
                let want = &case["expected_output"];
                assert_eq!(r["log_type"], "pexip_web", "{name}");
                let mapping = [
                    ("host", "client_ip"),
                    ("identity", "ident"),
                    ("user", "user"),
                    ("method", "request_verb"),
                    ("path", "request_url"),
                    ("protocol", "request_proto"),
                    ("status", "status"),
                    ("size", "bytes"),
                ];
                for (theirs, ours) in mapping {
                    assert_eq!(
                        r[ours],
                        *want.get(theirs).unwrap_or(&Value::Null),
                        "{name}: {theirs} -> {ours}"
                    );
                }
                if let Some(ts) = want["timestamp"].as_str() {
                    assert_eq!(r["timestamp"], ts.replace('Z', ".000Z"), "{name}");
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 5);
}
