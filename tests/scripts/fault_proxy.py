#!/usr/bin/env python3
"""A fault-injecting HTTP proxy for the AWS APIs served by moto_server.

It forwards every request to the upstream (moto_server on 127.0.0.1) and
injects the failures the real services produce, deterministically (every K-th
call), so a test can say exactly which calls failed.

Firehose `PutRecordBatch`:

  --throttle-calls N   answer the first N PutRecordBatch calls with HTTP 500
                       ServiceUnavailableException for the whole call (the SDK
                       retries those itself);
  --fail-every K       in the next --fail-calls calls, fail every K-th record
                       entry (FailedPutCount > 0, per-entry ErrorCode), so the
                       caller must retry exactly those entries.

  Only the entries reported as accepted are forwarded to moto, so what lands in
  S3 is exactly what the caller was told succeeded.

DynamoDB (every call with `X-Amz-Target: DynamoDB_20120810.<Op>`), counted
1, 2, 3, ... in arrival order:

  --ddb-throttle-every K     HTTP 400 ProvisionedThroughputExceededException
                             (the SDK classifies it as throttling and retries);
  --ddb-error-every K        HTTP 500 InternalServerError (retried as transient);
  --ddb-lost-reply-every K   forward the call to moto (the write happens), then
                             answer HTTP 500 InternalServerError: the caller
                             sees a failure for a call that took effect, as
                             when a reply is lost on the way back (the SDK
                             retries it like a timeout); its message says so,
                             for tests that must tell it from a failure.

SNS `Publish` (a form-encoded `Action=Publish`; moto routes it by the service
in the Authorization header's credential scope), counted the same way:

  --sns-throttle-every K     HTTP 400 Sender Throttling (retried as throttling);
  --sns-error-every K        HTTP 500 Receiver InternalError;
  --sns-lost-reply-every K   forward (the message is published), then answer
                             HTTP 500 InternalError.

When several kinds fall on the same call, throttling wins over an error, an
error over a lost reply: a call gets at most one fault. Nothing is injected
into other calls (CreateTable, Subscribe, SQS, S3 ...), which are forwarded.

`GET /_faults` reports the counters as JSON: the Firehose ones
(`put_record_batch_calls`, `throttled_calls`, `failed_entries`,
`forwarded_entries`), per service the calls seen and the faults per kind
(`dynamodb_calls`, `dynamodb_throttled`, `dynamodb_errors`,
`dynamodb_lost_replies`, and `sns_publish_calls`, `sns_throttled`,
`sns_errors`, `sns_lost_replies`), and `injected`: one entry per injected
DynamoDB or SNS fault (`service`, `kind`, `call`, `operation`, and for
DynamoDB the request's `UpdateExpression`, so a test can tell which write
failed). Standard library only.

Usage: fault_proxy.py --port P --upstream http://127.0.0.1:M [--throttle-calls N]
                      [--fail-every K --fail-calls C]
                      [--ddb-throttle-every K] [--ddb-error-every K] [--ddb-lost-reply-every K]
                      [--sns-throttle-every K] [--sns-error-every K] [--sns-lost-reply-every K]
"""

import argparse
import http.client
import json
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTERS = {
    "put_record_batch_calls": 0,
    "throttled_calls": 0,
    "failed_entries": 0,
    "forwarded_entries": 0,
    "dynamodb_calls": 0,
    "dynamodb_throttled": 0,
    "dynamodb_errors": 0,
    "dynamodb_lost_replies": 0,
    "sns_publish_calls": 0,
    "sns_throttled": 0,
    "sns_errors": 0,
    "sns_lost_replies": 0,
}
INJECTED = []
LOCK = threading.Lock()

# The message of a lost reply's error, so that a test can tell it from a failure.
LOST_REPLY = "Internal server error (fault_proxy: the request was applied, this reply stands for a lost one)"
DYNAMODB_TARGET = "DynamoDB_20120810."
DYNAMODB_NAMESPACE = "com.amazonaws.dynamodb.v20120810#"
# (counter suffix, HTTP status, DynamoDB error code, message) per fault kind.
DYNAMODB_FAULTS = {
    "throttle": ("throttled", 400, "ProvisionedThroughputExceededException",
                 "The level of configured provisioned throughput for the table was exceeded."),
    "error": ("errors", 500, "InternalServerError", "Internal server error"),
    "lost_reply": ("lost_replies", 500, "InternalServerError", LOST_REPLY),
}
# (counter suffix, HTTP status, SNS error type, code, message) per fault kind.
SNS_FAULTS = {
    "throttle": ("throttled", 400, "Sender", "Throttling", "Rate exceeded"),
    "error": ("errors", 500, "Receiver", "InternalError", "Internal Error"),
    "lost_reply": ("lost_replies", 500, "Receiver", "InternalError", LOST_REPLY),
}
# When several kinds fall on one call, the first of this order applies.
KINDS = ("throttle", "error", "lost_reply")


UPSTREAM = threading.local()


def forward(upstream, method, path, headers, body):
    """Sends the request upstream over this thread's kept-alive connection."""
    url = urllib.parse.urlsplit(upstream)
    send_headers = {k: v for k, v in headers.items()
                    if k.lower() not in ("host", "content-length", "accept-encoding", "connection")}
    while True:
        connection = getattr(UPSTREAM, "connection", None)
        reused = connection is not None
        if not reused:
            connection = UPSTREAM.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        try:
            connection.request(method, path, body=body if method != "GET" else None, headers=send_headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The upstream closed a kept-alive connection before reading the
            # request: send it again on a new one (never after a fresh one fails).
            connection.close()
            UPSTREAM.connection = None
            if not reused:
                raise


def fault_for(call, every):
    """The fault kind of the `call`-th call (1-based) given K per kind, or None."""
    for kind in KINDS:
        k = every.get(kind, 0)
        if k > 0 and call % k == 0:
            return kind
    return None


def sns_action(headers, body):
    """The SNS action of a form-encoded request routed to SNS, else None
    (`headers` as the request's, whose names match in any case)."""
    if "/sns/aws4_request" not in headers.get("Authorization", ""):
        return None
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    return (form.get("Action") or [None])[0]


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    options = None
    # One segment per answer, sent at once: a header write and a body write
    # would wait on Nagle and delayed ACKs (40 ms per call on Linux).
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024

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
                body = json.dumps(dict(COUNTERS, injected=INJECTED)).encode()
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
        if target.startswith(DYNAMODB_TARGET):
            return self.dynamodb(target[len(DYNAMODB_TARGET):], headers, body)
        if self.command == "POST" and sns_action(self.headers, body) == "Publish":
            return self.sns_publish(headers, body)
        status, out_headers, out = forward(self.options.upstream, self.command, self.path, headers, body)
        self.reply(status, out_headers, out)

    def count_call(self, service, calls_key, every, detail):
        """Counts one call of `service` and decides its fault (recorded in INJECTED)."""
        with LOCK:
            COUNTERS[calls_key] += 1
            call = COUNTERS[calls_key]
            kind = fault_for(call, every)
            if kind is not None:
                suffix = (DYNAMODB_FAULTS if service == "dynamodb" else SNS_FAULTS)[kind][0]
                COUNTERS[f"{service}_{suffix}"] += 1
                INJECTED.append(dict(service=service, kind=kind, call=call, **detail))
        return kind

    def dynamodb(self, operation, headers, body):
        opts = self.options
        every = {"throttle": opts.ddb_throttle_every, "error": opts.ddb_error_every,
                 "lost_reply": opts.ddb_lost_reply_every}
        detail = {"operation": operation}
        try:
            update = json.loads(body or b"{}").get("UpdateExpression")
        except ValueError:
            update = None
        if update is not None:
            detail["update_expression"] = update
        kind = self.count_call("dynamodb", "dynamodb_calls", every, detail)
        if kind == "lost_reply" or kind is None:
            status, out_headers, out = forward(opts.upstream, "POST", self.path, headers, body)
            if kind is None:
                return self.reply(status, out_headers, out)
        _, status, code, message = DYNAMODB_FAULTS[kind]
        error = {"__type": DYNAMODB_NAMESPACE + code, "message": message}
        request_id = str(uuid.uuid4())
        self.reply(status, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": request_id},
                   json.dumps(error).encode())

    def sns_publish(self, headers, body):
        opts = self.options
        every = {"throttle": opts.sns_throttle_every, "error": opts.sns_error_every,
                 "lost_reply": opts.sns_lost_reply_every}
        kind = self.count_call("sns", "sns_publish_calls", every, {"operation": "Publish"})
        if kind == "lost_reply" or kind is None:
            status, out_headers, out = forward(opts.upstream, "POST", self.path, headers, body)
            if kind is None:
                return self.reply(status, out_headers, out)
        _, status, error_type, code, message = SNS_FAULTS[kind]
        request_id = str(uuid.uuid4())
        error = (
            '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
            f"<Error><Type>{error_type}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        self.reply(status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, error.encode())

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
    for service in ("ddb", "sns"):
        for kind in ("throttle", "error", "lost-reply"):
            parser.add_argument(f"--{service}-{kind}-every", type=int, default=0, metavar="K")
    Proxy.options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", Proxy.options.port), Proxy)
    server.serve_forever()


if __name__ == "__main__":
    main()
