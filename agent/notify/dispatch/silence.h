/// A silence (Alertmanager's model): label matchers and a time window during which
/// matching alerts are not notified. Plain value type.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/notify/dispatch/label_matcher.h"

namespace fxagent {

struct Silence {
  std::string id;
  std::vector<std::string> matchers;  // 'name="value"' texts as given
  LabelMatchers compiled;
  TimePoint starts_at{};
  TimePoint ends_at{};
  std::string comment;
  std::string created_by;
  TimePoint updated_at{};

  bool ActiveAt(TimePoint now) const { return starts_at <= now && now < ends_at; }
  /// "pending", "active" or "expired".
  std::string State(TimePoint now) const;
  bool Mutes(const LabelSet& labels, TimePoint now) const {
    return ActiveAt(now) && MatchesAll(compiled, labels);
  }
};

/// Parses the API body {matchers: [..] (strings or {name, value, isRegex, isEqual}),
/// startsAt, endsAt, comment, createdBy}; nullopt with `*error` on bad input.
std::optional<Silence> SilenceFromJson(const std::string& body, TimePoint now, std::string* error);
std::string SilenceToJson(const Silence& s, TimePoint now);

}  // namespace fxagent
