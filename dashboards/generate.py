#!/usr/bin/env python3
"""Generates the Grafana dashboards in this folder (flexport-overview.json,
flexport-webhooks.json). The JSON files are committed; edit this script and run

    python3 dashboards/generate.py

to regenerate them (tests/ecosystem checks the committed files are up to date).

Conventions every panel follows (tests/ecosystem enforces them):
- datasource is the `${datasource}` template variable (type prometheus);
- every query selects `instance=~"$instance"`;
- thresholds are the default rules' (rules/default.toml): 429 ratio 5 % (P3),
  rate-limit headroom 10 % (P3), p95 latency 2 s (P3), key expiry 14 d (P4),
  webhook gap over the expected gap (P2), status page major (P2) / critical (P1).
"""

import json
import os
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
I = 'instance=~"$instance"'  # the selector every query carries

GREEN, YELLOW, ORANGE, RED, BLUE = "green", "yellow", "orange", "red", "blue"


def steps(*pairs):
    """thresholds(base_color, (value, color), ...)"""
    base, rest = pairs[0], pairs[1:]
    out = [{"color": base, "value": None}]
    out += [{"color": c, "value": v} for v, c in rest]
    return {"mode": "absolute", "steps": out}


def mapping(values):
    """values: list of (value, text, color)."""
    return [{
        "type": "value",
        "options": {
            str(v): {"text": t, "color": c, "index": i}
            for i, (v, t, c) in enumerate(values)
        },
    }]


SEVERITY_MAP = mapping([(0, "OK", GREEN), (1, "P1 Critical", RED), (2, "P2 High", ORANGE),
                        (3, "P3 Medium", YELLOW), (4, "P4 Low", BLUE)])
INDICATOR_MAP = mapping([(0, "none", GREEN), (1, "minor", YELLOW), (2, "major", ORANGE),
                         (3, "critical", RED)])
COMPONENT_MAP = mapping([(0, "operational", GREEN), (1, "degraded", YELLOW),
                         (2, "partial outage", ORANGE), (3, "major outage", RED),
                         (4, "maintenance", BLUE)])
UPDOWN_MAP = mapping([(0, "DOWN", RED), (1, "UP", GREEN)])


class Dashboard:

    def __init__(self, uid, title, description, tags):
        self.uid, self.title, self.description, self.tags = uid, title, description, tags
        self.panels = []
        self.next_id = 1
        self.x = 0
        self.y = 0
        self.row_h = 0

    def _place(self, w, h):
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    def row(self, title):
        if self.x:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        self.panels.append({
            "type": "row", "title": title, "id": self.next_id, "collapsed": False,
            "panels": [], "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
        })
        self.next_id += 1
        self.y += 1

    def panel(self, kind, title, targets, w, h, unit=None, thresholds=None, mappings=None,
              description="", options=None, custom=None, overrides=None, min_=None, max_=None,
              transformations=None, color_mode=None, decimals=None):
        defaults = {"color": {"mode": color_mode or ("thresholds" if thresholds else
                                                     "palette-classic")}}
        if unit:
            defaults["unit"] = unit
        if thresholds:
            defaults["thresholds"] = thresholds
        if mappings:
            defaults["mappings"] = mappings
        if custom:
            defaults["custom"] = custom
        if min_ is not None:
            defaults["min"] = min_
        if max_ is not None:
            defaults["max"] = max_
        if decimals is not None:
            defaults["decimals"] = decimals
        refs = "ABCDEFGHIJ"
        p = {
            "type": kind, "title": title, "id": self.next_id, "datasource": DS,
            "description": description, "gridPos": self._place(w, h),
            "targets": [dict({"datasource": DS, "refId": refs[i]}, **t)
                        for i, t in enumerate(targets)],
            "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
            "options": options or {},
        }
        if transformations:
            p["transformations"] = transformations
        self.next_id += 1
        self.panels.append(p)
        return p

    def to_json(self):
        return {
            "uid": self.uid, "title": self.title, "description": self.description,
            "tags": self.tags, "editable": True, "graphTooltip": 1, "schemaVersion": 38,
            "version": 1, "refresh": "30s", "time": {"from": "now-6h", "to": "now"},
            "timezone": "utc", "fiscalYearStartMonth": 0, "liveNow": False,
            "annotations": {"list": [{
                "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                "name": "Annotations & Alerts", "type": "dashboard",
            }]},
            "links": [{"title": "Flexport dashboards", "type": "dashboards", "tags": ["flexport"],
                       "asDropdown": True, "includeVars": True, "keepTime": True}],
            "templating": {"list": [
                {"name": "datasource", "label": "Data source", "type": "datasource",
                 "query": "prometheus", "current": {}, "hide": 0, "includeAll": False,
                 "multi": False, "options": [], "refresh": 1, "regex": ""},
                {"name": "instance", "label": "Agent instance", "type": "query",
                 "datasource": DS,
                 "definition": "label_values(flexport_agent_build_info, instance)",
                 "query": {"query": "label_values(flexport_agent_build_info, instance)",
                           "refId": "PrometheusVariableQueryEditor-VariableQuery"},
                 "current": {}, "hide": 0, "includeAll": True, "allValue": ".*",
                 "multi": True, "options": [], "refresh": 2, "regex": "", "sort": 1},
            ]},
            "panels": self.panels,
        }


def ts(expr, legend="", **kw):
    return dict({"expr": expr, "legendFormat": legend, "range": True, "instant": False}, **kw)


def inst(expr, legend="", fmt="time_series"):
    return {"expr": expr, "legendFormat": legend, "range": False, "instant": True, "format": fmt}


def stat_opts(color_mode="background", text_mode="auto", graph="none"):
    return {"colorMode": color_mode, "graphMode": graph, "justifyMode": "auto",
            "orientation": "auto", "textMode": text_mode,
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}


def line_custom(stack=False, fill=10):
    c = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": fill, "showPoints": "never",
         "spanNulls": False, "axisPlacement": "auto",
         "thresholdsStyle": {"mode": "off"}}
    if stack:
        c["stacking"] = {"mode": "normal", "group": "A"}
    return c


def dashed_thresholds():
    c = line_custom()
    c["thresholdsStyle"] = {"mode": "dashed"}
    return c


TS_OPTS = {"legend": {"displayMode": "table", "placement": "right", "showLegend": True,
                      "calcs": ["lastNotNull", "max"]},
           "tooltip": {"mode": "multi", "sort": "desc"}}
TS_OPTS_BOTTOM = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                  "tooltip": {"mode": "multi", "sort": "desc"}}
HIDE_TABLE_COLUMNS = [{"id": "organize", "options": {
    "excludeByName": {"Time": True, "__name__": True, "job": True, "Value": True},
    "renameByName": {}}}]


def worst_severity_expr():
    """1..4 for the most urgent firing severity, 0 when nothing fires. `or` keeps the
    left-hand sample when label sets match, so P1 wins over P2 and so on."""
    parts = [f'{n} * max(flexport_alerts{{{I},alertstate="firing",severity="P{n}"}})'
             for n in range(1, 5)]
    return "(" + " or ".join(parts) + f') or (0 * max(flexport_agent_build_info{{{I}}}))'


def gap_exprs():
    current = f"time() - max by (type) (flexport_webhook_last_received_timestamp_seconds{{{I}}})"
    expected = f"max by (type) (flexport_webhook_expected_gap_seconds{{{I}}})"
    return current, expected


def overview():
    d = Dashboard("flexport-overview", "Flexport integration — overview",
                  "What the flexport-agent sidecars see: alerts, API health, rate limits, "
                  "status page, webhooks, notifications and the agent itself.",
                  ["flexport", "flexport-agent"])

    d.row("Alerts")
    d.panel("stat", "Worst active severity", [inst(worst_severity_expr())], 4, 6,
            mappings=SEVERITY_MAP, options=stat_opts(),
            thresholds=steps(GREEN, (1, RED), (2, ORANGE), (3, YELLOW), (4, BLUE)),
            description="Most urgent firing alert across the selected agents (flexport_alerts). "
                        "P1 15 min, P2 30 min, P3 2 h, P4 8 h response time.")
    d.panel("table", "Active alerts",
            [inst(f"max by (alertname, severity, alertstate) (flexport_alerts{{{I}}})",
                  fmt="table")], 12, 6,
            transformations=HIDE_TABLE_COLUMNS,
            options={"showHeader": True, "sortBy": [{"displayName": "severity", "desc": False}]},
            overrides=[{"matcher": {"id": "byName", "options": "severity"}, "properties": [
                {"id": "custom.cellOptions", "value": {"type": "color-background"}},
                {"id": "mappings", "value": mapping([("P1", "P1", RED), ("P2", "P2", ORANGE),
                                                     ("P3", "P3", YELLOW), ("P4", "P4", BLUE)])},
            ]}],
            description="Alerts the agent's rule engine holds pending or firing.")
    d.panel("timeseries", "Firing alerts by severity",
            [ts(f'sum by (severity) (flexport_alerts{{{I},alertstate="firing"}})', "{{severity}}")],
            8, 6, decimals=0, custom=line_custom(stack=True, fill=40), options=TS_OPTS_BOTTOM,
            overrides=[{"matcher": {"id": "byName", "options": s}, "properties": [
                {"id": "color", "value": {"mode": "fixed", "fixedColor": c}}]}
                for s, c in (("P1", RED), ("P2", ORANGE), ("P3", YELLOW), ("P4", BLUE))])

    d.row("Flexport API: probes")
    d.panel("stat", "Probe success",
            [inst(f"min by (probe) (flexport_probe_success{{{I}}})", "{{probe}}")], 24, 4,
            mappings=UPDOWN_MAP, thresholds=steps(RED, (1, GREEN)), options=stat_opts(),
            description="Last result of every probe (API endpoints, status page, subscription); "
                        "the worst replica wins.")
    d.panel("timeseries", "API probe success over time",
            [ts(f'min by (probe) (flexport_probe_success{{{I},kind="api"}})', "{{probe}}")],
            12, 8, unit="percentunit", min_=0, max_=1, custom=line_custom(), options=TS_OPTS,
            description="Every API endpoint at 0 for 2 minutes is FlexportApiDown (P1); two or "
                        "more FlexportApiPartialFailure (P2); exactly one "
                        "FlexportApiEndpointFailing (P4).")
    d.panel("timeseries", "Probe latency by phase",
            [ts(f'max by (probe, phase) (flexport_probe_duration_seconds{{{I},phase!="total"}})',
                "{{probe}} {{phase}}")],
            12, 8, unit="s", custom=line_custom(stack=True, fill=30), options=TS_OPTS,
            description="dns, connect, tls, ttfb and transfer of the last probe, stacked per "
                        "endpoint.")
    d.panel("timeseries", "Probe total latency",
            [ts(f'max by (probe) (flexport_probe_duration_seconds{{{I},phase="total"}})',
                "{{probe}}")],
            12, 8, unit="s", thresholds=steps(GREEN, (2, YELLOW)), custom=dashed_thresholds(),
            options=TS_OPTS, color_mode="palette-classic",
            description="Slower than probes.slow_threshold (2 s) counts as degraded (P3).")
    d.panel("table", "Probe HTTP status",
            [inst(f"max by (probe) (flexport_probe_http_status{{{I}}})", fmt="table")], 12, 8,
            transformations=[{"id": "organize", "options": {
                "excludeByName": {"Time": True}, "renameByName": {"Value": "HTTP status"}}}],
            thresholds=steps(RED, (200, GREEN), (300, YELLOW), (400, ORANGE), (500, RED)),
            description="Last HTTP code per probe; 0 = no response (DNS, connect, TLS, timeout).")

    d.row("Flexport API: errors, latency and rate limit")
    d.panel("timeseries", "API requests by source and code",
            [ts(f"sum by (source, code) (rate(flexport_api_requests_total{{{I}}}"
                f"[$__rate_interval]))", "{{source}} {{code}}")],
            12, 8, unit="reqps", custom=line_custom(stack=True, fill=30), options=TS_OPTS,
            description="source=probe: the agent's synthetic probes; source=proxy: the "
                        "integration's real calls through the egress proxy.")
    d.panel("timeseries", "429 ratio (probe vs proxy)",
            [ts(f'sum by (source) (rate(flexport_api_requests_total{{{I},code="429"}}'
                f'[$__rate_interval])) / sum by (source) (rate(flexport_api_requests_total'
                f'{{{I}}}[$__rate_interval]))', "{{source}}")],
            6, 8, unit="percentunit", min_=0, thresholds=steps(GREEN, (0.05, YELLOW)),
            custom=dashed_thresholds(), options=TS_OPTS_BOTTOM, color_mode="palette-classic",
            description="Over 5 % for 5 minutes is FlexportApiRateLimited (P3).")
    d.panel("timeseries", "5xx rate (probe vs proxy)",
            [ts(f'sum by (source) (rate(flexport_api_requests_total{{{I},code=~"5..|error"}}'
                f'[$__rate_interval]))', "{{source}}")],
            6, 8, unit="reqps", min_=0, custom=line_custom(), options=TS_OPTS_BOTTOM,
            description="Server errors and transport errors (code=error) per second.")
    d.panel("timeseries", "API latency p95 by endpoint",
            [ts(f"histogram_quantile(0.95, sum by (le, endpoint, source) (rate("
                f"flexport_api_request_duration_seconds_bucket{{{I}}}[$__rate_interval])))",
                "{{endpoint}} ({{source}})")],
            12, 8, unit="s", thresholds=steps(GREEN, (2, YELLOW)), custom=dashed_thresholds(),
            options=TS_OPTS, color_mode="palette-classic",
            description="p95 over 2 s for 10 minutes is FlexportApiLatencyHigh (P3).")
    d.panel("gauge", "Rate-limit headroom",
            [inst(f"min(flexport_api_ratelimit_remaining{{{I}}} / "
                  f"(flexport_api_ratelimit_limit{{{I}}} > 0))")],
            4, 8, unit="percentunit", min_=0, max_=1,
            thresholds=steps(RED, (0.1, YELLOW), (0.25, GREEN)),
            options={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                     "showThresholdLabels": False, "showThresholdMarkers": True},
            description="Remaining / limit from the X-RateLimit-* headers. Under 10 % for 5 "
                        "minutes is FlexportRateLimitHeadroomLow (P3).")
    d.panel("timeseries", "Rate limit: remaining, limit, Retry-After",
            [ts(f"min(flexport_api_ratelimit_remaining{{{I}}})", "remaining"),
             ts(f"max(flexport_api_ratelimit_limit{{{I}}})", "limit"),
             ts(f"max(flexport_api_retry_after_seconds{{{I}}})", "Retry-After (s)"),
             ts(f"max(flexport_api_ratelimit_reset_seconds{{{I}}})", "reset in (s)")],
            8, 8, custom=line_custom(), options=TS_OPTS_BOTTOM)
    d.panel("stat", "API key expires in",
            [inst(f"min(flexport_api_key_expiry_timestamp_seconds{{{I}}} > 0) - time()")],
            4, 8, unit="dtdurations", thresholds=steps(RED, (14 * 86400, GREEN)),
            options=stat_opts(),
            description="Under 14 days is FlexportApiKeyExpiringSoon (P4). Empty when "
                        "flexport.api_key_expires_at is not set.")

    d.row("Flexport status page")
    d.panel("stat", "Status page indicator",
            [inst(f"max(flexport_statuspage_indicator{{{I}}})")], 4, 6,
            mappings=INDICATOR_MAP, thresholds=steps(GREEN, (1, YELLOW), (2, ORANGE), (3, RED)),
            options=stat_opts(),
            description="status.flexport.com: major is FlexportStatusPageMajor (P2), critical "
                        "FlexportStatusPageCritical (P1).")
    d.panel("stat", "Unresolved incidents",
            [inst(f"max(flexport_statuspage_unresolved_incidents{{{I}}})")], 4, 6,
            thresholds=steps(GREEN, (1, ORANGE)), options=stat_opts())
    d.panel("stat", "Status page components",
            [inst(f"max by (component) (flexport_statuspage_component_status{{{I}}})",
                  "{{component}}")], 16, 6,
            mappings=COMPONENT_MAP,
            thresholds=steps(GREEN, (1, YELLOW), (2, ORANGE), (3, RED), (4, BLUE)),
            options=stat_opts())

    d.row("Webhooks")
    current, expected = gap_exprs()
    d.panel("timeseries", "Webhook arrivals by type",
            [ts(f'sum by (type) (rate(flexport_webhook_received_total{{{I},outcome="accepted"}}'
                f'[$__rate_interval]))', "{{type}}")],
            12, 8, unit="reqps", custom=line_custom(stack=True, fill=30), options=TS_OPTS)
    d.panel("bargauge", "Gap: current / expected",
            [inst(f"({current}) / ({expected})", "{{type}}")],
            12, 8, unit="percentunit", min_=0, max_=2,
            thresholds=steps(GREEN, (0.75, YELLOW), (1, RED)),
            options={"displayMode": "gradient", "orientation": "horizontal",
                     "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                     "showUnfilled": True},
            description="Time since the last event of each type divided by its expected gap "
                        "([[webhooks.expect]] or learned). Over 100 % is FlexportWebhookGap "
                        "(P2).")
    d.panel("timeseries", "Time since last event vs expected gap",
            [ts(current, "{{type}} current"), ts(expected, "{{type}} expected")],
            12, 8, unit="s", custom=line_custom(), options=TS_OPTS,
            overrides=[{"matcher": {"id": "byRegexp", "options": ".* expected"}, "properties": [
                {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]}])
    d.panel("timeseries", "Spool and dead letters",
            [ts(f"sum(flexport_webhook_spool_depth{{{I}}})", "spool depth"),
             ts(f"sum(flexport_webhook_dead_letters{{{I}}})", "dead letters")],
            8, 8, decimals=0, custom=line_custom(), options=TS_OPTS_BOTTOM,
            description="Spool: accepted, not yet delivered to the app. Dead letters: gave up "
                        "after webhooks.max_attempts (FlexportWebhookDeliveryFailing, P2).")
    d.panel("stat", "Dead letters",
            [inst(f"sum(flexport_webhook_dead_letters{{{I}}})")], 4, 8,
            thresholds=steps(GREEN, (1, ORANGE)), options=stat_opts(), decimals=0)

    d.row("Notifications")
    d.panel("timeseries", "Notifications by receiver and outcome",
            [ts(f"sum by (receiver, outcome) (increase(flexport_notifications_total{{{I}}}"
                f"[$__rate_interval]))", "{{receiver}} {{outcome}}")],
            12, 7, decimals=0, custom=line_custom(stack=True, fill=30), options=TS_OPTS,
            overrides=[{"matcher": {"id": "byRegexp", "options": ".* failed"}, "properties": [
                {"id": "color", "value": {"mode": "fixed", "fixedColor": RED}}]}])
    d.panel("timeseries", "Outbox",
            [ts(f"sum(flexport_notifications_queue_depth{{{I}}})", "queued"),
             ts(f"max(flexport_notifications_oldest_age_seconds{{{I}}})", "oldest age (s)")],
            12, 7, custom=line_custom(), options=TS_OPTS_BOTTOM,
            description="Undelivered notifications in the durable outbox; nothing is dropped "
                        "while a receiver is down.")

    d.row("Agent")
    d.panel("table", "Agent build",
            [inst(f"flexport_agent_build_info{{{I}}}", fmt="table")], 6, 7,
            transformations=HIDE_TABLE_COLUMNS)
    d.panel("timeseries", "Resident memory",
            [ts(f"process_resident_memory_bytes{{{I}}}", "{{instance}}")], 6, 7,
            unit="bytes", custom=line_custom(), options=TS_OPTS_BOTTOM)
    d.panel("timeseries", "CPU",
            [ts(f"rate(process_cpu_seconds_total{{{I}}}[$__rate_interval])", "{{instance}}")],
            6, 7, unit="percentunit", custom=line_custom(), options=TS_OPTS_BOTTOM)
    d.panel("stat", "Uptime",
            [inst(f"time() - process_start_time_seconds{{{I}}}", "{{instance}}")], 6, 7,
            unit="dtdurations", thresholds=steps(ORANGE, (300, GREEN)), options=stat_opts("value"))
    d.panel("stat", "Storage writable (data_dir)",
            [inst(f"min by (store) (flexport_agent_storage_healthy{{{I}}})", "{{store}}")], 12, 6,
            thresholds=steps(RED, (1, GREEN)), options=stat_opts(), decimals=0,
            description="1 while the store's last write to data_dir succeeded. 0: disk full, "
                        "I/O errors or read-only; webhooks get 503 and "
                        "FlexportAgentStorageFailing pages after 2 minutes.")
    d.panel("timeseries", "Rule engine series store",
            [ts(f"max(flexport_agent_series_store_bytes{{{I}}})", "sample bytes"),
             ts(f"max(flexport_agent_series_store_retention_seconds{{{I}}})", "retention (s)")],
            12, 6, custom=line_custom(), options=TS_OPTS_BOTTOM,
            overrides=[{"matcher": {"id": "byName", "options": "sample bytes"},
                        "properties": [{"id": "unit", "value": "bytes"}]}],
            description="Memory the rule engine holds for the agent's own metrics; it grows "
                        "until it holds the retention (longest rule lookback + 5 min), then "
                        "stays flat.")
    return d


def webhooks():
    d = Dashboard("flexport-webhooks", "Flexport integration — webhooks",
                  "The webhook relay in depth: what Flexport sent, what the agent accepted, "
                  "how fast it acknowledged, what reached the application, gaps and missed "
                  "events.", ["flexport", "flexport-agent", "webhooks"])
    current, expected = gap_exprs()

    d.row("Received")
    d.panel("timeseries", "Received by outcome",
            [ts(f"sum by (outcome) (rate(flexport_webhook_received_total{{{I}}}"
                f"[$__rate_interval]))", "{{outcome}}")],
            12, 8, unit="reqps", custom=line_custom(stack=True, fill=30), options=TS_OPTS,
            overrides=[{"matcher": {"id": "byName", "options": o}, "properties": [
                {"id": "color", "value": {"mode": "fixed", "fixedColor": c}}]}
                for o, c in (("accepted", GREEN), ("duplicate", BLUE), ("bad_signature", RED),
                             ("too_large", ORANGE), ("malformed", YELLOW), ("error", RED))])
    d.panel("timeseries", "Accepted by type",
            [ts(f'sum by (type) (rate(flexport_webhook_received_total{{{I},outcome="accepted"}}'
                f'[$__rate_interval]))', "{{type}}")],
            12, 8, unit="reqps", custom=line_custom(stack=True, fill=30), options=TS_OPTS)
    d.panel("stat", "Bad signature ratio",
            [inst(f'sum(rate(flexport_webhook_received_total{{{I},outcome="bad_signature"}}'
                  f'[$__rate_interval])) / sum(rate(flexport_webhook_received_total{{{I}}}'
                  f'[$__rate_interval]))')],
            6, 6, unit="percentunit", thresholds=steps(GREEN, (0.01, YELLOW), (0.5, RED)),
            options=stat_opts(),
            description="Only bad signatures for 5 minutes is FlexportWebhookSignaturesFailing "
                        "(P2): wrong or rotated secret.")
    d.panel("stat", "Duplicate ratio",
            [inst(f'sum(rate(flexport_webhook_received_total{{{I},outcome="duplicate"}}'
                  f'[$__rate_interval])) / sum(rate(flexport_webhook_received_total{{{I}}}'
                  f'[$__rate_interval]))')],
            6, 6, unit="percentunit", thresholds=steps(GREEN, (0.2, YELLOW)), options=stat_opts(),
            description="Flexport retries on timeouts; many duplicates mean slow acks.")
    d.panel("stat", "Events accepted in range",
            [inst(f'sum(increase(flexport_webhook_received_total{{{I},outcome="accepted"}}'
                  f'[$__range]))')], 6, 6, decimals=0,
            thresholds=steps(BLUE), options=stat_opts("value"))
    d.panel("stat", "Subscription active",
            [inst(f"min(flexport_webhook_subscriptions_active{{{I}}})")], 6, 6,
            thresholds=steps(RED, (1, GREEN)),
            mappings=mapping([(0, "NONE", RED)]), options=stat_opts(),
            description="Active subscriptions listed by GET /webhooks; 0 is "
                        "FlexportWebhookSubscriptionInactive (P2).")

    d.row("Acknowledgement latency")
    d.panel("timeseries", "Ack latency quantiles",
            [ts(f"histogram_quantile({q}, sum by (le) (rate("
                f"flexport_webhook_ack_duration_seconds_bucket{{{I}}}[$__rate_interval])))",
                f"p{q[2:].ljust(2, '0')}") for q in ("0.5", "0.95", "0.99")],
            12, 8, unit="s", thresholds=steps(GREEN, (1, YELLOW)), custom=dashed_thresholds(),
            options=TS_OPTS_BOTTOM, color_mode="palette-classic",
            description="Receive to 200 (signature, dedupe, durable write). Flexport times out "
                        "slow endpoints and retries.")
    d.panel("heatmap", "Ack latency distribution",
            [ts(f"sum by (le) (increase(flexport_webhook_ack_duration_seconds_bucket{{{I}}}"
                f"[$__interval]))", "{{le}}", format="heatmap")],
            12, 8, unit="s",
            options={"calculate": False, "cellGap": 1, "yAxis": {"unit": "s"},
                     "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64},
                     "rowsFrame": {"layout": "auto"}, "legend": {"show": True},
                     "tooltip": {"show": True, "yHistogram": False}})

    d.row("Forwarding to the application")
    d.panel("timeseries", "Forwarded by outcome",
            [ts(f"sum by (outcome) (rate(flexport_webhook_forwarded_total{{{I}}}"
                f"[$__rate_interval]))", "{{outcome}}")],
            12, 8, unit="reqps", custom=line_custom(), options=TS_OPTS_BOTTOM,
            overrides=[{"matcher": {"id": "byName", "options": o}, "properties": [
                {"id": "color", "value": {"mode": "fixed", "fixedColor": c}}]}
                for o, c in (("delivered", GREEN), ("retried", YELLOW), ("dead_lettered", RED))])
    d.panel("timeseries", "Spool depth and dead letters",
            [ts(f"sum(flexport_webhook_spool_depth{{{I}}})", "spool depth"),
             ts(f"sum(flexport_webhook_dead_letters{{{I}}})", "dead letters")],
            8, 8, decimals=0, custom=line_custom(), options=TS_OPTS_BOTTOM,
            description="A spool that is never empty and grows is FlexportWebhookSpoolGrowing "
                        "(P2).")
    d.panel("stat", "Dead-lettered in range",
            [inst(f'sum(increase(flexport_webhook_forwarded_total{{{I},outcome="dead_lettered"}}'
                  f'[$__range]))')], 4, 8, decimals=0,
            thresholds=steps(GREEN, (1, ORANGE)), options=stat_opts(),
            description="Any dead letter in 10 minutes is FlexportWebhookDeliveryFailing (P2). "
                        "Replay with `flexport-agent webhooks replay`.")

    d.row("Gaps and missed events")
    d.panel("table", "Gap per type",
            [inst(current, fmt="table"), inst(expected, fmt="table"),
             inst(f"({current}) / ({expected})", fmt="table")],
            12, 8,
            transformations=[
                {"id": "merge", "options": {}},
                {"id": "organize", "options": {
                    "excludeByName": {"Time": True},
                    "renameByName": {"Value #A": "since last", "Value #B": "expected gap",
                                     "Value #C": "ratio"}}}],
            overrides=[
                {"matcher": {"id": "byName", "options": "since last"},
                 "properties": [{"id": "unit", "value": "s"}]},
                {"matcher": {"id": "byName", "options": "expected gap"},
                 "properties": [{"id": "unit", "value": "s"}]},
                {"matcher": {"id": "byName", "options": "ratio"}, "properties": [
                    {"id": "unit", "value": "percentunit"},
                    {"id": "custom.cellOptions", "value": {"type": "color-background"}}]}],
            thresholds=steps(GREEN, (0.75, YELLOW), (1, RED)),
            description="Over 100 % is FlexportWebhookGap (P2).")
    d.panel("timeseries", "Time since last event vs expected gap",
            [ts(current, "{{type}} current"), ts(expected, "{{type}} expected")],
            12, 8, unit="s", custom=line_custom(), options=TS_OPTS,
            overrides=[{"matcher": {"id": "byRegexp", "options": ".* expected"}, "properties": [
                {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]}])
    d.panel("timeseries", "Missed events found by reconciliation",
            [ts(f"sum by (type) (increase(flexport_webhook_missed_total{{{I}}}"
                f"[$__rate_interval]))", "{{type}}")],
            8, 8, decimals=0, custom=line_custom(stack=True, fill=30), options=TS_OPTS_BOTTOM,
            description="Events listed by Flexport's GET /events that never reached the relay "
                        "(replayed when webhooks.reconcile.replay_missed is on).")
    d.panel("timeseries", "Reconciliation runs",
            [ts(f"sum by (outcome) (increase(flexport_webhook_reconcile_runs_total{{{I}}}"
                f"[$__rate_interval]))", "{{outcome}}")],
            8, 8, decimals=0, custom=line_custom(), options=TS_OPTS_BOTTOM)
    d.panel("stat", "Oldest missed event",
            [inst(f"max(flexport_webhook_oldest_missing_age_seconds{{{I}}})")], 8, 8,
            unit="dtdurations", thresholds=steps(GREEN, (1, ORANGE)), options=stat_opts())
    return d


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else here
    for name, d in (("flexport-overview.json", overview()),
                    ("flexport-webhooks.json", webhooks())):
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            json.dump(d.to_json(), f, indent=2, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
