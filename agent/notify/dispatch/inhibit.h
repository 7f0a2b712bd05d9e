/// Inhibition as Alertmanager's inhibit_rules ([[inhibit]]), plus the built-in default:
/// a firing P1 with a `component` label inhibits P2–P4 alerts of the same component.
/// Immutable after construction: safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/notify/dispatch/label_matcher.h"

namespace fxagent {

struct InhibitRule {
  LabelMatchers source;
  LabelMatchers target;
  std::vector<std::string> equal;
  bool require_equal_nonempty = false;  // the default rule needs a real component
};

class Inhibitor {
 public:
  /// Compiles the configured rules and appends the default. Nullopt (with `*error`) when
  /// a matcher does not compile.
  static std::optional<Inhibitor> Make(const std::vector<InhibitConfig>& rules, std::string* error);

  /// True when a firing `sources` alert (other than `target` itself) inhibits `target`.
  bool Inhibited(const LabelSet& target, const std::vector<const LabelSet*>& sources) const;

 private:
  std::vector<InhibitRule> rules_;
};

}  // namespace fxagent
