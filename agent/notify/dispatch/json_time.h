/// Optional times in the notifier's JSON records: Unix milliseconds, or null. Pure.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "agent/base/time_ms.h"

namespace fxagent {

inline nlohmann::json OptMs(const std::optional<std::chrono::system_clock::time_point>& t) {
  return t ? nlohmann::json(Ms(*t)) : nlohmann::json(nullptr);
}

inline std::optional<std::chrono::system_clock::time_point> OptFrom(const nlohmann::json& j) {
  if (!j.is_number_integer()) return std::nullopt;
  return FromMs(j.get<int64_t>());
}

}  // namespace fxagent
