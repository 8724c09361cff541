//! Micro-benchmarks of every format parser over the repository's fixture
//! lines (`tests/fixtures/`), guarding against regressions:
//! `cargo bench -p logwrangler --bench parsers [-- <group>]`.
//!
//! Each group is one format. `format` is the format parser alone (line to
//! typed body); `line_to_json` is the whole per-event path of the processor:
//! sniffing (or the header state), envelope, severity rules, and the typed
//! JSON line written into a reused buffer. Throughput is in line bytes.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logwrangler::formats::{
    alb, app, cloudfront, elb_classic, lambda_platform, pexip_audit, pexip_support, pexip_web,
    s3_access, vpc_flow,
};
use logwrangler::{EventContext, LineParser};

/// One fixture file and its format parser (`None` for JSON formats, whose
/// parser takes a decoded object: only the whole path is measured).
struct Fixture {
    group: &'static str,
    text: &'static str,
    format: Option<fn(&str) -> bool>,
}

macro_rules! fixture {
    ($group:literal, $path:literal, $format:expr) => {
        Fixture {
            group: $group,
            text: include_str!(concat!("../../../tests/fixtures/", $path)),
            format: $format,
        }
    };
}

fn fixtures() -> Vec<Fixture> {
    vec![
        fixture!(
            "pexip_support",
            "pexip/support.log",
            Some(|l| pexip_support::parse(l).is_ok())
        ),
        fixture!(
            "pexip_audit",
            "pexip/audit.log",
            Some(|l| pexip_audit::parse(l).is_ok())
        ),
        fixture!(
            "pexip_web",
            "pexip/web.log",
            Some(|l| pexip_web::parse(l).is_ok())
        ),
        fixture!("alb", "aws/alb.log", Some(|l| alb::parse(l).is_ok())),
        fixture!(
            "elb_classic",
            "aws/elb_classic.log",
            Some(|l| elb_classic::parse(l).is_ok())
        ),
        fixture!(
            "cloudfront",
            "aws/cloudfront.log",
            Some(|l| cloudfront::parse(l, cloudfront::Columns::default_order()).is_ok())
        ),
        fixture!("amplify_access", "aws/amplify_access.csv", None),
        fixture!(
            "s3_access",
            "aws/s3_access.log",
            Some(|l| s3_access::parse(l).is_ok())
        ),
        fixture!(
            "vpc_flow",
            "aws/vpc_flow.log",
            Some(|l| vpc_flow::parse(l, vpc_flow::Format::default_v2()).is_ok())
        ),
        fixture!("vpc_flow_custom", "aws/vpc_flow_custom_1.log", None),
        fixture!("cloudtrail", "aws/cloudtrail.ndjson", None),
        fixture!(
            "lambda_platform",
            "aws/lambda_platform.log",
            Some(|l| !l.starts_with('{') && lambda_platform::parse(l).is_ok())
        ),
        fixture!(
            "app",
            "aws/app.ndjson",
            Some(|l| !l.starts_with('{') && app::parse_text(l).is_ok())
        ),
    ]
}

fn parsers(c: &mut Criterion) {
    let ctx = EventContext {
        log_group: Some("/bench/group"),
        log_stream: Some("stream"),
        account_id: Some("123456789012"),
        event_id: Some("36000000000000000000000000000000000000000000000000000000"),
        received_ms: Some(1_795_514_400_000),
        ..EventContext::default()
    };
    for fixture in fixtures() {
        let lines: Vec<&str> = fixture
            .text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        let data_lines: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| !l.starts_with('#'))
            .collect();
        let bytes: usize = lines.iter().map(|l| l.len()).sum();
        let mut group = c.benchmark_group(fixture.group);
        group.throughput(Throughput::Bytes(bytes as u64));
        if let Some(format) = fixture.format {
            let data_bytes: usize = data_lines.iter().map(|l| l.len()).sum();
            group.throughput(Throughput::Bytes(data_bytes as u64));
            group.bench_function("format", |b| {
                b.iter(|| {
                    for line in &data_lines {
                        black_box(format(black_box(line)));
                    }
                })
            });
            group.throughput(Throughput::Bytes(bytes as u64));
        }
        let parser = LineParser::default();
        let mut out = Vec::with_capacity(64 * 1024);
        group.bench_function("line_to_json", |b| {
            b.iter(|| {
                // A fresh parser per pass: header lines configure what follows.
                let mut parser = parser.clone();
                out.clear();
                for line in &lines {
                    if let Some(record) = parser.parse_line(black_box(line), &ctx).into_record() {
                        record.write_json(&mut out);
                        out.push(b'\n');
                    }
                }
                black_box(out.len())
            })
        });
        group.finish();
    }
}

criterion_group!(benches, parsers);
criterion_main!(benches);
