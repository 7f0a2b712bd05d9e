/// AlertEvaluator: evaluates a RuleSet every tick with Prometheus' alerting-rule
/// semantics (inactive → pending → firing after `for`, `keep_firing_for`, resolved alerts
/// reported once), exports `flexport_alerts{alertname,severity,alertstate}` like
/// Prometheus' ALERTS, and persists active alert state (JSON, atomic rename) so a restart
/// neither re-pages nor forgets a firing alert. InstantClassify evaluates the alert rules
/// once, ignoring `for` (the `check` command). Thread-safety: Evaluate/RestoreState from
/// one thread at a time; ActiveAlerts and last_errors may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "rules/alerting/alert_state.h"
#include "rules/alerting/rule.h"
#include "rules/promql/evaluator.h"
#include "rules/tsdb/labels.h"
#include "rules/tsdb/tsdb.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Gauge;
}  // namespace prometheus

namespace fxagent::alerting {

namespace detail {
class FinalLabelsCache;
struct Instance;
}  // namespace detail
class ParallelFor;

struct AlertEvaluatorOptions {
  /// Where active alert state is persisted after every change; "" = not persisted.
  std::string state_path;
  promql::EvalOptions eval;
  /// Threads evaluating alert rules' queries in parallel (the calling thread included);
  /// 0 = one per core, at most 4. Only used for runs of at least
  /// kParallelMinRules consecutive alert rules; extra threads start on first use.
  unsigned threads = 0;
};

/// Consecutive alert rules needed before their queries are spread over threads.
inline constexpr size_t kParallelMinRules = 64;

class AlertEvaluator {
 public:
  AlertEvaluator(RuleSet rules, prometheus::Registry& registry, AlertEvaluatorOptions options = {});
  ~AlertEvaluator();
  AlertEvaluator(const AlertEvaluator&) = delete;
  AlertEvaluator& operator=(const AlertEvaluator&) = delete;

  /// One evaluation at t_ms (rules in file order). Returns every pending and firing alert
  /// plus the alerts that resolved at this tick (reported once, then dropped). Recording
  /// rules write their samples into the store (this overload only).
  std::vector<AlertState> Evaluate(tsdb::SeriesStore& store, int64_t t_ms);
  /// As above, but recording-rule results are not stored (later rules cannot use them).
  std::vector<AlertState> Evaluate(const tsdb::SeriesStore& store, int64_t t_ms);

  /// Pending and firing alerts after the last evaluation.
  std::vector<AlertState> ActiveAlerts() const;
  /// Per-rule evaluation errors of the last tick ("Rule: message"); the rule's alerts
  /// keep their state, as in Prometheus.
  std::vector<std::string> last_errors() const;

  /// Loads state from options.state_path (a missing file is not an error). Call before
  /// the first Evaluate. Alerts of rules that no longer exist are dropped.
  bool RestoreState(std::string* error);
  /// The persisted form (JSON) and its inverse; used by RestoreState and the save after each
  /// evaluation.
  std::string StateJson() const;
  bool LoadStateJson(const std::string& json, std::string* error);
  /// Last persistence failure ("" = none); persistence failures never stop evaluation.
  std::string last_save_error() const;

  const RuleSet& rules() const { return rules_; }

 private:
  struct Alert {
    SharedStringMap labels;       ///< the final labels as a map (what outputs carry)
    SharedStringMap annotations;  ///< null until first expanded (restored alerts)
    AlertStatus state = AlertStatus::kPending;
    int64_t active_at = 0;
    int64_t fired_at = 0;
    std::optional<int64_t> keep_firing_since;
    double value = 0;
    uint64_t seen_tick = 0;  ///< last evaluation that returned this alert
  };
  /// Keyed by the final labels (incl. alertname and severity), in label order.
  using AlertMap = std::map<tsdb::Labels, Alert>;
  /// Hash index into an AlertMap (its nodes are stable).
  using AlertIndex = std::unordered_map<tsdb::Labels, Alert*, tsdb::LabelsHash>;
  /// One flexport_alerts{alertname,severity} pair; rules sharing both share a slot.
  struct GaugeSlot {
    std::string alertname;
    std::string severity;
    prometheus::Gauge* pending = nullptr;
    prometheus::Gauge* firing = nullptr;
  };

  /// A rule's query result of the current tick (filled in parallel, applied in order).
  struct RuleResult {
    std::optional<std::string> error;
    std::vector<detail::Instance> instances;
  };

  std::vector<AlertState> EvaluateImpl(const tsdb::SeriesStore& store, tsdb::SeriesStore* writable,
                                       int64_t t_ms);
  /// Advances rule i's alerts with results_[i]; appends their states to out.
  void ApplyRule(size_t i, int64_t t_ms, uint64_t tick, std::vector<AlertState>& out);
  void UpdateGauges();
  void RebuildIndex();
  std::string StateJsonLocked() const;
  bool SaveLocked(const std::string& json, std::string* error);

  RuleSet rules_;
  AlertEvaluatorOptions options_;
  prometheus::Family<prometheus::Gauge>& gauges_;
  std::vector<GaugeSlot> slots_;
  std::vector<size_t> rule_slot_;            ///< per rule index
  std::vector<bool> annotations_use_value_;  ///< per rule index

  mutable std::mutex mu_;
  std::vector<AlertMap> active_;   ///< per rule index
  std::vector<AlertIndex> index_;  ///< per rule index, over active_
  std::vector<std::unique_ptr<detail::FinalLabelsCache>> label_caches_;  ///< per rule index
  std::vector<RuleResult> results_;                                      ///< per rule index
  std::unique_ptr<ParallelFor> pool_;
  promql::EvalMemo memo_;  ///< identical calls shared within one tick
  uint64_t tick_ = 0;
  bool state_dirty_ = true;  ///< persisted state changed since the last successful save
  std::vector<std::string> errors_;
  std::string last_saved_;
  std::string save_error_;
};

/// Evaluates every alert rule once at t_ms ignoring `for` and `keep_firing_for`: the
/// alerts that would fire (state firing, active_at = fired_at = t_ms). Errors, if any,
/// are appended to `errors` as "Rule: message".
std::vector<AlertState> InstantClassify(const RuleSet& rules, const tsdb::SeriesStore& store,
                                        int64_t t_ms, std::vector<std::string>* errors = nullptr,
                                        const promql::EvalOptions& options = {});

}  // namespace fxagent::alerting
