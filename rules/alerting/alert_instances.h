// Turning one rule's query result into alert instances or recorded samples. Internal.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "rules/alerting/alert_state.h"
#include "rules/alerting/rule.h"
#include "rules/promql/evaluator.h"
#include "rules/tsdb/tsdb.h"

namespace fxagent::alerting::detail {

struct Instance {
  tsdb::Labels labels;  ///< final labels incl. alertname and severity
  tsdb::Labels metric;  ///< the query result's labels (what templates see as $labels)
  double value = 0;
};

/// Remembers one alert rule's final labels per query-result label set, so evaluations
/// in steady state build no label sets (only for rules whose labels have no templates;
/// query results that are the same label set every tick hit by pointer).
class FinalLabelsCache {
 public:
  /// The cached final labels of `metric`, or `make()`'s result (then cached).
  template <typename Fn>
  tsdb::Labels Get(const tsdb::Labels& metric, uint64_t tick, Fn&& make) {
    auto [it, inserted] = entries_.try_emplace(metric);
    if (inserted) it->second.final_labels = make();
    it->second.tick = tick;
    return it->second.final_labels;
  }
  /// Forgets label sets not used at `tick`.
  void Sweep(uint64_t tick) {
    std::erase_if(entries_, [tick](const auto& e) { return e.second.tick != tick; });
  }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    tsdb::Labels final_labels;
    uint64_t tick = 0;
  };
  std::unordered_map<tsdb::Labels, Entry, tsdb::LabelsHash> entries_;
};

/// Evaluates an alert rule at t_ms; returns an error message on failure. Annotations are
/// not expanded here (see ExpandAnnotations): most alerts keep theirs from tick to tick.
/// With a cache, final labels are looked up there first (and it is swept after use).
std::optional<std::string> EvalAlertRule(const Rule& rule, const tsdb::SeriesStore& store,
                                         int64_t t_ms, const promql::EvalOptions& options,
                                         std::vector<Instance>* out,
                                         FinalLabelsCache* cache = nullptr, uint64_t tick = 0);

/// The rule's annotations expanded for one instance.
SharedStringMap ExpandAnnotations(const Rule& rule, const Instance& inst);
/// True when an annotation depends on the value ($value / .Value), so it must be
/// expanded again at every evaluation; otherwise it only depends on the labels.
bool AnnotationsUseValue(const Rule& rule);

StringMap ToStringMap(const tsdb::Labels& labels);

/// Evaluates a recording rule at t_ms into samples named rule.record.
std::optional<std::string> EvalRecordingRule(const Rule& rule, const tsdb::SeriesStore& store,
                                             int64_t t_ms, const promql::EvalOptions& options,
                                             std::vector<tsdb::ScrapeSample>* out);

}  // namespace fxagent::alerting::detail
