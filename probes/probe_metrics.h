/// Records probe results into the registry with the SPEC §5 names: probe success, phase
/// durations, last HTTP status, failure reason, status page gauges, key expiry, skipped
/// runs, the agent's own network. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "flexport/api_metrics.h"
#include "probes/probe_result.h"

namespace fxagent {

class ProbeMetrics {
 public:
  ProbeMetrics(prometheus::Registry& registry, ApiMetrics& api);
  ~ProbeMetrics();

  void Record(const ProbeResult& result);
  void RecordSkipped(const std::string& probe);
  /// Unix seconds; 0 removes nothing but exports 0 (unknown).
  void SetKeyExpiry(double unix_seconds);
  void SetTokenExpiry(double unix_seconds);

 private:
  struct Families;
  std::unique_ptr<Families> f_;
  ApiMetrics& api_;
  std::mutex mu_;
  std::map<std::string, std::string> current_reason_;  // probe -> reason exported
  std::set<std::string> components_;
};

}  // namespace fxagent
