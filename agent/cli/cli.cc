#include "agent/cli/cli.h"

#include <httplib.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "agent/base/version.h"
#include "agent/cli/admin_client.h"
#include "agent/cli/check_command.h"
#include "agent/config/units.h"
#include "agent/daemon/daemon.h"
#include "agent/demo/demo.h"
#include "rules/alerting/export.h"
#include "rules/alerting/rule_loader.h"
#include "rules/alerting/rule_test_runner.h"

namespace fxagent {
namespace {

struct CommonOptions {
  std::string config_file;
  std::string log_format = "json";
  std::string log_level = "info";
};

void AddCommon(CLI::App* cmd, CommonOptions& o, bool with_config = true) {
  if (with_config) {
    cmd->add_option("-c,--config", o.config_file,
                    "configuration file (default: the embedded configuration)");
  }
  cmd->add_option("--log-format", o.log_format, "json or text")
      ->check(CLI::IsMember({"json", "text"}));
  cmd->add_option("--log-level", o.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cmd->set_version_flag("--version", std::string("flexport-agent ") + AgentVersion());
}

Logger MakeLogger(const CommonOptions& o) {
  LogFormat format = LogFormat::kJson;
  LogLevel level = LogLevel::kInfo;
  Logger::ParseFormat(o.log_format, &format);
  Logger::ParseLevel(o.log_level, &level);
  return Logger(format, level);
}

// Loads the configuration; on error prints "file:line:col: message" and returns nullopt.
std::optional<Config> Load(const CommonOptions& o) {
  try {
    return o.config_file.empty() ? LoadDefaultConfig() : LoadConfigFile(o.config_file);
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return std::nullopt;
  }
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"flexport-agent: watches a Flexport integration and pages the right person"};
  app.set_version_flag("--version", std::string("flexport-agent ") + AgentVersion());
  app.require_subcommand(1);

  CommonOptions run_opts, check_opts, validate_opts, export_opts, demo_opts;
  bool check_json = false;
  std::string demo_sim;
  int demo_step_seconds = 0;

  auto* run = app.add_subcommand("run", "run the daemon");
  AddCommon(run, run_opts);
  auto* check = app.add_subcommand("check", "run every diagnostic once and print the severity");
  AddCommon(check, check_opts);
  check->add_flag("--json", check_json, "machine-readable output");
  auto* validate = app.add_subcommand("validate", "check configuration and rule files");
  AddCommon(validate, validate_opts);
  auto* rules = app.add_subcommand("rules", "alert rule tools");
  rules->require_subcommand(1);
  rules->set_version_flag("--version", std::string("flexport-agent ") + AgentVersion());
  auto* rules_export = rules->add_subcommand("export", "print the rules as a Prometheus rule file");
  AddCommon(rules_export, export_opts);
  std::vector<std::string> rule_test_files;
  auto* rules_test = rules->add_subcommand("test", "run promtool-format rule unit tests");
  rules_test->add_option("files", rule_test_files, "promtool test files")->required();
  rules_test->set_version_flag("--version", std::string("flexport-agent ") + AgentVersion());
  CommonOptions hooks_opts;
  std::string hooks_type, hooks_since;
  std::vector<std::string> hooks_ids;
  int hooks_limit = 50;
  bool include_delivered = false;
  auto* hooks = app.add_subcommand("webhooks", "dead letters and replay on a running agent");
  hooks->require_subcommand(1);
  auto* dead_letters = hooks->add_subcommand("dead-letters", "list dead-lettered webhook events");
  AddCommon(dead_letters, hooks_opts);
  dead_letters->add_option("--type", hooks_type, "only this event type");
  dead_letters->add_option("--since", hooks_since, "only events received since (RFC 3339)");
  dead_letters->add_option("--limit", hooks_limit, "page size")->check(CLI::Range(1, 1000));
  auto* replay = hooks->add_subcommand("replay", "send dead-lettered (or all stored) events again");
  AddCommon(replay, hooks_opts);
  replay->add_option("--id", hooks_ids, "event ids to replay (repeatable)");
  replay->add_option("--type", hooks_type, "only this event type");
  replay->add_option("--since", hooks_since,
                     "events received since (RFC 3339): replay from a checkpoint");
  replay->add_flag("--include-delivered", include_delivered,
                   "also replay events that were delivered (replay from the last checkpoint)");

  CommonOptions alert_opts;
  std::vector<std::string> silence_matchers;
  std::string silence_duration = "2h", silence_comment, silence_author, silence_id;
  std::string ack_fingerprint, ack_comment, ack_by;
  std::string incident_id, incident_status, incident_action, incident_impact;
  auto* silence = app.add_subcommand("silence", "silences on a running agent");
  silence->require_subcommand(1);
  auto* silence_add = silence->add_subcommand("add", "silence alerts matching label matchers");
  AddCommon(silence_add, alert_opts);
  silence_add
      ->add_option("matchers", silence_matchers, R"(matchers, e.g. 'alertname="FlexportApiDown"')")
      ->required();
  silence_add->add_option("--duration", silence_duration, "how long (default 2h)");
  silence_add->add_option("--comment", silence_comment, "why")->required();
  silence_add->add_option("--author", silence_author, "who (default $USER)");
  auto* silence_list = silence->add_subcommand("list", "list silences");
  AddCommon(silence_list, alert_opts);
  auto* silence_expire = silence->add_subcommand("expire", "expire a silence now");
  AddCommon(silence_expire, alert_opts);
  silence_expire->add_option("id", silence_id, "silence id")->required();
  auto* ack =
      app.add_subcommand("ack", "acknowledge a firing alert (stops repeats and escalation)");
  AddCommon(ack, alert_opts);
  ack->add_option("fingerprint", ack_fingerprint, "alert fingerprint (see /api/v1/alerts)")
      ->required();
  ack->add_option("--comment", ack_comment, "note for the timeline");
  ack->add_option("--by", ack_by, "who (default $USER)");
  auto* incident = app.add_subcommand("incident", "show or update incidents on a running agent");
  incident->require_subcommand(1);
  auto* incident_list = incident->add_subcommand("list", "list incidents");
  AddCommon(incident_list, alert_opts);
  auto* incident_update =
      incident->add_subcommand("update", "set status, current action or impact");
  AddCommon(incident_update, alert_opts);
  incident_update->add_option("id", incident_id, "incident id")->required();
  incident_update->add_option("--status", incident_status, "Investigating|Identified|Mitigating");
  incident_update->add_option("--action", incident_action, "current action (free text)");
  incident_update->add_option("--impact", incident_impact, "impact (free text)");
  auto* incident_report = incident->add_subcommand("report", "print the post-incident report");
  AddCommon(incident_report, alert_opts);
  incident_report->add_option("id", incident_id, "incident id")->required();

  auto* demo =
      app.add_subcommand("demo", "run flexport-sim and the agent through incident scenarios");
  AddCommon(demo, demo_opts, false);
  demo->add_option("--sim", demo_sim,
                   "path to the flexport-sim binary (default: next to this one)");
  demo->add_option("--step-seconds", demo_step_seconds,
                   "seconds to show each scenario (default 6)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (*run) {
    Logger log = MakeLogger(run_opts);
    auto config = Load(run_opts);
    if (!config) return kExitConfig;
    return RunDaemonUntilSignal(std::move(*config), log);
  }
  if (*check) {
    Logger log = MakeLogger(check_opts);
    auto config = Load(check_opts);
    if (!config) return kExitConfig;
    return RunCheck(*config, check_json, log);
  }
  if (*validate) {
    const auto errors = validate_opts.config_file.empty()
                            ? ValidateConfigText(DefaultConfigText(), "<default>")
                            : ValidateConfigFile(validate_opts.config_file);
    for (const auto& e : errors) std::cerr << e.what() << "\n";
    if (!errors.empty()) return kExitConfig;
    auto config = Load(validate_opts);
    if (!config) return kExitConfig;
    const auto rule_errors = alerting::ValidateRuleFiles(config->rules.files);
    for (const auto& e : rule_errors) std::cerr << e.what() << "\n";
    if (!rule_errors.empty()) return kExitConfig;
    std::cout << (validate_opts.config_file.empty() ? "<default>" : validate_opts.config_file)
              << ": configuration is valid\n";
    return 0;
  }
  if (*rules_export) {
    // Without -c the built-in rules are exported: no secrets are needed for that.
    std::vector<std::string> files;
    if (!export_opts.config_file.empty()) {
      auto config = Load(export_opts);
      if (!config) return kExitConfig;
      files = config->rules.files;
    }
    try {
      std::cout << alerting::ExportPrometheusRules(alerting::LoadConfiguredRules(files));
    } catch (const alerting::RuleError& e) {
      std::cerr << e.what() << "\n";
      return kExitConfig;
    }
    return 0;
  }
  if (*rules_test) return alerting::RunRuleTestsCommand(rule_test_files, std::cout);
  if (*dead_letters || *replay) {
    auto config = Load(hooks_opts);
    if (!config) return kExitConfig;
    if (*dead_letters) {
      std::string path = "/api/v1/webhooks/dead-letters?limit=" + std::to_string(hooks_limit);
      if (!hooks_type.empty()) path += "&type=" + httplib::detail::encode_query_param(hooks_type);
      if (!hooks_since.empty()) {
        path += "&since=" + httplib::detail::encode_query_param(hooks_since);
      }
      return PrintAdminResponse(CallAgent(*config, "GET", path));
    }
    nlohmann::json body = nlohmann::json::object();
    if (!hooks_ids.empty()) body["ids"] = hooks_ids;
    if (!hooks_type.empty()) body["type"] = hooks_type;
    if (!hooks_since.empty()) body["since"] = hooks_since;
    if (include_delivered) body["include_delivered"] = true;
    return PrintAdminResponse(CallAgent(*config, "POST", "/api/v1/webhooks/replay", body.dump()));
  }
  if (*silence_add || *silence_list || *silence_expire || *ack || *incident_list ||
      *incident_update || *incident_report) {
    auto config = Load(alert_opts);
    if (!config) return kExitConfig;
    const char* user = std::getenv("USER");
    const std::string who = user != nullptr ? user : "flexport-agent-cli";
    if (*silence_add) {
      const auto duration = ParseDuration(silence_duration);
      if (!duration) {
        std::cerr << "error: --duration: expected e.g. \"30m\" or \"2h\"\n";
        return 2;
      }
      const auto now = std::chrono::system_clock::now();
      nlohmann::json body = {{"matchers", silence_matchers},
                             {"startsAt", FormatTimestamp(now)},
                             {"endsAt", FormatTimestamp(now + *duration)},
                             {"comment", silence_comment},
                             {"createdBy", silence_author.empty() ? who : silence_author}};
      return PrintAdminResponse(CallAgent(*config, "POST", "/api/v1/silences", body.dump()));
    }
    if (*silence_list) return PrintAdminResponse(CallAgent(*config, "GET", "/api/v1/silences"));
    if (*silence_expire) {
      return PrintAdminResponse(CallAgent(*config, "DELETE", "/api/v1/silences/" + silence_id));
    }
    if (*ack) {
      nlohmann::json body = {{"by", ack_by.empty() ? who : ack_by}, {"comment", ack_comment}};
      return PrintAdminResponse(
          CallAgent(*config, "POST", "/api/v1/alerts/" + ack_fingerprint + "/ack", body.dump()));
    }
    if (*incident_list) return PrintAdminResponse(CallAgent(*config, "GET", "/api/v1/incidents"));
    if (*incident_report) {
      const AdminResponse r =
          CallAgent(*config, "GET", "/api/v1/incidents/" + incident_id + "/report");
      if (r.status == 200) {
        std::cout << r.body;
        return 0;
      }
      return PrintAdminResponse(r);
    }
    nlohmann::json body = {{"by", who}};
    if (!incident_status.empty()) body["status"] = incident_status;
    if (!incident_action.empty()) body["currentAction"] = incident_action;
    if (!incident_impact.empty()) body["impact"] = incident_impact;
    return PrintAdminResponse(
        CallAgent(*config, "PATCH", "/api/v1/incidents/" + incident_id, body.dump()));
  }
  if (*demo) {
    Logger log = MakeLogger(demo_opts);
    return RunDemo(demo_sim, demo_step_seconds, log);
  }
  return 0;
}

}  // namespace fxagent
