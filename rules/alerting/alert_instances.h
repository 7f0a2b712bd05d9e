// Turning one rule's query result into alert instances or recorded samples. Internal.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rules/alerting/rule.h"
#include "rules/promql/evaluator.h"
#include "rules/tsdb.h"

namespace fxagent::alerting::detail {

struct Instance {
  std::map<std::string, std::string> labels;  ///< final labels incl. alertname, severity
  std::map<std::string, std::string> annotations;
  double value = 0;
};

/// Evaluates an alert rule at t_ms; returns an error message on failure.
std::optional<std::string> EvalAlertRule(const Rule& rule, const tsdb::SeriesStore& store,
                                         int64_t t_ms, const promql::EvalOptions& options,
                                         std::vector<Instance>* out);

/// Evaluates a recording rule at t_ms into samples named rule.record.
std::optional<std::string> EvalRecordingRule(const Rule& rule, const tsdb::SeriesStore& store,
                                             int64_t t_ms, const promql::EvalOptions& options,
                                             std::vector<tsdb::ScrapeSample>* out);

}  // namespace fxagent::alerting::detail
