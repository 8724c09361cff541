//! Heap allocations per event on the transform's hot path, counted with a
//! counting global allocator (this test binary only), per format. The counts
//! are deterministic, so unlike a timing they can be asserted: each format
//! has a ceiling a little above what the processor does today, and a change
//! that allocates more per event fails here, with the figures printed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use logwrangler_aws::firehose::{InputRecord, Request};
use serde_json::{Value, json};
use transform_lambda::config::Config;
use transform_lambda::processor;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator, which
// upholds GlobalAlloc's contract; the counter is a relaxed atomic add with
// no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `ptr` came from this allocator with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

/// Events per delivery: enough that per-request costs vanish in the average.
const EVENTS: usize = 2_000;

/// (fixture, log group, allocations per event at most). Measured on this
/// layout: elb_classic and vpc_flow 1.0 (the output line's buffer only), s3_access 1.9,
/// pexip_audit 4.3, alb 4.3, pexip_web 4.8, cloudfront 5.4, pexip_support 5.8, app 19.7,
/// lambda_platform 22.2 (its JSON records are `serde_json::Value` trees), cloudtrail 104.7
/// (a `Value` tree per event and its JSON columns rewritten as text); the ceilings are
/// about a quarter above.
const CEILINGS: &[(&str, &str, f64)] = &[
    ("pexip/support.log", "/pexip/infinity/support", 7.5),
    ("pexip/audit.log", "/pexip/infinity/audit", 5.5),
    ("pexip/web.log", "/pexip/infinity/web", 6.0),
    ("aws/alb.log", "/aws/alb/portal", 5.5),
    ("aws/elb_classic.log", "/aws/elb/legacy", 1.5),
    ("aws/cloudfront.log", "/aws/cloudfront/cdn", 7.0),
    ("aws/s3_access.log", "/aws/s3/access", 2.5),
    ("aws/vpc_flow.log", "/aws/vpc/flow", 1.5),
    ("aws/lambda_platform.log", "/aws/lambda/portal", 28.0),
    ("aws/cloudtrail.ndjson", "/aws/cloudtrail/org", 130.0),
    ("aws/app.ndjson", "/app/portal", 25.0),
];

fn request_of(path: &str, group: &str) -> (Request, usize) {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{path}")).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let (headers, body): (Vec<&str>, Vec<&str>) = lines.iter().partition(|l| l.starts_with('#'));
    let mut messages: Vec<&str> = headers;
    messages.extend(body.iter().cycle().take(EVENTS));
    let events: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"id": format!("e{i}"), "timestamp": 1_764_000_000_000_i64 + i as i64, "message": m}))
        .collect();
    let envelope = json!({
        "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": group,
        "logStream": "stream-1", "subscriptionFilters": ["lake"], "logEvents": events,
    });
    let data = logwrangler::gzip::gzip_fast(envelope.to_string().as_bytes());
    let request = Request {
        invocation_id: "inv-1".into(),
        delivery_stream_arn: "arn:aws:firehose:eu-west-1:123456789012:deliverystream/lake".into(),
        region: "eu-west-1".into(),
        records: vec![InputRecord {
            record_id: "r1".into(),
            approximate_arrival_timestamp: Some(1_764_000_000_000),
            data: Value::String(BASE64.encode(data)),
        }],
    };
    // Header lines configure the parser; they are not events.
    (request, EVENTS)
}

#[test]
fn allocations_per_event_stay_under_each_formats_ceiling() {
    let config = Config::from_vars(|_| None).unwrap();
    let mut over = Vec::new();
    for &(path, group, ceiling) in CEILINGS {
        let (request, events) = request_of(path, group);
        // Warm-up: lazily built statics (regexes, tables) are not per event.
        let _ = processor::response_json(
            &processor::plan(&request, &config.parser, &config.limits),
            |_| false,
        );
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let plan = processor::plan(&request, &config.parser, &config.limits);
        let response = processor::response_json(&plan, |_| false);
        let count = ALLOCATIONS.load(Ordering::Relaxed) - before;
        assert_eq!(plan.stats.events_in, events, "{path}");
        assert!(!response.is_empty());
        let per_event = count as f64 / events as f64;
        eprintln!("{path:<28} {per_event:>7.2} allocations per event (ceiling {ceiling})");
        if per_event > ceiling {
            over.push(format!("{path}: {per_event:.2} > {ceiling}"));
        }
    }
    assert!(
        over.is_empty(),
        "more allocations per event than allowed: {over:?}"
    );
}
