// Turning one rule's query result into alert instances or recorded samples. Internal.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rules/alerting/alert_state.h"
#include "rules/alerting/rule.h"
#include "rules/promql/evaluator.h"
#include "rules/tsdb.h"

namespace fxagent::alerting::detail {

struct Instance {
  tsdb::Labels labels;  ///< final labels incl. alertname and severity
  tsdb::Labels metric;  ///< the query result's labels (what templates see as $labels)
  double value = 0;
};

/// Evaluates an alert rule at t_ms; returns an error message on failure. Annotations are
/// not expanded here (see ExpandAnnotations): most alerts keep theirs from tick to tick.
std::optional<std::string> EvalAlertRule(const Rule& rule, const tsdb::SeriesStore& store,
                                         int64_t t_ms, const promql::EvalOptions& options,
                                         std::vector<Instance>* out);

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
