#include "agent/notify/dispatch/label_matcher.h"

#include <re2/re2.h>

namespace fxagent {

struct LabelMatcher::Regex {
  explicit Regex(const std::string& pattern) : re("^(?:" + pattern + ")$", Quiet()) {}
  static RE2::Options Quiet() {
    RE2::Options o;
    o.set_log_errors(false);  // a bad matcher is reported to the caller, not to stderr
    return o;
  }
  RE2 re;
};

std::optional<LabelMatcher> LabelMatcher::Compile(const Matcher& m) {
  LabelMatcher out;
  out.matcher_ = m;
  if (m.op == MatchOp::kRegexMatch || m.op == MatchOp::kNotRegexMatch) {
    auto regex = std::make_shared<const Regex>(m.value);
    if (!regex->re.ok()) return std::nullopt;
    out.regex_ = std::move(regex);
  }
  return out;
}

std::optional<LabelMatcher> LabelMatcher::Parse(const std::string& text) {
  std::optional<Matcher> m = ParseMatcher(text);
  if (!m) return std::nullopt;
  return Compile(*m);
}

bool LabelMatcher::Matches(const LabelSet& labels) const {
  auto it = labels.find(matcher_.name);
  const std::string empty;
  const std::string& value = it == labels.end() ? empty : it->second;
  switch (matcher_.op) {
    case MatchOp::kEqual:
      return value == matcher_.value;
    case MatchOp::kNotEqual:
      return value != matcher_.value;
    case MatchOp::kRegexMatch:
      return RE2::FullMatch(value, regex_->re);
    case MatchOp::kNotRegexMatch:
      return !RE2::FullMatch(value, regex_->re);
  }
  return false;
}

std::string LabelMatcher::ToString() const {
  std::string out = matcher_.name;
  out += MatchOpString(matcher_.op);
  out += '"';
  for (char c : matcher_.value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + '"';
}

bool MatchesAll(const LabelMatchers& matchers, const LabelSet& labels) {
  for (const LabelMatcher& m : matchers) {
    if (!m.Matches(labels)) return false;
  }
  return true;
}

std::optional<LabelMatchers> ParseMatchers(const std::vector<std::string>& texts,
                                           std::string* error) {
  LabelMatchers out;
  for (const std::string& text : texts) {
    std::optional<LabelMatcher> m = LabelMatcher::Parse(text);
    if (!m) {
      if (error != nullptr) *error = "invalid matcher: " + text;
      return std::nullopt;
    }
    out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace fxagent
