#include "agent/cli/command.h"

#include <cstdlib>
#include <iostream>

#include "agent/base/version.h"

namespace fxagent::cli {

std::string VersionText() { return std::string("flexport-agent ") + AgentVersion(); }

void AddCommon(CLI::App* cmd, CommonOptions& o, bool with_config) {
  if (with_config) {
    cmd->add_option("-c,--config", o.config_file,
                    "configuration file (default: the embedded configuration)");
  }
  cmd->add_option("--log-format", o.log_format, "json or text")
      ->check(CLI::IsMember({"json", "text"}));
  cmd->add_option("--log-level", o.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cmd->set_version_flag("--version", VersionText());
}

CLI::App* AddGroup(CLI::App& app, const std::string& name, const std::string& description) {
  CLI::App* group = app.add_subcommand(name, description);
  group->require_subcommand(1);
  return group;
}

Logger MakeLogger(const CommonOptions& o) {
  LogFormat format = LogFormat::kJson;
  LogLevel level = LogLevel::kInfo;
  Logger::ParseFormat(o.log_format, &format);
  Logger::ParseLevel(o.log_level, &level);
  return Logger(format, level);
}

std::optional<Config> LoadConfig(const CommonOptions& o) {
  try {
    return o.config_file.empty() ? LoadDefaultConfig() : LoadConfigFile(o.config_file);
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return std::nullopt;
  }
}

std::string CliUser() {
  const char* user = std::getenv("USER");
  return user != nullptr ? user : "flexport-agent-cli";
}

}  // namespace fxagent::cli
