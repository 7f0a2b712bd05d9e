/// PromQL abstract syntax tree, mirroring Prometheus' parser node types. Nodes are
/// immutable once parsed and print back as PromQL with ToString() (Prometheus' format).
/// Thread-safety: immutable after parsing; safe to evaluate concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/tsdb/matcher.h"

namespace fxagent::promql {

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };
/// "scalar", "instant vector", "range vector", "string" (Prometheus' documented names).
std::string_view ValueTypeName(ValueType t);

enum class BinOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,
  kAnd,
  kOr,
  kUnless,
};
std::string_view BinOpName(BinOp op);
bool IsComparison(BinOp op);
bool IsSetOp(BinOp op);

enum class AggOp {
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
};
std::string_view AggOpName(AggOp op);

enum class ExprKind {
  kNumber,
  kString,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kParen,
  kUnary,
  kBinary,
  kAggregate,
  kCall,
};

struct FunctionInfo;

struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  virtual ValueType Type() const = 0;
  /// PromQL text, formatted as Prometheus' String() does.
  virtual std::string ToString() const = 0;
  /// ToString(), computed once (thread-safe): identifies identical subexpressions.
  const std::string& Text() const;

  ExprKind kind;
  size_t pos = 0;  ///< byte offset of the node's first token

 private:
  mutable std::once_flag text_once_;
  mutable std::string text_;
};
using ExprPtr = std::shared_ptr<Expr>;

struct NumberLiteral : Expr {
  explicit NumberLiteral(double v) : Expr(ExprKind::kNumber), value(v) {}
  ValueType Type() const override { return ValueType::kScalar; }
  std::string ToString() const override;
  double value;
};

struct StringLiteral : Expr {
  explicit StringLiteral(std::string v) : Expr(ExprKind::kString), value(std::move(v)) {}
  ValueType Type() const override { return ValueType::kString; }
  std::string ToString() const override;
  std::string value;
};

/// `@` modifier: a fixed timestamp, or start()/end() of the query (both = eval time here).
struct AtModifier {
  enum class Kind { kTimestamp, kStart, kEnd } kind = Kind::kTimestamp;
  int64_t t_ms = 0;
  std::string ToString() const;
};

struct VectorSelector : Expr {
  VectorSelector() : Expr(ExprKind::kVectorSelector) {}
  ValueType Type() const override { return ValueType::kVector; }
  std::string ToString() const override;
  std::string SelectorString() const;  ///< without offset/@

  std::string name;
  std::vector<tsdb::Matcher> matchers;  ///< includes the __name__ matcher when named
  int64_t offset_ms = 0;
  std::optional<AtModifier> at;
};

struct MatrixSelector : Expr {
  MatrixSelector() : Expr(ExprKind::kMatrixSelector) {}
  ValueType Type() const override { return ValueType::kMatrix; }
  std::string ToString() const override;

  std::shared_ptr<VectorSelector> vs;  ///< carries offset and @
  int64_t range_ms = 0;
};

struct SubqueryExpr : Expr {
  SubqueryExpr() : Expr(ExprKind::kSubquery) {}
  ValueType Type() const override { return ValueType::kMatrix; }
  std::string ToString() const override;

  ExprPtr expr;
  int64_t range_ms = 0;
  int64_t step_ms = 0;  ///< 0 = the default evaluation interval
  int64_t offset_ms = 0;
  std::optional<AtModifier> at;
};

struct ParenExpr : Expr {
  ParenExpr() : Expr(ExprKind::kParen) {}
  ValueType Type() const override { return expr->Type(); }
  std::string ToString() const override { return "(" + expr->ToString() + ")"; }
  ExprPtr expr;
};

struct UnaryExpr : Expr {
  UnaryExpr() : Expr(ExprKind::kUnary) {}
  ValueType Type() const override { return expr->Type(); }
  std::string ToString() const override { return (negate ? "-" : "+") + expr->ToString(); }
  bool negate = true;
  ExprPtr expr;
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  std::vector<std::string> matching_labels;
  bool on = false;
  std::vector<std::string> include;  ///< group_left/group_right labels
};

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(ExprKind::kBinary) {}
  ValueType Type() const override;
  std::string ToString() const override;

  BinOp op = BinOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;
  std::optional<VectorMatching> matching;  ///< set only when both sides are vectors
};

struct AggregateExpr : Expr {
  AggregateExpr() : Expr(ExprKind::kAggregate) {}
  ValueType Type() const override { return ValueType::kVector; }
  std::string ToString() const override;

  AggOp op = AggOp::kSum;
  ExprPtr expr;
  ExprPtr param;  ///< topk/bottomk/quantile/count_values only
  std::vector<std::string> grouping;
  bool without = false;
};

struct Call : Expr {
  Call() : Expr(ExprKind::kCall) {}
  ValueType Type() const override;
  std::string ToString() const override;

  const FunctionInfo* func = nullptr;
  std::vector<ExprPtr> args;
};

/// Formats a double as Go's strconv.FormatFloat(v, 'f', -1, 64) ("+Inf", "NaN", "0.5").
std::string FormatFloat(double v);

/// The node's direct subexpressions, in source order (an aggregation's parameter before
/// its expression; a matrix selector's vector selector).
std::vector<const Expr*> Children(const Expr& e);

/// Every range used by matrix selectors and subqueries in the expression, in order.
std::vector<int64_t> RangeDurations(const Expr& e);
/// How far back in time (ms) evaluating `e` reads: max over selectors of range + offset
/// (+ lookback for instant selectors), nested through subqueries. Use it to size retention.
int64_t MaxLookbackMs(const Expr& e, int64_t lookback_delta_ms = int64_t{5} * 60 * 1000);

}  // namespace fxagent::promql
