/// Internal to the evaluator: the recursive evaluator, shared helpers and the
/// function dispatch tables filled by the functions_*.cc files. Not a public API.
/// Thread-safety: one Evaluator per evaluation.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "rules/promql/ast.h"
#include "rules/promql/evaluator.h"
#include "rules/promql/value.h"
#include "rules/tsdb/tsdb.h"

namespace fxagent::promql::detail {

/// Thrown inside the evaluator and turned into EvalResult::error at the top.
struct EvalError {
  std::string message;
};
[[noreturn]] void Throw(std::string message);

/// A range-vector argument: the series' points within the window (stale markers
/// removed), plus the window's shape for extrapolation.
struct RangeArg {
  Matrix series;
  int64_t range_ms = 0;
  int64_t offset_ms = 0;
  int64_t ts = 0;  ///< evaluation time the window ends at (before offset)
};

/// The window of a range expression: it ends at ts - offset_ms and spans range_ms.
struct RangeShape {
  int64_t range_ms = 0;
  int64_t offset_ms = 0;
  int64_t ts = 0;  ///< evaluation time the window ends at (before offset)
};

/// Receives each series of a range expression with its samples (read in place; only
/// valid during the call). Must not evaluate anything.
using SeriesVisitor = std::function<void(const tsdb::Labels&, const tsdb::SampleView&)>;

class Evaluator {
 public:
  Evaluator(const tsdb::SeriesStore& store, const EvalOptions& options, int64_t query_ts)
      : store_(store), options_(options), query_ts_(query_ts) {}

  Value Eval(const Expr& e, int64_t ts);
  Vector EvalVector(const Expr& e, int64_t ts);
  double EvalScalar(const Expr& e, int64_t ts);
  std::string EvalString(const Expr& e, int64_t ts);
  /// For a MatrixSelector or SubqueryExpr (parens allowed): the series, copied.
  RangeArg EvalRange(const Expr& e, int64_t ts);
  /// The window of a MatrixSelector or SubqueryExpr (parens allowed).
  RangeShape ShapeOf(const Expr& e, int64_t ts) const;
  /// Like EvalRange, without copying: a matrix selector's samples are read in place
  /// from the store (a subquery is evaluated first).
  void VisitRange(const Expr& e, int64_t ts, const SeriesVisitor& fn);

 private:
  Vector EvalVectorSelector(const VectorSelector& vs, int64_t ts);
  int64_t AtTime(const std::optional<AtModifier>& at, int64_t ts) const;
  Value EvalCall(const Call& c, int64_t ts);

  const tsdb::SeriesStore& store_;
  const EvalOptions& options_;
  int64_t query_ts_;
};

using FunctionImpl = Value (*)(Evaluator& ev, const Call& call, int64_t ts);
using FunctionMap = std::unordered_map<std::string_view, FunctionImpl>;
void RegisterRangeFunctions(FunctionMap& m);
void RegisterInstantFunctions(FunctionMap& m);
void RegisterLabelFunctions(FunctionMap& m);

Value EvalBinary(Evaluator& ev, const BinaryExpr& b, int64_t ts);
Vector EvalAggregate(Evaluator& ev, const AggregateExpr& a, int64_t ts);

/// Errors on duplicate label sets, as Prometheus does for instant evaluation.
void CheckNoDuplicateLabelsets(const Vector& v);

// Go's math.Max/math.Min (NaN-propagating) and the quantile used by quantile()
// and quantile_over_time().
double GoMax(double a, double b);
double GoMin(double a, double b);
double Quantile(double q, std::vector<double> values);
/// Neumaier-compensated summation step (Prometheus' kahanSumInc).
inline void KahanInc(double inc, double& sum, double& c) {
  double t = sum + inc;
  if (std::abs(sum) >= std::abs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

const ExprPtr& Unparen(const ExprPtr& e);

}  // namespace fxagent::promql::detail
