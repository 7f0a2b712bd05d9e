#include "rules/tsdb/matcher.h"

#include <re2/re2.h>

#include "rules/tsdb/labels.h"

namespace fxagent::tsdb {

std::shared_ptr<const re2::RE2> CompileAnchored(std::string_view pattern, std::string* error) {
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>("^(?:" + std::string(pattern) + ")$", opts);
  if (!re->ok()) {
    if (error != nullptr) *error = re->error();
    return nullptr;
  }
  return re;
}

std::variant<Matcher, std::string> Matcher::Make(MatchType type, std::string name,
                                                 std::string value) {
  Matcher m(type, std::move(name), std::move(value));
  if (type == MatchType::kRegex || type == MatchType::kNotRegex) {
    std::string err;
    m.re_ = CompileAnchored(m.value_, &err);
    if (m.re_ == nullptr) return "error parsing regexp: " + err;
  }
  return m;
}

bool Matcher::Matches(std::string_view v) const {
  switch (type_) {
    case MatchType::kEqual:
      return v == value_;
    case MatchType::kNotEqual:
      return v != value_;
    case MatchType::kRegex:
      return RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
    case MatchType::kNotRegex:
      return !RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
  }
  return false;
}

std::string Matcher::ToString() const {
  static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
  return name_ + kOps[static_cast<int>(type_)] + QuoteString(value_);
}

}  // namespace fxagent::tsdb
