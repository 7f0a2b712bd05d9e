/// The table of PromQL functions known to the parser: name, argument types, variadic
/// count and return type (as Prometheus' parser.Functions). Thread-safety: immutable.
#pragma once

#include <string_view>
#include <vector>

#include "rules/promql/ast.h"

namespace fxagent::promql {

struct FunctionInfo {
  std::string_view name;
  std::vector<ValueType> arg_types;
  /// 0: exactly arg_types; n > 0: the last n arguments are optional; -1: the last
  /// argument type repeats without limit.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
};

/// nullptr for an unknown function.
const FunctionInfo* LookupFunction(std::string_view name);

}  // namespace fxagent::promql
