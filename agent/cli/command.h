/// Internal to agent/cli: one file per subcommand (run, check, validate, rules, webhooks,
/// silence, ack, incident, demo) and the helpers they share. RunCli adds each to the
/// CLI11 app, parses, and runs the one selected. Single-threaded.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/logger.h"
#include "agent/config/config.h"

namespace fxagent::cli {

/// Options every subcommand takes: -c/--config, --log-format, --log-level (and --version).
struct CommonOptions {
  std::string config_file;
  std::string log_format = "json";
  std::string log_level = "info";
};

void AddCommon(CLI::App* cmd, CommonOptions& o, bool with_config = true);
/// A subcommand that only groups others (`silence`, `incident`, ...): one of them is required.
CLI::App* AddGroup(CLI::App& app, const std::string& name, const std::string& description);
/// "flexport-agent <version>", the text of every --version flag.
std::string VersionText();
Logger MakeLogger(const CommonOptions& o);
/// Loads the configuration; on error prints "file:line:col: message" and returns nullopt.
std::optional<Config> LoadConfig(const CommonOptions& o);
/// $USER, for the "by" of silences, acks and incident updates.
std::string CliUser();

/// One leaf of the command tree (`run`, `silence add`, ...): `run` gives the exit status
/// when `app` was the subcommand selected.
struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
using Subcommands = std::vector<Subcommand>;

// Each adds its subcommand(s) and options to `app`; one file each.
Subcommands AddRunCommand(CLI::App& app);
Subcommands AddCheckCommand(CLI::App& app);
Subcommands AddValidateCommand(CLI::App& app);
Subcommands AddRulesCommand(CLI::App& app);
Subcommands AddWebhooksCommand(CLI::App& app);
Subcommands AddSilenceCommand(CLI::App& app);
Subcommands AddAckCommand(CLI::App& app);
Subcommands AddIncidentCommand(CLI::App& app);
Subcommands AddDemoCommand(CLI::App& app);

}  // namespace fxagent::cli
