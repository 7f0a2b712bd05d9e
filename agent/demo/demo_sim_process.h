/// Internal to the demo: runs flexport-sim as a child process and waits for its port.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fxagent {

/// The flexport-sim binary: `explicit_path`, else next to this binary or in ../sim/, else
/// "flexport-sim" from PATH.
std::filesystem::path FindSim(const std::string& explicit_path);

class SimProcess {
 public:
  SimProcess() = default;
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;
  ~SimProcess();

  /// Starts the sim on 127.0.0.1 with a free port; output goes to `log_file`.
  bool Start(const std::filesystem::path& binary, const std::filesystem::path& port_file,
             const std::filesystem::path& log_file, const std::vector<std::string>& extra_args);
  bool Running() const;
  /// The bound port once the sim wrote its port file (up to 10 s), else 0.
  int WaitForPort(const std::filesystem::path& port_file) const;

 private:
  pid_t pid_ = -1;
};

}  // namespace fxagent
