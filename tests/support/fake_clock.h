/// The one fake Clock for tests: wall and monotonic time move only when the test says so
/// (Advance moves both, Set moves the wall clock). Copies share the same time, so a test
/// keeps one and hands AsClock() to the components it drives. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>

#include "agent/base/clock.h"

namespace fxagent::testing {

class FakeClock final : public Clock {
 public:
  /// 2023-11-14T22:13:20Z; the monotonic clock starts at 1000 h.
  static constexpr std::chrono::milliseconds kDefaultStart{1'700'000'000'000};

  explicit FakeClock(std::chrono::system_clock::time_point start =
                         std::chrono::system_clock::time_point(kDefaultStart))
      : state_(std::make_shared<State>()) {
    state_->wall = start;
  }

  std::chrono::system_clock::time_point Now() const override {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->wall;
  }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->steady;
  }
  void Advance(std::chrono::nanoseconds d) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->wall += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
    state_->steady += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }
  void Set(std::chrono::system_clock::time_point t) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->wall = t;
  }
  /// A clock sharing this one's time, for components that take a shared clock.
  std::shared_ptr<const Clock> AsClock() const { return std::make_shared<FakeClock>(*this); }

 private:
  struct State {
    std::mutex mu;
    std::chrono::system_clock::time_point wall;
    std::chrono::steady_clock::time_point steady{std::chrono::hours(1000)};
  };
  std::shared_ptr<State> state_;
};

}  // namespace fxagent::testing
