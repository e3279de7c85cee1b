#!/usr/bin/env python3
"""A webhook receiver for motcua that verifies each delivery as the Standard
Webhooks specification says (https://www.standardwebhooks.com/), with the
Python standard library only.

    WEBHOOK_SECRET=whsec_... python3 docs/examples/webhook-receiver.py 9000

It answers 204 to an authentic delivery it has not seen (and to one it has:
the `webhook-id` says so), 401 to anything else, and prints what it got.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["WEBHOOK_SECRET"]
KEY = base64.b64decode(SECRET.removeprefix("whsec_"))
TOLERANCE = 5 * 60  # seconds: an older delivery is a replay
seen = set()


def authentic(headers, body):
    message_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE:
        return False
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()
    for signature in headers.get("webhook-signature", "").split(" "):
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if not authentic(self.headers, body):
            self.send_response(401)
            self.end_headers()
            print("refused: the signature does not verify", flush=True)
            return
        message_id = self.headers["webhook-id"]
        event = json.loads(body)
        again = " (again)" if message_id in seen else ""
        seen.add(message_id)
        data = event["data"]
        print(f"{message_id}{again}: {event['type']} {data['dossierCode']} -> {data['statusTo']}", flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
