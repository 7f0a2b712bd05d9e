/// PromQL evaluation at one instant over a SeriesStore, with Prometheus 2.x semantics
/// (5m lookback, staleness, vector matching, extrapolated rates). Errors such as
/// many-to-many matching or a bad regex in label_replace are returned as values.
/// Thread-safety: Evaluate is reentrant; the store handles its own locking, so several
/// evaluations may run concurrently with a single writer. Each selector reads the store
/// under its own shared lock, so for a consistent view ingest and evaluate on the same
/// thread (the evaluation tick: IngestScrape(t), then Evaluate(..., t) for every rule).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rules/promql/ast.h"
#include "rules/promql/value.h"
#include "rules/tsdb/tsdb.h"

namespace fxagent::promql {

/// Results of subexpressions that several rules share (a P3 and a P2 variant of the same
/// ratio, say), computed once per tick and evaluation time instead of once per rule.
/// Prepare() it with the rules' expressions: calls and aggregations whose text occurs
/// more than once are shared. Thread-safe. Clear() it whenever the store changes (a new
/// tick, or a recording rule writing samples). The expressions must outlive it.
class EvalMemo {
 public:
  void Prepare(const std::vector<const Expr*>& roots);
  /// True when e's result is worth sharing.
  bool Shares(const Expr* e) const { return shared_.contains(e); }
  std::shared_ptr<const Vector> Find(const Expr& e, int64_t ts) const;
  void Store(const Expr& e, int64_t ts, const Vector& v);
  void Clear();
  size_t shared_nodes() const { return shared_.size(); }

 private:
  struct Key {
    std::string_view text;  // Expr::Text(), alive as long as the expressions
    int64_t ts;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<std::string_view>()(k.text) ^ (std::hash<int64_t>()(k.ts) * 31);
    }
  };
  std::unordered_set<const Expr*> shared_;  // fixed after Prepare
  mutable std::mutex mu_;
  std::unordered_map<Key, std::shared_ptr<const Vector>, KeyHash> entries_;
};

struct EvalOptions {
  int64_t lookback_delta_ms = int64_t{5} * 60 * 1000;
  /// Step of subqueries without an explicit one (Prometheus' evaluation_interval).
  int64_t default_step_ms = int64_t{60} * 1000;
  /// Shares identical calls between evaluations of one tick; null = no sharing.
  EvalMemo* memo = nullptr;
};

struct EvalResult {
  Value value;
  std::optional<std::string> error;
  bool ok() const { return !error.has_value(); }
};

EvalResult Evaluate(const Expr& expr, const tsdb::SeriesStore& store, int64_t t_ms,
                    const EvalOptions& options = {});

}  // namespace fxagent::promql
