#!/usr/bin/env python3
"""A fault-injecting HTTP proxy for the AWS APIs served by moto_server.

It forwards every request to the upstream (moto_server on 127.0.0.1) and, for
Firehose `PutRecordBatch`, injects the failures Firehose really produces:

  --throttle-calls N   answer the first N PutRecordBatch calls with HTTP 500
                       ServiceUnavailableException for the whole call (the SDK
                       retries those itself);
  --fail-every K       in the next --fail-calls calls, fail every K-th record
                       entry (FailedPutCount > 0, per-entry ErrorCode), so the
                       caller must retry exactly those entries.

Only the entries reported as accepted are forwarded to moto, so what lands in
S3 is exactly what the caller was told succeeded. `GET /_faults` reports the
counters as JSON. Standard library only.

Usage: fault_proxy.py --port P --upstream http://127.0.0.1:M [--throttle-calls N]
                      [--fail-every K --fail-calls C]
"""

import argparse
import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTERS = {"put_record_batch_calls": 0, "throttled_calls": 0, "failed_entries": 0, "forwarded_entries": 0}
LOCK = threading.Lock()


def forward(upstream, method, path, headers, body):
    request = urllib.request.Request(upstream + path, data=body if method != "GET" else None, method=method)
    for name, value in headers.items():
        if name.lower() not in ("host", "content-length", "accept-encoding", "connection"):
            request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    options = None

    def log_message(self, *args):
        pass

    def reply(self, status, headers, body):
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_faults":
            with LOCK:
                body = json.dumps(COUNTERS).encode()
            return self.reply(200, {"Content-Type": "application/json"}, body)
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items()}
        target = self.headers.get("X-Amz-Target", "")
        if target.endswith(".PutRecordBatch"):
            return self.put_record_batch(headers, body)
        status, out_headers, out = forward(self.options.upstream, self.command, self.path, headers, body)
        self.reply(status, out_headers, out)

    def put_record_batch(self, headers, body):
        opts = self.options
        with LOCK:
            COUNTERS["put_record_batch_calls"] += 1
            call = COUNTERS["put_record_batch_calls"]
            throttle = call <= opts.throttle_calls
            if throttle:
                COUNTERS["throttled_calls"] += 1
        if throttle:
            error = {"__type": "ServiceUnavailableException", "message": "Slow down."}
            return self.reply(500, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(error).encode())
        request = json.loads(body)
        records = request.get("Records", [])
        faulty_call = opts.fail_every > 0 and call - opts.throttle_calls <= opts.fail_calls
        failed = [faulty_call and (i + 1) % opts.fail_every == 0 for i in range(len(records))]
        kept = [r for r, f in zip(records, failed) if not f]
        upstream_results = []
        if kept:
            request["Records"] = kept
            status, out_headers, out = forward(opts.upstream, "POST", self.path, headers, json.dumps(request).encode())
            if status != 200:
                return self.reply(status, out_headers, out)
            upstream_results = json.loads(out).get("RequestResponses", [])
        results, it = [], iter(upstream_results)
        for f in failed:
            if f:
                results.append({"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."})
            else:
                results.append(next(it, {"RecordId": "unknown"}))
        with LOCK:
            COUNTERS["failed_entries"] += sum(failed)
            COUNTERS["forwarded_entries"] += len(kept)
        answer = {"FailedPutCount": sum(failed), "Encrypted": False, "RequestResponses": results}
        self.reply(200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(answer).encode())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--throttle-calls", type=int, default=0)
    parser.add_argument("--fail-every", type=int, default=0)
    parser.add_argument("--fail-calls", type=int, default=0)
    Proxy.options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", Proxy.options.port), Proxy)
    server.serve_forever()


if __name__ == "__main__":
    main()
