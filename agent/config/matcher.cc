#include "agent/config/matcher.h"

namespace fxagent {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::optional<Matcher> ParseMatcher(std::string_view text) {
  Matcher m;
  size_t pos = 0;
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  if (pos >= text.size() || !IsNameStart(text[pos])) return std::nullopt;
  size_t start = pos;
  while (pos < text.size() && IsNameChar(text[pos])) ++pos;
  m.name = std::string(text.substr(start, pos - start));
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  std::string_view rest = text.substr(pos);
  if (rest.starts_with("=~")) {
    m.op = MatchOp::kRegexMatch;
    pos += 2;
  } else if (rest.starts_with("!~")) {
    m.op = MatchOp::kNotRegexMatch;
    pos += 2;
  } else if (rest.starts_with("!=")) {
    m.op = MatchOp::kNotEqual;
    pos += 2;
  } else if (rest.starts_with("=")) {
    m.op = MatchOp::kEqual;
    pos += 1;
  } else {
    return std::nullopt;
  }
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  if (pos >= text.size() || text[pos] != '"') return std::nullopt;
  ++pos;
  bool closed = false;
  while (pos < text.size()) {
    char c = text[pos++];
    if (c == '"') {
      closed = true;
      break;
    }
    if (c == '\\') {
      if (pos >= text.size()) return std::nullopt;
      char e = text[pos++];
      switch (e) {
        case '"':
        case '\\':
          m.value += e;
          break;
        case 'n':
          m.value += '\n';
          break;
        default:
          // Keep unknown escapes verbatim so regexes like "\d+" survive.
          m.value += '\\';
          m.value += e;
      }
      continue;
    }
    m.value += c;
  }
  if (!closed) return std::nullopt;
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  if (pos != text.size()) return std::nullopt;
  return m;
}

std::string_view MatchOpString(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual:
      return "=";
    case MatchOp::kNotEqual:
      return "!=";
    case MatchOp::kRegexMatch:
      return "=~";
    case MatchOp::kNotRegexMatch:
      return "!~";
  }
  return "=";
}

}  // namespace fxagent
