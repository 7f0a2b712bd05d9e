/// Compiled Alertmanager-style label matchers for routes, inhibit rules and silences: the
/// parsed config matcher compiled into the series store's tsdb::Matcher (RE2, fully
/// anchored, as in Alertmanager and PromQL), so there is one matching implementation. Immutable
/// after construction: safe to share between threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/matcher.h"
#include "agent/notify/dispatch/alert.h"
#include "rules/tsdb/matcher.h"

namespace fxagent {

class LabelMatcher {
 public:
  /// Compiles a parsed matcher; nullopt when its regular expression is invalid.
  static std::optional<LabelMatcher> Compile(const Matcher& m);
  /// Parses and compiles 'name op "value"'; nullopt on a syntax or regex error.
  static std::optional<LabelMatcher> Parse(const std::string& text);

  /// A missing label matches as the empty string, as in Prometheus.
  bool Matches(const LabelSet& labels) const;
  const Matcher& matcher() const { return matcher_; }
  /// 'name="value"' (with the value re-quoted).
  std::string ToString() const;

 private:
  Matcher matcher_;
  std::optional<tsdb::Matcher> compiled_;
};

using LabelMatchers = std::vector<LabelMatcher>;

/// All match (an empty list matches everything).
bool MatchesAll(const LabelMatchers& matchers, const LabelSet& labels);
/// Parses every string; nullopt with `*error` naming the bad one when one fails.
std::optional<LabelMatchers> ParseMatchers(const std::vector<std::string>& texts,
                                           std::string* error);

}  // namespace fxagent
