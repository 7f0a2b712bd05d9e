// `flexport-agent webhooks dead-letters|replay` against a running agent.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "agent/cli/admin_client.h"
#include "agent/cli/cli.h"
#include "agent/cli/command.h"

namespace fxagent::cli {
namespace {

struct WebhooksOptions {
  CommonOptions common;
  std::string type, since;
  std::vector<std::string> ids;
  int limit = 50;
  bool include_delivered = false;
};

int DeadLetters(const WebhooksOptions& o) {
  auto config = LoadConfig(o.common);
  if (!config) return kExitConfig;
  std::string path = "/api/v1/webhooks/dead-letters?limit=" + std::to_string(o.limit);
  if (!o.type.empty()) path += "&type=" + httplib::detail::encode_query_param(o.type);
  if (!o.since.empty()) path += "&since=" + httplib::detail::encode_query_param(o.since);
  return PrintAdminResponse(CallAgent(*config, "GET", path));
}

int Replay(const WebhooksOptions& o) {
  auto config = LoadConfig(o.common);
  if (!config) return kExitConfig;
  nlohmann::json body = nlohmann::json::object();
  if (!o.ids.empty()) body["ids"] = o.ids;
  if (!o.type.empty()) body["type"] = o.type;
  if (!o.since.empty()) body["since"] = o.since;
  if (o.include_delivered) body["include_delivered"] = true;
  return PrintAdminResponse(CallAgent(*config, "POST", "/api/v1/webhooks/replay", body.dump()));
}

}  // namespace

Subcommands AddWebhooksCommand(CLI::App& app) {
  auto o = std::make_shared<WebhooksOptions>();
  CLI::App* hooks = AddGroup(app, "webhooks", "dead letters and replay on a running agent");
  CLI::App* dead = hooks->add_subcommand("dead-letters", "list dead-lettered webhook events");
  AddCommon(dead, o->common);
  dead->add_option("--type", o->type, "only this event type");
  dead->add_option("--since", o->since, "only events received since (RFC 3339)");
  dead->add_option("--limit", o->limit, "page size")->check(CLI::Range(1, 1000));
  CLI::App* replay =
      hooks->add_subcommand("replay", "send dead-lettered (or all stored) events again");
  AddCommon(replay, o->common);
  replay->add_option("--id", o->ids, "event ids to replay (repeatable)");
  replay->add_option("--type", o->type, "only this event type");
  replay->add_option("--since", o->since,
                     "events received since (RFC 3339): replay from a checkpoint");
  replay->add_flag("--include-delivered", o->include_delivered,
                   "also replay events that were delivered (replay from the last checkpoint)");
  return {{dead, [o] { return DeadLetters(*o); }}, {replay, [o] { return Replay(*o); }}};
}

}  // namespace fxagent::cli
