#include "rules/alerting/alert_evaluator.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <set>
#include <thread>

#include "rules/alerting/alert_instances.h"
#include "rules/alerting/parallel_for.h"

namespace fxagent::alerting {

namespace {

AlertState ToState(const Rule& rule, const auto& a) {
  AlertState s;
  s.alertname = rule.alert;
  s.severity = rule.severity;
  s.label_set = a.labels;
  s.annotation_set = a.annotations ? a.annotations : EmptyStringMap();
  s.state = a.state;
  s.active_at_ms = a.active_at;
  s.fired_at_ms = a.fired_at;
  s.keep_firing_since_ms = a.keep_firing_since;
  s.value = a.value;
  return s;
}

}  // namespace

AlertEvaluator::AlertEvaluator(RuleSet rules, prometheus::Registry& registry,
                               AlertEvaluatorOptions options)
    : rules_(std::move(rules)),
      options_(std::move(options)),
      gauges_(prometheus::BuildGauge()
                  .Name("flexport_alerts")
                  .Help("Active alerts (1 per alert), like Prometheus' ALERTS")
                  .Register(registry)),
      active_(rules_.rules.size()),
      index_(rules_.rules.size()),
      results_(rules_.rules.size()) {
  unsigned threads = options_.threads;
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1U, 4U);
  pool_ = std::make_unique<ParallelFor>(threads - 1);
  std::vector<const promql::Expr*> roots;
  for (const Rule& rule : rules_.rules) {
    if (rule.expr) roots.push_back(rule.expr.get());
  }
  memo_.Prepare(roots);
  for (const Rule& rule : rules_.rules) {
    label_caches_.push_back(std::make_unique<detail::FinalLabelsCache>());
    annotations_use_value_.push_back(detail::AnnotationsUseValue(rule));
    size_t slot = 0;
    while (slot < slots_.size() &&
           (slots_[slot].alertname != rule.alert || slots_[slot].severity != rule.severity)) {
      ++slot;
    }
    if (slot == slots_.size() && rule.IsAlert()) slots_.push_back({rule.alert, rule.severity});
    rule_slot_.push_back(slot);
  }
}

AlertEvaluator::~AlertEvaluator() = default;

std::vector<AlertState> AlertEvaluator::Evaluate(tsdb::SeriesStore& store, int64_t t_ms) {
  return EvaluateImpl(store, &store, t_ms);
}

std::vector<AlertState> AlertEvaluator::Evaluate(const tsdb::SeriesStore& store, int64_t t_ms) {
  return EvaluateImpl(store, nullptr, t_ms);
}

std::vector<AlertState> AlertEvaluator::EvaluateImpl(const tsdb::SeriesStore& store,
                                                     tsdb::SeriesStore* writable, int64_t t_ms) {
  std::vector<AlertState> out;
  std::lock_guard<std::mutex> lock(mu_);
  errors_.clear();
  const uint64_t tick = ++tick_;
  size_t previous = 0;
  for (const AlertMap& m : active_) previous += m.size();
  out.reserve(previous + previous / 4 + 8);
  promql::EvalOptions eval = options_.eval;
  eval.memo = &memo_;
  memo_.Clear();
  const size_t n = rules_.rules.size();
  for (size_t i = 0; i < n;) {
    const Rule& rule = rules_.rules[i];
    if (!rule.IsAlert()) {
      // Recording rules run in file order: later rules see what they wrote.
      if (writable != nullptr) {
        std::vector<tsdb::ScrapeSample> samples;
        if (auto err = detail::EvalRecordingRule(rule, store, t_ms, eval, &samples)) {
          errors_.push_back(rule.record + ": " + *err);
        } else {
          for (const tsdb::ScrapeSample& s : samples) writable->Append(s.labels, t_ms, s.value);
          memo_.Clear();  // later rules must see the recorded samples
        }
      }
      ++i;
      continue;
    }
    // A run of alert rules only reads the store: their queries may run in parallel;
    // their results are applied in file order.
    size_t end = i;
    while (end < n && rules_.rules[end].IsAlert()) ++end;
    const std::function<void(size_t)> query = [&, first = i](size_t k) {
      const size_t r = first + k;
      RuleResult& res = results_[r];
      res.instances.clear();
      res.error = detail::EvalAlertRule(rules_.rules[r], store, t_ms, eval, &res.instances,
                                        label_caches_[r].get(), tick);
    };
    if (end - i >= kParallelMinRules) {
      pool_->Run(end - i, query);
    } else {
      for (size_t k = 0; k < end - i; ++k) query(k);
    }
    for (; i < end; ++i) ApplyRule(i, t_ms, tick, out);
  }
  memo_.Clear();
  UpdateGauges();
  if (!options_.state_path.empty() && state_dirty_) {
    std::string json = StateJsonLocked();
    // After a failed save, write even an unchanged state: the retry tells whether the
    // disk takes writes again (else the error would stick until the state changes).
    if (json != last_saved_ || !save_error_.empty()) {
      std::string error;
      save_error_ = SaveLocked(json, &error) ? "" : error;
    }
    state_dirty_ = !save_error_.empty();
  }
  return out;
}

void AlertEvaluator::ApplyRule(size_t i, int64_t t_ms, uint64_t tick,
                               std::vector<AlertState>& out) {
  const Rule& rule = rules_.rules[i];
  AlertMap& alerts = active_[i];
  AlertIndex& index = index_[i];
  RuleResult& res = results_[i];
  if (res.error) {
    errors_.push_back(rule.alert + ": " + *res.error);
    for (const auto& [labels, a] : alerts) out.push_back(ToState(rule, a));
    return;
  }
  for (detail::Instance& inst : res.instances) {
    auto [slot, inserted] = index.try_emplace(inst.labels, nullptr);
    if (inserted) slot->second = &alerts.try_emplace(inst.labels).first->second;
    Alert& a = *slot->second;
    if (inserted) {
      a.labels = std::make_shared<const StringMap>(detail::ToStringMap(inst.labels));
      a.state = AlertStatus::kPending;
      a.active_at = t_ms;
      state_dirty_ = true;
    }
    a.value = inst.value;
    if (!a.annotations || annotations_use_value_[i]) {
      a.annotations = detail::ExpandAnnotations(rule, inst);
    }
    a.seen_tick = tick;
  }
  res.instances.clear();  // drop label references until the next tick
  for (auto it = alerts.begin(); it != alerts.end();) {
    Alert& a = it->second;
    if (a.seen_tick != tick) {
      bool keep = false;
      if (a.state == AlertStatus::kFiring && rule.keep_firing_for_ms > 0) {
        if (!a.keep_firing_since) {
          a.keep_firing_since = t_ms;
          state_dirty_ = true;
        }
        keep = t_ms - *a.keep_firing_since < rule.keep_firing_for_ms;
      }
      if (!keep) {
        if (a.state == AlertStatus::kFiring) {
          AlertState resolved = ToState(rule, a);
          resolved.state = AlertStatus::kResolved;
          resolved.resolved_at_ms = t_ms;
          out.push_back(std::move(resolved));
        }
        index.erase(it->first);
        it = alerts.erase(it);
        state_dirty_ = true;
        continue;
      }
    } else if (a.keep_firing_since) {
      a.keep_firing_since.reset();
      state_dirty_ = true;
    }
    if (a.state == AlertStatus::kPending && t_ms - a.active_at >= rule.for_ms) {
      a.state = AlertStatus::kFiring;
      a.fired_at = t_ms;
      state_dirty_ = true;
    }
    out.push_back(ToState(rule, a));
    ++it;
  }
}

void AlertEvaluator::RebuildIndex() {
  for (size_t i = 0; i < active_.size(); ++i) {
    index_[i].clear();
    for (auto& [labels, a] : active_[i]) index_[i].emplace(labels, &a);
  }
}

void AlertEvaluator::UpdateGauges() {
  std::vector<std::pair<int, int>> counts(slots_.size());  // pending, firing
  for (size_t i = 0; i < rules_.rules.size(); ++i) {
    if (!rules_.rules[i].IsAlert()) continue;
    for (const auto& [labels, a] : active_[i]) {
      auto& c = counts[rule_slot_[i]];
      ++(a.state == AlertStatus::kFiring ? c.second : c.first);
    }
  }
  auto set = [this](GaugeSlot& slot, prometheus::Gauge*& gauge, AlertStatus state, int n) {
    if (n == 0) {
      if (gauge != nullptr) gauges_.Remove(gauge);
      gauge = nullptr;
      return;
    }
    if (gauge == nullptr) {
      gauge = &gauges_.Add({{"alertname", slot.alertname},
                            {"severity", slot.severity},
                            {"alertstate", std::string(AlertStatusName(state))}});
    }
    gauge->Set(n);
  };
  for (size_t s = 0; s < slots_.size(); ++s) {
    set(slots_[s], slots_[s].pending, AlertStatus::kPending, counts[s].first);
    set(slots_[s], slots_[s].firing, AlertStatus::kFiring, counts[s].second);
  }
}

std::vector<AlertState> AlertEvaluator::ActiveAlerts() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AlertState> out;
  for (size_t i = 0; i < rules_.rules.size(); ++i) {
    for (const auto& [labels, a] : active_[i]) out.push_back(ToState(rules_.rules[i], a));
  }
  return out;
}

std::vector<std::string> AlertEvaluator::last_errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

std::string AlertEvaluator::last_save_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return save_error_;
}

std::vector<AlertState> InstantClassify(const RuleSet& rules, const tsdb::SeriesStore& store,
                                        int64_t t_ms, std::vector<std::string>* errors,
                                        const promql::EvalOptions& options) {
  std::vector<AlertState> out;
  for (const Rule& rule : rules.rules) {
    if (!rule.IsAlert()) continue;
    std::vector<detail::Instance> instances;
    if (auto err = detail::EvalAlertRule(rule, store, t_ms, options, &instances)) {
      if (errors != nullptr) errors->push_back(rule.alert + ": " + *err);
      continue;
    }
    for (detail::Instance& inst : instances) {
      AlertState s;
      s.alertname = rule.alert;
      s.severity = rule.severity;
      s.label_set = std::make_shared<const StringMap>(detail::ToStringMap(inst.labels));
      s.annotation_set = detail::ExpandAnnotations(rule, inst);
      s.state = AlertStatus::kFiring;
      s.active_at_ms = t_ms;
      s.fired_at_ms = t_ms;
      s.value = inst.value;
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace fxagent::alerting
