#include "agent/notify/dispatch/inhibit.h"

namespace fxagent {
namespace {

std::string Value(const LabelSet& labels, const std::string& name) {
  auto it = labels.find(name);
  return it == labels.end() ? std::string() : it->second;
}

}  // namespace

std::optional<Inhibitor> Inhibitor::Make(const std::vector<InhibitConfig>& rules,
                                         std::string* error) {
  Inhibitor out;
  for (const InhibitConfig& c : rules) {
    InhibitRule r;
    std::optional<LabelMatchers> source = ParseMatchers(c.source_matchers, error);
    std::optional<LabelMatchers> target = ParseMatchers(c.target_matchers, error);
    if (!source || !target) return std::nullopt;
    r.source = std::move(*source);
    r.target = std::move(*target);
    r.equal = c.equal;
    out.rules_.push_back(std::move(r));
  }
  InhibitRule def;
  def.source = *ParseMatchers({"severity=\"P1\""}, nullptr);
  def.target = *ParseMatchers({"severity=~\"P2|P3|P4\""}, nullptr);
  def.equal = {"component"};
  def.require_equal_nonempty = true;
  out.rules_.push_back(std::move(def));
  return out;
}

bool Inhibitor::Inhibited(const LabelSet& target,
                          const std::vector<const LabelSet*>& sources) const {
  for (const InhibitRule& r : rules_) {
    if (!MatchesAll(r.target, target)) continue;
    for (const LabelSet* source : sources) {
      if (*source == target || !MatchesAll(r.source, *source)) continue;
      bool equal = true;
      for (const std::string& name : r.equal) {
        std::string v = Value(target, name);
        if (v != Value(*source, name) || (r.require_equal_nonempty && v.empty())) {
          equal = false;
          break;
        }
      }
      if (equal) return true;
    }
  }
  return false;
}

}  // namespace fxagent
