// Fuzzes the TOML configuration loader and validator (SPEC §3): any text must either
// load or produce ConfigErrors with a position, never crash or hang.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "agent/config/config.h"

namespace {

// A fixed environment so ${VAR} and ${VAR:-default} take both paths.
std::optional<std::string> FakeEnv(const std::string& name) {
  if (name == "FLEXPORT_API_KEY") return "key_fuzz";
  if (name == "FLEXPORT_WEBHOOK_SECRET") return "whsec_fuzz";
  if (name == "EMPTY") return "";
  if (name == "NESTED") return "${FLEXPORT_API_KEY}";
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  bool loaded = false;
  try {
    fxagent::Config config = fxagent::LoadConfigText(text, "/nonexistent/fuzz.toml", FakeEnv);
    loaded = true;
    if (config.webhooks.path.empty() || config.webhooks.path[0] != '/') std::abort();
  } catch (const fxagent::ConfigError& e) {
    if (e.line() < 0 || e.column() < 0) std::abort();
  }
  const auto errors = fxagent::ValidateConfigText(text, "/nonexistent/fuzz.toml", FakeEnv);
  // The validator and the loader agree on whether the text is valid.
  if (loaded != errors.empty()) std::abort();
  return 0;
}
