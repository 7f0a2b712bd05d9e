/// PromQL evaluation values: scalar, instant vector, range vector (matrix) and string,
/// as Prometheus' promql.Value. Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "rules/promql/ast.h"
#include "rules/tsdb/labels.h"
#include "rules/tsdb/tsdb.h"

namespace fxagent::promql {

struct Scalar {
  double v = 0;
};

struct String {
  std::string s;
};

/// One element of an instant vector. `t` is the timestamp of the underlying sample
/// (only meaningful for vector selectors; used by timestamp()).
struct Sample {
  tsdb::Labels metric;
  double v = 0;
  int64_t t = 0;
};
using Vector = std::vector<Sample>;

struct Series {
  tsdb::Labels metric;
  std::vector<tsdb::Point> points;
};
using Matrix = std::vector<Series>;

using Value = std::variant<Scalar, Vector, Matrix, String>;

ValueType TypeOf(const Value& v);

}  // namespace fxagent::promql
