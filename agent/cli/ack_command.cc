// `flexport-agent ack <fingerprint>` against a running agent.
#include <nlohmann/json.hpp>

#include "agent/cli/admin_client.h"
#include "agent/cli/cli.h"
#include "agent/cli/command.h"

namespace fxagent::cli {
namespace {

struct AckOptions {
  CommonOptions common;
  std::string fingerprint, comment, by;
};

int Ack(const AckOptions& o) {
  auto config = LoadConfig(o.common);
  if (!config) return kExitConfig;
  nlohmann::json body = {{"by", o.by.empty() ? CliUser() : o.by}, {"comment", o.comment}};
  return PrintAdminResponse(
      CallAgent(*config, "POST", "/api/v1/alerts/" + o.fingerprint + "/ack", body.dump()));
}

}  // namespace

Subcommands AddAckCommand(CLI::App& app) {
  auto o = std::make_shared<AckOptions>();
  CLI::App* ack =
      app.add_subcommand("ack", "acknowledge a firing alert (stops repeats and escalation)");
  AddCommon(ack, o->common);
  ack->add_option("fingerprint", o->fingerprint, "alert fingerprint (see /api/v1/alerts)")
      ->required();
  ack->add_option("--comment", o->comment, "note for the timeline");
  ack->add_option("--by", o->by, "who (default $USER)");
  return {{ack, [o] { return Ack(*o); }}};
}

}  // namespace fxagent::cli
