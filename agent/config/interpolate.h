/// `${VAR}` / `${VAR:-default}` substitution from the environment, as applied to every
/// string value of the configuration; `$${` is a literal `${`. Pure given the lookup
/// function; safe from any thread if the lookup is.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/config/config.h"

namespace fxagent {

struct Interpolated {
  std::string value;
  bool substituted = false;  // true when at least one ${...} was replaced
};

/// On failure returns nullopt and sets `*error` to a message that names the variable but
/// never a value, e.g. `environment variable FLEXPORT_API_KEY is not set`.
/// `${VAR:-default}` uses the default when VAR is unset or empty (as the shell does).
std::optional<Interpolated> Interpolate(std::string_view text, EnvLookup env, std::string* error);

}  // namespace fxagent
