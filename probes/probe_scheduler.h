/// Runs every prober on its interval (with a little jitter) on one thread, concurrently
/// through libcurl's multi interface. A probe still in flight when its next turn comes is
/// skipped and counted. Start()/Stop() from the owner; the sink runs on the scheduler
/// thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "probes/prober.h"

namespace fxagent {

class HttpTransport;

class ProbeScheduler {
 public:
  using Sink = std::function<void(const ProbeResult&)>;
  using SkipSink = std::function<void(const std::string& probe)>;

  ProbeScheduler(std::vector<std::unique_ptr<Prober>> probers, Sink sink, SkipSink on_skip);
  ~ProbeScheduler();
  ProbeScheduler(const ProbeScheduler&) = delete;
  ProbeScheduler& operator=(const ProbeScheduler&) = delete;

  void Start();
  /// Stops within one poll interval; in-flight probes are abandoned.
  void Stop();
  const std::vector<std::unique_ptr<Prober>>& probers() const { return probers_; }

  /// Runs every prober once, concurrently, and returns the results in table order. Used by
  /// `check`; independent of Start().
  static std::vector<ProbeResult> RunOnce(const std::vector<std::unique_ptr<Prober>>& probers);

 private:
  void Loop();

  std::vector<std::unique_ptr<Prober>> probers_;
  Sink sink_;
  SkipSink on_skip_;
  std::unique_ptr<HttpTransport> transport_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace fxagent
