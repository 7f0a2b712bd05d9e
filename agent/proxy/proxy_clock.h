/// The monotonic time source of the egress proxy, injectable so tests drive the breaker
/// and the 429 queue without sleeping. Thread-safe if the function is.
#pragma once

#include <chrono>
#include <functional>

namespace fxagent {

using ProxyClock = std::function<std::chrono::steady_clock::time_point()>;

inline ProxyClock SteadyProxyClock() {
  return [] { return std::chrono::steady_clock::now(); };
}

}  // namespace fxagent
