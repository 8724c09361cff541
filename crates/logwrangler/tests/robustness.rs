//! Nothing panics on any byte sequence: arbitrary bytes, and valid lines of
//! every format mangled at random, always give a record (or are consumed as a
//! header) whose JSON is well formed and whose `unparsed` records keep the line.

use logwrangler::{EventContext, LineParser, LogType};
use proptest::prelude::*;

const SAMPLES: &[&str] = &[
    r#"2026-03-02T10:15:42.118+00:00 px-conf01 2026-03-02 10:15:42,117 Level="INFO" Name="administrator.conference" Message="Participant has joined." Conference="meet.alice" Participant="sip:bob@example.com" Call-id="c1" Protocol="SIP" Detail="^MINVITE sip:a SIP/2.0^MFrom: "Bob" <sip:b>^M""#,
    r#"2026-03-02T10:15:42.118+00:00 px-conf01 audispd: node=px-conf01 type=USER_LOGIN msg=audit(1551880812.123:42): pid=1 uid=0 msg='op=login acct="admin" res=success'"#,
    r#"2026-03-02T10:15:42.118+00:00 px-conf01 apache2: 10.0.0.1 - - [02/Mar/2026:10:15:42 +0000] "GET /admin HTTP/1.1" 200 512 "-" "curl/8""#,
    r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 [2001:db8::1]:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/1" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1"#,
    r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2"#,
    "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tMozilla/5.0%20(Windows)\t-\t-\tHit\tSOX4==\td111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-",
    "2023-10-01,01:36:53,SEA19-C1,10140,54.185.186.235,GET,d1.cloudfront.net,/,200,-,Mozilla/5.0%20(X11),-,-,Miss,503f6==,danse.tech,https,177,0.383,-,TLSv1.3,TLS_AES_128_GCM_SHA256,Miss,HTTP/1.1,-,-,36074,0.383,Miss,text/html,-,-,-",
    r#"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df9 3E57427F3EXAMPLE REST.GET.OBJECT %2522 "GET /" HTTP/1.1" 403 AccessDenied 243 - 8 - "referer test" "curl/7.38.0" - uid= - ECDHE-RSA-AES128-GCM-SHA256 - bucket1.s3.amazonaws.com TLSv1.2"#,
    "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK",
    "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status",
    r#"{"eventVersion":"1.08","eventTime":"2026-01-28T09:26:59Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","userIdentity":{"type":"Root","arn":"arn:aws:iam::1:root"},"errorCode":"AccessDenied","recipientAccountId":"123456789012"}"#,
    "REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 128.83 ms\tBilled Duration: 200 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms",
    r#"{"time":"2022-10-12T00:01:15.000Z","type":"platform.report","record":{"requestId":"6d68","metrics":{"billedDurationMs":694,"durationMs":693.92,"memorySizeMB":128,"maxMemoryUsedMB":84}}}"#,
    r#"{"log_level":"FATAL","message":"db down","details":{"retries":3},"source_application":"billing","extra":true}"#,
    r#"{"deeply":[[[[[[[[[[[[[[[[[[[[{"x":null}]]]]]]]]]]]]]]]]]]]]}"#,
];

fn check(parser: &mut LineParser, line: &str) {
    let ctx = EventContext {
        source: "proptest",
        received_ms: Some(1_700_000_000_000),
        ..Default::default()
    };
    if let Some(record) = parser.parse_line(line, &ctx).into_record() {
        let json = record.to_json();
        let value: serde_json::Value = serde_json::from_str(&json).expect("records are valid JSON");
        if record.log_type() == LogType::Unparsed {
            assert!(value["parse_error"].as_str().is_some_and(|e| !e.is_empty()));
            // parse_line drops one line terminator (`\n`, `\r\n`); everything else is kept.
            let kept = line.strip_suffix('\n').unwrap_or(line);
            let kept = kept.strip_suffix('\r').unwrap_or(kept);
            assert_eq!(value["raw"].as_str(), Some(kept));
        }
    }
}

fn mangle(line: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = line.as_bytes().to_vec();
    for &(at, op, byte) in edits {
        let at = if bytes.is_empty() {
            0
        } else {
            at % (bytes.len() + 1)
        };
        match op % 4 {
            0 => bytes.insert(at, byte),
            1 if at < bytes.len() => {
                bytes.remove(at);
            }
            2 => bytes.insert(
                at,
                *b"\"\\ ^M=\t,[]{}:-"
                    .get(byte as usize % 14)
                    .unwrap_or(&b'"'),
            ),
            _ => bytes.truncate(at),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let line = String::from_utf8_lossy(&bytes);
        check(&mut LineParser::default(), &line);
        for t in LogType::ALL {
            check(&mut LineParser::default().force_type(*t), &line);
        }
    }

    #[test]
    fn mangled_valid_lines_never_panic(
        sample in 0..SAMPLES.len(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8),
    ) {
        let bytes = mangle(SAMPLES[sample], &edits);
        let line = String::from_utf8_lossy(&bytes);
        let mut parser = LineParser::default();
        check(&mut parser, &line);
        for t in LogType::ALL {
            check(&mut LineParser::default().force_type(*t), &line);
        }
    }
}

#[test]
fn unmangled_samples_parse_to_their_type() {
    let mut parser = LineParser::default();
    let ctx = EventContext::default();
    let types: Vec<Option<String>> = SAMPLES
        .iter()
        .map(|line| {
            parser
                .parse_line(line, &ctx)
                .into_record()
                .map(|r| r.log_type().to_string())
        })
        .collect();
    let want = [
        Some("pexip_support"),
        Some("pexip_audit"),
        Some("pexip_web"),
        Some("alb"),
        Some("elb_classic"),
        Some("cloudfront"),
        Some("amplify_access"),
        Some("s3_access"),
        Some("vpc_flow"),
        None,
        Some("cloudtrail"),
        Some("lambda_platform"),
        Some("lambda_platform"),
        Some("app"),
        Some("json"),
    ];
    let want: Vec<Option<String>> = want.iter().map(|w| w.map(str::to_owned)).collect();
    assert_eq!(types, want);
}
