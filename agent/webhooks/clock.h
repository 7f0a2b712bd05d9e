/// The time source used by the webhook relay, injectable so tests control time.
/// A plain std::function; the default reads the system clock. Thread-safe if the
/// function is.
#pragma once

#include <chrono>
#include <functional>

namespace fxagent {

using WebhookClock = std::function<std::chrono::system_clock::time_point()>;

inline WebhookClock SystemWebhookClock() {
  return [] { return std::chrono::system_clock::now(); };
}

}  // namespace fxagent
