/// The `run` daemon: binds the public, internal and egress listeners, runs the probes and
/// serves /metrics, /healthz, /readyz and /api/v1/*. Start() and Stop() from one owner
/// thread; accessors are thread-safe.
#pragma once

#include <memory>

#include "agent/base/logger.h"
#include "agent/config/config.h"

namespace fxagent {

class ProbeBoard;

class Daemon {
 public:
  Daemon(Config config, Logger& log);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  /// Binds every listener and starts all threads; throws std::runtime_error when a
  /// listener cannot be bound or the data directory cannot be created (start-up only).
  void Start();
  /// Stops listeners and threads; returns within a few seconds.
  void Stop();

  struct Addresses {
    ListenAddress public_addr, internal, egress;
  };
  /// The bound addresses (port 0 in the configuration becomes the real port).
  Addresses addresses() const;
  const ProbeBoard& board() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Runs the daemon until SIGTERM or SIGINT; returns the process exit status.
int RunDaemonUntilSignal(Config config, Logger& log);

}  // namespace fxagent
