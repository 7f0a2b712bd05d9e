// Aggregation operators (sum, avg, min, max, count, group, stddev, stdvar, topk, bottomk,
// quantile, count_values) with by/without, following Prometheus 2.x engine.go.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "rules/promql/eval_internal.h"

namespace fxagent::promql::detail {
namespace {

struct Group {
  tsdb::Labels labels;
  double value = 0;
  double mean = 0;
  double count = 0;
  std::vector<Sample> heap;  // topk/bottomk/quantile
};

// Go's container/heap over a Less function, so ties are resolved as in Prometheus.
template <typename Less>
void HeapUp(std::vector<Sample>& h, size_t j, Less less) {
  while (j > 0) {
    size_t i = (j - 1) / 2;
    if (!less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    j = i;
  }
}

template <typename Less>
bool HeapDown(std::vector<Sample>& h, size_t i0, Less less) {
  size_t i = i0;
  const size_t n = h.size();
  while (true) {
    size_t j1 = 2 * i + 1;
    if (j1 >= n) break;
    size_t j = j1;
    if (size_t j2 = j1 + 1; j2 < n && less(h[j2], h[j1])) j = j2;
    if (!less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    i = j;
  }
  return i > i0;
}

bool ValueLess(const Sample& a, const Sample& b) { return std::isnan(a.v) || a.v < b.v; }
bool ReverseValueLess(const Sample& a, const Sample& b) { return std::isnan(a.v) || a.v > b.v; }

// The group's labels: by (keep the listed names) or without (drop them and the name).
tsdb::Labels GroupLabels(const tsdb::Labels& l, const std::vector<std::string>& grouping,
                         bool without) {
  tsdb::LabelsBuilder b(l);
  if (without) {
    for (const std::string& n : grouping) b.Del(n);
    b.Del(tsdb::kMetricName);
    return b.Build();
  }
  if (grouping.empty()) return tsdb::Labels();
  return b.Keep(grouping).Build();
}

uint32_t GroupingId(const std::vector<std::string>& grouping, bool without) {
  std::string description = without ? "agg-without:" : "agg-by:";
  for (const std::string& n : grouping) description += n + ",";
  return tsdb::InternProjection(description);
}

// The group a first sample of it starts.
Group StartGroup(AggOp op, tsdb::Labels labels, const Sample& s) {
  Group g;
  g.labels = std::move(labels);
  g.value = s.v;
  g.mean = s.v;
  g.count = 1;
  switch (op) {
    case AggOp::kStddev:
    case AggOp::kStdvar:
      g.value = 0;
      break;
    case AggOp::kTopk:
    case AggOp::kBottomk:
    case AggOp::kQuantile:
      g.heap.push_back(s);
      break;
    case AggOp::kGroup:
      g.value = 1;
      break;
    default:
      break;
  }
  return g;
}

// Adds a further sample of the group; `k` is topk/bottomk's parameter.
void Accumulate(AggOp op, int64_t k, Group& g, const Sample& s) {
  switch (op) {
    case AggOp::kSum:
      g.value += s.v;
      break;
    case AggOp::kAvg:
      g.count++;
      if (std::isinf(g.mean)) {
        if (std::isinf(s.v) && (g.mean > 0) == (s.v > 0)) break;
        if (!std::isinf(s.v) && !std::isnan(s.v)) break;
      }
      g.mean += s.v / g.count - g.mean / g.count;
      break;
    case AggOp::kMax:
      if (g.value < s.v || std::isnan(g.value)) g.value = s.v;
      break;
    case AggOp::kMin:
      if (g.value > s.v || std::isnan(g.value)) g.value = s.v;
      break;
    case AggOp::kCount:
    case AggOp::kCountValues:
      g.count++;
      break;
    case AggOp::kStddev:
    case AggOp::kStdvar: {
      g.count++;
      double delta = s.v - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (s.v - g.mean);
      break;
    }
    case AggOp::kTopk:
      if (static_cast<int64_t>(g.heap.size()) < k) {
        g.heap.push_back(s);
        HeapUp(g.heap, g.heap.size() - 1, ValueLess);
      } else if (g.heap[0].v < s.v || (std::isnan(g.heap[0].v) && !std::isnan(s.v))) {
        g.heap[0] = s;
        if (k > 1 && !HeapDown(g.heap, 0, ValueLess)) HeapUp(g.heap, 0, ValueLess);
      }
      break;
    case AggOp::kBottomk:
      if (static_cast<int64_t>(g.heap.size()) < k) {
        g.heap.push_back(s);
        HeapUp(g.heap, g.heap.size() - 1, ReverseValueLess);
      } else if (g.heap[0].v > s.v || (std::isnan(g.heap[0].v) && !std::isnan(s.v))) {
        g.heap[0] = s;
        if (k > 1 && !HeapDown(g.heap, 0, ReverseValueLess)) {
          HeapUp(g.heap, 0, ReverseValueLess);
        }
      }
      break;
    case AggOp::kQuantile:
      g.heap.push_back(s);
      break;
    case AggOp::kGroup:
      break;
  }
}

// Appends the group's output sample(s); `q` is quantile's parameter.
void Finish(AggOp op, double q, Group& g, Vector& out) {
  switch (op) {
    case AggOp::kAvg:
      g.value = g.mean;
      break;
    case AggOp::kCount:
    case AggOp::kCountValues:
      g.value = g.count;
      break;
    case AggOp::kStdvar:
      g.value = g.value / g.count;
      break;
    case AggOp::kStddev:
      g.value = std::sqrt(g.value / g.count);
      break;
    case AggOp::kTopk:
    case AggOp::kBottomk: {
      const bool top = op == AggOp::kTopk;
      std::stable_sort(g.heap.begin(), g.heap.end(), [top](const Sample& x, const Sample& y) {
        if (std::isnan(x.v)) return false;
        if (std::isnan(y.v)) return true;
        return top ? x.v > y.v : x.v < y.v;
      });
      for (Sample& s : g.heap) out.push_back(Sample{std::move(s.metric), s.v, 0});
      return;
    }
    case AggOp::kQuantile: {
      std::vector<double> values;
      values.reserve(g.heap.size());
      for (const Sample& s : g.heap) values.push_back(s.v);
      g.value = Quantile(q, std::move(values));
      break;
    }
    default:
      break;
  }
  out.push_back(Sample{std::move(g.labels), g.value, 0});
}
}  // namespace

Vector EvalAggregate(Evaluator& ev, const AggregateExpr& a, int64_t ts) {
  int64_t k = 0;
  double q = 0;
  std::string value_label;
  std::vector<std::string> grouping = a.grouping;
  if (a.op == AggOp::kTopk || a.op == AggOp::kBottomk) {
    double f = ev.EvalScalar(*a.param, ts);
    if (!(f >= -9.2233720368547758e18 && f <= 9.2233720368547758e18)) {
      Throw("Scalar value " + FormatFloat(f) + " overflows int64");
    }
    k = static_cast<int64_t>(f);
  } else if (a.op == AggOp::kQuantile) {
    q = ev.EvalScalar(*a.param, ts);
  } else if (a.op == AggOp::kCountValues) {
    value_label = ev.EvalString(*a.param, ts);
    if (!tsdb::IsValidLabelName(value_label)) {
      Throw("invalid label name \"" + value_label + "\"");
    }
    if (!a.without) grouping.push_back(value_label);
  }
  Vector vec = ev.EvalVector(*a.expr, ts);
  if ((a.op == AggOp::kTopk || a.op == AggOp::kBottomk) && k < 1) return {};

  // Group labels identify the group; they are cached per input label set (see
  // Labels::Project), except for count_values whose input labels are built here.
  const uint32_t projection = GroupingId(grouping, a.without);
  auto group_labels = [&](const tsdb::Labels& l) { return GroupLabels(l, grouping, a.without); };
  std::unordered_map<tsdb::Labels, size_t, tsdb::LabelsHash> index;
  index.reserve(vec.size());
  std::vector<Group> groups;
  for (Sample& s : vec) {
    tsdb::Labels key;
    if (a.op == AggOp::kCountValues) {
      s.metric = tsdb::LabelsBuilder(s.metric).Set(value_label, FormatFloat(s.v)).Build();
      key = group_labels(s.metric);
    } else {
      key = s.metric.Project(projection, group_labels);
    }
    auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) {
      groups.push_back(StartGroup(a.op, std::move(key), s));
      continue;
    }
    Accumulate(a.op, k, groups[it->second], s);
  }

  Vector out;
  for (Group& g : groups) Finish(a.op, q, g, out);
  return out;
}

}  // namespace fxagent::promql::detail
