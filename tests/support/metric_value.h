/// Test support: one metric's value, from a text exposition (what /metrics serves) or
/// from a prometheus::Registry. -1 when the series is absent. Pure.
#pragma once

#include <prometheus/registry.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>

namespace fxagent::testing {

/// `series` is the name with its labels exactly as exposed, e.g.
/// `flexport_webhook_forwarded_total{outcome="delivered"}`.
inline double MetricValue(const std::string& exposition, const std::string& series) {
  const std::string needle = "\n" + series + " ";
  const size_t pos = ("\n" + exposition).find(needle);
  if (pos == std::string::npos) return -1;
  return std::strtod(exposition.c_str() + pos + series.size() + 1, nullptr);
}

/// How MetricValue compares a series' labels with the ones asked for.
enum class LabelMatch {
  kExact,   // the series has exactly these labels
  kSubset,  // the series has these labels (and maybe others); the first such series
};

/// The value of a counter or gauge (or a histogram's sample count) whose labels match.
inline double MetricValue(prometheus::Registry& registry, const std::string& name,
                          const std::map<std::string, std::string>& labels = {},
                          LabelMatch match = LabelMatch::kExact) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::map<std::string, std::string> got;
      for (const prometheus::ClientMetric::Label& l : metric.label) got[l.name] = l.value;
      if (match == LabelMatch::kExact && got != labels) continue;
      if (match == LabelMatch::kSubset &&
          !std::all_of(labels.begin(), labels.end(), [&got](const auto& want) {
            auto it = got.find(want.first);
            return it != got.end() && it->second == want.second;
          })) {
        continue;
      }
      switch (family.type) {
        case prometheus::MetricType::Counter:
          return metric.counter.value;
        case prometheus::MetricType::Gauge:
          return metric.gauge.value;
        case prometheus::MetricType::Histogram:
          return static_cast<double>(metric.histogram.sample_count);
        default:
          return -1;
      }
    }
  }
  return -1;
}

}  // namespace fxagent::testing
