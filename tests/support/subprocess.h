/// Test support: runs a real binary (the agent, flexport-sim) as a child process with
/// its output captured to files, and small helpers to wait for readiness over loopback.
/// Not thread-safe; one owner per Subprocess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace fxagent::testing {

class Subprocess {
 public:
  /// Starts `argv[0]` with `argv`; stdout and stderr go to files in `dir`, named
  /// `<name>.out` and `<name>.err`. Extra environment entries are "NAME=value".
  Subprocess(const std::string& dir, const std::string& name, std::vector<std::string> argv,
             std::vector<std::string> extra_env = {});
  virtual ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  /// Sends `sig` and waits up to `timeout`; returns the exit status (128+signal when
  /// killed by a signal) or nullopt on timeout (the child is then SIGKILLed).
  std::optional<int> Stop(int sig, std::chrono::milliseconds timeout);
  /// Waits for the child to exit by itself.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool Running();
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string out_path_, err_path_;
};

/// Runs a command to completion (up to `timeout`); returns exit status, stdout, stderr.
struct RunResult {
  int status = -1;
  std::string out, err;
};
RunResult RunCommand(const std::string& dir, std::vector<std::string> argv,
                     std::vector<std::string> extra_env = {},
                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// Polls `ready` every 20 ms until it returns true or `timeout` passes.
bool WaitFor(const std::function<bool()>& ready,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// A loopback TCP port that nothing listens on (bound once, then closed).
int UnusedPort();

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);

}  // namespace fxagent::testing
