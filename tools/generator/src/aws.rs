//! A day of the AWS services around the estate: the load balancer in front of
//! the web app (with an afternoon when one target fails), the CloudFront
//! distribution of its assets, S3 server access logs of four buckets, VPC flow
//! logs of the nodes' interfaces (with scanners knocking on a few ports),
//! CloudTrail management events (with a few principals refused, console
//! logins, one by root), three Lambda functions (some invocations time out or
//! crash), and the JSON events an application writes.
//!
//! Each line follows the shape the core's parsers document
//! (`logwrangler/src/formats/*.rs`) and the fixtures in `tests/fixtures/aws/`;
//! each is written with what the core must make of it ([`Expect`]) and the
//! facts the named queries count go to the ground truth as they are made.

use std::fmt::Write as _;

use fastrand::Rng;
use logwrangler::{LogType, Severity};
use serde_json::json;

use super::cloudwatch::{Expect, Sink, StreamId};
use super::truth::{GroundTruth, bump};
use super::util::{
    DAY_MS, HOUR_MS, MINUTE_MS, WORKDAY_WEIGHTS, between, chance, clf_time, date_and_time, diurnal,
    hex, iso_micros, iso_ms, iso_seconds, pick, public_ipv4, public_ipv6, scaled, slash_date,
    sub_rng, token, upper_alnum, uuid, weighted,
};
use super::{
    ALB_GROUP, APP_GROUP, CLOUDFRONT_GROUP, CLOUDTRAIL_GROUP, S3_GROUP, VPC_GROUP, lambda_group,
};

const REGION: &str = "eu-west-1";
const DOMAIN: &str = "vc.example.com";
const ROOMS: [&str; 6] = [
    "meet.alice",
    "sales.weekly",
    "eng.standup",
    "board.monthly",
    "town.hall",
    "support.bridge",
];
const NAMES: [&str; 8] = [
    "Alice%20Jones",
    "Bob%20Smith",
    "Priya%20Khan",
    "Tomasz%20Kowalski",
    "Ines%20Silva",
    "Kenji%20Tanaka",
    "Zoe%20Murphy",
    "Liam%20Fischer",
];
const AGENTS: [&str; 6] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "PexipInfinityConnect/1.12.4 (Windows 10)",
    "curl/8.5.0",
];

/// Writes the AWS side of the day into `sink` and its facts into `truth`.
pub fn generate(
    seed: u64,
    scale: f64,
    day_start: i64,
    account: &str,
    sink: &mut Sink,
    truth: &mut GroundTruth,
) {
    let day = Day {
        scale,
        start: day_start,
        account,
    };
    alb(&day, &mut sub_rng(seed, "alb"), sink, truth);
    cloudfront(&day, &mut sub_rng(seed, "cloudfront"), sink);
    s3_access(&day, &mut sub_rng(seed, "s3"), sink, truth);
    vpc_flow(&day, &mut sub_rng(seed, "vpc"), sink, truth);
    cloudtrail(&day, &mut sub_rng(seed, "cloudtrail"), sink, truth);
    lambda(&day, &mut sub_rng(seed, "lambda"), sink, truth);
    app_events(&day, &mut sub_rng(seed, "app"), sink);
}

struct Day<'a> {
    scale: f64,
    start: i64,
    account: &'a str,
}

// ---- ALB -------------------------------------------------------------------

const ALB: &str = "app/vc-portal/50dc6c495c0c9188";
const TARGETS: [&str; 4] = ["10.0.1.11", "10.0.1.12", "10.0.2.13", "10.0.2.14"];
/// The target that fails in the afternoon.
const FAILING_TARGET: usize = 3;

/// How the load balancer answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// The target answered with this status.
    Target(u16),
    /// The target closed the connection: 502 from the load balancer.
    TargetReset,
    /// The target did not answer in time: 504 from the load balancer.
    TargetTimeout,
    /// No healthy target: 503 from the load balancer, no target.
    NoTarget,
    /// A listener rule redirected plain HTTP to HTTPS.
    Redirect,
}

fn alb(day: &Day<'_>, rng: &mut Rng, sink: &mut Sink, truth: &mut GroundTruth) {
    let stream = sink.stream(ALB_GROUP, "vc-portal-alb");
    let failing_from = day.start + between(rng, 13 * HOUR_MS, 16 * HOUR_MS);
    let failing_until = failing_from + 40 * MINUTE_MS;
    let mut write = |rng: &mut Rng, time: i64, answer: Answer, target: Option<usize>| {
        let (line, elb_status, target_status) = alb_line(day, rng, time, answer, target);
        if elb_status >= 500 {
            let key = target.map_or("(no target)", |t| TARGETS[t]).to_string();
            let entry = truth.alb_5xx.entry(key).or_insert((0, 0, 0));
            entry.0 += 1;
            match target_status {
                Some(status) if status >= 500 => entry.1 += 1,
                Some(_) => {}
                None => entry.2 += 1,
            }
        }
        sink.emit(stream, time, line, Expect::info(LogType::Alb));
    };
    for _ in 0..scaled(6000.0, day.scale, 50) {
        let time = diurnal(rng, day.start, &WORKDAY_WEIGHTS);
        let failing = (failing_from..failing_until).contains(&time);
        let target = loop {
            let t = rng.usize(..TARGETS.len());
            if !(failing && t == FAILING_TARGET) {
                break t;
            }
        };
        let status = weighted(
            rng,
            &[
                (200, 800),
                (304, 50),
                (0, 30),
                (401, 20),
                (403, 10),
                (404, 30),
                (400, 10),
                (500, 6),
                (502, 2),
            ],
        );
        match status {
            0 => write(rng, time, Answer::Redirect, None),
            status => write(rng, time, Answer::Target(status), Some(target)),
        }
    }
    // The failing target: errors of its own, resets and timeouts the load
    // balancer reports, and a few minutes with no healthy target at all.
    let kinds = [
        Answer::Target(503),
        Answer::TargetReset,
        Answer::TargetTimeout,
        Answer::Target(502),
        Answer::Target(500),
    ];
    for i in 0..scaled(120.0, day.scale, 6) {
        let time = failing_from + rng.i64(0..failing_until - failing_from);
        let answer = match kinds.get(i) {
            Some(kind) => *kind,
            None => *pick(rng, &kinds),
        };
        write(rng, time, answer, Some(FAILING_TARGET));
    }
    for _ in 0..scaled(25.0, day.scale, 2) {
        let time = failing_from + 10 * MINUTE_MS + rng.i64(0..5 * MINUTE_MS);
        write(rng, time, Answer::NoTarget, None);
    }
}

/// One ALB access log entry; returns it with the load balancer's and the
/// target's status codes.
fn alb_line(
    day: &Day<'_>,
    rng: &mut Rng,
    time: i64,
    answer: Answer,
    target: Option<usize>,
) -> (String, u16, Option<u16>) {
    let plain = answer == Answer::Redirect;
    let kind = if plain {
        "http"
    } else if chance(rng, 0.3) {
        "h2"
    } else {
        "https"
    };
    let client = if chance(rng, 0.15) {
        format!("[{}]:{}", public_ipv6(rng), rng.u16(1_024..65_000))
    } else {
        format!("{}:{}", public_ipv4(rng), rng.u16(1_024..65_000))
    };
    let room = *pick(rng, &ROOMS);
    let (verb, path, size) = match rng.u32(..10) {
        0..=2 => (
            "GET",
            format!(
                "/webapp/home?conference={room}&name={}&role=guest&callType=video&muteMicrophone=false",
                pick(rng, &NAMES)
            ),
            18_233,
        ),
        3 => (
            "GET",
            format!("/webapp/static/js/main.{}.js", hex(rng, 8)),
            183_402,
        ),
        4 | 5 => (
            "POST",
            format!("/api/client/v2/conferences/{room}/request_token"),
            1_532,
        ),
        6 | 7 => (
            "GET",
            format!(
                "/api/client/v2/conferences/{room}/participants/{}/events?token={}&since={}",
                uuid(rng),
                token(rng, 120),
                time / 1000 - 30
            ),
            rng.u64(200..4_000),
        ),
        _ => (
            "GET",
            format!(
                "/api/bookings?from=2026-11-24T00%3A00%3A00Z&to=2026-11-25T00%3A00%3A00Z&room={room}&page={}&pageSize=50&sort=start%2Cdesc",
                rng.u8(1..6)
            ),
            rng.u64(900..24_000),
        ),
    };
    let (scheme, port) = if plain { ("http", 80) } else { ("https", 443) };
    let url = format!("{scheme}://{DOMAIN}:{port}{path}");
    let proto = if kind == "h2" { "HTTP/2.0" } else { "HTTP/1.1" };
    let agent = *pick(rng, &AGENTS);
    let received = 250 + path.len() as u64 + rng.u64(0..900);
    let request_time = f64::from(rng.u32(0..3)) / 1000.0;
    let (elb_status, target_status, times, sent) = match answer {
        Answer::Target(status) => {
            let processing = match status {
                500..=599 => 0.5 + rng.f64() * 4.0,
                _ => 0.002 + rng.f64().powi(3) * 0.8,
            };
            let sent = match status {
                200 => size + 420,
                304 => 180,
                _ => rng.u64(120..700),
            };
            (
                status,
                Some(status),
                format!("{request_time:.3} {processing:.3} 0.000"),
                sent,
            )
        }
        Answer::TargetReset => (502, None, format!("{request_time:.3} -1 -1"), 272),
        Answer::TargetTimeout => (504, None, format!("{request_time:.3} -1 -1"), 290),
        Answer::NoTarget => (503, None, "-1 -1 -1".to_string(), 310),
        Answer::Redirect => (301, None, "-1 -1 -1".to_string(), 194),
    };
    let target_field = target.map_or_else(|| "-".to_string(), |t| format!("{}:8443", TARGETS[t]));
    let (cipher, tls, domain, cert) = if plain {
        ("-", "-", "-".to_string(), "-".to_string())
    } else if chance(rng, 0.7) {
        (
            "TLS_AES_128_GCM_SHA256",
            "TLSv1.3",
            DOMAIN.to_string(),
            format!(
                "arn:aws:acm:{REGION}:{}:certificate/3f2a6c1e-8b4d-4e7a-9c1f-2d5e6b7a8c90",
                day.account
            ),
        )
    } else {
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            "TLSv1.2",
            DOMAIN.to_string(),
            format!(
                "arn:aws:acm:{REGION}:{}:certificate/3f2a6c1e-8b4d-4e7a-9c1f-2d5e6b7a8c90",
                day.account
            ),
        )
    };
    let target_group = if plain {
        "-".to_string()
    } else {
        format!(
            "arn:aws:elasticloadbalancing:{REGION}:{}:targetgroup/vc-portal-web/73e2d6bc24d8a067",
            day.account
        )
    };
    let created = time - rng.i64(0..1_500);
    let (actions, redirect) = if plain {
        ("redirect", format!("https://{DOMAIN}:443{path}"))
    } else {
        ("forward", "-".to_string())
    };
    let status_text = |s: Option<u16>| s.map_or_else(|| "-".to_string(), |s| s.to_string());
    let mut line = String::with_capacity(900);
    let _ = write!(
        line,
        "{kind} {} {ALB} {client} {target_field} {times} {elb_status} {} {received} {sent} \"{verb} {url} {proto}\" \"{agent}\" {cipher} {tls} {target_group} \"Root=1-{:08x}-{}\" \"{domain}\" \"{cert}\" {} {} \"{actions}\" \"{redirect}\" \"-\" \"{target_field}\" \"{}\" \"-\" \"-\" TID_{}",
        iso_micros(time, rng.u32(0..1_000)),
        status_text(target_status),
        time / 1000,
        hex(rng, 24),
        if plain { 0 } else { *pick(rng, &[1, 10, 20]) },
        iso_micros(created, rng.u32(0..1_000)),
        status_text(target_status),
        hex(rng, 32),
    );
    (line, elb_status, target_status)
}

// ---- CloudFront ------------------------------------------------------------

fn cloudfront(day: &Day<'_>, rng: &mut Rng, sink: &mut Sink) {
    let stream = sink.stream(CLOUDFRONT_GROUP, "E2VCASSETS7EXMPL");
    let edges = [
        "LHR61-P1", "FRA56-P3", "CDG50-C1", "AMS1-C1", "IAD89-C2", "JFK50-C1",
    ];
    for _ in 0..scaled(3000.0, day.scale, 20) {
        let time = diurnal(rng, day.start, &WORKDAY_WEIGHTS) / 1000 * 1000;
        let (date, clock) = date_and_time(time);
        let (path, content_type, size) = match rng.u32(..10) {
            0..=3 => (
                format!("/webapp/static/js/main.{}.js", hex(rng, 8)),
                "application/javascript",
                183_402,
            ),
            4 | 5 => (
                format!("/webapp/static/css/app.{}.css", hex(rng, 8)),
                "text/css",
                24_810,
            ),
            6 | 7 => (
                format!("/webapp/assets/background-{}.jpg", rng.u8(1..9)),
                "image/jpeg",
                412_330,
            ),
            8 => (
                format!("/recordings/{}/2026-11-23.mp4", pick(rng, &ROOMS)),
                "video/mp4",
                1_048_576,
            ),
            _ => ("/favicon.ico".to_string(), "image/x-icon", 1_150),
        };
        let (status, result, detailed) = weighted(
            rng,
            &[
                ((200, "Hit", "Hit"), 60),
                ((200, "Miss", "Miss"), 20),
                ((304, "RefreshHit", "RefreshHit"), 8),
                ((206, "Hit", "Hit"), 3),
                ((404, "Error", "Error"), 5),
                ((403, "Error", "Error"), 2),
                ((502, "Error", "OriginConnectError"), 1),
            ],
        );
        let sent = match status {
            200 => size + 480,
            206 => 262_144 + 520,
            304 => 310,
            _ => rng.u64(400..900),
        };
        let client = if chance(rng, 0.2) {
            public_ipv6(rng)
        } else {
            public_ipv4(rng)
        };
        let agent = pick(rng, &AGENTS[..4]).replace(' ', "%20");
        let taken = 0.001 + rng.f64().powi(3) * 0.4;
        let range = if status == 206 {
            ("0", "262143")
        } else {
            ("-", "-")
        };
        let fields: [&str; 33] = [
            &date,
            &clock,
            *pick(rng, &edges),
            &sent.to_string(),
            &client,
            "GET",
            "d2vcexample8x.cloudfront.net",
            &path,
            &status.to_string(),
            "https://vc.example.com/webapp/home",
            &agent,
            if chance(rng, 0.2) { "v=3" } else { "-" },
            "-",
            result,
            &format!("{}==", token(rng, 54)),
            "assets.vc.example.com",
            "https",
            &rng.u32(150..900).to_string(),
            &format!("{taken:.3}"),
            "-",
            "TLSv1.3",
            "TLS_AES_128_GCM_SHA256",
            result,
            "HTTP/2.0",
            "-",
            "-",
            &rng.u16(1_024..65_000).to_string(),
            &format!("{:.3}", taken * 0.9),
            detailed,
            content_type,
            &size.to_string(),
            range.0,
            range.1,
        ];
        sink.emit(
            stream,
            time,
            fields.join("\t"),
            Expect::info(LogType::CloudFront),
        );
    }
}

// ---- S3 server access logs -------------------------------------------------

#[derive(Clone, Copy)]
enum Requester {
    Anonymous,
    Role(&'static str, &'static str),
    User(&'static str),
    Service(&'static str),
}

/// A bucket, its share of the requests, and who makes them (by weight).
type BucketTraffic = (&'static str, u32, &'static [(Requester, u32)]);

fn s3_access(day: &Day<'_>, rng: &mut Rng, sink: &mut Sink, truth: &mut GroundTruth) {
    let owner = hex(rng, 64);
    let buckets: [BucketTraffic; 4] = [
        (
            "vc-webapp-assets",
            45,
            &[
                (Requester::Anonymous, 70),
                (Requester::Service("svc:cloudfront.amazonaws.com"), 25),
                (Requester::Role("ci-deployer", "gh-actions-run"), 5),
            ],
        ),
        (
            "vc-recordings-prod",
            30,
            &[
                (Requester::Role("pexip-recorder", "i-0a1b2c3d4e5f60718"), 70),
                (Requester::User("ops-bot"), 25),
                (Requester::Anonymous, 5),
            ],
        ),
        (
            "vc-config-backups",
            10,
            &[(Requester::User("backup-agent"), 100)],
        ),
        (
            "vc-cloudtrail-archive",
            15,
            &[
                (Requester::Service("svc:cloudtrail.amazonaws.com"), 80),
                (Requester::User("auditor"), 20),
            ],
        ),
    ];
    let streams: Vec<_> = buckets
        .iter()
        .map(|(bucket, _, _)| sink.stream(S3_GROUP, bucket))
        .collect();
    let shares: Vec<(usize, u32)> = buckets.iter().enumerate().map(|(i, b)| (i, b.1)).collect();
    for _ in 0..scaled(2000.0, day.scale, 20) {
        let b = weighted(rng, &shares);
        let (bucket, _, requesters) = buckets[b];
        let requester = weighted(rng, requesters);
        let time = diurnal(rng, day.start, &WORKDAY_WEIGHTS) / 1000 * 1000;
        let (requester_text, remote) = match requester {
            Requester::Anonymous => ("-".to_string(), public_ipv4(rng)),
            Requester::Role(role, session) => (
                format!("arn:aws:sts::{}:assumed-role/{role}/{session}", day.account),
                format!("10.0.{}.{}", rng.u8(1..3), rng.u8(2..250)),
            ),
            Requester::User(user) => (
                format!("arn:aws:iam::{}:user/{user}", day.account),
                "203.0.113.7".to_string(),
            ),
            Requester::Service(service) => (service.to_string(), "-".to_string()),
        };
        let key = match bucket {
            "vc-recordings-prod" => format!(
                "recordings/{}/2026-11-24/{}.mp4",
                pick(rng, &ROOMS),
                uuid(rng)
            ),
            "vc-config-backups" => format!("backups/px-mgr-01/{}.tar.gz", hex(rng, 12)),
            "vc-cloudtrail-archive" => format!(
                "AWSLogs/{}/CloudTrail/{REGION}/2026/11/24/{}_CloudTrail_{REGION}_{}.json.gz",
                day.account,
                day.account,
                upper_alnum(rng, 16)
            ),
            _ => format!("webapp/static/js/main.{}.js", hex(rng, 8)),
        };
        let object_size = rng.u64(2_000..40_000_000);
        let writes = matches!(
            requester,
            Requester::Role("pexip-recorder" | "ci-deployer", _)
                | Requester::Service("svc:cloudtrail.amazonaws.com")
        ) || (bucket == "vc-config-backups" && chance(rng, 0.6));
        let (operation, verb, status, error, bytes, size): (
            &str,
            &str,
            u16,
            &str,
            Option<u64>,
            Option<u64>,
        ) = if writes {
            ("REST.PUT.OBJECT", "PUT", 200, "-", None, Some(object_size))
        } else if requester_text == "-" && bucket == "vc-recordings-prod" {
            (
                "REST.GET.OBJECT",
                "GET",
                403,
                "AccessDenied",
                Some(243),
                None,
            )
        } else {
            match rng.u32(..20) {
                0 => ("REST.GET.OBJECT", "GET", 404, "NoSuchKey", Some(298), None),
                1 => (
                    "REST.HEAD.OBJECT",
                    "HEAD",
                    200,
                    "-",
                    None,
                    Some(object_size),
                ),
                2 => (
                    "REST.GET.BUCKET",
                    "GET",
                    200,
                    "-",
                    Some(rng.u64(1_500..40_000)),
                    None,
                ),
                3 | 4 => ("REST.GET.OBJECT", "GET", 304, "-", None, Some(object_size)),
                _ => (
                    "REST.GET.OBJECT",
                    "GET",
                    200,
                    "-",
                    Some(object_size),
                    Some(object_size),
                ),
            }
        };
        let request_uri = if operation == "REST.GET.BUCKET" {
            "GET /?list-type=2&prefix=recordings%2F&max-keys=1000 HTTP/1.1".to_string()
        } else {
            format!("{verb} /{key} HTTP/1.1")
        };
        let key_field = if operation == "REST.GET.BUCKET" {
            "-".to_string()
        } else {
            key
        };
        let total = rng.u32(4..900);
        let anonymous = requester_text == "-";
        let agent = match requester {
            Requester::Anonymous => *pick(rng, &AGENTS),
            Requester::Service(_) => "AWS Internal",
            _ => {
                "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2"
            }
        };
        let dash = |n: Option<u64>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
        let line = format!(
            "{owner} {bucket} [{}] {remote} {requester_text} {} {operation} {key_field} \"{request_uri}\" {status} {error} {} {} {total} {} \"-\" \"{agent}\" - {}= {} ECDHE-RSA-AES128-GCM-SHA256 {} {bucket}.s3.{REGION}.amazonaws.com TLSv1.2 - -",
            clf_time(time),
            upper_alnum(rng, 16),
            dash(bytes),
            dash(size),
            if status == 200 {
                (total / 2).to_string()
            } else {
                "-".to_string()
            },
            token(rng, 75),
            if anonymous { "-" } else { "SigV4" },
            if anonymous { "-" } else { "AuthHeader" },
        );
        let who = if anonymous {
            "(anonymous)".to_string()
        } else {
            requester_text
        };
        let key = (bucket.to_string(), who);
        *truth.s3_bytes_sent.entry(key.clone()).or_default() += bytes.unwrap_or(0);
        bump(&mut truth.s3_requests, key);
        sink.emit(streams[b], time, line, Expect::info(LogType::S3Access));
    }
}

// ---- VPC flow logs ---------------------------------------------------------

fn vpc_flow(day: &Day<'_>, rng: &mut Rng, sink: &mut Sink, truth: &mut GroundTruth) {
    // (interface, private address, role)
    let interfaces = [
        ("eni-0a1b2c3d4e5f60711", "10.1.1.127", "node"),
        ("eni-0a1b2c3d4e5f60712", "10.1.1.128", "node"),
        ("eni-0a1b2c3d4e5f60713", "10.2.1.31", "node"),
        ("eni-0a1b2c3d4e5f60714", "10.2.1.32", "node"),
        ("eni-0f9e8d7c6b5a40321", "10.0.1.20", "alb"),
        ("eni-0f9e8d7c6b5a40322", "10.0.2.20", "alb"),
    ];
    let streams: Vec<_> = interfaces
        .iter()
        .map(|(eni, _, _)| sink.stream(VPC_GROUP, eni))
        .collect();
    // Scanners hammer a few (source, port, protocol) pairs; the rest is noise.
    let scanners = [
        (("45.146.164.110", 22u16, 6u8), 30),
        (("198.51.100.77", 3389, 6), 20),
        (("185.224.128.17", 5060, 17), 15),
    ];
    for _ in 0..scaled(5000.0, day.scale, 40) {
        let i = rng.usize(..interfaces.len());
        let (eni, address, role) = interfaces[i];
        let start = diurnal(rng, day.start, &WORKDAY_WEIGHTS) / 1000;
        let end = start + rng.i64(30..=60);
        let roll = rng.u32(..100);
        let record = if roll == 0 {
            format!(
                "2 {} {eni} - - - - - - - {start} {end} - NODATA",
                day.account
            )
        } else if roll <= 13 {
            let (src, port, protocol) = if chance(rng, 0.65) {
                let (src, port, protocol) = weighted(rng, &scanners);
                (src.to_string(), port, protocol)
            } else {
                let port = *pick(rng, &[23u16, 445, 1433, 3306, 5900, 6379, 8080, 8443]);
                (public_ipv4(rng), port, 6u8)
            };
            let packets = rng.u64(1..=3);
            let key = (src.clone(), port, protocol);
            bump(&mut truth.vpc_rejects, key.clone());
            *truth.vpc_reject_packets.entry(key).or_default() += packets;
            format!(
                "2 {} {eni} {src} {address} {} {port} {protocol} {packets} {} {start} {end} REJECT OK",
                day.account,
                rng.u16(1_024..65_000),
                packets * rng.u64(40..60),
            )
        } else {
            let remote = public_ipv4(rng);
            let (src, dst, src_port, dst_port, protocol, packets) = match (role, rng.u32(..4)) {
                ("node", 0 | 1) => (
                    remote,
                    address.to_string(),
                    rng.u16(1_024..65_000),
                    rng.u16(40_000..50_000),
                    17,
                    rng.u64(2_000..60_000),
                ),
                ("node", 2) => (
                    remote,
                    address.to_string(),
                    rng.u16(1_024..65_000),
                    5061,
                    6,
                    rng.u64(10..200),
                ),
                ("node", _) => (
                    address.to_string(),
                    (*pick(rng, &["10.0.0.2", "52.95.128.179"])).to_string(),
                    rng.u16(32_768..61_000),
                    if chance(rng, 0.5) { 53 } else { 443 },
                    if chance(rng, 0.5) { 17 } else { 6 },
                    rng.u64(1..40),
                ),
                (_, 0 | 1) => (
                    remote,
                    address.to_string(),
                    rng.u16(1_024..65_000),
                    443,
                    6,
                    rng.u64(8..60),
                ),
                _ => (
                    address.to_string(),
                    remote,
                    443,
                    rng.u16(1_024..65_000),
                    6,
                    rng.u64(8..90),
                ),
            };
            format!(
                "2 {} {eni} {src} {dst} {src_port} {dst_port} {protocol} {packets} {} {start} {end} ACCEPT OK",
                day.account,
                packets * rng.u64(60..1_200),
            )
        };
        sink.emit(
            streams[i],
            start * 1000,
            record,
            Expect::info(LogType::VpcFlow),
        );
    }
}

// ---- CloudTrail ------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Identity {
    Role(&'static str, &'static str),
    User(&'static str),
    Service(&'static str),
    Root,
}

impl Identity {
    fn arn(self, account: &str) -> Option<String> {
        match self {
            Identity::Role(role, session) => Some(format!(
                "arn:aws:sts::{account}:assumed-role/{role}/{session}"
            )),
            Identity::User(user) => Some(format!("arn:aws:iam::{account}:user/{user}")),
            Identity::Root => Some(format!("arn:aws:iam::{account}:root")),
            Identity::Service(_) => None,
        }
    }

    /// The principal as the access-denied query names it: the ARN, else the type.
    fn principal(self, account: &str) -> String {
        self.arn(account)
            .unwrap_or_else(|| "AWSService".to_string())
    }

    fn json(self, account: &str, time: i64) -> serde_json::Value {
        let id = |prefix: &str, name: &str| format!("{prefix}{}", stable_key(name));
        match self {
            Identity::Role(role, session) => json!({
                "type": "AssumedRole",
                "principalId": format!("{}:{session}", id("AROA", role)),
                "arn": self.arn(account),
                "accountId": account,
                "accessKeyId": id("ASIA", session),
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": id("AROA", role),
                        "arn": format!("arn:aws:iam::{account}:role/{role}"),
                        "accountId": account,
                        "userName": role
                    },
                    "attributes": {
                        "creationDate": iso_seconds(time - 600_000),
                        "mfaAuthenticated": "false"
                    }
                }
            }),
            Identity::User(user) => json!({
                "type": "IAMUser",
                "principalId": id("AIDA", user),
                "arn": self.arn(account),
                "accountId": account,
                "accessKeyId": id("AKIA", user),
                "userName": user
            }),
            Identity::Service(service) => json!({
                "type": "AWSService",
                "invokedBy": service
            }),
            Identity::Root => json!({
                "type": "Root",
                "principalId": account,
                "arn": self.arn(account),
                "accountId": account
            }),
        }
    }

    fn source(self, rng: &mut Rng) -> (String, &'static str) {
        match self {
            Identity::Service(service) => (service.to_string(), service),
            Identity::Role(..) => (
                format!("10.0.{}.{}", rng.u8(1..3), rng.u8(2..250)),
                "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5",
            ),
            _ => (
                "203.0.113.7".to_string(),
                "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.9",
            ),
        }
    }
}

/// 16 upper-case characters derived from a name: stable key ids.
fn stable_key(name: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016X}")
}

const GRAFANA: Identity = Identity::Role("grafana-cloudwatch", "grafana");
const AUTOSCALER: Identity = Identity::Role("pexip-autoscaler", "px-scale");
const DEPLOYER: Identity = Identity::Role("ci-deployer", "gh-actions-run");
const OPS_BOT: Identity = Identity::User("ops-bot");
const ALICE: Identity = Identity::User("alice.ops");

/// Who calls which API (event source, event name) and whether it only reads.
type ApiCall = (Identity, &'static str, &'static str, bool);

fn cloudtrail(day: &Day<'_>, rng: &mut Rng, sink: &mut Sink, truth: &mut GroundTruth) {
    let stream = sink.stream(
        CLOUDTRAIL_GROUP,
        &format!("{}_CloudTrail_{REGION}", day.account),
    );
    let calls: [(ApiCall, u32); 14] = [
        (
            (GRAFANA, "monitoring.amazonaws.com", "GetMetricData", true),
            20,
        ),
        (
            (GRAFANA, "ec2.amazonaws.com", "DescribeInstances", true),
            12,
        ),
        (
            (AUTOSCALER, "ec2.amazonaws.com", "DescribeInstances", true),
            10,
        ),
        (
            (
                AUTOSCALER,
                "autoscaling.amazonaws.com",
                "DescribeAutoScalingGroups",
                true,
            ),
            8,
        ),
        (
            (AUTOSCALER, "ec2.amazonaws.com", "StartInstances", false),
            1,
        ),
        (
            (
                Identity::Role("pexip-log-shipper", "px-conf"),
                "logs.amazonaws.com",
                "CreateLogStream",
                false,
            ),
            6,
        ),
        (
            (
                Identity::Service("lambda.amazonaws.com"),
                "sts.amazonaws.com",
                "AssumeRole",
                false,
            ),
            14,
        ),
        (
            (
                Identity::Service("s3.amazonaws.com"),
                "kms.amazonaws.com",
                "Decrypt",
                true,
            ),
            8,
        ),
        (
            (
                Identity::Service("firehose.amazonaws.com"),
                "kms.amazonaws.com",
                "GenerateDataKey",
                true,
            ),
            6,
        ),
        ((OPS_BOT, "s3.amazonaws.com", "ListBuckets", true), 3),
        ((OPS_BOT, "sts.amazonaws.com", "GetCallerIdentity", true), 3),
        (
            (
                DEPLOYER,
                "firehose.amazonaws.com",
                "DescribeDeliveryStream",
                true,
            ),
            3,
        ),
        (
            (
                DEPLOYER,
                "lambda.amazonaws.com",
                "UpdateFunctionCode20150331v2",
                false,
            ),
            1,
        ),
        ((ALICE, "iam.amazonaws.com", "ListRoles", true), 2),
    ];
    let denied: [(Identity, &str, &str, &str); 5] = [
        (
            OPS_BOT,
            "ec2.amazonaws.com",
            "TerminateInstances",
            "Client.UnauthorizedOperation",
        ),
        (DEPLOYER, "iam.amazonaws.com", "CreateRole", "AccessDenied"),
        (
            AUTOSCALER,
            "kms.amazonaws.com",
            "Decrypt",
            "AccessDeniedException",
        ),
        (
            DEPLOYER,
            "s3.amazonaws.com",
            "GetBucketPolicy",
            "AccessDenied",
        ),
        (
            ALICE,
            "ec2.amazonaws.com",
            "ModifyInstanceAttribute",
            "Client.UnauthorizedOperation",
        ),
    ];
    let total = scaled(1500.0, day.scale, 15);
    let refusals = scaled(60.0, day.scale, 3);
    for i in 0..total {
        let time = diurnal(rng, day.start, &WORKDAY_WEIGHTS) / 1000 * 1000;
        let (event, expect) = if i < refusals {
            let (who, source, name, code) = match denied.get(i) {
                Some(d) if i < 3 => *d,
                _ => *pick(rng, &denied),
            };
            let arn = who.principal(day.account);
            let message = if code.starts_with("Client.") {
                "You are not authorized to perform this operation. Encoded authorization failure message: ".to_string() + &token(rng, 48)
            } else {
                format!(
                    "User: {arn} is not authorized to perform: {}:{name} because no identity-based policy allows the {}:{name} action",
                    source.trim_end_matches(".amazonaws.com"),
                    source.trim_end_matches(".amazonaws.com")
                )
            };
            bump(
                &mut truth.cloudtrail_denied,
                (arn, source.to_string(), name.to_string()),
            );
            let mut event = trail_event(day, rng, time, who, source, name, false);
            event["errorCode"] = json!(code);
            event["errorMessage"] = json!(message);
            event["responseElements"] = serde_json::Value::Null;
            (
                event,
                Expect::rule(
                    LogType::CloudTrail,
                    Severity::Warning,
                    "cloudtrail-access-denied",
                ),
            )
        } else {
            let (who, source, name, read_only) = weighted(rng, &calls);
            (
                trail_event(day, rng, time, who, source, name, read_only),
                Expect::info(LogType::CloudTrail),
            )
        };
        sink.emit(stream, time, event.to_string(), expect);
    }
    // Console sign-ins: people, one failed attempt, and the root account once.
    let logins = scaled(4.0, day.scale, 1);
    for i in 0..logins + 2 {
        let time = day.start + 7 * HOUR_MS + rng.i64(0..10 * HOUR_MS);
        let (who, success) = match i {
            0 => (Identity::Root, true),
            1 => (Identity::User("bob.admin"), false),
            _ => (*pick(rng, &[ALICE, Identity::User("bob.admin")]), true),
        };
        let mut event = trail_event(
            day,
            rng,
            time,
            who,
            "signin.amazonaws.com",
            "ConsoleLogin",
            false,
        );
        event["awsRegion"] = json!("us-east-1");
        event["eventType"] = json!("AwsConsoleSignIn");
        event["requestParameters"] = serde_json::Value::Null;
        event["responseElements"] =
            json!({ "ConsoleLogin": if success { "Success" } else { "Failure" } });
        event["additionalEventData"] = json!({
            "LoginTo": "https://console.aws.amazon.com/console/home",
            "MobileVersion": "No",
            "MFAUsed": if who == Identity::Root { "Yes" } else { "No" }
        });
        if !success {
            event["errorMessage"] = json!("Failed authentication");
        }
        let expect = if who == Identity::Root {
            truth.root_console_logins += 1;
            Expect::rule(
                LogType::CloudTrail,
                Severity::Critical,
                "cloudtrail-root-console-login",
            )
        } else {
            Expect::info(LogType::CloudTrail)
        };
        sink.emit(stream, time, event.to_string(), expect);
    }
}

fn trail_event(
    day: &Day<'_>,
    rng: &mut Rng,
    time: i64,
    who: Identity,
    source: &str,
    name: &str,
    read_only: bool,
) -> serde_json::Value {
    let (address, agent) = who.source(rng);
    let parameters = match name {
        "GetMetricData" => {
            json!({"startTime": iso_seconds(time - HOUR_MS), "endTime": iso_seconds(time), "metricDataQueries": [{"id": "cpu", "metricStat": {"metric": {"namespace": "AWS/EC2", "metricName": "CPUUtilization"}, "period": 60, "stat": "Average"}}]})
        }
        "DescribeInstances"
        | "StartInstances"
        | "TerminateInstances"
        | "ModifyInstanceAttribute" => {
            json!({"instancesSet": {"items": [{"instanceId": format!("i-0{}", hex(rng, 16))}]}})
        }
        "CreateLogStream" => {
            json!({"logGroupName": "/pexip/infinity/support", "logStreamName": "px-conf-01"})
        }
        "AssumeRole" => {
            json!({"roleArn": format!("arn:aws:iam::{}:role/logwrangler-transform", day.account), "roleSessionName": "awslambda_123_20261124"})
        }
        "Decrypt" | "GenerateDataKey" => {
            json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "keyId": format!("arn:aws:kms:{REGION}:{}:key/{}", day.account, uuid(rng))})
        }
        "CreateRole" => {
            json!({"roleName": "vc-portal-extra", "assumeRolePolicyDocument": "{\"Version\":\"2012-10-17\"}"})
        }
        "GetBucketPolicy" => {
            json!({"bucketName": "vc-recordings-prod", "Host": "vc-recordings-prod.s3.eu-west-1.amazonaws.com", "policy": ""})
        }
        "DescribeDeliveryStream" => json!({"deliveryStreamName": "logwrangler-lake"}),
        "UpdateFunctionCode20150331v2" => {
            json!({"functionName": "vc-booking-api", "publish": true})
        }
        _ => serde_json::Value::Null,
    };
    let response = match name {
        "StartInstances" => {
            json!({"instancesSet": {"items": [{"currentState": {"code": 0, "name": "pending"}}]}})
        }
        "CreateLogStream" | "UpdateFunctionCode20150331v2" => json!({"requestId": uuid(rng)}),
        _ => serde_json::Value::Null,
    };
    json!({
        "eventVersion": "1.11",
        "userIdentity": who.json(day.account, time),
        "eventTime": iso_seconds(time),
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": address,
        "userAgent": agent,
        "requestParameters": parameters,
        "responseElements": response,
        "requestID": uuid(rng),
        "eventID": uuid(rng),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": day.account,
        "eventCategory": "Management"
    })
}

// ---- Lambda ----------------------------------------------------------------

struct Function {
    name: &'static str,
    share: f64,
    timeout_s: i64,
    memory_mb: u32,
    runtime: &'static str,
    /// Typical duration range, ms.
    duration_ms: (f64, f64),
    timeout_rate: f64,
    crash_rate: f64,
}

const FUNCTIONS: [Function; 3] = [
    Function {
        name: "vc-booking-api",
        share: 0.55,
        timeout_s: 6,
        memory_mb: 512,
        runtime: "nodejs:20.v41",
        duration_ms: (18.0, 420.0),
        timeout_rate: 0.01,
        crash_rate: 0.0,
    },
    Function {
        name: "pexip-event-sink",
        share: 0.35,
        timeout_s: 3,
        memory_mb: 256,
        runtime: "python:3.12.v38",
        duration_ms: (4.0, 90.0),
        timeout_rate: 0.03,
        crash_rate: 0.01,
    },
    Function {
        name: "recording-transcoder",
        share: 0.10,
        timeout_s: 900,
        memory_mb: 2048,
        runtime: "python:3.12.v38",
        duration_ms: (30_000.0, 600_000.0),
        timeout_rate: 0.08,
        crash_rate: 0.0,
    },
];

fn lambda(day: &Day<'_>, rng: &mut Rng, sink: &mut Sink, truth: &mut GroundTruth) {
    let total = scaled(600.0, day.scale, 12);
    for function in &FUNCTIONS {
        let group = lambda_group(function.name);
        let count = ((total as f64 * function.share).round() as usize).max(4);
        // Invocations (and their cold starts and timeouts) stay inside the day.
        let latest = day.start + DAY_MS - function.timeout_s * 1000 - MINUTE_MS;
        let mut starts: Vec<i64> = (0..count)
            .map(|_| diurnal(rng, day.start, &WORKDAY_WEIGHTS).clamp(day.start + 1_000, latest))
            .collect();
        starts.sort_unstable();
        let timeouts = ((count as f64 * function.timeout_rate).round() as usize).max(1);
        let crashes = if function.crash_rate > 0.0 {
            ((count as f64 * function.crash_rate).round() as usize).max(1)
        } else {
            0
        };
        // Which invocations fail: distinct, spread over the day.
        let mut order: Vec<usize> = (0..count).collect();
        rng.shuffle(&mut order);
        let failing = &order[..(timeouts + crashes).min(count)];
        // Execution environments: an invocation takes a free one, else a new
        // one starts (a cold start with its own log stream).
        let mut environments: Vec<(StreamId, i64)> = Vec::new();
        for (i, &start) in starts.iter().enumerate() {
            let outcome = match failing.iter().position(|&f| f == i) {
                Some(p) if p < timeouts => Outcome::Timeout,
                Some(_) => Outcome::Crash,
                None => Outcome::Success,
            };
            let duration = match outcome {
                Outcome::Timeout => function.timeout_s as f64 * 1000.0 + rng.f64() * 40.0 + 2.0,
                _ => {
                    let (low, high) = function.duration_ms;
                    low + (high - low) * rng.f64().powi(2)
                }
            };
            let end = start + duration.ceil() as i64;
            let free = environments.iter().position(|(_, busy)| *busy < start);
            let (stream, cold) = match free {
                Some(at) => {
                    environments[at].1 = end + 5;
                    (environments[at].0, false)
                }
                None => {
                    let name = format!("{}/[$LATEST]{}", slash_date(start), hex(rng, 32));
                    let stream = sink.stream(&group, &name);
                    environments.push((stream, end + 5));
                    (stream, true)
                }
            };
            let id = uuid(rng);
            let platform = Expect::info(LogType::LambdaPlatform);
            let init = cold.then(|| 120.0 + rng.f64() * 500.0);
            if let Some(init) = init {
                sink.emit(
                    stream,
                    start - init.ceil() as i64,
                    format!(
                        "INIT_START Runtime Version: {}\tRuntime Version ARN: arn:aws:lambda:{REGION}::runtime:{}",
                        function.runtime,
                        hex(rng, 64)
                    ),
                    platform,
                );
            }
            sink.emit(
                stream,
                start,
                format!("START RequestId: {id} Version: $LATEST"),
                platform,
            );
            let level = if chance(rng, 0.02) { "WARN" } else { "INFO" };
            let text = match function.name {
                "vc-booking-api" => format!("GET /api/bookings room={} 200", pick(rng, &ROOMS)),
                "pexip-event-sink" => format!("forwarded {} events", rng.u8(1..40)),
                _ => format!(
                    "transcoding recordings/{}/2026-11-24/{}.mp4",
                    pick(rng, &ROOMS),
                    uuid(rng)
                ),
            };
            let expect = if level == "WARN" {
                Expect::level(LogType::App, Severity::Warning)
            } else {
                Expect::info(LogType::App)
            };
            let at = start + rng.i64(1..5);
            sink.emit(
                stream,
                at,
                format!("{}\t{id}\t{level}\t{text}", iso_ms(at)),
                expect,
            );
            let mut report = format!(
                "REPORT RequestId: {id}\tDuration: {duration:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
                match outcome {
                    Outcome::Timeout => function.timeout_s * 1000,
                    _ => duration.ceil() as i64,
                },
                function.memory_mb,
                rng.u32(function.memory_mb / 6..function.memory_mb * 4 / 5)
            );
            if let Some(init) = init {
                let _ = write!(report, "Init Duration: {init:.2} ms\t");
            }
            let mut report_expect = platform;
            match outcome {
                Outcome::Timeout => {
                    let at = start + function.timeout_s * 1000;
                    sink.emit(
                        stream,
                        at,
                        format!(
                            "{} {id} Task timed out after {}.00 seconds",
                            iso_ms(at),
                            function.timeout_s
                        ),
                        Expect::rule(LogType::LambdaPlatform, Severity::Error, "lambda-timeout"),
                    );
                    bump(&mut truth.lambda_timeouts, group.clone());
                    truth
                        .lambda_timeout_ms
                        .insert(group.clone(), function.timeout_s as f64 * 1000.0);
                }
                Outcome::Crash => {
                    let at = end - 1;
                    sink.emit(
                        stream,
                        at,
                        format!(
                            "{}\t{id}\tERROR\tUnhandled exception: KeyError: 'participant_uuid'",
                            iso_ms(at)
                        ),
                        Expect::level(LogType::App, Severity::Error),
                    );
                    report.push_str("Status: error\tError Type: Runtime.ExitError");
                    report_expect = Expect::rule(
                        LogType::LambdaPlatform,
                        Severity::Error,
                        "lambda-runtime-crash",
                    );
                    bump(&mut truth.lambda_crashes, group.clone());
                }
                Outcome::Success => {}
            }
            sink.emit(stream, end, format!("END RequestId: {id}"), platform);
            sink.emit(stream, end, report, report_expect);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Success,
    Timeout,
    Crash,
}

// ---- application events ----------------------------------------------------

fn app_events(day: &Day<'_>, rng: &mut Rng, sink: &mut Sink) {
    let streams = [
        sink.stream(APP_GROUP, "booking-portal/web-1"),
        sink.stream(APP_GROUP, "booking-portal/web-2"),
        sink.stream(APP_GROUP, "billing/worker-1"),
        sink.stream(APP_GROUP, "room-finder/api-1"),
    ];
    let levels = [
        ("INFO", 78),
        ("DEBUG", 8),
        ("WARN", 8),
        ("ERROR", 5),
        ("FATAL", 1),
    ];
    for i in 0..scaled(1500.0, day.scale, 15) {
        let time = diurnal(rng, day.start, &WORKDAY_WEIGHTS);
        // The first events of the day cover every level.
        let level = match i {
            0 => "WARN",
            1 => "ERROR",
            2 => "FATAL",
            _ => weighted(rng, &levels),
        };
        let severity = match level {
            "DEBUG" => Severity::Debug,
            "WARN" => Severity::Warning,
            "ERROR" => Severity::Error,
            "FATAL" => Severity::Critical,
            _ => Severity::Info,
        };
        let shape = if i < 3 { 0 } else { rng.u32(..10) };
        let (stream, event, expect) = match shape {
            // The app log API shape.
            0..=6 => {
                let portal = chance(rng, 0.7);
                let (application, message, details) = match (portal, level) {
                    (true, "WARN") => (
                        "booking-portal",
                        "payment provider slow",
                        json!({"provider": "adyen", "latency_ms": rng.u32(1_500..6_000)}),
                    ),
                    (true, "ERROR") => (
                        "booking-portal",
                        "booking failed",
                        json!({"room": pick(rng, &ROOMS), "error": "slot already taken"}),
                    ),
                    (true, "FATAL") => (
                        "booking-portal",
                        "database unreachable",
                        json!({"host": "db-1.internal", "error": "connection refused"}),
                    ),
                    (true, _) => (
                        "booking-portal",
                        "booking created",
                        json!({"room": pick(rng, &ROOMS), "booking_id": rng.u32(10_000..99_999), "attendees": rng.u8(2..12)}),
                    ),
                    (false, "WARN") => (
                        "billing",
                        "retrying invoice delivery",
                        json!("attempt 2 of 5"),
                    ),
                    (false, "ERROR" | "FATAL") => (
                        "billing",
                        "invoice delivery failed",
                        json!({"invoice": rng.u32(1_000..9_999), "smtp": "550 mailbox unavailable"}),
                    ),
                    (false, _) => (
                        "billing",
                        "invoice sent",
                        json!({"invoice": rng.u32(1_000..9_999), "amount_eur": f64::from(rng.u32(1_000..90_000)) / 100.0}),
                    ),
                };
                let stream = match application {
                    "billing" => streams[2],
                    _ => *pick(rng, &streams[..2]),
                };
                (
                    stream,
                    json!({"log_level": level, "message": message, "details": details, "source_application": application, "timestamp": iso_ms(time)}),
                    Expect::level(LogType::App, severity),
                )
            }
            // A JSON logger: `level` / `msg` / `logger`.
            7 | 8 => {
                let (level, status, severity) = match severity {
                    Severity::Warning => ("warning", 429, Severity::Warning),
                    Severity::Error | Severity::Critical => ("error", 502, Severity::Error),
                    _ => ("info", 200, Severity::Info),
                };
                (
                    streams[3],
                    json!({"level": level, "msg": format!("GET /rooms {status}"), "logger": "api.http", "status": status, "duration_ms": rng.u32(3..900), "time": iso_ms(time)}),
                    Expect::level(LogType::App, severity),
                )
            }
            // A metric: any other JSON object.
            _ => (
                streams[2],
                json!({"metric": "rooms_booked", "value": rng.u8(0..40), "unit": "count", "timestamp": iso_ms(time)}),
                Expect::info(LogType::Json),
            ),
        };
        sink.emit(stream, time, event.to_string(), expect);
    }
}
