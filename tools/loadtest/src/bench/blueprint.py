"""The logic of AWS's CloudWatch Logs processor blueprint for Amazon Data
Firehose (kinesis-firehose-cloudwatch-logs-processor-python), written from its
documented behaviour: for each record, base64-decode, gunzip, parse the JSON
envelope; drop CONTROL_MESSAGE records; for DATA_MESSAGE records join the
events' messages, each followed by a newline, and base64-encode the result;
anything else fails. No parsing or typing of the lines at all.

`loadtest bench` runs this as its `blueprint` variant: the request file is
read once, then each `run` line on stdin processes it as the Lambda would (the
event JSON decoded, the records processed, the response JSON encoded) and is
answered `done <response bytes>`; `dump` answers the response itself.
"""

import base64
import gzip
import json
import sys


def transform_log_event(log_event):
    return log_event["message"] + "\n"


def process_records(records):
    for record in records:
        data = json.loads(gzip.decompress(base64.b64decode(record["data"])))
        record_id = record["recordId"]
        if data["messageType"] == "CONTROL_MESSAGE":
            yield {"result": "Dropped", "recordId": record_id}
        elif data["messageType"] == "DATA_MESSAGE":
            joined = "".join(transform_log_event(e) for e in data["logEvents"])
            encoded = base64.b64encode(joined.encode("utf-8")).decode("utf-8")
            yield {"data": encoded, "result": "Ok", "recordId": record_id}
        else:
            yield {"result": "ProcessingFailed", "recordId": record_id}


def handler(event):
    return {"records": list(process_records(event["records"]))}


def main():
    with open(sys.argv[1], "rb") as f:
        request = f.read()
    for line in sys.stdin:
        command = line.strip()
        if command not in ("run", "dump"):
            break
        response = json.dumps(handler(json.loads(request)))
        if command == "run":
            sys.stdout.write("done %d\n" % len(response))
        else:
            sys.stdout.write(response + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
