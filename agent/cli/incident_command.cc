// `flexport-agent incident list|update|report` against a running agent.
#include <iostream>
#include <nlohmann/json.hpp>

#include "agent/cli/admin_client.h"
#include "agent/cli/cli.h"
#include "agent/cli/command.h"

namespace fxagent::cli {
namespace {

struct IncidentOptions {
  CommonOptions common;
  std::string id, status, action, impact;
};

int List(const IncidentOptions& o) {
  auto config = LoadConfig(o.common);
  if (!config) return kExitConfig;
  return PrintAdminResponse(CallAgent(*config, "GET", "/api/v1/incidents"));
}

int Report(const IncidentOptions& o) {
  auto config = LoadConfig(o.common);
  if (!config) return kExitConfig;
  const AdminResponse r = CallAgent(*config, "GET", "/api/v1/incidents/" + o.id + "/report");
  if (r.status == 200) {
    std::cout << r.body;
    return 0;
  }
  return PrintAdminResponse(r);
}

int Update(const IncidentOptions& o) {
  auto config = LoadConfig(o.common);
  if (!config) return kExitConfig;
  nlohmann::json body = {{"by", CliUser()}};
  if (!o.status.empty()) body["status"] = o.status;
  if (!o.action.empty()) body["currentAction"] = o.action;
  if (!o.impact.empty()) body["impact"] = o.impact;
  return PrintAdminResponse(CallAgent(*config, "PATCH", "/api/v1/incidents/" + o.id, body.dump()));
}

}  // namespace

Subcommands AddIncidentCommand(CLI::App& app) {
  auto o = std::make_shared<IncidentOptions>();
  CLI::App* incident = AddGroup(app, "incident", "show or update incidents on a running agent");
  CLI::App* list = incident->add_subcommand("list", "list incidents");
  AddCommon(list, o->common);
  CLI::App* update = incident->add_subcommand("update", "set status, current action or impact");
  AddCommon(update, o->common);
  update->add_option("id", o->id, "incident id")->required();
  update->add_option("--status", o->status, "Investigating|Identified|Mitigating");
  update->add_option("--action", o->action, "current action (free text)");
  update->add_option("--impact", o->impact, "impact (free text)");
  CLI::App* report = incident->add_subcommand("report", "print the post-incident report");
  AddCommon(report, o->common);
  report->add_option("id", o->id, "incident id")->required();
  return {{list, [o] { return List(*o); }},
          {update, [o] { return Update(*o); }},
          {report, [o] { return Report(*o); }}};
}

}  // namespace fxagent::cli
