#include "rules/alerting/alert_instances.h"

#include <set>

#include "rules/alerting/template.h"

namespace fxagent::alerting::detail {
namespace {

std::optional<std::string> Query(const Rule& rule, const tsdb::SeriesStore& store, int64_t t_ms,
                                 const promql::EvalOptions& options, promql::Vector* out) {
  promql::EvalResult res = promql::Evaluate(*rule.expr, store, t_ms, options);
  if (!res.ok()) return *res.error;
  if (const auto* v = std::get_if<promql::Vector>(&res.value)) {
    *out = *v;
  } else if (const auto* s = std::get_if<promql::Scalar>(&res.value)) {
    out->push_back(promql::Sample{tsdb::Labels{}, s->v, t_ms});
  } else {
    return "rule result is not a vector or scalar";
  }
  return std::nullopt;
}

std::map<std::string, std::string> ToMap(const tsdb::Labels& labels) {
  std::map<std::string, std::string> m;
  for (const tsdb::Label& l : labels) m[l.name] = l.value;
  return m;
}

}  // namespace

std::optional<std::string> EvalAlertRule(const Rule& rule, const tsdb::SeriesStore& store,
                                         int64_t t_ms, const promql::EvalOptions& options,
                                         std::vector<Instance>* out) {
  promql::Vector vec;
  if (auto err = Query(rule, store, t_ms, options, &vec)) return err;
  std::set<std::map<std::string, std::string>> seen;
  for (const promql::Sample& s : vec) {
    std::map<std::string, std::string> tmpl_labels = ToMap(s.metric);
    TemplateData data{&tmpl_labels, s.v};
    Instance inst;
    inst.value = s.v;
    inst.labels = tmpl_labels;
    inst.labels.erase("__name__");
    for (const auto& [name, value] : rule.labels) {
      std::string expanded = ExpandTemplate(value, data);
      if (expanded.empty()) {
        inst.labels.erase(name);
      } else {
        inst.labels[name] = expanded;
      }
    }
    inst.labels["alertname"] = rule.alert;
    inst.labels["severity"] = rule.severity;
    for (const auto& [name, value] : rule.annotations) {
      inst.annotations[name] = ExpandTemplate(value, data);
    }
    if (!seen.insert(inst.labels).second) {
      return "vector contains metrics with the same labelset after applying alert labels";
    }
    out->push_back(std::move(inst));
  }
  return std::nullopt;
}

std::optional<std::string> EvalRecordingRule(const Rule& rule, const tsdb::SeriesStore& store,
                                             int64_t t_ms, const promql::EvalOptions& options,
                                             std::vector<tsdb::ScrapeSample>* out) {
  promql::Vector vec;
  if (auto err = Query(rule, store, t_ms, options, &vec)) return err;
  std::set<tsdb::Labels> seen;
  for (const promql::Sample& s : vec) {
    tsdb::LabelsBuilder b(s.metric);
    b.Set("__name__", rule.record);
    for (const auto& [name, value] : rule.labels) b.Set(name, value);
    tsdb::Labels labels = b.Build();
    if (!seen.insert(labels).second) {
      return "vector contains metrics with the same labelset after applying rule labels";
    }
    out->push_back(tsdb::ScrapeSample{labels, s.v});
  }
  return std::nullopt;
}

}  // namespace fxagent::alerting::detail
