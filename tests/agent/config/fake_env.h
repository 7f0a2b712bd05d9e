/// A fixed environment for config tests: the secrets used by the SPEC example, with
/// recognizable values so tests can assert they never leak into error messages.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace fxagent::testing {

inline constexpr const char* kApiKey = "sk-live-APIKEY-0123456789";
inline constexpr const char* kWebhookSecret = "whsec-SECRET-abcdef";
inline constexpr const char* kSlackUrl = "https://hooks.slack.com/services/T000/B000/SLACKTOKEN";

inline std::optional<std::string> FakeEnv(const std::string& name) {
  static const std::map<std::string, std::string> env = {
      {"FLEXPORT_API_KEY", kApiKey},
      {"FLEXPORT_WEBHOOK_SECRET", kWebhookSecret},
      {"SLACK_WEBHOOK_URL", kSlackUrl},
      {"EMPTY", ""},
      {"A", "alpha"},
      {"B", "beta"},
  };
  auto it = env.find(name);
  if (it == env.end()) return std::nullopt;
  return it->second;
}

inline std::optional<std::string> EmptyEnv(const std::string&) { return std::nullopt; }

inline std::string TestData(const std::string& name) {
  return std::string(FXAGENT_TESTDATA_DIR) + "/config/" + name;
}

}  // namespace fxagent::testing
