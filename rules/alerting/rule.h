/// Alerting and recording rules as loaded from TOML (SPEC §6) or Prometheus YAML rule
/// files, plus RuleError (`file:line:col: message`). Thread-safety: plain values; a
/// RuleSet is immutable after loading and safe to share between threads.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "rules/promql/ast.h"

namespace fxagent::alerting {

/// A rule-file error with its position; what() is `file:line:col: message`.
class RuleError : public std::runtime_error {
 public:
  RuleError(std::string file, int line, int col, std::string message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int col() const { return col_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int col_;
  std::string message_;
};

/// One rule: an alert (`alert` set) or a recording rule (`record` set).
struct Rule {
  std::string alert;     ///< alert name; empty for recording rules
  std::string record;    ///< recorded metric name; empty for alerts
  std::string severity;  ///< "P1".."P4" for alerts; empty for recording rules
  std::string expr_text;
  promql::ExprPtr expr;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  std::map<std::string, std::string> labels;  ///< without severity (added on output)
  std::map<std::string, std::string> annotations;
  std::string group;  ///< YAML group name; "" for TOML rules
  std::string file;
  int line = 0;

  bool IsAlert() const { return !alert.empty(); }
  const std::string& Name() const { return IsAlert() ? alert : record; }
};

struct RuleSet {
  std::vector<Rule> rules;  ///< in file order: recording rules feed later rules

  size_t AlertCount() const;
  /// Retention the series store needs for these rules: the longest lookback of any rule
  /// (MaxLookbackMs: ranges, offsets and the 5m instant lookback).
  int64_t MaxLookbackMs() const;
};

/// Prometheus duration syntax ("1h30m", "250ms", "2w"); nullopt-like -1 when invalid.
int64_t ParseRuleDuration(std::string_view text);
/// Prometheus' model.Duration String(): "1h30m", "2w", "0s".
std::string FormatRuleDuration(int64_t ms);
/// "P1".."P4".
bool IsValidSeverity(std::string_view s);

}  // namespace fxagent::alerting
