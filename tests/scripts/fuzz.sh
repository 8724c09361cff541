#!/usr/bin/env bash
# Fuzzing of logwrangler's decoders, parsers and sanitisers with cargo-fuzz (libFuzzer).
#
#   tests/scripts/fuzz.sh seed            regenerate the seed corpus tools/fuzz/corpus/<target>/ from
#                                         tests/fixtures and tests/peers (deterministic)
#   tests/scripts/fuzz.sh replay          replay the corpus and tools/fuzz/regressions/ on stable Rust
#                                         (the test kit's `fuzz_corpus` test, which `cargo test
#                                         --workspace` runs too)
#   tests/scripts/fuzz.sh run SECONDS     replay, then run every target SECONDS with cargo-fuzz on
#                                         nightly, one job each (installs nightly with rustup and
#                                         cargo-fuzz when missing; without rustup it fails)
#   tests/scripts/fuzz.sh tmin TARGET FILE
#                                         minimise a crash input into tools/fuzz/regressions/TARGET/
#
# The targets and their invariants: tools/testkit/src (crate logwrangler-testkit, one module per
# target's check); tools/fuzz/fuzz_targets/ only calls them.
# New inputs a run finds go to a scratch corpus (tools/fuzz/work/<target>/, not checked in); crash
# inputs to tools/fuzz/artifacts/<target>/. A run ends with one summary line per target.
# Environment: FUZZ_TARGET_DIR, the fuzz build's target dir (default: CARGO_TARGET_DIR, else
# tools/fuzz/target); FUZZ_TARGETS, the targets `run` fuzzes (default: all five); FUZZ_RSS_LIMIT_MB
# (default 2048); FUZZ_SKIP_REPLAY=1 (run without the replay, when cargo test has just run it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

ALL_TARGETS=(firehose_request cloudwatch_envelope parse_line app_api_body alert_text)
read -r -a TARGETS <<<"${FUZZ_TARGETS:-${ALL_TARGETS[*]}}"
RSS_LIMIT_MB="${FUZZ_RSS_LIMIT_MB:-2048}"
FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$ROOT/tools/fuzz/target}}"

usage() {
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Largest input per target: room for a few records or events, small enough to stay fast.
max_len() {
    case "$1" in
        parse_line | alert_text) echo 8192 ;;
        *) echo 16384 ;;
    esac
}

replay() {
    echo "== replaying tools/fuzz/corpus and tools/fuzz/regressions on stable"
    cargo test --locked -p logwrangler-testkit --test fuzz_corpus --test fuzz_regressions
}

have_nightly() {
    cargo +nightly --version >/dev/null 2>&1
}

# cargo-fuzz needs nightly Rust: install it with rustup when missing (a minimal profile, about a
# minute); without rustup, stop with a clear error rather than skip the fuzzing quietly.
ensure_nightly() {
    have_nightly && return 0
    if ! command -v rustup >/dev/null 2>&1; then
        echo "fuzzing needs a nightly Rust toolchain and rustup is not installed:" \
            "install nightly Rust, or run 'tests/scripts/fuzz.sh replay' for the stable replay only" >&2
        exit 1
    fi
    echo "== installing the nightly Rust toolchain (rustup, minimal profile)"
    rustup toolchain install nightly --profile minimal
    have_nightly || { echo "the nightly toolchain does not run after installing it" >&2; exit 1; }
}

ensure_cargo_fuzz() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "== installing cargo-fuzz"
        cargo install --locked cargo-fuzz
    fi
}

# cargo-fuzz options shared by build and run: release code with debug assertions and overflow
# checks (the panics the stable tests would hit); no sanitizer, as the workspace has no unsafe
# code and an uninstrumented build runs about twice as many executions per second.
FUZZ_FLAGS=(--fuzz-dir tools/fuzz --release --debug-assertions --sanitizer none --target-dir "$FUZZ_TARGET_DIR")

# Replays the corpus, then fuzzes every target for SECONDS (one job each). A crash does not stop
# the run: every target gets its time, and the run fails at the end naming the crashed targets.
run() {
    local seconds="$1"
    [[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || usage
    [[ "${FUZZ_SKIP_REPLAY:-0}" == 1 ]] || replay
    ensure_nightly
    ensure_cargo_fuzz
    echo "== building the fuzz targets (nightly)"
    cargo +nightly fuzz build "${FUZZ_FLAGS[@]}"
    local summary=() crashed=() target log crashes
    for target in "${TARGETS[@]}"; do
        mkdir -p "tools/fuzz/work/$target" "tools/fuzz/artifacts/$target" "tools/fuzz/regressions/$target"
        log="tools/fuzz/work/$target.log"
        local dict=()
        [[ -f "tools/fuzz/dicts/$target.dict" ]] && dict=("-dict=tools/fuzz/dicts/$target.dict")
        echo "== fuzzing $target for ${seconds}s (log: $log)"
        crashes=0
        if ! cargo +nightly fuzz run "${FUZZ_FLAGS[@]}" "$target" \
            "tools/fuzz/work/$target" "tools/fuzz/corpus/$target" "tools/fuzz/regressions/$target" -- \
            -max_total_time="$seconds" -rss_limit_mb="$RSS_LIMIT_MB" -timeout=10 \
            -max_len="$(max_len "$target")" -print_final_stats=1 "${dict[@]}" >"$log" 2>&1; then
            crashes=1
            crashed+=("$target")
            grep -A 12 -m 1 -E "panicked at|ERROR: libFuzzer" "$log" >&2 || tail -n 40 "$log" >&2
            echo "== $target FAILED: input saved under tools/fuzz/artifacts/$target/;" \
                "minimise it with: tests/scripts/fuzz.sh tmin $target <file>" >&2
        fi
        summary+=("$(summarise "$target" "$seconds" "$log" "$crashes")")
    done
    echo "== summary (target, seconds, executions, executions/s, new inputs, corpus units/bytes, coverage, crashes)"
    printf '%s\n' "${summary[@]}"
    if [[ ${#crashed[@]} -gt 0 ]]; then
        echo "== crashes in: ${crashed[*]} (logs: tools/fuzz/work/<target>.log)" >&2
        return 1
    fi
}

# One line of figures from a libFuzzer log (the last status line when the run crashed).
summarise() {
    local target="$1" seconds="$2" log="$3" crashes="$4"
    local last execs rate added
    last="$(grep -E '^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)' "$log" | tail -n 1 || true)"
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
    added="$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)"
    local cov corp
    cov="$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov=\1 ft=\2/p' <<<"$last")"
    corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")"
    echo "$target ${seconds}s execs=${execs:-?} exec/s=${rate:-?} new=${added:-?} corpus=${corp:-?} ${cov:-cov=?} crashes=$crashes"
}

tmin() {
    local target="$1" file="$2"
    ensure_nightly
    ensure_cargo_fuzz
    mkdir -p "tools/fuzz/regressions/$target"
    local out
    out="tools/fuzz/regressions/$target/$(basename "$file")"
    cargo +nightly fuzz tmin "${FUZZ_FLAGS[@]}" "$target" "$file" -- -exact_artifact_path="$out"
    echo "minimised input: $out (add a named test for it in tools/testkit/tests/fuzz_regressions.rs or the unit tests of the code it broke)"
}

seed() {
    command -v python3 >/dev/null || { echo "seed needs python3" >&2; exit 1; }
    python3 - "$ROOT" <<'PY'
"""Writes tools/fuzz/corpus/<target>/ from tests/fixtures and tests/peers, deterministically."""
import base64
import gzip
import hashlib
import json
import pathlib
import shutil
import sys

root = pathlib.Path(sys.argv[1])
corpus = root / "tools" / "fuzz" / "corpus"

# LogType::ALL order (crates/logwrangler/src/record.rs): parse modes are 0 auto, 1 + i forced, 15 + i mapped.
LOG_TYPES = ["pexip_support", "pexip_audit", "pexip_web", "alb", "elb_classic", "cloudfront",
             "amplify_access", "s3_access", "vpc_flow", "cloudtrail", "lambda_platform", "app",
             "json", "unparsed"]
MODES = 1 + 2 * len(LOG_TYPES)
FORCED = {t: 1 + i for i, t in enumerate(LOG_TYPES)}
MAPPED = {t: 1 + len(LOG_TYPES) + i for i, t in enumerate(LOG_TYPES)}
# alert_text: the mode byte also sets the body limit (byte * 40); auto mode needs byte % MODES == 0.
ALERT_AUTO_BYTES = [0, 7 * MODES]  # no body, 8120 bytes

FIXTURE_TYPES = {
    "pexip/support.log": "pexip_support", "pexip/audit.log": "pexip_audit",
    "pexip/web.log": "pexip_web", "aws/alb.log": "alb", "aws/elb_classic.log": "elb_classic",
    "aws/cloudfront.log": "cloudfront", "aws/amplify_access.csv": "amplify_access",
    "aws/s3_access.log": "s3_access", "aws/vpc_flow.log": "vpc_flow",
    "aws/vpc_flow_custom_1.log": "vpc_flow", "aws/vpc_flow_custom_2.log": "vpc_flow",
    "aws/vpc_flow_custom_3.log": "vpc_flow", "aws/vpc_flow_custom_4.log": "vpc_flow",
    "aws/cloudtrail.ndjson": "cloudtrail", "aws/lambda_platform.log": "lambda_platform",
    "aws/app.ndjson": "app",
}
LOG_GROUPS = {
    "pexip_support": "/pexip/px-conf01/support", "pexip_audit": "/pexip/px-conf01/audit",
    "pexip_web": "/pexip/px-conf01/web", "alb": "/aws/alb/lb", "elb_classic": "/aws/elb/lb",
    "cloudfront": "/aws/cloudfront/dist", "amplify_access": "/aws/amplify/app",
    "s3_access": "/aws/s3/access", "vpc_flow": "/aws/vpc/flowlogs",
    "cloudtrail": "/aws/cloudtrail/logs", "lambda_platform": "/aws/lambda/fn", "app": "/app/billing",
}
ARRIVAL_MS = 1772446542118
# The -max_len of each target in max_len() above: longer seeds would be cut.
MAX_LEN = {"parse_line": 8192, "alert_text": 8192}

written = {}


def put(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_LEN.get(target, 16384):
        return
    digest = hashlib.sha1(data).hexdigest()
    if digest in written.setdefault(target, set()):
        return
    written[target].add(digest)
    (corpus / target / f"{name}-{digest[:10]}").write_bytes(data)


def gz(data):
    return gzip.compress(data.encode() if isinstance(data, str) else data, mtime=0)


def lines_of(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".jsonl":
        out = []
        for line in text.splitlines():
            try:
                case = json.loads(line)
            except ValueError:
                continue
            if isinstance(case.get("input"), str):
                out.append(case["input"])
        return out
    return [l for l in text.splitlines() if l.strip()]


def envelope(log_type, lines, owner="123456789012", **extra):
    events = [{"id": f"3795{i:048d}", "timestamp": ARRIVAL_MS + i, "message": line}
              for i, line in enumerate(lines)]
    env = {"messageType": "DATA_MESSAGE", "owner": owner,
           "logGroup": LOG_GROUPS.get(log_type, "/fuzz/other"), "logStream": "stream-1",
           "subscriptionFilters": ["lake"], "logEvents": events}
    env.update(extra)
    return json.dumps(env, separators=(",", ":"))


def request(records):
    return json.dumps({
        "invocationId": "00540a87-5050-496a-84e4-e7d92bbaf5e2",
        "deliveryStreamArn": "arn:aws:firehose:eu-west-1:123456789012:deliverystream/logwrangler-lake",
        "region": "eu-west-1",
        "records": [dict({"recordId": f"4957873408644225903749749298062{i:04d}",
                          "approximateArrivalTimestamp": ARRIVAL_MS}, **r)
                    for i, r in enumerate(records)],
    }, separators=(",", ":"))


def b64(data):
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


for target in ["firehose_request", "cloudwatch_envelope", "parse_line", "app_api_body", "alert_text"]:
    shutil.rmtree(corpus / target, ignore_errors=True)
    (corpus / target).mkdir(parents=True)

fixtures = root / "tests" / "fixtures"
peers = root / "tests" / "peers"

# parse_line: every fixture and peer line (auto), whole fixture files (headers configure the
# lines after them) auto, forced and mapped to their type.
for rel, log_type in sorted(FIXTURE_TYPES.items()):
    path = fixtures / rel
    lines = lines_of(path)
    stem = rel.replace("/", "-").rsplit(".", 1)[0]
    for i, line in enumerate(lines):
        put("parse_line", f"fixture-{stem}-{i:02d}", b"\0" + line.encode())
    whole = "\n".join(lines[:40])
    put("parse_line", f"file-{stem}-auto", b"\0" + whole.encode())
    put("parse_line", f"file-{stem}-forced", bytes([FORCED[log_type]]) + whole.encode())
    put("parse_line", f"file-{stem}-mapped", bytes([MAPPED[log_type]]) + whole.encode())
for path in sorted(peers.rglob("*")):
    if path.suffix not in (".log", ".txt", ".csv", ".jsonl") or path.name == "SOURCES.txt":
        continue
    stem = str(path.relative_to(peers)).replace("/", "-").rsplit(".", 1)[0]
    lines = [l for l in lines_of(path) if not l.startswith("#") and len(l) > 8]
    for i, line in enumerate(lines[:60]):
        put("parse_line", f"peer-{stem}-{i:02d}", b"\0" + line.encode())

# cloudwatch_envelope and firehose_request: every fixture file as a CloudWatch envelope (gzip and
# as Firehose decompresses it) and as Direct PUT data.
for rel, log_type in sorted(FIXTURE_TYPES.items()):
    lines = lines_of(fixtures / rel)[:20]
    stem = rel.replace("/", "-").rsplit(".", 1)[0]
    env = envelope(log_type, lines)
    direct = "\n".join(lines) + "\n"
    put("cloudwatch_envelope", f"gzip-{stem}", gz(env))
    put("cloudwatch_envelope", f"plain-{stem}", env)
    put("cloudwatch_envelope", f"direct-{stem}", direct)
    put("firehose_request", f"fixture-{stem}", request([
        {"data": b64(gz(env))},
        {"data": b64(env)},
        {"data": b64(direct)},
    ]))
    put("firehose_request", f"gzip-direct-{stem}", request([{"data": b64(gz(direct))}]))

# Envelopes from the peers: the control message, CloudWatch samples, the blueprint's records.
control = json.loads((peers / "aws-docs/cwl_control_message_decoded.json").read_text())["payload"]
control = json.dumps(control, separators=(",", ":"))
put("cloudwatch_envelope", "control-message", control)
put("cloudwatch_envelope", "gzip-control-message", gz(control))
for name in ["otel/cloudtrail_log_cw.json", "otel/vpc_valid_vpc_flow_cw_custom.json"]:
    text = (peers / name).read_text()
    stem = name.replace("/", "-").rsplit(".", 1)[0]
    put("cloudwatch_envelope", f"peer-{stem}", text)
    put("cloudwatch_envelope", f"gzip-peer-{stem}", gz(text))
for i, case in enumerate(lines_of(peers / "vrl/parse_aws_cloudwatch_log_subscription_message.jsonl")):
    put("cloudwatch_envelope", f"vrl-subscription-{i}", case)
blueprint_text = (peers / "aws-docs/firehose_cwl_testEvent_awsblueprint.json").read_text()
blueprint = json.loads(blueprint_text)
put("firehose_request", "aws-blueprint-test-event", blueprint_text)
for i, record in enumerate(blueprint["records"]):
    put("cloudwatch_envelope", f"aws-blueprint-record-{i}", base64.b64decode(record["data"]))

# Envelope variants: account policy key, re-ingest generations, empty and odd ids.
support = lines_of(fixtures / "pexip/support.log")
put("cloudwatch_envelope", "policy-level", envelope("pexip_support", support[:3], policyLevel="ACCOUNT_LEVEL_POLICY"))
put("cloudwatch_envelope", "reingested-gen-3", gz(envelope("pexip_support", support[:3], logwranglerReingest=3)))
put("cloudwatch_envelope", "no-owner-no-ids", json.dumps({"messageType": "DATA_MESSAGE", "logEvents": [
    {"id": "", "timestamp": 0, "message": support[0]}, {"id": "", "timestamp": ARRIVAL_MS, "message": "plain text"}]}))

# Requests: one bad record amid good ones, a control message, generations at the limit, events
# over several partitions (hours), a record longer than the tight line limit.
put("firehose_request", "mixed-bad-records", request([
    {"data": b64(gz(envelope("pexip_support", support[:2])))},
    {"data": "not base64!"},
    {"data": 42},
    {},
    {"data": b64(b"\x1f\x8b\x08\x00broken gzip")},
    {"data": b64(gz(control))},
    {"data": b64("{\"messageType\": 3}")},
    {"data": ""},
]))
hours = [f"2026-03-02T{h:02d}:15:42.118+00:00 px-conf01 2026-03-02 {h:02d}:15:42,117 Level=\"INFO\" "
         f"Name=\"support.sip\" Message=\"hour {h}\"" for h in range(0, 24, 3)]
put("firehose_request", "partitions-gen-0", request([{"data": b64(gz(envelope("pexip_support", hours)))}]))
put("firehose_request", "partitions-gen-1", request([{"data": b64(gz(envelope("pexip_support", hours, logwranglerReingest=1)))}]))
put("firehose_request", "partitions-gen-2", request([{"data": b64(gz(envelope("pexip_support", hours, logwranglerReingest=2)))}]))
put("firehose_request", "partitions-direct", request([{"data": b64("\n".join(hours))}]))
long_line = support[0] + " Detail=\"" + "x" * 600 + "\""
put("firehose_request", "long-line", request([{"data": b64(gz(envelope("pexip_support", [long_line] * 3)))}]))
put("firehose_request", "many-small-records", request([{"data": b64(l)} for l in support[:12]]))

# app_api_body: the fixture events alone and together, with the default limits (first byte 0)
# and with small ones (first byte 0x80 and up: see logwrangler_testkit::api_limits_for).
app_lines = lines_of(fixtures / "aws/app.ndjson")
for i, line in enumerate(app_lines):
    for selector in [0x00, 0x80, 0xff]:
        put("app_api_body", f"event-{i}-limits-{selector:02x}", bytes([selector]) + line.encode())
put("app_api_body", "array-all", b"\0[" + ",".join(app_lines).encode() + b"]")
put("app_api_body", "array-tight", b"\x9f[" + ",".join(app_lines[:3]).encode() + b"]")
for name, body in [
    ("bom", "\ufeff" + app_lines[0]),
    ("epoch-ms", '{"log_level":"error","message":"m","source_application":"a","timestamp":1772446542118}'),
    ("epoch-seconds", '{"log_level":"error","message":"m","source_application":"a","timestamp":1772446542}'),
    ("iso-offset", '{"log_level":"crit","message":"m","source_application":"a/b:c-d_e.f","timestamp":"2026-03-02T11:15:42.118+01:00"}'),
    ("forged-cloudtrail", '{"log_level":"info","message":"m","source_application":"a","eventVersion":"1.09","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin"}'),
    ("forged-platform", '{"log_level":"info","message":"m","source_application":"a","type":"platform.report","record":{}}'),
    ("client-event-id", '{"log_level":"info","message":"m","source_application":"a","event_id":"mine","level":"debug","msg":"other"}'),
    ("details-kinds", '[{"log_level":"info","message":"m","source_application":"a","details":"text"},{"log_level":"info","message":"m","source_application":"a","details":[1,2.5,null]},{"log_level":"info","message":"m","source_application":"a","details":null}]'),
    ("bad-level", '[{"log_level":"info","message":"m","source_application":"a"},{"log_level":"loud","message":"m","source_application":"a"}]'),
    ("not-json", '{"log_level":'),
    ("empty-array", "[]"),
    ("null", "null"),
]:
    put("app_api_body", name, b"\0" + body.encode())

# alert_text: lines that raise alerts (alarms, connectivity, disconnects, CloudTrail, Lambda,
# app events), plus text made to inject headers, lines and terminal escapes.
alert_lines = [l for l in support if "alarm" in l or "connectivity" in l or "disconnected" in l][:12]
alert_lines += lines_of(fixtures / "aws/cloudtrail.ndjson") + app_lines
alert_lines += [l for l in lines_of(fixtures / "aws/lambda_platform.log") if "Task timed out" in l or "Runtime." in l or "REPORT" in l][:4]
alert_lines += [
    '{"log_level": "error", "message": "boom\\nRule: none\\r\\nSeverity: info\\u2028x", "source_application": "evil"}',
    "subject\r\nBcc: victim@example.com\r\n\r\n<script>alert(1)</script>",
    "\x1b[1;31mred\x1b[0m \x1b]0;title\x07 \u202egnp.exe\u202c zero\u200bwidth \ufeffbom \x00nul \x7fdel \x85nel",
    "x" * 300 + " long subject " + "\u00e9\u20ac\U0001F600" * 40,
]
for i, line in enumerate(alert_lines):
    for selector in ALERT_AUTO_BYTES:
        put("alert_text", f"alert-{i:02d}-{selector}", bytes([selector]) + line.encode())
put("alert_text", "forced-pexip", bytes([FORCED["pexip_support"]]) + alert_lines[0].encode())
put("alert_text", "mapped-app", bytes([MAPPED["app"]]) + app_lines[-1].encode())

total = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
for target in sorted(written):
    print(f"{target}: {len(written[target])} seeds")
print(f"total {total} bytes")
if total > 2 * 1024 * 1024:
    sys.exit("the seed corpus is over 2 MB: keep fewer lines per file")
PY
}

case "${1:-}" in
    seed) seed ;;
    replay) replay ;;
    run) [[ $# -eq 2 ]] || usage; run "$2" ;;
    tmin) [[ $# -eq 3 ]] || usage; tmin "$2" "$3" ;;
    *) usage ;;
esac
