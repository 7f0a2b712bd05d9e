#include "rules/alerting/alert_evaluator.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <set>

#include "rules/alerting/alert_instances.h"

namespace fxagent::alerting {

namespace {

AlertState ToState(const Rule& rule, const std::map<std::string, std::string>& labels,
                   const auto& a) {
  AlertState s;
  s.alertname = rule.alert;
  s.severity = rule.severity;
  s.labels = labels;
  s.annotations = a.annotations;
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
      active_(rules_.rules.size()) {}

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
  for (size_t i = 0; i < rules_.rules.size(); ++i) {
    const Rule& rule = rules_.rules[i];
    if (!rule.IsAlert()) {
      if (writable == nullptr) continue;
      std::vector<tsdb::ScrapeSample> samples;
      if (auto err = detail::EvalRecordingRule(rule, store, t_ms, options_.eval, &samples)) {
        errors_.push_back(rule.record + ": " + *err);
        continue;
      }
      for (const tsdb::ScrapeSample& s : samples) writable->Append(s.labels, t_ms, s.value);
      continue;
    }
    AlertMap& alerts = active_[i];
    std::vector<detail::Instance> instances;
    if (auto err = detail::EvalAlertRule(rule, store, t_ms, options_.eval, &instances)) {
      errors_.push_back(rule.alert + ": " + *err);
      for (const auto& [labels, a] : alerts) out.push_back(ToState(rule, labels, a));
      continue;
    }
    std::set<std::map<std::string, std::string>> present;
    for (detail::Instance& inst : instances) {
      present.insert(inst.labels);
      auto [it, inserted] = alerts.try_emplace(inst.labels);
      Alert& a = it->second;
      if (inserted) {
        a.state = AlertStatus::kPending;
        a.active_at = t_ms;
      }
      a.value = inst.value;
      a.annotations = std::move(inst.annotations);
    }
    for (auto it = alerts.begin(); it != alerts.end();) {
      Alert& a = it->second;
      if (present.count(it->first) == 0) {
        bool keep = false;
        if (a.state == AlertStatus::kFiring && rule.keep_firing_for_ms > 0) {
          if (!a.keep_firing_since) a.keep_firing_since = t_ms;
          keep = t_ms - *a.keep_firing_since < rule.keep_firing_for_ms;
        }
        if (!keep) {
          if (a.state == AlertStatus::kFiring) {
            AlertState resolved = ToState(rule, it->first, a);
            resolved.state = AlertStatus::kResolved;
            resolved.resolved_at_ms = t_ms;
            out.push_back(std::move(resolved));
          }
          it = alerts.erase(it);
          continue;
        }
      } else {
        a.keep_firing_since.reset();
      }
      if (a.state == AlertStatus::kPending && t_ms - a.active_at >= rule.for_ms) {
        a.state = AlertStatus::kFiring;
        a.fired_at = t_ms;
      }
      out.push_back(ToState(rule, it->first, a));
      ++it;
    }
  }
  UpdateGauges();
  if (!options_.state_path.empty()) {
    std::string json = StateJsonLocked();
    if (json != last_saved_) {
      std::string error;
      save_error_ = SaveLocked(json, &error) ? "" : error;
    }
  }
  return out;
}

void AlertEvaluator::UpdateGauges() {
  std::map<std::map<std::string, std::string>, int> counts;
  for (size_t i = 0; i < rules_.rules.size(); ++i) {
    for (const auto& [labels, a] : active_[i]) {
      ++counts[{{"alertname", rules_.rules[i].alert},
                {"severity", rules_.rules[i].severity},
                {"alertstate", std::string(AlertStatusName(a.state))}}];
    }
  }
  for (auto it = exported_.begin(); it != exported_.end();) {
    if (counts.count(it->first) == 0) {
      gauges_.Remove(it->second);
      it = exported_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [labels, n] : counts) {
    auto [it, inserted] = exported_.try_emplace(labels, nullptr);
    if (inserted) it->second = &gauges_.Add(labels);
    it->second->Set(n);
  }
}

std::vector<AlertState> AlertEvaluator::ActiveAlerts() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AlertState> out;
  for (size_t i = 0; i < rules_.rules.size(); ++i) {
    for (const auto& [labels, a] : active_[i]) out.push_back(ToState(rules_.rules[i], labels, a));
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
      s.labels = std::move(inst.labels);
      s.annotations = std::move(inst.annotations);
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
