/// PromQL lexer: turns an expression into tokens with byte offsets, following the
/// Prometheus 2.x lexer (keywords are case-insensitive, none inside `{}`; durations
/// like `1h30m`; Go-style string escapes; `#` comments; bracket balance errors).
/// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fxagent::promql {

enum class Tok {
  kEOF,
  kError,
  kIdentifier,
  kMetricIdentifier,
  kNumber,
  kDuration,
  kString,
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,
  kAt,
  kAssign,
  kEqlc,
  kNeq,
  kEqlRegex,
  kNeqRegex,
  kLss,
  kLte,
  kGtr,
  kGte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kLand,
  kLor,
  kLunless,
  kBy,
  kWithout,
  kOn,
  kIgnoring,
  kGroupLeft,
  kGroupRight,
  kBool,
  kOffset,
  kAggregator,
};

struct Token {
  Tok type;
  std::string text;   ///< raw source text (lower-cased for keywords/aggregators)
  std::string value;  ///< unquoted value for strings; error message for kError
  size_t pos;         ///< byte offset in the expression
};

/// Lexes the whole input; the last token is kEOF or kError.
std::vector<Token> Lex(std::string_view input);

/// Human description of a token as in Prometheus' parse errors (`<op:+>`, `identifier "x"`).
std::string Describe(const Token& t);

/// Parses `1h30m`-style durations (units y w d h m s ms, in that order); -1 if invalid.
int64_t ParseDurationMs(std::string_view s);
/// Formats milliseconds like Prometheus' model.Duration ("1h30m", "1w", "0s").
std::string FormatDuration(int64_t ms);

}  // namespace fxagent::promql
