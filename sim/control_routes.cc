#include <httplib.h>

#include "sim/http_util.h"
#include "sim/routes.h"
#include "sim/scenarios.h"

namespace fxagent::sim {
namespace {

using nlohmann::json;
using Handler = std::function<void(SimContext&, const json&, httplib::Response&)>;

void Log(SimContext& ctx, const std::string& message) {
  if (ctx.log) ctx.log(message);
}

json FullState(SimContext& ctx) {
  json state = ctx.state.Snapshot();
  state["webhooks"] = ctx.sender.Snapshot();
  state["webhooks"]["events_recorded"] = ctx.events.size();
  state["scenarios"] = ScenarioNames();
  return state;
}

/// Registers a POST /_sim/<path> taking a JSON body.
void PostJson(httplib::Server& server, SimContext& ctx, const std::string& path,
              const Handler& handler) {
  server.Post(path, [&ctx, handler](const httplib::Request& req, httplib::Response& res) {
    auto body = BodyJson(req, res);
    if (!body) return;
    handler(ctx, *body, res);
  });
}

void ReplyUpdate(SimContext& ctx, httplib::Response& res, bool ok, const std::string& error,
                 const std::string& what) {
  if (!ok) {
    ReplyError(res, 400, error);
    return;
  }
  Log(ctx, what + " updated");
  ReplyJson(res, 200, FullState(ctx));
}

}  // namespace

void RegisterControlRoutes(httplib::Server& server, SimContext& ctx) {
  server.Get("/_sim/state", [&ctx](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, 200, FullState(ctx));
  });
  server.Get("/_sim/scenarios", [](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, 200, {{"scenarios", ScenarioNames()}});
  });
  PostJson(server, ctx, "/_sim/reset", [](SimContext& c, const json&, httplib::Response& res) {
    c.sender.Cancel();
    c.sender.Resume();
    c.sender.ResetCounters();
    c.events.Clear();
    c.state.Reset();
    Log(c, "reset");
    ReplyJson(res, 200, FullState(c));
  });
  server.Post(R"(/_sim/scenario/([A-Za-z0-9_\-]+))", [&ctx](const httplib::Request& req,
                                                            httplib::Response& res) {
    const std::string name = req.matches[1].str();
    if (!ctx.state.ApplyScenario(name)) {
      ReplyJson(res, 404,
                {{"error", "unknown scenario '" + name + "'"}, {"scenarios", ScenarioNames()}});
      return;
    }
    Log(ctx, "scenario " + name + " applied");
    ReplyJson(res, 200, FullState(ctx));
  });
  PostJson(server, ctx, "/_sim/faults", [](SimContext& c, const json& in, httplib::Response& res) {
    std::string error;
    ReplyUpdate(c, res, c.state.SetFaults(in, &error), error, "faults");
  });
  PostJson(server, ctx, "/_sim/statuspage",
           [](SimContext& c, const json& in, httplib::Response& res) {
             std::string error;
             ReplyUpdate(c, res, c.state.UpdateStatusPage(in, &error), error, "status page");
           });
  PostJson(server, ctx, "/_sim/ratelimit",
           [](SimContext& c, const json& in, httplib::Response& res) {
             std::string error;
             ReplyUpdate(c, res, c.state.UpdateRateLimit(in, &error), error, "rate limit");
           });
  PostJson(server, ctx, "/_sim/key", [](SimContext& c, const json& in, httplib::Response& res) {
    if (!in.is_object() || !in.contains("api_key") || !in["api_key"].is_string()) {
      ReplyError(res, 400, "expected {\"api_key\": \"...\"}");
      return;
    }
    c.state.SetApiKey(in["api_key"].get<std::string>());
    ReplyUpdate(c, res, true, "", "accepted API key");
  });
  PostJson(server, ctx, "/_sim/subscription",
           [](SimContext& c, const json& in, httplib::Response& res) {
             if (!in.is_object() || !in.contains("active") || !in["active"].is_boolean()) {
               ReplyError(res, 400, "expected {\"active\": true|false}");
               return;
             }
             if (in.contains("url")) {
               if (!in["url"].is_string()) {
                 ReplyError(res, 400, "url must be a string");
                 return;
               }
               c.sender.set_target(in["url"].get<std::string>());
             }
             c.state.SetSubscriptionActive(in["active"].get<bool>());
             ReplyUpdate(c, res, true, "", "subscription");
           });
  PostJson(server, ctx, "/_sim/webhooks/send",
           [](SimContext& c, const json& in, httplib::Response& res) {
             SendJob job;
             std::string error;
             if (!ParseSendJob(in, c.sender.target(), &job, &error)) {
               ReplyError(res, 400, error);
               return;
             }
             const int count = job.count;
             c.sender.Enqueue(std::move(job));
             Log(c, "webhooks: queued " + std::to_string(count) + " events");
             ReplyJson(res, 202, {{"queued", count}, {"webhooks", c.sender.Snapshot()}});
           });
  PostJson(server, ctx, "/_sim/webhooks/pause",
           [](SimContext& c, const json&, httplib::Response& res) {
             c.sender.Pause();
             Log(c, "webhooks paused");
             ReplyJson(res, 200, c.sender.Snapshot());
           });
  PostJson(server, ctx, "/_sim/webhooks/resume",
           [](SimContext& c, const json&, httplib::Response& res) {
             c.sender.Resume();
             Log(c, "webhooks resumed");
             ReplyJson(res, 200, c.sender.Snapshot());
           });
  PostJson(server, ctx, "/_sim/webhooks/cancel",
           [](SimContext& c, const json&, httplib::Response& res) {
             c.sender.Cancel();
             Log(c, "webhooks cancelled");
             ReplyJson(res, 200, c.sender.Snapshot());
           });
  auto unknown = [](const httplib::Request& req, httplib::Response& res) {
    ReplyError(res, 404, "unknown control endpoint " + req.path);
  };
  server.Get(R"(/_sim/.*)", unknown);
  server.Post(R"(/_sim/.*)", unknown);
}

}  // namespace fxagent::sim
