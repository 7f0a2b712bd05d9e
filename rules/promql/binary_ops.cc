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

tsdb::Labels MatchedLabels(const tsdb::Labels& l, const VectorMatching& m) {
  if (!m.on && m.matching_labels.empty()) return l.WithoutMetricName();
  tsdb::LabelsBuilder b(l);
  if (m.on) {
    b.Keep(m.matching_labels);
  } else {
    for (const std::string& n : m.matching_labels) b.Del(n);
    b.Del(tsdb::kMetricName);
  }
  return b.Build();
}

/// The labels that decide whether two samples match (cached per label set).
class Signer {
 public:
  explicit Signer(const VectorMatching& m) : m_(m) {
    std::string description = m.on ? "match-on:" : "match-ignoring:";
    for (const std::string& n : m.matching_labels) description += n + ",";
    id_ = tsdb::InternProjection(description);
  }
  tsdb::Labels operator()(const tsdb::Labels& l) const {
    if (!m_.on && m_.matching_labels.empty()) return l.WithoutMetricName();
    return l.Project(id_, [this](const tsdb::Labels& x) { return MatchedLabels(x, m_); });
  }

 private:
  const VectorMatching& m_;
  uint32_t id_ = 0;
};

using LabelsSet = std::unordered_set<tsdb::Labels, tsdb::LabelsHash>;

tsdb::Labels ResultMetricUncached(const tsdb::Labels& lhs, const tsdb::Labels& rhs, BinOp op,
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

/// The result's labels; they only depend on the left side unless group_x(labels...)
/// copies labels from the right, so those are cached per left label set.
class ResultLabeler {
 public:
  ResultLabeler(BinOp op, const VectorMatching& m) : op_(op), m_(m) {
    std::string description = std::string("result:") + (ShouldDropMetricName(op) ? "drop," : "") +
                              (m.card == Cardinality::kOneToOne ? "1:1," : "n:m,") +
                              (m.on ? "on:" : "ignoring:");
    for (const std::string& n : m.matching_labels) description += n + ",";
    id_ = tsdb::InternProjection(description);
  }
  tsdb::Labels operator()(const tsdb::Labels& lhs, const tsdb::Labels& rhs) const {
    if (!m_.include.empty()) return ResultMetricUncached(lhs, rhs, op_, m_);
    return lhs.Project(id_, [this](const tsdb::Labels& l) {
      return ResultMetricUncached(l, tsdb::Labels(), op_, m_);
    });
  }

 private:
  BinOp op_;
  const VectorMatching& m_;
  uint32_t id_ = 0;
};

Vector SetOp(BinOp op, Vector lhs, Vector rhs, const VectorMatching& m) {
  const Signer sig(m);
  Vector out;
  switch (op) {
    case BinOp::kAnd: {
      if (lhs.empty() || rhs.empty()) return out;
      LabelsSet right;
      for (const Sample& s : rhs) right.insert(sig(s.metric));
      for (Sample& s : lhs) {
        if (right.contains(sig(s.metric))) out.push_back(std::move(s));
      }
      return out;
    }
    case BinOp::kOr: {
      LabelsSet left;
      out.reserve(lhs.size() + rhs.size());
      for (Sample& s : lhs) {
        left.insert(sig(s.metric));
        out.push_back(std::move(s));
      }
      for (Sample& s : rhs) {
        if (!left.contains(sig(s.metric))) out.push_back(std::move(s));
      }
      return out;
    }
    default: {
      if (rhs.empty()) return lhs;
      LabelsSet right;
      for (const Sample& s : rhs) right.insert(sig(s.metric));
      for (Sample& s : lhs) {
        if (!right.contains(sig(s.metric))) out.push_back(std::move(s));
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
  const Signer signature(m);
  const ResultLabeler result_labels(op, m);
  std::unordered_map<tsdb::Labels, const Sample*, tsdb::LabelsHash> right;
  right.reserve(rhs.size());
  for (const Sample& rs : rhs) {
    auto [it, inserted] = right.emplace(signature(rs.metric), &rs);
    if (!inserted) {
      Throw("found duplicate series for the match group " + MatchedLabels(rs.metric, m).ToString() +
            " on the " + (one_to_many ? "left" : "right") + " hand-side of the operation: [" +
            rs.metric.ToString() + ", " + it->second->metric.ToString() +
            "];many-to-many matching not allowed: matching labels must be unique on one side");
    }
  }
  LabelsSet matched_one;  // one-to-one: signatures already matched
  std::unordered_map<tsdb::Labels, LabelsSet, tsdb::LabelsHash> matched;  // group_x
  for (const Sample& ls : lhs) {
    tsdb::Labels sig = signature(ls.metric);
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
    tsdb::Labels metric = result_labels(ls.metric, rs.metric);
    if (return_bool) metric = metric.WithoutMetricName();
    if (m.card == Cardinality::kOneToOne) {
      if (!matched_one.insert(sig).second) {
        Throw(
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
      }
    } else if (!matched[sig].insert(metric).second) {
      Throw("multiple matches for labels: grouping labels must ensure unique matches");
    }
    out.push_back(Sample{std::move(metric), value, 0});
  }
  return out;
}

Vector VectorScalarBinop(BinOp op, Vector lhs, double scalar, bool swap, bool return_bool) {
  Vector out;
  out.reserve(lhs.size());
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
