// Token descriptions for parse errors and the duration syntax shared by the lexer
// and the AST printer.
#include <cstdint>
#include <iterator>
#include <string>

#include "rules/promql/lexer.h"

namespace fxagent::promql {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string Describe(const Token& t) {
  switch (t.type) {
    case Tok::kEOF:
      return "end of input";
    case Tok::kError:
      return "error";
    case Tok::kIdentifier:
    case Tok::kMetricIdentifier:
      return "identifier \"" + t.text + "\"";
    case Tok::kNumber:
      return "number \"" + t.text + "\"";
    case Tok::kDuration:
      return "duration \"" + t.text + "\"";
    case Tok::kString:
      return "string " + t.text;
    case Tok::kAggregator:
      return "<aggr:" + t.text + ">";
    case Tok::kLand:
    case Tok::kLor:
    case Tok::kLunless:
    case Tok::kAtan2:
    case Tok::kBy:
    case Tok::kWithout:
    case Tok::kOn:
    case Tok::kIgnoring:
    case Tok::kGroupLeft:
    case Tok::kGroupRight:
    case Tok::kBool:
    case Tok::kOffset:
      return "<" + t.text + ">";
    case Tok::kAdd:
    case Tok::kSub:
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
    case Tok::kPow:
    case Tok::kEqlc:
    case Tok::kNeq:
    case Tok::kLss:
    case Tok::kLte:
    case Tok::kGtr:
    case Tok::kGte:
    case Tok::kEqlRegex:
    case Tok::kNeqRegex:
    case Tok::kAssign:
      return "<op:" + t.text + ">";
    default:
      return "\"" + t.text + "\"";
  }
}

int64_t ParseDurationMs(std::string_view s) {
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                                                                    {"w", 7LL * 24 * 3600 * 1000},
                                                                    {"d", 24LL * 3600 * 1000},
                                                                    {"h", 3600LL * 1000},
                                                                    {"m", 60LL * 1000},
                                                                    {"s", 1000},
                                                                    {"ms", 1}};
  if (s.empty()) return -1;
  int64_t total = 0;
  size_t next_unit = 0;
  size_t p = 0;
  while (p < s.size()) {
    size_t q = p;
    int64_t n = 0;
    while (q < s.size() && IsDigit(s[q])) {
      if (n > (INT64_MAX - 9) / 10) return -1;
      n = n * 10 + (s[q++] - '0');
    }
    if (q == p) return -1;
    size_t u = q;
    while (u < s.size() && !IsDigit(s[u])) ++u;
    std::string_view unit = s.substr(q, u - q);
    size_t i = next_unit;
    while (i < std::size(kUnits) && kUnits[i].first != unit) ++i;
    if (i == std::size(kUnits)) return -1;
    if (n > INT64_MAX / kUnits[i].second || total > INT64_MAX - n * kUnits[i].second) return -1;
    total += n * kUnits[i].second;
    next_unit = i + 1;
    p = u;
  }
  return total;
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  auto f = [&](const char* unit, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    if (int64_t v = ms / mult; v > 0) {
      out += std::to_string(v) + unit;
      ms -= v * mult;
    }
  };
  f("y", 365LL * 24 * 3600 * 1000, true);
  f("w", 7LL * 24 * 3600 * 1000, true);
  f("d", 24LL * 3600 * 1000, false);
  f("h", 3600LL * 1000, false);
  f("m", 60LL * 1000, false);
  f("s", 1000, false);
  f("ms", 1, false);
  return out;
}

}  // namespace fxagent::promql
