#include <httplib.h>

#include <charconv>
#include <chrono>

#include "sim/fault_state.h"
#include "sim/http_util.h"
#include "sim/records.h"
#include "sim/routes.h"
#include "sim/webhook_event.h"

namespace fxagent::sim {
namespace {

using nlohmann::json;

constexpr std::string_view kDefaultWebhookUrl = "http://127.0.0.1:8080/webhooks/flexport";

int IntParam(const httplib::Request& req, const char* key, int fallback) {
  if (!req.has_param(key)) return fallback;
  const std::string v = req.get_param_value(key);
  int out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && ptr == v.data() + v.size() ? out : fallback;
}

std::string BaseUrl(const httplib::Request& req) {
  const std::string host = req.get_header_value("Host");
  return "http://" + (host.empty() ? std::string("127.0.0.1") : host);
}

json Subscription(const SimContext& ctx) {
  std::string url = ctx.sender.target();
  if (url.empty()) url = std::string(kDefaultWebhookUrl);
  return {{"_object", "/webhook"},
          {"id", 1},
          {"name", "flexport-sim subscription"},
          {"url", url},
          {"active", ctx.state.SubscriptionActive()},
          {"events", KnownEventTypes()},
          {"created_at", "2024-05-01T00:00:00.000Z"}};
}

/// The successful answer for `path`: {status, body}.
std::pair<int, json> Serve(const SimContext& ctx, const httplib::Request& req) {
  const std::string self = BaseUrl(req) + req.target;
  const std::string first = FirstSegment(req.path);
  const bool has_id = req.path.size() > first.size() + 1;
  const std::string id = has_id ? req.path.substr(first.size() + 1) : "";
  const int page = IntParam(req, "page", 1);
  const int per = IntParam(req, "per", kDefaultPer);
  auto not_found = [&] {
    return std::pair{404, ErrorEnvelope(self, 404, "not_found", "No such resource")};
  };

  std::vector<json> items;
  std::string list_path = first;
  if (first == "/webhooks") {
    json sub = Subscription(ctx);
    if (has_id) return id == "1" ? std::pair{200, ResponseEnvelope(self, sub)} : not_found();
    items.push_back(std::move(sub));
  } else if (first == "/events") {
    std::optional<WallTime> since;
    for (const char* key : {"created_at.gt", "since", "f.created_at.gt"}) {
      if (!req.has_param(key)) continue;
      since = ParseIso8601(req.get_param_value(key));
      if (!since) {
        return std::pair{400, ErrorEnvelope(self, 400, "bad_request",
                                            std::string(key) + " must be an ISO 8601 time")};
      }
      list_path += std::string(list_path.find('?') == std::string::npos ? "?" : "&") + key + "=" +
                   req.get_param_value(key);
    }
    items = ctx.events.Newest(since);
    if (has_id) {
      for (const auto& e : items) {
        if ((e["id"].is_string() ? e["id"].get<std::string>() : e["id"].dump()) == id) {
          return {200, ResponseEnvelope(self, e)};
        }
      }
      return not_found();
    }
  } else if (const auto* records = CollectionRecords(first); records != nullptr) {
    if (has_id) {
      auto record = FindRecord(first, id);
      return record ? std::pair{200, ResponseEnvelope(self, *record)} : not_found();
    }
    items = *records;
  } else {
    return {404, ErrorEnvelope(self, 404, "not_found", "Unknown endpoint")};
  }
  return {200,
          ResponseEnvelope(self, PaginatedCollection(items, page, per, BaseUrl(req), list_path))};
}

void HandleApi(SimContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const ApiDecision d = ctx.state.DecideApi(req.path, req.get_header_value("Authorization"),
                                            req.get_header_value("Flexport-Version"));
  if (d.latency_ms > 0 && !ctx.state.SleepFor(std::chrono::milliseconds(d.latency_ms))) {
    res.status = 503;
    return;
  }
  const auto now_unix = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  for (const auto& [name, value] : RateLimitHeaders(d.rate, d.header_style, now_unix)) {
    res.set_header(name, value);
  }
  if (d.status != 200) {
    if (d.status == 429) res.set_header("Retry-After", std::to_string(d.rate.retry_after_seconds));
    if (d.status == 401) res.set_header("WWW-Authenticate", "Bearer");
    ReplyJson(res, d.status, ErrorEnvelope(BaseUrl(req) + req.target, d.status, d.code, d.message));
  } else if (req.method != "GET") {
    ReplyJson(res, 405,
              ErrorEnvelope(BaseUrl(req) + req.target, 405, "method_not_allowed",
                            "flexport-sim serves GET only on this path"));
  } else {
    auto [status, body] = Serve(ctx, req);
    ReplyJson(res, status, body);
  }
  ctx.state.RecordApi(req.path, res.status);
}

void HandleToken(SimContext& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string client_id, client_secret, grant_type;
  const std::string content_type = req.get_header_value("Content-Type");
  if (content_type.find("json") != std::string::npos) {
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      ReplyJson(res, 400,
                {{"error", "invalid_request"}, {"error_description", "body is not a JSON object"}});
      return;
    }
    auto str = [&](const char* k) {
      return body.contains(k) && body[k].is_string() ? body[k].get<std::string>() : "";
    };
    client_id = str("client_id");
    client_secret = str("client_secret");
    grant_type = str("grant_type");
  } else {
    httplib::Params params;
    httplib::detail::parse_query_text(req.body, params);
    auto get = [&](const char* k) {
      auto it = params.find(k);
      return it == params.end() ? std::string() : it->second;
    };
    client_id = get("client_id");
    client_secret = get("client_secret");
    grant_type = get("grant_type");
  }
  if (grant_type != "client_credentials") {
    ReplyJson(res, 400,
              {{"error", "unsupported_grant_type"},
               {"error_description", "grant_type must be client_credentials"}});
    return;
  }
  if (client_id.empty() || client_secret.empty()) {
    ReplyJson(res, 401,
              {{"error", "access_denied"},
               {"error_description", "client_id and client_secret are required"}});
    return;
  }
  const TokenGrant grant = ctx.state.IssueToken(client_id);
  if (grant.status != 200) {
    res.set_header("Retry-After", "86400");
    ReplyJson(
        res, grant.status,
        {{"error", grant.error}, {"error_description", "token request limit reached for today"}});
    return;
  }
  ReplyJson(res, 200,
            {{"access_token", grant.access_token},
             {"token_type", "Bearer"},
             {"expires_in", grant.expires_in}});
}

}  // namespace

void RegisterApiRoutes(httplib::Server& server, SimContext& ctx) {
  server.Post("/oauth/token", [&ctx](const httplib::Request& req, httplib::Response& res) {
    HandleToken(ctx, req, res);
  });
  auto api = [&ctx](const httplib::Request& req, httplib::Response& res) {
    HandleApi(ctx, req, res);
  };
  server.Get(R"(/.*)", api);
  server.Post(R"(/.*)", api);
  server.Put(R"(/.*)", api);
  server.Patch(R"(/.*)", api);
  server.Delete(R"(/.*)", api);
}

}  // namespace fxagent::sim
