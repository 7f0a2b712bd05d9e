/// PromQL parser: builds an AST with Prometheus 2.x precedence/associativity and its
/// static type checks (e.g. `rate` needs a range vector). Errors are values carrying the
/// position inside the expression. Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "rules/promql/ast.h"

namespace fxagent::promql {

struct ParseError {
  std::string message;
  size_t offset = 0;  ///< 0-based byte offset in the expression
  int line = 1;       ///< 1-based
  int col = 1;        ///< 1-based, in bytes
  /// "line:col: parse error: message", as Prometheus prints it.
  std::string ToString() const;
};

struct ParseResult {
  ExprPtr expr;  ///< null when error is set
  std::optional<ParseError> error;
  bool ok() const { return !error.has_value(); }
};

ParseResult ParseExpr(std::string_view input);

}  // namespace fxagent::promql
