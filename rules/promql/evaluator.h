/// PromQL evaluation at one instant over a SeriesStore, with Prometheus 2.x semantics
/// (5m lookback, staleness, vector matching, extrapolated rates). Errors such as
/// many-to-many matching or a bad regex in label_replace are returned as values.
/// Thread-safety: Evaluate is reentrant; the store handles its own locking, so several
/// evaluations may run concurrently with a single writer. Each selector reads the store
/// under its own shared lock, so for a consistent view ingest and evaluate on the same
/// thread (the evaluation tick: IngestScrape(t), then Evaluate(..., t) for every rule).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "rules/promql/ast.h"
#include "rules/promql/value.h"
#include "rules/tsdb.h"

namespace fxagent::promql {

struct EvalOptions {
  int64_t lookback_delta_ms = int64_t{5} * 60 * 1000;
  /// Step of subqueries without an explicit one (Prometheus' evaluation_interval).
  int64_t default_step_ms = int64_t{60} * 1000;
};

struct EvalResult {
  Value value;
  std::optional<std::string> error;
  bool ok() const { return !error.has_value(); }
};

EvalResult Evaluate(const Expr& expr, const tsdb::SeriesStore& store, int64_t t_ms,
                    const EvalOptions& options = {});

}  // namespace fxagent::promql
