#include <httplib.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <nlohmann/json.hpp>

#include "agent/base/version.h"
#include "agent/daemon/http_routes.h"
#include "agent/daemon/probe_classifier.h"
#include "agent/daemon/rule_loop.h"
#include "agent/daemon/status_json.h"
#include "agent/metrics/process_collector.h"
#include "agent/notify/notifier.h"
#include "agent/notify/notify_api.h"
#include "agent/webhooks/api_json.h"
#include "agent/webhooks/relay.h"
#include "probes/probe_board.h"

namespace fxagent {
namespace {

using nlohmann::json;

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", "application/json");
}

void SendError(httplib::Response& res, int status, const std::string& message) {
  SendJson(res, status, {{"error", message}});
}

bool RequireAdmin(const DaemonServices& s, const httplib::Request& req, httplib::Response& res) {
  if (AdminAuthorized(*s.config, req.get_header_value("Authorization"))) return true;
  SendError(res, 401, "this call needs the admin token as a Bearer token");
  return false;
}

json WebhooksJson(const DaemonServices& s) {
  if (s.relay == nullptr) return nullptr;
  const StoreCounts counts = s.relay->store().Counts();
  return {{"spool_depth", counts.pending},
          {"dead_letters", counts.dead},
          {"store_healthy", s.relay->Ready()},
          {"forwarding", !s.config->webhooks.forward_to.empty()},
          {"types", json::parse(GapSnapshotJson(s.relay->gaps().Snapshot()))}};
}

json StatusJson(const DaemonServices& s) {
  ClassifierInput input;
  input.results = s.board->Snapshot();
  input.key_expires_at = s.config->flexport.api_key_expires_at;
  input.slow_threshold = s.config->probes.slow_threshold;
  const Classification c = ClassifyProbeResults(input);
  json j = ProbeOverviewJson(input.results, input, c);
  j["instance"] = s.config->agent.instance;
  j["version"] = AgentVersion();
  j["started_at"] = FormatTimestamp(s.started_at);
  j["webhooks"] = WebhooksJson(s);
  json alerts = json::array();
  if (s.rule_loop != nullptr) {
    for (const auto& a : s.rule_loop->ActiveAlerts()) {
      alerts.push_back({{"alertname", a.alertname},
                        {"severity", a.severity},
                        {"state", std::string(alerting::AlertStatusName(a.state))},
                        {"labels", a.labels()},
                        {"annotations", a.annotations()},
                        {"value", a.value},
                        {"fingerprint", a.Fingerprint()}});
    }
  }
  j["alerts"] = alerts;
  return j;
}

void InstallWebhookApi(httplib::Server& server, const DaemonServices& s) {
  server.Get("/api/v1/webhooks/dead-letters",
             [&s](const httplib::Request& req, httplib::Response& res) {
               DeadLetterQuery q;
               q.type = req.get_param_value("type");
               if (req.has_param("since")) {
                 q.since = ParseRfc3339(req.get_param_value("since"));
                 if (!q.since) return SendError(res, 400, "since: expected an RFC 3339 time");
               }
               try {
                 if (req.has_param("limit")) {
                   q.limit = std::clamp(std::stoi(req.get_param_value("limit")), 1, 1000);
                 }
                 if (req.has_param("before")) {
                   q.before_seq = std::stoll(req.get_param_value("before"));
                 }
               } catch (const std::exception&) {
                 return SendError(res, 400, "limit and before must be integers");
               }
               auto page = s.relay->store().DeadLetters(q);
               if (!page) return SendError(res, 503, "the webhook store cannot be read");
               res.set_content(DeadLetterPageJson(*page), "application/json");
             });
  server.Delete(R"(/api/v1/webhooks/dead-letters/([^/]+))",
                [&s](const httplib::Request& req, httplib::Response& res) {
                  if (!RequireAdmin(s, req, res)) return;
                  auto purged = s.relay->PurgeDeadLetter(req.matches[1]);
                  if (!purged) return SendError(res, 503, "the webhook store cannot be written");
                  if (!*purged) return SendError(res, 404, "no such dead letter");
                  SendJson(res, 200, {{"purged", std::string(req.matches[1])}});
                });
  server.Post("/api/v1/webhooks/replay", [&s](const httplib::Request& req, httplib::Response& res) {
    if (!RequireAdmin(s, req, res)) return;
    std::string error;
    auto request = ParseReplayRequest(req.body.empty() ? "{}" : req.body, &error);
    if (!request) return SendError(res, 400, error);
    auto count = s.relay->Replay(*request);
    if (!count) return SendError(res, 503, "the webhook store cannot be written");
    SendJson(res, 200, {{"replayed", *count}});
  });
}

void InstallNotifyApi(httplib::Server& server, const DaemonServices& s) {
  const auto handle = [&s](const httplib::Request& req, httplib::Response& res) {
    ApiRequest api;
    api.method = req.method;
    api.path = req.path;
    for (const auto& [k, v] : req.params) api.query.emplace(k, v);
    api.body = req.body;
    api.authorized = AdminAuthorized(*s.config, req.get_header_value("Authorization"));
    auto out = HandleNotifyApi(*s.notifier, api);
    if (!out) return SendError(res, 404, "not found");
    res.status = out->status;
    res.set_content(out->body, out->content_type.c_str());
  };
  const char* pattern = R"(/api/v1/(alerts|silences|incidents)(/.*)?)";
  server.Get(pattern, handle);
  server.Post(pattern, handle);
  server.Patch(pattern, handle);
  server.Delete(pattern, handle);
}

}  // namespace

void InstallInternalRoutes(httplib::Server& server, const DaemonServices& services) {
  const DaemonServices& s = services;
  server.Get("/metrics", [&s](const httplib::Request&, httplib::Response& res) {
    auto families = s.registry->Collect();
    auto process_families = s.process->Collect();
    families.insert(families.end(), process_families.begin(), process_families.end());
    res.set_content(prometheus::TextSerializer().Serialize(families),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server.Get("/readyz", [&s](const httplib::Request&, httplib::Response& res) {
    const bool probed = s.board->HasAll(s.probe_names);
    const bool store = s.relay == nullptr || s.relay->Ready();
    const bool ready = s.ready->load() && store;
    SendJson(res, ready ? 200 : 503,
             {{"ready", ready}, {"webhook_store", store}, {"first_probe_round_done", probed}});
  });
  server.Get("/api/v1/status", [&s](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, StatusJson(s));
  });
  if (s.relay != nullptr) InstallWebhookApi(server, s);
  if (s.notifier != nullptr) InstallNotifyApi(server, s);
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      SendError(res, res.status, res.status == 404 ? "not found" : "request failed");
    }
  });
}

}  // namespace fxagent
