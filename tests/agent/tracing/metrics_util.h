// Reads a counter or gauge value out of a prometheus::Registry in tests.
#pragma once

#include <prometheus/registry.h>

#include <string>

namespace fxagent::testing {

/// The value of `name` with label `label_name`=`label_value` (or no label filter when
/// `label_name` is empty); -1 when absent.
inline double MetricValue(prometheus::Registry& registry, const std::string& name,
                          const std::string& label_name = "", const std::string& label_value = "") {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      bool match = label_name.empty();
      for (const auto& l : m.label) {
        if (l.name == label_name && l.value == label_value) match = true;
      }
      if (!match) continue;
      if (family.type == prometheus::MetricType::Counter) return m.counter.value;
      if (family.type == prometheus::MetricType::Gauge) return m.gauge.value;
    }
  }
  return -1;
}

}  // namespace fxagent::testing
