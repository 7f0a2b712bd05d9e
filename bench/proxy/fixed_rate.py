#!/usr/bin/env python3
"""Fixed-rate HTTP load generator (stdlib only; Debian 12 has no wrk2).

Sends GET requests at a fixed total rate over a few keep-alive connections (one thread
each, one connection per target per thread) and prints one RESULT line per target with
latency percentiles. With several targets the run is cut into slices (default 1 s) that
rotate between them, so each target gets SECONDS in total under the same machine load
(the host is shared; load drifts on a scale of seconds).

Open loop: request i is due at t0 + i/rate, whatever happened before. Two latencies are
kept per request:
  service  - from the moment the request was actually written to the full response body;
  corrected - from the moment it was due (as wrk2 does, so a stall is not hidden by the
              requests the stall prevented from being sent).

Usage: fixed_rate.py RATE SECONDS CONNECTIONS URL... [-H 'Name: value']... [--slice S]
"""
import http.client
import sys
import threading
import time
import urllib.parse


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, int(round(q * len(sorted_values) + 0.5)) - 1))
    return sorted_values[i]


def worker(urls, headers, jobs, service, corrected, errors, lock):
    """jobs: (due time, target index), in due order."""
    conns = [None] * len(urls)
    my_service = [[] for _ in urls]
    my_corrected = [[] for _ in urls]
    my_errors = [0] * len(urls)
    for due, t in jobs:
        url = urls[t]
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        try:
            if conns[t] is None:
                conns[t] = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=10)
                conns[t].connect()
            sent = time.perf_counter()
            conns[t].request("GET", url.path + ("?" + url.query if url.query else ""),
                             headers=headers)
            resp = conns[t].getresponse()
            resp.read()
            done = time.perf_counter()
            if resp.status != 200:
                my_errors[t] += 1
            my_service[t].append(done - sent)
            my_corrected[t].append(done - due)
        except (OSError, http.client.HTTPException):
            my_errors[t] += 1
            if conns[t] is not None:
                conns[t].close()
            conns[t] = None
    for c in conns:
        if c is not None:
            c.close()
    with lock:
        for t in range(len(urls)):
            service[t].extend(my_service[t])
            corrected[t].extend(my_corrected[t])
            errors[t] += my_errors[t]


def main(argv):
    args, headers, slice_s = [], {}, 1.0
    i = 1
    while i < len(argv):
        if argv[i] == "-H":
            name, _, value = argv[i + 1].partition(":")
            headers[name.strip()] = value.strip()
            i += 2
        elif argv[i] == "--slice":
            slice_s = float(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    rate, seconds, connections = float(args[0]), float(args[1]), int(args[2])
    urls = [urllib.parse.urlsplit(u) for u in args[3:]]
    n = len(urls)
    total = int(rate * seconds * n)
    t0 = time.perf_counter() + 0.1
    schedule = []
    for k in range(total):
        offset = k / rate
        schedule.append((t0 + offset, int(offset / slice_s) % n))
    service = [[] for _ in urls]
    corrected = [[] for _ in urls]
    errors, lock = [0] * n, threading.Lock()
    threads = [
        threading.Thread(target=worker,
                         args=(urls, headers, schedule[c::connections], service, corrected,
                               errors, lock)) for c in range(connections)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    ms = lambda v: "%.3f" % (v * 1000.0)
    for t in range(n):
        s, c = sorted(service[t]), sorted(corrected[t])
        print("RESULT target=%d requests=%d rps=%.1f errors=%d p50_ms=%s p90_ms=%s p99_ms=%s "
              "max_ms=%s cp50_ms=%s cp99_ms=%s" %
              (t, len(s), len(s) / (elapsed / n), errors[t], ms(percentile(s, 0.50)),
               ms(percentile(s, 0.90)), ms(percentile(s, 0.99)), ms(s[-1] if s else 0),
               ms(percentile(c, 0.50)), ms(percentile(c, 0.99))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
