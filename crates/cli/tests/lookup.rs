//! The lookups as an operator meets them, against moto_server on 127.0.0.1:
//! `logwrangler local-resources` creates the table, topics and stream;
//! `logwrangler alert` (the alerting Lambda's handler) takes a scripted day
//! of Pexip conference events as CloudWatch Logs subscription deliveries, out
//! of order and partly redelivered, and app events through `POST /logs`; then
//! every `logwrangler lookup` command and every read API route (the
//! lookup-lambda handler over the real SDK client) is checked exactly against
//! the script's ground truth, with pagination over several pages, 400s and
//! 404s.

use logwrangler_testkit::moto as support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use logwrangler::time::{iso_string, parse_iso8601};
use serde_json::{Map, Value, json};
use support::{ROOT, Service};

/// One scripted call leg: who, when, how it ended.
#[derive(Clone)]
struct Leg {
    conference: &'static str,
    session: &'static str,
    leg_id: String,
    call_id: String,
    alias: &'static str,
    name: &'static str,
    protocol: &'static str,
    joined: &'static str,
    left: Option<&'static str>,
    reason: Option<&'static str>,
    quality: Option<i64>,
}

fn ms(iso: &str) -> i64 {
    parse_iso8601(iso).unwrap()
}

/// The scripted day: meet.alice has two sessions (the second still running,
/// one call with bad quality), meet.carol five short ones (for pagination).
fn script() -> Vec<Leg> {
    let leg = |conference, session, n: &str, alias, name, protocol, joined, left, reason| Leg {
        conference,
        session,
        leg_id: format!("leg-{n}"),
        call_id: format!("call-{n}"),
        alias,
        name,
        protocol,
        joined,
        left,
        reason,
        quality: None,
    };
    let mut legs = vec![
        leg(
            "meet.alice",
            "a1",
            "a1-alice",
            "sip:alice@example.com",
            "Alice",
            "WebRTC",
            "2026-11-24T08:00:00.000Z",
            Some("2026-11-24T08:45:00.000Z"),
            Some("Call disconnected"),
        ),
        leg(
            "meet.alice",
            "a1",
            "a1-bob",
            "sip:bob@example.com",
            "Bob",
            "SIP",
            "2026-11-24T08:05:00.000Z",
            Some("2026-11-24T08:40:00.000Z"),
            Some("Remote disconnect"),
        ),
        leg(
            "meet.alice",
            "a2",
            "a2-alice",
            "sip:alice@example.com",
            "Alice",
            "WebRTC",
            "2026-11-24T09:30:00.000Z",
            None,
            None,
        ),
        leg(
            "meet.alice",
            "a2",
            "a2-bob",
            "sip:bob@example.com",
            "Bob",
            "SIP",
            "2026-11-24T09:35:00.000Z",
            Some("2026-11-24T09:50:00.000Z"),
            Some("Call disconnected"),
        ),
    ];
    legs[1].quality = Some(3);
    let carol = [
        ("c1", "2026-11-24T10:00:00.000Z", "2026-11-24T10:20:00.000Z"),
        ("c2", "2026-11-24T10:30:00.000Z", "2026-11-24T10:50:00.000Z"),
        ("c3", "2026-11-24T11:00:00.000Z", "2026-11-24T11:20:00.000Z"),
        ("c4", "2026-11-24T11:30:00.000Z", "2026-11-24T11:50:00.000Z"),
        ("c5", "2026-11-24T12:00:00.000Z", "2026-11-24T12:20:00.000Z"),
    ];
    for (session, joined, left) in carol {
        legs.push(leg(
            "meet.carol",
            session,
            &format!("{session}-carol"),
            "sip:carol@example.com",
            "Carol",
            "H323",
            joined,
            Some(left),
            Some("Call disconnected"),
        ));
    }
    legs
}

fn session_id(leg: &Leg) -> String {
    format!("{}-{}", leg.conference, leg.session)
}

/// A Pexip support log line (the form of tests/fixtures/pexip/support.log).
fn pexip_line(iso: &str, name: &str, fields: &str) -> String {
    let date = &iso[..10];
    let time = iso[11..23].replace('.', ",");
    format!(
        "{}+00:00 px-conf01 {date} {time} Level=\"INFO\" Name=\"{name}\" {fields}",
        &iso[..23]
    )
}

/// The script's events: a join per leg, a leave per ended leg, a quality change.
fn events(legs: &[Leg]) -> Vec<(i64, String)> {
    let mut events = Vec::new();
    for leg in legs {
        let common = format!(
            "Conference=\"{}\" Conference-ID=\"{}\" Service-type=\"conference\" Participant=\"{}\" \
             DisplayName=\"{}\" Protocol=\"{}\" Direction=\"in\" Call-id=\"{}\" Conversation-id=\"{}\" \
             Participant-id=\"{}\" Remote-address=\"198.51.100.7\" Location=\"London\" Licenses=\"1\" \
             Signaling-node=\"10.1.1.127\" Media-node=\"10.1.1.127\" Vendor=\"TANDBERG/4136\" Role=\"guest\"",
            leg.conference,
            session_id(leg),
            leg.alias,
            leg.name,
            leg.protocol,
            leg.call_id,
            leg.call_id,
            leg.leg_id
        );
        events.push((
            ms(leg.joined),
            pexip_line(
                leg.joined,
                "administrator.conference",
                &format!("Message=\"Participant has joined.\" {common}"),
            ),
        ));
        if let Some(left) = leg.left {
            let duration = (ms(left) - ms(leg.joined)) / 1000;
            events.push((ms(left), pexip_line(left, "administrator.conference", &format!(
                "Message=\"Participant has disconnected.\" {common} Duration=\"{duration}.0\" Detail=\"{}\"",
                leg.reason.unwrap()
            ))));
        }
        if let Some(quality) = leg.quality {
            let at = iso_string(ms(leg.joined) + 300_000);
            events.push((ms(&at), pexip_line(&at, "support.media", &format!(
                "Message=\"Stable call quality changed from good to bad\" Call-id=\"{}\" Stream-id=\"1\" \
                 Media-type=\"video\" Was=\"1\" Now=\"{quality}\"",
                leg.call_id
            ))));
        }
    }
    events
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A CloudWatch Logs subscription event carrying `events`.
fn subscription_event(events: &[(usize, i64, String)]) -> Value {
    let data = json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/pexip/support",
        "logStream": "px-conf01",
        "subscriptionFilters": ["alerting"],
        "logEvents": events.iter().map(|(i, ts, message)| json!({
            "id": format!("ev-{i:04}"), "timestamp": ts, "message": message
        })).collect::<Vec<_>>(),
    });
    json!({"awslogs": {"data": BASE64.encode(gzip(data.to_string().as_bytes()))}})
}

/// An API Gateway (REST, proxy) request event.
fn gateway_event(
    method: &str,
    path: &str,
    params: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Value {
    let params: Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let headers: Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({
        "resource": path, "path": path, "httpMethod": method,
        "headers": headers, "multiValueHeaders": {},
        "queryStringParameters": if params.is_empty() { Value::Null } else { Value::Object(params) },
        "multiValueQueryStringParameters": {}, "pathParameters": {}, "stageVariables": {"summaryTable": "logwrangler"},
        "requestContext": {"requestId": "req-apps-1", "accountId": "123456789012", "stage": "prod",
            "httpMethod": method, "resourcePath": path, "path": path, "identity": {}},
        "body": body, "isBase64Encoded": false,
    })
}

struct Env {
    _moto: Service,
    vars: Vec<(String, String)>,
}

fn logwrangler(env: &Env, args: &[&str], stdin_file: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_logwrangler"));
    command.args(args).current_dir(ROOT);
    for (name, value) in &env.vars {
        command.env(name, value);
    }
    if let Some(file) = stdin_file {
        command.stdin(std::fs::File::open(file).unwrap());
    }
    command.output().expect("the binary runs")
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn ndjson(text: &str) -> Vec<Map<String, Value>> {
    text.lines()
        .map(|l| match serde_json::from_str(l).unwrap() {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        })
        .collect()
}

fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lookup");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// moto_server, `local-resources` (twice: the same answer), the scripted day
/// through `logwrangler alert`.
fn loaded() -> (Env, Vec<Leg>, PathBuf) {
    let moto = Service::moto();
    let mut env = Env {
        vars: vec![
            ("AWS_ENDPOINT_URL".into(), moto.url()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID".into(), "test".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "test".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ],
        _moto: moto,
    };
    let printed = ok(&logwrangler(&env, &["local-resources"], None));
    assert_eq!(
        ok(&logwrangler(&env, &["local-resources"], None)),
        printed,
        "idempotent"
    );
    let names: Vec<&str> = printed
        .lines()
        .map(|l| l.split('=').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "LOGWRANGLER_TABLE",
            "LOGWRANGLER_TOPIC_CRITICAL_ARN",
            "LOGWRANGLER_TOPIC_ERROR_ARN",
            "LOGWRANGLER_TOPIC_WARNING_ARN",
            "LOGWRANGLER_TOPIC_INFO_ARN",
            "LOGWRANGLER_TOPIC_DEBUG_ARN",
            "LOGWRANGLER_APP_STREAM",
        ]
    );
    assert!(
        printed.contains("LOGWRANGLER_TABLE=logwrangler\n"),
        "{printed}"
    );
    assert!(printed.contains("arn:aws:sns:us-east-1:"), "{printed}");
    for line in printed.lines() {
        let (k, v) = line.split_once('=').unwrap();
        env.vars.push((k.into(), v.into()));
    }

    let legs = script();
    let numbered: Vec<(usize, i64, String)> = events(&legs)
        .into_iter()
        .enumerate()
        .map(|(i, (t, m))| (i, t, m))
        .collect();
    // Batches of 5, delivered last first (leaves before joins, quality before
    // its leg), and the first two batches delivered twice.
    let mut batches: Vec<&[(usize, i64, String)]> = numbered.chunks(5).collect();
    batches.reverse();
    let redelivered = [batches[batches.len() - 1], batches[batches.len() - 2]];
    batches.extend(redelivered);
    let dir = scratch();
    for (i, batch) in batches.iter().enumerate() {
        let file = dir.join(format!("batch-{i}.json"));
        std::fs::write(&file, subscription_event(batch).to_string()).unwrap();
        let answer: Value = serde_json::from_str(&ok(&logwrangler(
            &env,
            &["alert", file.to_str().unwrap()],
            None,
        )))
        .unwrap();
        assert_eq!(answer["events"], json!(batch.len()), "{answer}");
    }
    // App events through POST /logs, read from standard input.
    let body = json!([
        {"source_application": "billing", "log_level": "info", "message": "invoice sent", "timestamp": "2026-11-24T09:00:00Z"},
        {"source_application": "billing", "log_level": "error", "message": "card declined", "timestamp": "2026-11-24T09:10:00Z",
         "details": {"code": 402, "retry": false}},
        {"source_application": "billing", "log_level": "warning", "message": "slow gateway", "timestamp": "2026-11-24T09:20:00Z"},
    ])
    .to_string();
    let file = dir.join("app.json");
    let event = gateway_event(
        "POST",
        "/logs",
        &[],
        &[("content-type", "application/json")],
        Some(&body),
    );
    std::fs::write(&file, event.to_string()).unwrap();
    let answer: Value =
        serde_json::from_str(&ok(&logwrangler(&env, &["alert", "-"], Some(&file)))).unwrap();
    assert_eq!(answer["statusCode"], json!(202), "{answer}");
    (env, legs, dir)
}

/// What a leg item must say, from the script.
fn check_leg(item: &Map<String, Value>, leg: &Leg) {
    assert_eq!(item["kind"], json!("leg"), "{item:?}");
    assert_eq!(item["leg_id"], json!(leg.leg_id));
    assert_eq!(item["call_id"], json!(leg.call_id));
    assert_eq!(item["conference"], json!(leg.conference));
    assert_eq!(item["session_id"], json!(session_id(leg)));
    assert_eq!(item["alias"], json!(leg.alias));
    assert_eq!(item["protocol"], json!(leg.protocol));
    assert_eq!(item["joined"], json!(leg.joined));
    assert_eq!(item["joined_ms"], json!(ms(leg.joined)));
    assert_eq!(item.get("left"), leg.left.map(|l| json!(l)).as_ref());
    assert_eq!(
        item.get("disconnect_reason"),
        leg.reason.map(|r| json!(r)).as_ref()
    );
    assert_eq!(
        item.get("worst_quality").and_then(Value::as_i64),
        leg.quality,
        "{item:?}"
    );
    assert!(
        !item.contains_key("pk") && !item.contains_key("gsi1pk"),
        "storage keys stay out: {item:?}"
    );
}

fn check_session(item: &Map<String, Value>, id: &str, legs: &[Leg]) {
    let mine: Vec<&Leg> = legs.iter().filter(|l| session_id(l) == id).collect();
    assert_eq!(item["kind"], json!("session"), "{item:?}");
    assert_eq!(item["session_id"], json!(id));
    assert_eq!(item["conference"], json!(mine[0].conference));
    assert_eq!(
        item["start"],
        json!(mine.iter().map(|l| l.joined).min().unwrap())
    );
    let active = mine.iter().any(|l| l.left.is_none());
    assert_eq!(item["active"], json!(active));
    if !active {
        assert_eq!(
            item["end"],
            json!(mine.iter().filter_map(|l| l.left).max().unwrap())
        );
    }
    assert_eq!(item["participants_total"], json!(mine.len()));
    assert_eq!(item["legs"], json!(mine.len()));
    let mut protocols = BTreeMap::new();
    for leg in &mine {
        *protocols.entry(leg.protocol).or_insert(0) += 1;
    }
    assert_eq!(
        item["protocols"],
        json!(protocols),
        "a map is a JSON object, not text"
    );
}

fn leg<'a>(legs: &'a [Leg], id: &str) -> &'a Leg {
    legs.iter().find(|l| l.leg_id == id).unwrap()
}

#[test]
fn every_lookup_command_and_route_answers_the_ground_truth() {
    let (env, legs, dir) = loaded();
    let lookup = |args: &[&str]| {
        let mut all = vec!["lookup"];
        all.extend_from_slice(args);
        all.push("--json");
        ndjson(&ok(&logwrangler(&env, &all, None)))
    };

    // 1. conference: sessions newest first.
    let sessions = lookup(&["conference", "meet.alice"]);
    assert_eq!(sessions.len(), 2);
    check_session(&sessions[0], "meet.alice-a2", &legs);
    check_session(&sessions[1], "meet.alice-a1", &legs);
    assert_eq!(sessions[0]["max_concurrent"], json!(2));
    let carol = lookup(&["conference", "meet.carol"]);
    let ids: Vec<&str> = carol
        .iter()
        .map(|s| s["session_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "meet.carol-c5",
            "meet.carol-c4",
            "meet.carol-c3",
            "meet.carol-c2",
            "meet.carol-c1"
        ]
    );
    let limited = lookup(&["conference", "meet.carol", "--limit", "2"]);
    assert_eq!(limited, carol[..2]);
    let window = lookup(&[
        "conference",
        "meet.carol",
        "--since",
        "2026-11-24T10:30:00Z",
        "--until",
        "2026-11-24T11:00:00Z",
    ]);
    let ids: Vec<&str> = window
        .iter()
        .map(|s| s["session_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["meet.carol-c3", "meet.carol-c2"],
        "both ends inclusive"
    );

    // 2. session: its summary and every leg.
    let items = lookup(&["session", "meet.alice-a1"]);
    assert_eq!(items.len(), 3);
    let (summary, leg_items): (Vec<_>, Vec<_>) =
        items.iter().partition(|i| i["kind"] == json!("session"));
    check_session(summary[0], "meet.alice-a1", &legs);
    assert_eq!(summary[0]["max_concurrent"], json!(2));
    assert_eq!(leg_items.len(), 2);
    for item in leg_items {
        check_leg(item, leg(&legs, item["leg_id"].as_str().unwrap()));
    }

    // 3. call by id.
    let call = lookup(&["call", "call-a1-bob"]);
    assert_eq!(call.len(), 1);
    check_leg(&call[0], leg(&legs, "leg-a1-bob"));
    assert_eq!(
        call[0]["worst_quality_name"],
        json!("bad"),
        "quality seen before the leg is kept"
    );

    // 4. participant: recent calls newest first.
    let bob = lookup(&["participant", "sip:bob@example.com"]);
    let ids: Vec<&str> = bob.iter().map(|l| l["leg_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["leg-a2-bob", "leg-a1-bob"]);
    for item in &bob {
        check_leg(item, leg(&legs, item["leg_id"].as_str().unwrap()));
    }

    // 5. active now.
    let active = lookup(&["active"]);
    assert_eq!(active.len(), 1);
    check_session(&active[0], "meet.alice-a2", &legs);

    // 6. app events newest first, details as JSON.
    let app = lookup(&["app", "billing"]);
    let messages: Vec<&str> = app.iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["slow gateway", "card declined", "invoice sent"]);
    assert_eq!(app[1]["details"], json!({"code": 402, "retry": false}));
    assert_eq!(app[1]["kind"], json!("app_event"));

    // The readable table, and nothing found.
    let table = ok(&logwrangler(
        &env,
        &["lookup", "conference", "meet.alice"],
        None,
    ));
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("start") && lines[0].contains("participants_total"),
        "{table}"
    );
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[1].starts_with("2026-11-24T09:30:00.000Z") && lines[1].contains("SIP=1,WebRTC=1"),
        "{table}"
    );
    let none = logwrangler(&env, &["lookup", "conference", "meet.nobody"], None);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("nothing found"));
    let bad = logwrangler(
        &env,
        &["lookup", "conference", "meet.alice", "--since", "yesterday"],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));

    // The picture of a session.
    let page = dir.join("a1.html");
    ok(&logwrangler(
        &env,
        &[
            "lookup",
            "session",
            "meet.alice-a1",
            "--html",
            page.to_str().unwrap(),
        ],
        None,
    ));
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<rect class=\"leg\"").count(), 2);
    assert!(!html.contains("<script") && !html.contains("https://"));

    // The read API: the same items, one Query a page.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let endpoint = env
        .vars
        .iter()
        .find(|(k, _)| k == "AWS_ENDPOINT_URL")
        .unwrap()
        .1
        .clone();
    let client = runtime.block_on(async {
        let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "test", "test", None, None, "moto",
            ))
            .load()
            .await;
        aws_sdk_dynamodb::Client::new(&aws)
    });
    let query_on = |table: &str| logwrangler_lookup::DynamoQuery::new(client.clone(), table);
    let get = |path: &str, params: &[(&str, &str)], accept: Option<&str>| -> (i64, String, Value) {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        let event = gateway_event("GET", path, params, &headers, None);
        let answer = runtime
            .block_on(lookup_lambda::handle_event(
                query_on,
                None,
                None,
                event,
                ms("2026-11-24T13:00:00Z"),
            ))
            .unwrap();
        let body = answer["body"].as_str().unwrap_or_default().to_string();
        let content_type = answer["headers"]["content-type"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        (
            answer["statusCode"].as_i64().unwrap(),
            content_type,
            if json.is_null() {
                Value::String(body)
            } else {
                json
            },
        )
    };
    let items = |v: &Value| -> Vec<Map<String, Value>> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_object().unwrap().clone())
            .collect()
    };
    for (path, cli) in [
        ("/conferences/meet.alice/sessions", sessions.clone()),
        (
            "/sessions/meet.alice-a1",
            lookup(&["session", "meet.alice-a1"]),
        ),
        ("/calls/call-a1-bob", call.clone()),
        ("/participants/sip%3Abob%40example.com/calls", bob.clone()),
        ("/conferences/active", active.clone()),
        ("/apps/billing/events", app.clone()),
    ] {
        let (status, content_type, body) = get(path, &[], None);
        assert_eq!(
            (status, content_type.as_str()),
            (200, "application/json"),
            "{path}: {body}"
        );
        assert_eq!(
            items(&body),
            cli,
            "{path}: the API and the CLI answer the same items"
        );
        assert_eq!(body["next"], Value::Null);
    }
    // Pagination: five sessions in pages of two.
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = vec![("limit", "2")];
        if let Some(c) = &cursor {
            params.push(("cursor", c.as_str()));
        }
        let (status, _, body) = get("/conferences/meet.carol/sessions", &params, None);
        assert_eq!(status, 200, "{body}");
        pages.push(items(&body));
        cursor = body["next"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
        assert!(pages.len() < 5, "the cursor moves on");
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    assert_eq!(pages.concat(), carol);
    let (_, _, windowed) = get(
        "/conferences/meet.carol/sessions",
        &[("since", "2026-11-24T11:30:00Z")],
        None,
    );
    assert_eq!(items(&windowed), carol[..2]);
    // 404s and 400s.
    assert_eq!(get("/conferences/meet.nobody/sessions", &[], None).0, 404);
    assert_eq!(get("/sessions/nope", &[], None).0, 404);
    assert_eq!(get("/nowhere", &[], None).0, 404);
    for params in [
        vec![("limit", "0")],
        vec![("limit", "many")],
        vec![("since", "yesterday")],
        vec![("cursor", "bm90IG91cnM")],
        vec![("colour", "blue")],
    ] {
        let (status, _, body) = get("/conferences/meet.carol/sessions", &params, None);
        assert_eq!(status, 400, "{params:?}: {body}");
        assert!(body["error"].is_string());
    }
    let other_cursor = {
        let (_, _, body) = get("/conferences/meet.carol/sessions", &[("limit", "1")], None);
        body["next"].as_str().unwrap().to_string()
    };
    assert_eq!(
        get(
            "/conferences/meet.alice/sessions",
            &[("cursor", &other_cursor)],
            None
        )
        .0,
        400,
        "a cursor of another lookup"
    );
    // The picture over the API.
    let (status, content_type, page) = get(
        "/sessions/meet.alice-a1",
        &[],
        Some("text/html,application/xhtml+xml"),
    );
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/html; charset=utf-8")
    );
    assert_eq!(
        page.as_str().unwrap(),
        html,
        "the CLI and the API draw the same page"
    );
}

#[test]
fn participant_aliases_are_tokenised_with_the_deployment_key() {
    let moto = Service::moto();
    let key = "d95d2416c2267c9b846d69d7f7192ca50f0bccbce666cdfd10d5ea9e7339564c";
    let mut env = Env {
        vars: vec![
            ("AWS_ENDPOINT_URL".into(), moto.url()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID".into(), "test".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "test".into()),
            ("LOGWRANGLER_PSEUDONYMISE_KEY".into(), key.into()),
        ],
        _moto: moto,
    };
    for line in ok(&logwrangler(
        &env,
        &["local-resources", "--prefix", "pseudo"],
        None,
    ))
    .lines()
    {
        let (k, v) = line.split_once('=').unwrap();
        env.vars.push((k.into(), v.into()));
    }
    let legs: Vec<Leg> = script().into_iter().take(2).collect();
    let numbered: Vec<(usize, i64, String)> = events(&legs)
        .into_iter()
        .enumerate()
        .map(|(i, (t, m))| (i, t, m))
        .collect();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lookup-pseudo");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("batch.json");
    std::fs::write(&file, subscription_event(&numbered).to_string()).unwrap();
    ok(&logwrangler(&env, &["alert", file.to_str().unwrap()], None));
    let found = ndjson(&ok(&logwrangler(
        &env,
        &["lookup", "participant", "sip:bob@example.com", "--json"],
        None,
    )));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["leg_id"], json!("leg-a1-bob"));
    let alias = found[0]["alias"].as_str().unwrap();
    assert_ne!(alias, "sip:bob@example.com", "the table holds the token");
    let token = ok(&logwrangler(
        &env,
        &["pseudonymise", "--kind", "alias", "sip:bob@example.com"],
        None,
    ));
    assert_eq!(alias, token.trim());
}
