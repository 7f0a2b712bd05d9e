/// Alertmanager-style label matchers ('severity="P1"', 'component=~"api|webhooks"') as
/// used by [[routes]] and [[inhibit]]. Syntax only: regular expressions are not compiled
/// here. Pure functions, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fxagent {

enum class MatchOp { kEqual, kNotEqual, kRegexMatch, kNotRegexMatch };

struct Matcher {
  std::string name;  // label name, [a-zA-Z_][a-zA-Z0-9_]*
  MatchOp op = MatchOp::kEqual;
  std::string value;  // unescaped (\" \\ \n)
};

/// Parses `name op "value"` with op one of = != =~ !~; spaces around op are allowed; the
/// value must be double-quoted. Returns nullopt on any syntax error.
std::optional<Matcher> ParseMatcher(std::string_view text);

/// "=", "!=", "=~" or "!~".
std::string_view MatchOpString(MatchOp op);

}  // namespace fxagent
