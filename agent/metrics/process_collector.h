/// A prometheus-cpp Collectable exporting process_resident_memory_bytes,
/// process_cpu_seconds_total, process_start_time_seconds, process_open_fds and
/// process_virtual_memory_bytes from /proc/self, read at collection time. Thread-safe.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

namespace fxagent {

class ProcessCollector : public prometheus::Collectable {
 public:
  ProcessCollector();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  double start_time_seconds_;
};

}  // namespace fxagent
