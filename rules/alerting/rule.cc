#include "rules/alerting/rule.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace fxagent::alerting {

RuleError::RuleError(std::string file, int line, int col, std::string message)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " +
                         message),
      file_(std::move(file)),
      line_(line),
      col_(col),
      message_(std::move(message)) {}

size_t RuleSet::AlertCount() const {
  return static_cast<size_t>(
      std::count_if(rules.begin(), rules.end(), [](const Rule& r) { return r.IsAlert(); }));
}

int64_t RuleSet::MaxLookbackMs() const {
  int64_t max = 0;
  for (const Rule& r : rules) {
    if (r.expr) max = std::max(max, promql::MaxLookbackMs(*r.expr));
  }
  return max;
}

namespace {

struct Unit {
  std::string_view name;
  int64_t ms;
};
// Longest unit names first so "ms" is not read as "m" + "s".
constexpr Unit kUnits[] = {{"ms", 1},
                           {"s", 1000},
                           {"m", int64_t{60} * 1000},
                           {"h", int64_t{3600} * 1000},
                           {"d", 24LL * 3600 * 1000},
                           {"w", 7LL * 24 * 3600 * 1000},
                           {"y", 365LL * 24 * 3600 * 1000}};

}  // namespace

int64_t ParseRuleDuration(std::string_view text) {
  if (text.empty()) return -1;
  if (text == "0") return 0;
  int64_t total = 0;
  size_t i = 0;
  int last_unit = 100;  // units must appear in decreasing order, each at most once
  while (i < text.size()) {
    size_t start = i;
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (n > (int64_t{1} << 40)) return -1;
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start) return -1;
    int unit = -1;
    for (int u = 0; u < static_cast<int>(std::size(kUnits)); ++u) {
      if (text.substr(i, kUnits[u].name.size()) == kUnits[u].name) {
        unit = u;
        break;
      }
    }
    if (unit < 0) return -1;
    // Order y w d h m s ms: larger index = larger unit except ms (index 0) is smallest.
    int rank = unit;
    if (rank >= last_unit) return -1;
    last_unit = rank;
    i += kUnits[unit].name.size();
    total += n * kUnits[unit].ms;
  }
  return total;
}

std::string FormatRuleDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  for (int u = static_cast<int>(std::size(kUnits)) - 1; u >= 0; --u) {
    int64_t n = ms / kUnits[u].ms;
    if (n > 0) {
      out += std::to_string(n) + std::string(kUnits[u].name);
      ms -= n * kUnits[u].ms;
    }
  }
  return out;
}

bool IsValidSeverity(std::string_view s) {
  return s == "P1" || s == "P2" || s == "P3" || s == "P4";
}

}  // namespace fxagent::alerting
