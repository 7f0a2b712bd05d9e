/// The latest result of every probe, for /api/v1/status, `check` and the demo view.
/// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "probes/probe_result.h"

namespace fxagent {

class ProbeBoard {
 public:
  void Update(const ProbeResult& result);
  std::vector<ProbeResult> Snapshot() const;
  /// True once every name in `expected` has reported at least once.
  bool HasAll(const std::vector<std::string>& expected) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ProbeResult> latest_;
};

}  // namespace fxagent
