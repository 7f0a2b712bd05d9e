/// Unix milliseconds <-> system_clock time points: the form times take in the SQLite
/// stores and JSON payloads. Pure.
#pragma once

#include <chrono>
#include <cstdint>

namespace fxagent {

inline int64_t Ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline std::chrono::system_clock::time_point FromMs(int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

}  // namespace fxagent
