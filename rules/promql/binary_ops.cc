// Binary operators: arithmetic, comparisons (with and without bool), set operators and
// vector matching, following Prometheus 2.x engine.go (VectorBinop, VectorAnd/Or/Unless).
#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "rules/promql/eval_internal.h"

namespace fxagent::promql::detail {
namespace {

bool ShouldDropMetricName(BinOp op) {
  switch (op) {
    case BinOp::kAdd:
    case BinOp::kSub:
    case BinOp::kMul:
    case BinOp::kDiv:
    case BinOp::kMod:
    case BinOp::kPow:
      return true;
    default:
      return false;
  }
}

// Returns (value, keep) as Prometheus' vectorElemBinop.
std::pair<double, bool> ElemBinop(BinOp op, double l, double r) {
  switch (op) {
    case BinOp::kAdd:
      return {l + r, true};
    case BinOp::kSub:
      return {l - r, true};
    case BinOp::kMul:
      return {l * r, true};
    case BinOp::kDiv:
      return {l / r, true};
    case BinOp::kMod:
      return {std::fmod(l, r), true};
    case BinOp::kPow:
      return {std::pow(l, r), true};
    case BinOp::kAtan2:
      return {std::atan2(l, r), true};
    case BinOp::kEql:
      return {l, l == r};
    case BinOp::kNeq:
      return {l, l != r};
    case BinOp::kGtr:
      return {l, l > r};
    case BinOp::kLss:
      return {l, l < r};
    case BinOp::kGte:
      return {l, l >= r};
    case BinOp::kLte:
      return {l, l <= r};
    default:
      Throw("operator not allowed for scalar operations");
  }
}

// The labels that decide whether two samples match, serialized.
std::string Signature(const tsdb::Labels& l, const VectorMatching& m) {
  std::string sig;
  for (const tsdb::Label& label : l) {
    bool listed = std::find(m.matching_labels.begin(), m.matching_labels.end(), label.name) !=
                  m.matching_labels.end();
    bool use = m.on ? listed : (!listed && label.name != tsdb::kMetricName);
    if (!use) continue;
    sig += label.name;
    sig += '\xff';
    sig += label.value;
    sig += '\xff';
  }
  return sig;
}

tsdb::Labels MatchedLabels(const tsdb::Labels& l, const VectorMatching& m) {
  tsdb::LabelsBuilder b(l);
  if (m.on) {
    b.Keep(m.matching_labels);
  } else {
    for (const std::string& n : m.matching_labels) b.Del(n);
    b.Del(tsdb::kMetricName);
  }
  return b.Build();
}

tsdb::Labels ResultMetric(const tsdb::Labels& lhs, const tsdb::Labels& rhs, BinOp op,
                          const VectorMatching& m) {
  tsdb::LabelsBuilder b(lhs);
  if (ShouldDropMetricName(op)) b.Del(tsdb::kMetricName);
  if (m.card == Cardinality::kOneToOne) {
    if (m.on) {
      b.Keep(m.matching_labels);
    } else {
      for (const std::string& n : m.matching_labels) b.Del(n);
    }
  }
  for (const std::string& n : m.include) b.Set(n, rhs.Get(n));
  return b.Build();
}

Vector SetOp(BinOp op, Vector lhs, Vector rhs, const VectorMatching& m) {
  Vector out;
  switch (op) {
    case BinOp::kAnd: {
      if (lhs.empty() || rhs.empty()) return out;
      std::unordered_set<std::string> right;
      for (const Sample& s : rhs) right.insert(Signature(s.metric, m));
      for (Sample& s : lhs) {
        if (right.contains(Signature(s.metric, m))) out.push_back(std::move(s));
      }
      return out;
    }
    case BinOp::kOr: {
      std::unordered_set<std::string> left;
      for (Sample& s : lhs) {
        left.insert(Signature(s.metric, m));
        out.push_back(std::move(s));
      }
      for (Sample& s : rhs) {
        if (!left.contains(Signature(s.metric, m))) out.push_back(std::move(s));
      }
      return out;
    }
    default: {
      std::unordered_set<std::string> right;
      for (const Sample& s : rhs) right.insert(Signature(s.metric, m));
      for (Sample& s : lhs) {
        if (!right.contains(Signature(s.metric, m))) out.push_back(std::move(s));
      }
      return out;
    }
  }
}

Vector VectorBinop(BinOp op, Vector lhs, Vector rhs, const VectorMatching& m, bool return_bool) {
  Vector out;
  if (lhs.empty() || rhs.empty()) return out;
  const bool one_to_many = m.card == Cardinality::kOneToMany;
  if (one_to_many) std::swap(lhs, rhs);
  std::unordered_map<std::string, const Sample*> right;
  for (const Sample& rs : rhs) {
    auto [it, inserted] = right.emplace(Signature(rs.metric, m), &rs);
    if (!inserted) {
      Throw("found duplicate series for the match group " + MatchedLabels(rs.metric, m).ToString() +
            " on the " + (one_to_many ? "left" : "right") + " hand-side of the operation: [" +
            rs.metric.ToString() + ", " + it->second->metric.ToString() +
            "];many-to-many matching not allowed: matching labels must be unique on one side");
    }
  }
  std::unordered_map<std::string, std::unordered_set<tsdb::Labels, tsdb::LabelsHash>> matched;
  for (const Sample& ls : lhs) {
    std::string sig = Signature(ls.metric, m);
    auto it = right.find(sig);
    if (it == right.end()) continue;
    const Sample& rs = *it->second;
    double vl = ls.v, vr = rs.v;
    if (one_to_many) std::swap(vl, vr);
    auto [value, keep] = ElemBinop(op, vl, vr);
    if (return_bool) {
      value = keep ? 1.0 : 0.0;
    } else if (!keep) {
      continue;
    }
    tsdb::Labels metric = ResultMetric(ls.metric, rs.metric, op, m);
    if (return_bool) metric = metric.WithoutMetricName();
    auto [mit, first] = matched.try_emplace(sig);
    if (m.card == Cardinality::kOneToOne) {
      if (!first) {
        Throw(
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
      }
    } else if (!mit->second.insert(metric).second) {
      Throw("multiple matches for labels: grouping labels must ensure unique matches");
    }
    out.push_back(Sample{std::move(metric), value, 0});
  }
  return out;
}

Vector VectorScalarBinop(BinOp op, Vector lhs, double scalar, bool swap, bool return_bool) {
  Vector out;
  for (Sample& s : lhs) {
    double lv = s.v, rv = scalar;
    if (swap) std::swap(lv, rv);
    auto [value, keep] = ElemBinop(op, lv, rv);
    if (IsComparison(op) && swap) value = rv;
    if (return_bool) {
      value = keep ? 1.0 : 0.0;
      keep = true;
    }
    if (!keep) continue;
    s.v = value;
    if (ShouldDropMetricName(op) || return_bool) s.metric = s.metric.WithoutMetricName();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

Value EvalBinary(Evaluator& ev, const BinaryExpr& b, int64_t ts) {
  Value lv = ev.Eval(*b.lhs, ts);
  Value rv = ev.Eval(*b.rhs, ts);
  auto* ls = std::get_if<Scalar>(&lv);
  auto* rs = std::get_if<Scalar>(&rv);
  if (ls != nullptr && rs != nullptr) {
    auto [value, keep] = ElemBinop(b.op, ls->v, rs->v);
    if (b.return_bool) value = keep ? 1.0 : 0.0;
    return Scalar{value};
  }
  Vector out;
  if (ls != nullptr) {
    out = VectorScalarBinop(b.op, std::get<Vector>(std::move(rv)), ls->v, true, b.return_bool);
  } else if (rs != nullptr) {
    out = VectorScalarBinop(b.op, std::get<Vector>(std::move(lv)), rs->v, false, b.return_bool);
  } else {
    VectorMatching m = b.matching.value_or(VectorMatching{});
    Vector l = std::get<Vector>(std::move(lv));
    Vector r = std::get<Vector>(std::move(rv));
    out = IsSetOp(b.op) ? SetOp(b.op, std::move(l), std::move(r), m)
                        : VectorBinop(b.op, std::move(l), std::move(r), m, b.return_bool);
  }
  CheckNoDuplicateLabelsets(out);
  return out;
}

}  // namespace fxagent::promql::detail
