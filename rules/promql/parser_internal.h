/// Internal to the parser: token helpers and the static type checks, shared by
/// parser.cc and parser_checks.cc. Not a public API. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "rules/promql/ast.h"
#include "rules/promql/lexer.h"

namespace fxagent::promql::detail {

/// Thrown inside the parser and turned into ParseError by ParseExpr.
struct ParseFailure {
  size_t pos;
  std::string msg;
};
[[noreturn]] void Fail(size_t pos, std::string msg);

/// Binary operator precedence (1 = `or` ... 6 = `^`), 0 for non-operators.
int Precedence(Tok t);
inline constexpr int kPowPrecedence = 6;
BinOp ToBinOp(Tok t);
AggOp ToAggOp(const std::string& s);
/// Go's ParseInt(s, 0, 64) then ParseFloat, as Prometheus' parseNumber; Inf/NaN too.
double ParseNumber(const Token& t);
/// Tokens usable as label names in grouping lists (identifiers and keywords).
bool IsLabelToken(const Token& t);

void ExpectType(const Expr& e, ValueType want, std::string_view context);
/// Checks a binary expression's operand types and modifiers; sets b.matching.
void CheckBinary(BinaryExpr& b, size_t op_pos, VectorMatching vm, bool has_matching);
/// Checks argument count and types of a function call starting at pos.
void CheckCallArgs(const Call& call, size_t pos);

}  // namespace fxagent::promql::detail
