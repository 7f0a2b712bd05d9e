/// Shared body of the rule-file fuzz targets (TOML and Prometheus YAML): parse every
/// rule, export the valid ones as a Prometheus rule file and parse that back (the same
/// rules), then evaluate them twice over a small store so templates get rendered.
/// Not thread-safe (the store is a function-local static).
#pragma once

#include <prometheus/registry.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "rules/alerting/alert_evaluator.h"
#include "rules/alerting/export.h"
#include "rules/alerting/rule_loader.h"
#include "rules/tsdb/tsdb.h"

namespace fxagent::fuzz {

inline void FuzzRuleText(std::string_view text, alerting::RuleFormat format, const char* file) {
  alerting::RuleSet rules;
  try {
    (void)alerting::ParseRulesAll(text, file, format, &rules);
  } catch (const alerting::RuleError&) {
    return;  // documented as error values, but a throw with a position is acceptable too
  }
  if (rules.rules.empty()) return;
  (void)rules.MaxLookbackMs();

  const std::string exported = alerting::ExportPrometheusRules(rules);
  alerting::RuleSet again;
  const auto errors =
      alerting::ParseRulesAll(exported, "exported.yml", alerting::RuleFormat::kYaml, &again);
  // What `rules export` writes must load in the agent (and in Prometheus).
  if (!errors.empty() || again.rules.size() != rules.rules.size()) std::abort();
  // ... and load as the same rules, names, labels and annotations byte for byte.
  for (size_t i = 0; i < rules.rules.size(); ++i) {
    const alerting::Rule& a = rules.rules[i];
    const alerting::Rule& b = again.rules[i];
    if (a.alert != b.alert || a.record != b.record || a.severity != b.severity ||
        a.labels != b.labels || a.annotations != b.annotations || a.for_ms != b.for_ms ||
        a.keep_firing_for_ms != b.keep_firing_for_ms || a.expr->ToString() != b.expr->ToString()) {
      std::abort();
    }
  }

  tsdb::SeriesStore store;
  for (int64_t t = 0; t <= 120'000; t += 15'000) {
    store.Append({{"__name__", "flexport_probe_success"}, {"probe", "shipments"}, {"kind", "api"}},
                 t, t % 30'000 == 0 ? 0 : 1);
    store.Append({{"__name__", "up"}, {"instance", "a{{x}}"}}, t, 1);
  }
  prometheus::Registry registry;
  alerting::AlertEvaluator evaluator(std::move(rules), registry);
  for (int64_t t : {int64_t{60'000}, int64_t{120'000}}) {
    for (const auto& alert : evaluator.Evaluate(store, t)) (void)alert;
    (void)evaluator.last_errors();
  }
}

}  // namespace fxagent::fuzz
