#!/usr/bin/env python3
"""The soak's two HTTP endpoints (stdlib only).

  receivers.py app PORT IDS_FILE      the integration's webhook endpoint: appends the event
                                      id of every delivery it answers 200 to IDS_FILE;
                                      POST /_control {"status": 503} makes it refuse
                                      deliveries (the "app down" fault), {"status": 200}
                                      brings it back.
  receivers.py alerts PORT OUT_FILE   an Alertmanager-format webhook receiver: one JSON
                                      line per alert of every notification (arrival time,
                                      status, alertname, severity, fingerprint).
"""
import http.server
import json
import sys
import threading
import time

mode, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out = open(path, "a", buffering=1)
lock = threading.Lock()
state = {"status": 200}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the forwarder expects

    def reply(self, code, body=b"{}"):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/_control":
            state.update(json.loads(body))
            return self.reply(200, json.dumps(state).encode())
        if mode == "app":
            status = state["status"]
            if status == 200:
                event_id = json.loads(body).get("id", "")
                with lock:
                    out.write(event_id + "\n")
            return self.reply(status)
        now = time.time()
        doc = json.loads(body)
        with lock:
            for a in doc.get("alerts", []):
                labels = a.get("labels", {})
                out.write(json.dumps({"t": now, "status": a.get("status"),
                                      "alertname": labels.get("alertname"),
                                      "severity": labels.get("severity"),
                                      "fingerprint": a.get("fingerprint")}) + "\n")
        self.reply(200)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


Server(("127.0.0.1", port), Handler).serve_forever()
