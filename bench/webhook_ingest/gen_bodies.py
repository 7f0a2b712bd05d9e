#!/usr/bin/env python3
"""Writes N distinct, signed ~1 KB Flexport webhook events, one per line:
"<X-Hub-Signature-256 value>\t<body>". wrk's Lua has no HMAC, so the signatures are
computed here. Usage: gen_bodies.py FILE COUNT SECRET PREFIX"""
import hashlib
import hmac
import json
import sys

path, count, secret, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4]
milestones = ["cargo_ready", "departed", "arrived", "customs_cleared", "delivered"]
with open(path, "w") as out:
    for n in range(count):
        event = {
            "_object": "/event",
            "id": f"evt_{prefix}_{n:08d}",
            "type": "shipment.milestone",
            "created_at": "2024-05-01T10:00:00.000Z",
            "data": {
                "shipment_id": f"FLEX-{n % 5000:06d}",
                "milestone": milestones[n % len(milestones)],
                "occurred_at": "2024-05-01T09:59:58.000Z",
                "location": {"name": "Port of Rotterdam", "unlocode": "NLRTM",
                             "country": "NL", "lat": 51.9475, "lon": 4.1423},
                "carrier": {"name": "Example Ocean Line", "scac": "EXOL"},
                "containers": [f"EXOU{(n * 7 + i) % 10000000:07d}" for i in range(4)],
                "references": {"purchase_orders": [f"PO-{n % 9000:05d}"],
                               "bill_of_lading": f"BL{n:010d}"},
            },
        }
        body = json.dumps(event, separators=(",", ":"))
        pad = 1024 - len(body) - len(',"note":""')
        if pad > 0:
            event["note"] = "x" * pad
            body = json.dumps(event, separators=(",", ":"))
        sig = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
        out.write(f"sha256={sig}\t{body}\n")
