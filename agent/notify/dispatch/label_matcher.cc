#include "agent/notify/dispatch/label_matcher.h"

#include <variant>

namespace fxagent {

namespace {

tsdb::MatchType ToMatchType(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual:
      return tsdb::MatchType::kEqual;
    case MatchOp::kNotEqual:
      return tsdb::MatchType::kNotEqual;
    case MatchOp::kRegexMatch:
      return tsdb::MatchType::kRegex;
    case MatchOp::kNotRegexMatch:
      return tsdb::MatchType::kNotRegex;
  }
  return tsdb::MatchType::kEqual;
}

}  // namespace

std::optional<LabelMatcher> LabelMatcher::Compile(const Matcher& m) {
  auto compiled = tsdb::Matcher::Make(ToMatchType(m.op), m.name, m.value);
  if (std::holds_alternative<std::string>(compiled)) return std::nullopt;
  LabelMatcher out;
  out.matcher_ = m;
  out.compiled_ = std::get<tsdb::Matcher>(std::move(compiled));
  return out;
}

std::optional<LabelMatcher> LabelMatcher::Parse(const std::string& text) {
  std::optional<Matcher> m = ParseMatcher(text);
  if (!m) return std::nullopt;
  return Compile(*m);
}

bool LabelMatcher::Matches(const LabelSet& labels) const {
  auto it = labels.find(matcher_.name);
  return compiled_->Matches(it == labels.end() ? std::string_view() : std::string_view(it->second));
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
