// `flexport-agent silence add|list|expire` against a running agent.
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "agent/cli/admin_client.h"
#include "agent/cli/cli.h"
#include "agent/cli/command.h"
#include "agent/config/units.h"

namespace fxagent::cli {
namespace {

struct SilenceOptions {
  CommonOptions common;
  std::vector<std::string> matchers;
  std::string duration = "2h", comment, author, id;
};

int AddSilence(const SilenceOptions& o) {
  auto config = LoadConfig(o.common);
  if (!config) return kExitConfig;
  const auto duration = ParseDuration(o.duration);
  if (!duration) {
    std::cerr << "error: --duration: expected e.g. \"30m\" or \"2h\"\n";
    return 2;
  }
  const auto now = std::chrono::system_clock::now();
  nlohmann::json body = {{"matchers", o.matchers},
                         {"startsAt", FormatTimestamp(now)},
                         {"endsAt", FormatTimestamp(now + *duration)},
                         {"comment", o.comment},
                         {"createdBy", o.author.empty() ? CliUser() : o.author}};
  return PrintAdminResponse(CallAgent(*config, "POST", "/api/v1/silences", body.dump()));
}

// GET or DELETE on `path` with the configuration loaded.
int Call(const CommonOptions& common, const char* method, const std::string& path) {
  auto config = LoadConfig(common);
  if (!config) return kExitConfig;
  return PrintAdminResponse(CallAgent(*config, method, path));
}

}  // namespace

Subcommands AddSilenceCommand(CLI::App& app) {
  auto o = std::make_shared<SilenceOptions>();
  CLI::App* silence = AddGroup(app, "silence", "silences on a running agent");
  CLI::App* add = silence->add_subcommand("add", "silence alerts matching label matchers");
  AddCommon(add, o->common);
  add->add_option("matchers", o->matchers, R"(matchers, e.g. 'alertname="FlexportApiDown"')")
      ->required();
  add->add_option("--duration", o->duration, "how long (default 2h)");
  add->add_option("--comment", o->comment, "why")->required();
  add->add_option("--author", o->author, "who (default $USER)");
  CLI::App* list = silence->add_subcommand("list", "list silences");
  AddCommon(list, o->common);
  CLI::App* expire = silence->add_subcommand("expire", "expire a silence now");
  AddCommon(expire, o->common);
  expire->add_option("id", o->id, "silence id")->required();
  return {{add, [o] { return AddSilence(*o); }},
          {list, [o] { return Call(o->common, "GET", "/api/v1/silences"); }},
          {expire, [o] { return Call(o->common, "DELETE", "/api/v1/silences/" + o->id); }}};
}

}  // namespace fxagent::cli
