#include "agent/config/interpolate.h"

namespace fxagent {
namespace {

bool IsVarStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsVarChar(char c) { return IsVarStart(c) || (c >= '0' && c <= '9'); }

bool ValidName(std::string_view name) {
  if (name.empty() || !IsVarStart(name.front())) return false;
  for (char c : name) {
    if (!IsVarChar(c)) return false;
  }
  return true;
}

}  // namespace

std::optional<Interpolated> Interpolate(std::string_view text, EnvLookup env, std::string* error) {
  Interpolated out;
  size_t pos = 0;
  while (pos < text.size()) {
    if (text.substr(pos, 3) == "$${") {
      out.value += "${";
      pos += 3;
      continue;
    }
    if (text.substr(pos, 2) != "${") {
      out.value += text[pos++];
      continue;
    }
    size_t close = text.find('}', pos + 2);
    if (close == std::string_view::npos) {
      *error = "unterminated \"${\" (write \"$${\" for a literal \"${\")";
      return std::nullopt;
    }
    std::string_view body = text.substr(pos + 2, close - pos - 2);
    std::string_view name = body;
    std::optional<std::string_view> fallback;
    if (size_t sep = body.find(":-"); sep != std::string_view::npos) {
      name = body.substr(0, sep);
      fallback = body.substr(sep + 2);
    }
    if (!ValidName(name)) {
      *error = "invalid environment variable reference \"${" + std::string(name) +
               "}\" (expected ${NAME} or ${NAME:-default})";
      return std::nullopt;
    }
    std::optional<std::string> value = env(std::string(name));
    if (fallback && (!value || value->empty())) {
      value = std::string(*fallback);
    }
    if (!value) {
      *error = "environment variable " + std::string(name) + " is not set";
      return std::nullopt;
    }
    out.value += *value;
    out.substituted = true;
    pos = close + 1;
  }
  return out;
}

}  // namespace fxagent
