/// Label matchers (`=`, `!=`, `=~`, `!~`) as used by PromQL selectors. Regular
/// expressions are RE2, fully anchored like Prometheus (`^(?:re)$`).
/// Thread-safety: immutable after construction; safe to share between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace re2 {
class RE2;
}

namespace fxagent::tsdb {

enum class MatchType { kEqual, kNotEqual, kRegex, kNotRegex };

class Matcher {
 public:
  /// Builds a matcher; for regex types returns an error message when the regex is invalid.
  static std::variant<Matcher, std::string> Make(MatchType type, std::string name,
                                                 std::string value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  bool Matches(std::string_view v) const;
  /// `name="value"` etc., values quoted like Go's %q.
  std::string ToString() const;

 private:
  Matcher(MatchType type, std::string name, std::string value)
      : type_(type), name_(std::move(name)), value_(std::move(value)) {}

  MatchType type_;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;
};

/// Compiles `^(?:pattern)$` with RE2; nullptr plus message on failure.
std::shared_ptr<const re2::RE2> CompileAnchored(std::string_view pattern, std::string* error);

}  // namespace fxagent::tsdb
