#include "rules/alerting/alert_instances.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "rules/alerting/template.h"

namespace fxagent::alerting::detail {
namespace {

std::optional<std::string> Query(const Rule& rule, const tsdb::SeriesStore& store, int64_t t_ms,
                                 const promql::EvalOptions& options, promql::Vector* out) {
  promql::EvalResult res = promql::Evaluate(*rule.expr, store, t_ms, options);
  if (!res.ok()) return *res.error;
  if (auto* v = std::get_if<promql::Vector>(&res.value)) {
    *out = std::move(*v);
  } else if (const auto* s = std::get_if<promql::Scalar>(&res.value)) {
    out->push_back(promql::Sample{tsdb::Labels{}, s->v, t_ms});
  } else {
    return "rule result is not a vector or scalar";
  }
  return std::nullopt;
}

bool HasTemplate(const std::string& text) { return text.find("{{") != std::string::npos; }

}  // namespace

StringMap ToStringMap(const tsdb::Labels& labels) {
  StringMap m;
  for (const tsdb::Label& l : labels) m.emplace_hint(m.end(), l.name, l.value);
  return m;
}

bool AnnotationsUseValue(const Rule& rule) {
  for (const auto& [name, text] : rule.annotations) {
    if (HasTemplate(text) &&
        (text.find("$value") != std::string::npos || text.find(".Value") != std::string::npos)) {
      return true;
    }
  }
  return false;
}

SharedStringMap ExpandAnnotations(const Rule& rule, const Instance& inst) {
  if (rule.annotations.empty()) return EmptyStringMap();
  const StringMap tmpl_labels = ToStringMap(inst.metric);
  const TemplateData data{&tmpl_labels, inst.value};
  auto out = std::make_shared<StringMap>();
  for (const auto& [name, value] : rule.annotations) {
    out->emplace_hint(out->end(), name, ExpandTemplate(value, data));
  }
  return out;
}

std::optional<std::string> EvalAlertRule(const Rule& rule, const tsdb::SeriesStore& store,
                                         int64_t t_ms, const promql::EvalOptions& options,
                                         std::vector<Instance>* out, FinalLabelsCache* cache,
                                         uint64_t tick) {
  promql::Vector vec;
  if (auto err = Query(rule, store, t_ms, options, &vec)) return err;
  bool templated_labels = false;
  for (const auto& [name, value] : rule.labels) templated_labels |= HasTemplate(value);
  const size_t first = out->size();
  out->reserve(first + vec.size());
  for (promql::Sample& s : vec) {
    auto build = [&] {
      tsdb::LabelsBuilder b(s.metric);
      b.Del(tsdb::kMetricName);
      if (templated_labels) {
        const StringMap tmpl_labels = ToStringMap(s.metric);
        const TemplateData data{&tmpl_labels, s.v};
        for (const auto& [name, value] : rule.labels) b.Set(name, ExpandTemplate(value, data));
      } else {
        for (const auto& [name, value] : rule.labels) b.Set(name, value);
      }
      b.Set("alertname", rule.alert);
      b.Set("severity", rule.severity);
      return b.Build();
    };
    tsdb::Labels labels =
        cache != nullptr && !templated_labels ? cache->Get(s.metric, tick, build) : build();
    out->push_back(Instance{std::move(labels), std::move(s.metric), s.v});
  }
  if (cache != nullptr && cache->size() > vec.size()) cache->Sweep(tick);
  // Distinct results must stay distinct after the rule's labels are applied.
  std::vector<std::pair<size_t, size_t>> hashes;
  hashes.reserve(out->size() - first);
  for (size_t i = first; i < out->size(); ++i) hashes.emplace_back((*out)[i].labels.Hash(), i);
  std::sort(hashes.begin(), hashes.end());
  for (size_t i = 1; i < hashes.size(); ++i) {
    for (size_t j = i; j > 0 && hashes[j - 1].first == hashes[i].first; --j) {
      if ((*out)[hashes[j - 1].second].labels == (*out)[hashes[i].second].labels) {
        out->resize(first);
        return "vector contains metrics with the same labelset after applying alert labels";
      }
    }
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
