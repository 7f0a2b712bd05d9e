#include "rules/promql/ast.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "rules/promql/functions.h"
#include "rules/promql/lexer.h"
#include "rules/tsdb/labels.h"

namespace fxagent::promql {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    out += v[i];
  }
  return out;
}

std::string ModifiersString(int64_t offset_ms, const std::optional<AtModifier>& at) {
  std::string out;
  if (at) out += " @ " + at->ToString();
  if (offset_ms > 0) out += " offset " + FormatDuration(offset_ms);
  if (offset_ms < 0) out += " offset -" + FormatDuration(-offset_ms);
  return out;
}

}  // namespace

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNone:
      return "none";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
  }
  return "none";
}

std::string_view BinOpName(BinOp op) {
  static constexpr std::string_view kNames[] = {"+",     "-",   "*",  "/",     "%", "^",
                                                "atan2", "==",  "!=", ">",     "<", ">=",
                                                "<=",    "and", "or", "unless"};
  return kNames[static_cast<int>(op)];
}

bool IsComparison(BinOp op) { return op >= BinOp::kEql && op <= BinOp::kLte; }
bool IsSetOp(BinOp op) { return op >= BinOp::kAnd; }

std::string_view AggOpName(AggOp op) {
  static constexpr std::string_view kNames[] = {"sum",   "avg",     "min",      "max",
                                                "count", "group",   "stddev",   "stdvar",
                                                "topk",  "bottomk", "quantile", "count_values"};
  return kNames[static_cast<int>(op)];
}

std::string FormatFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

std::string NumberLiteral::ToString() const { return FormatFloat(value); }
std::string StringLiteral::ToString() const { return tsdb::QuoteString(value); }

std::string AtModifier::ToString() const {
  switch (kind) {
    case Kind::kStart:
      return "start()";
    case Kind::kEnd:
      return "end()";
    case Kind::kTimestamp:
      break;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(t_ms) / 1000.0);
  return buf;
}

std::string VectorSelector::SelectorString() const {
  // As Prometheus: matchers sorted as text, joined by ",", the name matcher folded in.
  std::vector<std::string> parts;
  for (const tsdb::Matcher& m : matchers) {
    if (!name.empty() && m.name() == tsdb::kMetricName && m.type() == tsdb::MatchType::kEqual &&
        m.value() == name) {
      continue;
    }
    parts.push_back(m.ToString());
  }
  if (parts.empty()) return name;
  std::sort(parts.begin(), parts.end());
  std::string out = name + "{";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ",";
    out += parts[i];
  }
  return out + "}";
}

std::string VectorSelector::ToString() const {
  return SelectorString() + ModifiersString(offset_ms, at);
}

std::string MatrixSelector::ToString() const {
  return vs->SelectorString() + "[" + FormatDuration(range_ms) + "]" +
         ModifiersString(vs->offset_ms, vs->at);
}

std::string SubqueryExpr::ToString() const {
  return expr->ToString() + "[" + FormatDuration(range_ms) + ":" +
         (step_ms > 0 ? FormatDuration(step_ms) : "") + "]" + ModifiersString(offset_ms, at);
}

ValueType BinaryExpr::Type() const {
  if (lhs->Type() == ValueType::kScalar && rhs->Type() == ValueType::kScalar) {
    return ValueType::kScalar;
  }
  return ValueType::kVector;
}

std::string BinaryExpr::ToString() const {
  std::string mod;
  if (return_bool) mod += " bool";
  if (matching && (!matching->matching_labels.empty() || matching->on)) {
    mod += matching->on ? " on(" : " ignoring(";
    mod += Join(matching->matching_labels) + ")";
    if (matching->card == Cardinality::kManyToOne || matching->card == Cardinality::kOneToMany) {
      mod += matching->card == Cardinality::kManyToOne ? " group_left(" : " group_right(";
      mod += Join(matching->include) + ")";
    }
  }
  return lhs->ToString() + " " + std::string(BinOpName(op)) + mod + " " + rhs->ToString();
}

std::string AggregateExpr::ToString() const {
  std::string out(AggOpName(op));
  if (without) {
    out += " without (" + Join(grouping) + ") ";
  } else if (!grouping.empty()) {
    out += " by (" + Join(grouping) + ") ";
  }
  out += "(";
  if (param) out += param->ToString() + ", ";
  return out + expr->ToString() + ")";
}

ValueType Call::Type() const { return func->return_type; }

const std::string& Expr::Text() const {
  std::call_once(text_once_, [this] { text_ = ToString(); });
  return text_;
}

std::string Call::ToString() const {
  std::string out(func->name);
  out += "(";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ", ";
    out += args[i]->ToString();
  }
  return out + ")";
}

std::vector<const Expr*> Children(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kMatrixSelector:
      return {static_cast<const MatrixSelector&>(e).vs.get()};
    case ExprKind::kSubquery:
      return {static_cast<const SubqueryExpr&>(e).expr.get()};
    case ExprKind::kParen:
      return {static_cast<const ParenExpr&>(e).expr.get()};
    case ExprKind::kUnary:
      return {static_cast<const UnaryExpr&>(e).expr.get()};
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      return {b.lhs.get(), b.rhs.get()};
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      if (a.param) return {a.param.get(), a.expr.get()};
      return {a.expr.get()};
    }
    case ExprKind::kCall: {
      std::vector<const Expr*> out;
      for (const ExprPtr& arg : static_cast<const Call&>(e).args) out.push_back(arg.get());
      return out;
    }
    case ExprKind::kNumber:
    case ExprKind::kString:
    case ExprKind::kVectorSelector:
      break;
  }
  return {};
}

namespace {

void CollectRanges(const Expr& e, std::vector<int64_t>& out) {
  if (e.kind == ExprKind::kMatrixSelector) {
    out.push_back(static_cast<const MatrixSelector&>(e).range_ms);
  } else if (e.kind == ExprKind::kSubquery) {
    out.push_back(static_cast<const SubqueryExpr&>(e).range_ms);
  }
  for (const Expr* child : Children(e)) CollectRanges(*child, out);
}

int64_t Lookback(const Expr& e, int64_t delta) {
  auto max_of = [&](std::initializer_list<const Expr*> es) {
    int64_t m = 0;
    for (const Expr* x : es) {
      if (x != nullptr) m = std::max(m, Lookback(*x, delta));
    }
    return m;
  };
  switch (e.kind) {
    case ExprKind::kVectorSelector:
      return delta + std::max<int64_t>(0, static_cast<const VectorSelector&>(e).offset_ms);
    case ExprKind::kMatrixSelector: {
      const auto& m = static_cast<const MatrixSelector&>(e);
      return m.range_ms + std::max<int64_t>(0, m.vs->offset_ms);
    }
    case ExprKind::kSubquery: {
      const auto& s = static_cast<const SubqueryExpr&>(e);
      return s.range_ms + std::max<int64_t>(0, s.offset_ms) + Lookback(*s.expr, delta);
    }
    case ExprKind::kParen:
      return Lookback(*static_cast<const ParenExpr&>(e).expr, delta);
    case ExprKind::kUnary:
      return Lookback(*static_cast<const UnaryExpr&>(e).expr, delta);
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      return max_of({b.lhs.get(), b.rhs.get()});
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      return max_of({a.param.get(), a.expr.get()});
    }
    case ExprKind::kCall: {
      int64_t m = 0;
      for (const ExprPtr& arg : static_cast<const Call&>(e).args) {
        m = std::max(m, Lookback(*arg, delta));
      }
      return m;
    }
    default:
      return 0;
  }
}

}  // namespace

std::vector<int64_t> RangeDurations(const Expr& e) {
  std::vector<int64_t> out;
  CollectRanges(e, out);
  return out;
}

int64_t MaxLookbackMs(const Expr& e, int64_t lookback_delta_ms) {
  return Lookback(e, lookback_delta_ms);
}

}  // namespace fxagent::promql
