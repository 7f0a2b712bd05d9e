#include "agent/config/config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/config/config_sections.h"
#include "agent/config/toml_reader.h"

namespace fxagent {
namespace {

struct Loaded {
  Config config;
  std::vector<ConfigError> errors;
};

Loaded Parse(const std::string& text, const std::string& source_name, EnvLookup env) {
  Loaded loaded;
  loaded.config.source = source_name;
  toml::table root_table;
  try {
    root_table = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    const toml::source_position& begin = e.source().begin;
    loaded.errors.emplace_back(source_name, begin.line == 0 ? 1 : static_cast<int>(begin.line),
                               begin.column == 0 ? 1 : static_cast<int>(begin.column),
                               std::string(e.description()));
    return loaded;
  }
  detail::Diagnostics diag(source_name, env);
  detail::TableReader root(diag, &root_table, "", "",
                           {"agent", "listen", "flexport", "probes", "webhooks", "proxy", "rules",
                            "severity", "receivers", "routes", "inhibit", "tracing", "storage",
                            "cluster"});
  Config& c = loaded.config;
  std::string base_dir;
  if (source_name != "<default>") {
    base_dir = std::filesystem::path(source_name).parent_path().string();
  }
  detail::ReadAgent(diag, root, c.agent);
  detail::ReadListen(diag, root, c.listen);
  detail::ReadFlexport(diag, root, c.flexport);
  detail::ReadProbes(diag, root, c.probes);
  detail::ReadWebhooks(diag, root, c.webhooks);
  detail::ReadProxy(diag, root, c.proxy);
  detail::ReadRules(diag, root, base_dir, c.rules);
  detail::ReadSeverity(diag, root, c.severity);
  detail::ReadAlerting(diag, root, c);
  detail::ReadTracing(diag, root, c.tracing);
  detail::ReadStorage(diag, root, c.storage, c.cluster);
  loaded.errors = diag.Sorted();
  return loaded;
}

std::optional<std::string> ReadFile(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open configuration file";
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    *error = "cannot read configuration file";
    return std::nullopt;
  }
  return buffer.str();
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column, std::string message)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                         message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::vector<ConfigError> ValidateConfigText(const std::string& text, const std::string& source_name,
                                            EnvLookup env) {
  return Parse(text, source_name, env).errors;
}

std::vector<ConfigError> ValidateConfigFile(const std::string& path, EnvLookup env) {
  std::string error;
  std::optional<std::string> text = ReadFile(path, &error);
  if (!text) return {ConfigError(path, 1, 1, error)};
  return ValidateConfigText(*text, path, env);
}

Config LoadConfigText(const std::string& text, const std::string& source_name, EnvLookup env) {
  Loaded loaded = Parse(text, source_name, env);
  if (!loaded.errors.empty()) throw loaded.errors.front();
  return std::move(loaded.config);
}

Config LoadConfigFile(const std::string& path, EnvLookup env) {
  std::string error;
  std::optional<std::string> text = ReadFile(path, &error);
  if (!text) throw ConfigError(path, 1, 1, error);
  return LoadConfigText(*text, path, env);
}

Config LoadDefaultConfig(EnvLookup env) {
  return LoadConfigText(DefaultConfigText(), "<default>", env);
}

}  // namespace fxagent
