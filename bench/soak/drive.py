#!/usr/bin/env python3
"""The soak's load, fault cycle, sampling and verdict (stdlib only); bench/soak/run.sh
starts the processes and calls this with their addresses.

For WARMUP + SECONDS it sends signed webhooks to the agent's public listener and API calls
through its egress proxy at steady rates, samples the agent's RSS and open fds, and every
CYCLE seconds (from 20 s on) injects the next fault of FAULTS for CYCLE/2 seconds. The
warm-up lasts, by default, until the rule engine's series store holds its full retention
(the longest rule lookback + 5 min, from flexport_agent_series_store_retention_seconds):
until then the store grows by design, so RSS is measured over the SECONDS after it. Then it
waits for the forwarder to drain and for alerts to resolve, checks that every webhook
answered 200 reached the app, that each fault's alerts fired and resolved, prints the
figures and exits 1 when a criterion fails.
"""
import argparse
import hashlib
import hmac
import http.client
import json
import os
import queue
import random
import statistics
import sys
import threading
import time
import urllib.request

# Each fault: what it does, and the default rules (rules/default.toml) it must fire.
FAULTS = [
    ("full outage (every endpoint 503)", "outage", ["FlexportApiDown"]),
    ("429 storm (bucket drained, no refill)", "rate_limited", ["FlexportApiRateLimited"]),
    ("status page major", "status_major", ["FlexportStatusPageMajor"]),
    ("webhook secret mismatch", "secret_mismatch",
     ["FlexportWebhookSignaturesFailing", "FlexportWebhookGap"]),
    ("app down (503 to every delivery)", "app_down", ["FlexportWebhookDeliveryFailing"]),
    ("API key rotated (401 everywhere)", "key_rotated", ["FlexportApiKeyRejected"]),
    ("partial outage (2 endpoints 502)", "partial_outage", ["FlexportApiPartialFailure"]),
]
SIM_SCENARIOS = {"outage", "rate_limited", "status_major", "key_rotated", "partial_outage"}
API_FAULTS = {"outage", "rate_limited", "key_rotated", "partial_outage"}
EVENT_TYPES = ["booking.confirmed", "invoice.created", "purchase_order.updated"]
PROXY_PATHS = ["/shipments?per=5", "/shipments/%d", "/bookings?per=5", "/purchase_orders?per=5",
               "/invoices?per=5", "/products?per=5"]


def post_json(url, body, headers=None, timeout=10):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=timeout) as res:
        return json.loads(res.read() or b"null")


def get_text(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as res:
        return res.read().decode()


def metric_sum(text, name, match=""):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and (line[len(name)] in " {") and match in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


class Paced:
    """Hands out `rate` tickets a second to `workers` threads running `fn(seq, conn)`."""

    def __init__(self, rate, workers, connect, fn):
        self.rate, self.connect, self.fn = rate, connect, fn
        self.tickets = queue.Queue(maxsize=int(rate * 5))
        self.stop = threading.Event()
        self.dropped = 0  # tickets not issued because workers were 5 s behind
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        self.threads.append(threading.Thread(target=self._tick, daemon=True))

    def start(self):
        for t in self.threads:
            t.start()

    def _tick(self):
        seq, t0 = 0, time.monotonic()
        while not self.stop.is_set():
            due = t0 + seq / self.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                self.tickets.put_nowait(seq)
            except queue.Full:
                self.dropped += 1
            seq += 1

    def _work(self):
        conn = None
        while True:
            try:
                seq = self.tickets.get(timeout=0.2)
            except queue.Empty:
                if self.stop.is_set():
                    break
                continue
            if conn is None:
                conn = self.connect()
            if not self.fn(seq, conn):
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()


class Soak:
    def __init__(self, a):
        self.a = a
        self.lock = threading.Lock()
        self.t0 = time.time()
        self.mode = None  # the active fault's key
        self.fault_log = []  # [name, key, expected, start, clear, slot_end]
        # webhooks
        self.acked = set()
        self.acked_bodies = []  # (id, body) for duplicate re-sends
        self.wh_sent = self.wh_dupes = self.wh_rejected_fault = 0
        self.wh_errors = {}  # unexpected outcomes: status or exception name -> count
        # proxy
        self.px_sent = self.px_ok = 0
        self.px_codes = {}
        self.px_unexpected = {}
        # (t, rss_kib, fds, threads, rss_anon_kib, store_kib, heap_used_kib, heap_free_kib,
        #  sqlite_kib)
        self.samples = []
        self.spool = []  # (unix time, flexport_webhook_spool_depth, active fault)
        self.unexpected_at = []  # (t, what) of the first unexpected answers
        self.rng = random.Random(8)
        self.faults = [f for k in a.faults.split(",") for f in FAULTS if f[1] == k.strip()]
        if len(self.faults) != len(a.faults.split(",")):
            raise SystemExit("unknown fault in --faults %s; known: %s"
                             % (a.faults, ",".join(f[1] for f in FAULTS)))

    # ---- webhooks ------------------------------------------------------------------
    def wh_connect(self):
        host, port = self.a.public.split(":")
        return http.client.HTTPConnection(host, int(port), timeout=15)

    def wh_send(self, seq, conn):
        dup = None
        with self.lock:
            if self.acked_bodies and self.rng.random() < 0.01:
                dup = self.rng.choice(self.acked_bodies)
            secret_ok = self.mode != "secret_mismatch"
        key = self.a.secret if secret_ok else "rotated-" + self.a.secret
        if dup is not None:  # a redelivery, signed as Flexport signs it now
            event_id, body = dup
        else:
            event_id = "evt_soak_%s_%08d" % (self.a.run_id, seq)
            etype = "shipment.milestone" if seq % 10 else EVENT_TYPES[(seq // 10) % 3]
            event = {"_object": "/event", "id": event_id, "type": etype,
                     "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                     "data": {"shipment_id": "FLEX-%06d" % (seq % 200),
                              "milestone": "departed", "occurred_at": "2024-05-01T09:59:58Z",
                              "location": {"name": "Port of Rotterdam", "unlocode": "NLRTM"},
                              "note": "x" * 300}}
            body = json.dumps(event, separators=(",", ":")).encode()
        sig = "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
        try:
            conn.request("POST", self.a.webhook_path, body,
                         {"Content-Type": "application/json", "X-Hub-Signature-256": sig})
            res = conn.getresponse()
            res.read()
            status, keep = res.status, not res.will_close
        except Exception as e:  # noqa: BLE001 - any failure is an outcome to count
            status, keep = type(e).__name__, False
        with self.lock:
            if dup is not None:
                self.wh_dupes += 1
            else:
                self.wh_sent += 1
            if status == 200:
                if dup is None:
                    self.acked.add(event_id)
                    if len(self.acked_bodies) < 5000:
                        self.acked_bodies.append((event_id, body))
            elif status == 401 and not secret_ok:
                self.wh_rejected_fault += 1
            else:
                self.wh_errors[str(status)] = self.wh_errors.get(str(status), 0) + 1
                if len(self.unexpected_at) < 10:
                    self.unexpected_at.append((time.time() - self.t0, "webhook %s" % status))
        return keep

    # ---- proxied API calls ---------------------------------------------------------
    def px_connect(self):
        host, port = self.a.egress.split(":")
        return http.client.HTTPConnection(host, int(port), timeout=15)

    def px_call(self, seq, conn):
        path = PROXY_PATHS[seq % len(PROXY_PATHS)]
        if "%d" in path:
            path = path % (100000 + seq % 42)
        try:
            conn.request("GET", path, headers={"Authorization": "Bearer " + self.a.api_key,
                                               "Flexport-Version": "2"})
            res = conn.getresponse()
            res.read()
            status, keep = res.status, not res.will_close
        except Exception as e:  # noqa: BLE001
            status, keep = type(e).__name__, False
        now = time.time()
        with self.lock:
            self.px_sent += 1
            self.px_codes[str(status)] = self.px_codes.get(str(status), 0) + 1
            if status == 200:
                self.px_ok += 1
            elif not self.api_fault_near(now):
                self.px_unexpected[str(status)] = self.px_unexpected.get(str(status), 0) + 1
                if len(self.unexpected_at) < 10:
                    self.unexpected_at.append((now - self.t0, "proxy %s %s" % (status, path)))
        return keep

    def api_fault_near(self, now):
        """An API fault is active, or was cleared less than 2 s ago (lock held)."""
        for _, key, _, start, clear, _ in self.fault_log:
            if key in API_FAULTS and start <= now and (clear is None or now <= clear + 2):
                return True
        return False

    # ---- sampling ------------------------------------------------------------------
    def sample(self):
        pid = self.a.agent_pid
        rss = anon = threads = 0
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("RssAnon:"):
                    anon = int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
        fds = len(os.listdir("/proc/%d/fd" % pid))
        text = self.metrics()
        store_kib = metric_sum(text, "flexport_agent_series_store_bytes") / 1024
        heap_used = metric_sum(text, "flexport_agent_heap_in_use_bytes") / 1024
        heap_free = metric_sum(text, "flexport_agent_heap_free_bytes") / 1024
        sqlite_kib = metric_sum(text, "flexport_agent_sqlite_memory_bytes") / 1024
        self.samples.append((time.time() - self.t0, rss, fds, threads, anon, store_kib,
                             heap_used, heap_free, sqlite_kib))
        spool = metric_sum(text, "flexport_webhook_spool_depth")
        with self.lock:
            self.spool.append((time.time(), spool, self.mode))

    def sampler(self, stop):
        while not stop.is_set():
            try:
                self.sample()
            except OSError:
                pass
            stop.wait(self.a.sample_every)

    # ---- faults --------------------------------------------------------------------
    def sim(self, path, body=None):
        return post_json(self.a.sim + "/_sim/" + path, body or {})

    def inject(self, key):
        if key in SIM_SCENARIOS:
            self.sim("scenario/" + key)
        elif key == "app_down":
            post_json(self.a.app_control, {"status": 503})
        with self.lock:
            self.mode = key

    def clear(self, key):
        with self.lock:
            self.mode = None
        if key in SIM_SCENARIOS:
            self.sim("scenario/healthy")
        elif key == "app_down":
            post_json(self.a.app_control, {"status": 200})

    def replay_dead_letters(self):
        """The runbook step after the app is back: put every dead letter back in the queue."""
        return post_json("http://%s/api/v1/webhooks/replay" % self.a.internal, {}).get("replayed", 0)

    def log(self, msg):
        print("[%6.1fs] %s" % (time.time() - self.t0, msg), flush=True)

    # ---- the run -------------------------------------------------------------------
    def run(self):
        a = self.a
        retention = metric_sum(self.metrics(), "flexport_agent_series_store_retention_seconds")
        warmup = a.warmup if a.warmup >= 0 else retention + 30
        total = warmup + a.seconds
        stop_sampling = threading.Event()
        threading.Thread(target=self.sampler, args=(stop_sampling,), daemon=True).start()
        wh = Paced(a.webhook_rate, 4, self.wh_connect, self.wh_send)
        px = Paced(a.proxy_rate, 4, self.px_connect, self.px_call)
        wh.start()
        px.start()
        self.log("load: %g webhooks/s to the public listener, %g API calls/s through the egress "
                 "proxy; warm-up %.0f s (series store retention %.0f s), then %.0f s measured; "
                 "a fault every %.0f s, held %.0f s"
                 % (a.webhook_rate, a.proxy_rate, warmup, retention, a.seconds, a.cycle,
                    a.cycle / 2))
        replays = 0
        slot, start = 0, self.t0 + min(20.0, warmup)
        while start + a.cycle <= self.t0 + total + 0.5:
            name, key, expected = self.faults[slot % len(self.faults)]
            time.sleep(max(0.0, start - time.time()))
            entry = [name, key, expected, time.time(), None, start + a.cycle]
            with self.lock:
                self.fault_log.append(entry)
            self.inject(key)
            self.log("fault %d: %s -> expect %s" % (slot + 1, name, ", ".join(expected)))
            time.sleep(max(0.0, start + a.cycle / 2 - time.time()))
            self.clear(key)
            entry[4] = time.time()
            self.log("fault %d cleared" % (slot + 1))
            if key == "app_down":
                time.sleep(3)
                n = self.replay_dead_letters()
                replays += n
                self.log("replayed %d dead letters" % n)
            slot += 1
            start += a.cycle
        time.sleep(max(0.0, self.t0 + total - time.time()))
        wh.finish()
        px.finish()
        load_end = time.time()
        self.log("load stopped; waiting for the forwarder to drain and alerts to resolve")
        if self.fault_log:  # the last fault's alerts may resolve after the load
            self.fault_log[-1][5] = load_end + a.drain
        delivered, drained = self.wait_drain(load_end + a.drain)
        still_firing = self.wait_alerts_resolved(load_end + a.drain)
        time.sleep(1)
        self.sample()  # the settled state after the load
        stop_sampling.set()
        return self.report(warmup, load_end, delivered, drained, still_firing, replays,
                           wh.dropped + px.dropped)

    def app_ids(self):
        ids, lines = set(), 0
        with open(self.a.app_ids) as f:
            for line in f:
                ids.add(line.strip())
                lines += 1
        return ids, lines

    def metrics(self):
        try:
            return get_text("http://%s/metrics" % self.a.internal)
        except OSError:
            return ""

    def wait_drain(self, deadline):
        while True:
            ids, _ = self.app_ids()
            text = self.metrics()
            spool = metric_sum(text, "flexport_webhook_spool_depth")
            if (self.acked <= ids and spool == 0) or time.time() > deadline:
                return ids, spool == 0
            time.sleep(1)

    def firing_alerts(self):
        try:
            alerts = json.loads(get_text("http://%s/api/v1/alerts" % self.a.internal))
        except (OSError, ValueError):
            return ["(/api/v1/alerts unreachable)"]
        return sorted({x.get("labels", {}).get("alertname", "?") for x in alerts
                       if x.get("state", x.get("status")) in ("firing", "active")})

    def wait_alerts_resolved(self, deadline):
        while True:
            firing = self.firing_alerts()
            if not firing or time.time() > deadline:
                return firing
            time.sleep(1)

    # ---- verdict -------------------------------------------------------------------
    def report(self, warmup, load_end, delivered, drained, still_firing, replays, lagged):
        a = self.a
        failures = []
        duration = load_end - self.t0
        # webhooks
        lost = sorted(self.acked - delivered)
        ids, lines = self.app_ids()
        stray = len(ids - self.acked)  # delivered but never acked to us: none expected
        # resources: samples of the load phase after warm-up, plus the settled one
        load = [s for s in self.samples if warmup <= s[0] <= duration]
        if not load:
            print("no RSS samples after warm-up", file=sys.stderr)
            return 1
        # Growth compares the median RSS of the first and the last minute after the warm-up:
        # a fault's burst (a backlog drained, then trimmed within 30 s) is not growth, a
        # leak shows in both medians.
        head = [r[1] for r in load if r[0] <= load[0][0] + 60]
        tail = [r[1] for r in load if r[0] >= load[-1][0] - 60]
        rss0, rss1 = statistics.median(head), statistics.median(tail)
        growth = 100.0 * (rss1 - rss0) / rss0
        rss_max = max(s[1] for s in self.samples)
        fds = [s[2] for s in load]
        settled = self.samples[-1]
        n = len(load)
        xs = [s[0] for s in load]
        ys = [s[1] for s in load]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        slope = (sum((x - mx) * (y - my) for x, y in zip(xs, ys))
                 / max(1e-9, sum((x - mx) ** 2 for x in xs))) * 60
        # alerts
        notes = []
        with open(a.alerts) as f:
            for line in f:
                notes.append(json.loads(line))
        expected_total = fired_total = resolved_total = 0
        alert_lines = []
        expected_names = set()
        for i, (name, key, expected, start, clear, slot_end) in enumerate(self.fault_log):
            for alert in expected:
                expected_names.add(alert)
                expected_total += 1
                fire = next((x["t"] for x in notes if x["alertname"] == alert
                             and x["status"] == "firing" and start <= x["t"] <= slot_end), None)
                res = None
                if fire is not None:
                    res = next((x["t"] for x in notes if x["alertname"] == alert
                                and x["status"] == "resolved" and fire < x["t"] <= slot_end), None)
                fired_total += fire is not None
                resolved_total += res is not None
                alert_lines.append("  fault %d %-38s %-34s fired %s  resolved %s" % (
                    i + 1, name, alert,
                    "+%5.1fs" % (fire - start) if fire else "  NEVER",
                    "+%5.1fs after clear" % (res - clear) if res else "NEVER"))
                if fire is None or res is None:
                    failures.append("fault %d (%s): %s %s" % (
                        i + 1, name, alert, "never fired" if fire is None else "never resolved"))
        others = {}
        for x in notes:
            if x["alertname"] not in expected_names:
                o = others.setdefault(x["alertname"], [0, 0])
                o[0 if x["status"] == "firing" else 1] += 1
        # print
        print()
        print("=== bench/soak: %.0f s of mixed load against flexport-agent (pid %d), %.0f s "
              "measured after the warm-up ===" % (duration, a.agent_pid, duration - warmup))
        print("duration           %.1f s (warm-up %.0f s), %d samples every %g s"
              % (duration, warmup, len(self.samples), a.sample_every))
        print("webhooks           sent %d (+%d duplicate re-sends), acked 200 %d, "
              "rejected 401 during secret mismatch %d, other non-200 %s"
              % (self.wh_sent, self.wh_dupes, len(self.acked), self.wh_rejected_fault,
                 self.wh_errors or 0))
        print("                   delivered to app %d distinct (%d deliveries, %d repeats), "
              "lost %d, stray %d, dead letters replayed %d, spool drained %s"
              % (len(ids & self.acked), lines, lines - len(ids), len(lost), stray, replays,
                 "yes" if drained else "NO"))
        print("proxied API calls  %d: 200 %d, non-200 %d %s; outside fault windows: %s"
              % (self.px_sent, self.px_ok, self.px_sent - self.px_ok,
                 {k: v for k, v in sorted(self.px_codes.items()) if k != "200"},
                 self.px_unexpected or "0 errors"))
        print("RSS                median first minute after warm-up %d KiB, last minute %d KiB, "
              "growth %+.2f %%; "
              "max %d KiB; trend %+.1f KiB/min; settled after load %d KiB"
              % (rss0, rss1, growth, rss_max, slope, settled[1]))
        print("  of which anon    after warm-up %d KiB, end of load %d KiB (%+d KiB)"
              % (load[0][4], load[-1][4], load[-1][4] - load[0][4]))
        print("series store       after warm-up %d KiB, end of load %d KiB (samples of the "
              "agent's own metrics, kept for the rules' lookback)"
              % (load[0][5], load[-1][5]))
        print("heap               in use %d -> %d KiB, free in the heap %d -> %d KiB; "
              "SQLite %d -> %d KiB" % (load[0][6], load[-1][6], load[0][7], load[-1][7],
                                     load[0][8], load[-1][8]))
        fifth = max(1, len(fds) // 5)
        print("open fds           after warm-up %d, min %d, max %d, end of load %d, settled %d; "
              "median first/last fifth %g/%g; threads %d-%d"
              % (fds[0], min(fds), max(fds), fds[-1], settled[2],
                 statistics.median(fds[:fifth]), statistics.median(fds[-fifth:]),
                 min(s[3] for s in load), max(s[3] for s in load)))
        print("alerts             expected %d, fired %d, resolved %d; still firing at the end: %s"
              % (expected_total, fired_total, resolved_total, ", ".join(still_firing) or "none"))
        for line in alert_lines:
            print(line)
        if others:
            print("  also fired (not required): " + ", ".join(
                "%s (%d firing, %d resolved notifications)" % (k, v[0], v[1])
                for k, v in sorted(others.items())))
        healthy_spool = [d for _, d, mode in self.spool if mode is None]
        if healthy_spool:
            print("spool depth        outside faults: min %d, median %g, max %d, zero in %d of %d "
                  "samples" % (min(healthy_spool), statistics.median(healthy_spool),
                               max(healthy_spool), sum(1 for d in healthy_spool if d == 0),
                               len(healthy_spool)))
        if self.unexpected_at:
            print("unexpected answers at: " + ", ".join("%.1fs %s" % x for x in self.unexpected_at))
        if lagged:
            print("load generator fell behind: %d tickets dropped" % lagged)
        # criteria
        if growth >= 5.0:
            failures.append("RSS grew %.2f %% after warm-up (limit 5 %%)" % growth)
        # Connections come and go with the load and the faults, so "flat" compares the
        # median of the first and the last fifth after the warm-up, and the settled count
        # (load stopped, drained) with the count at the end of the warm-up.
        fifth = max(1, len(fds) // 5)
        fd_head, fd_tail = statistics.median(fds[:fifth]), statistics.median(fds[-fifth:])
        if fd_tail > fd_head + a.fd_slack or settled[2] > fds[0]:
            failures.append("open fds grew: median %g -> %g over the load (slack %d), %d after "
                            "warm-up, %d settled" % (fd_head, fd_tail, a.fd_slack, fds[0],
                                                     settled[2]))
        if lost:
            failures.append("%d acked webhooks never reached the app (first: %s)"
                            % (len(lost), ", ".join(lost[:5])))
        if not drained:
            failures.append("the spool did not drain")
        if self.wh_errors:
            failures.append("webhooks with an unexpected answer: %s" % self.wh_errors)
        if self.px_unexpected:
            failures.append("proxied calls failed outside fault windows: %s" % self.px_unexpected)
        if still_firing:
            failures.append("alerts still firing after the load: %s" % ", ".join(still_firing))
        if not self.fault_log:
            failures.append("no fault was injected (run longer than warm-up + one cycle)")
        print("verdict            " + ("PASS" if not failures else "FAIL"))
        for f in failures:
            print("  - " + f)
        with open(os.path.join(a.out, "samples.csv"), "w") as f:
            f.write("t_seconds,rss_kib,fds,threads,rss_anon_kib,series_store_kib,heap_in_use_kib,"
                    "heap_free_kib,sqlite_kib\n")
            for s in self.samples:
                f.write("%.1f,%d,%d,%d,%d,%d,%d,%d,%d\n" % s)
        return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seconds", type=float, default=600, help="measured load after the warm-up")
    p.add_argument("--warmup", type=float, default=-1,
                   help="seconds; default: the series store's retention + 30 s")
    p.add_argument("--cycle", type=float, default=60, help="seconds between faults")
    p.add_argument("--faults", default=",".join(f[1] for f in FAULTS),
                   help="the fault cycle, comma-separated keys (repeats when longer)")
    p.add_argument("--webhook-rate", type=float, default=50)
    p.add_argument("--proxy-rate", type=float, default=50)
    p.add_argument("--sample-every", type=float, default=2)
    p.add_argument("--drain", type=float, default=90, help="max wait after the load")
    p.add_argument("--fd-slack", type=int, default=8)
    p.add_argument("--agent-pid", type=int, required=True)
    p.add_argument("--sim", required=True)
    p.add_argument("--public", required=True)
    p.add_argument("--internal", required=True)
    p.add_argument("--egress", required=True)
    p.add_argument("--webhook-path", default="/webhooks/flexport")
    p.add_argument("--app-control", required=True)
    p.add_argument("--app-ids", required=True)
    p.add_argument("--alerts", required=True)
    p.add_argument("--api-key", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--run-id", default=str(os.getpid()))
    sys.exit(Soak(p.parse_args()).run())


if __name__ == "__main__":
    main()
