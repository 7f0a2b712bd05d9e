#include "rules/alerting/series_notation.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "rules/promql/parser.h"
#include "rules/tsdb/tsdb.h"

namespace fxagent::alerting {
namespace {

std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool neg = lower[0] == '-';
  std::string body = (lower[0] == '-' || lower[0] == '+') ? lower.substr(1) : lower;
  if (body == "inf") {
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  if (body == "nan") return std::numeric_limits<double>::quiet_NaN();
  std::string text(s);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') return std::nullopt;
  return v;
}

std::optional<uint64_t> ParseCount(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  uint64_t n = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

bool ExpandItem(std::string_view item, std::vector<SequenceValue>& out, std::string* error) {
  std::optional<uint64_t> times;
  size_t x = item.rfind('x');
  if (x != std::string_view::npos && x > 0) {
    times = ParseCount(item.substr(x + 1));
    if (times) item = item.substr(0, x);
  }
  if (item == "_") {
    for (uint64_t i = 0; i < (times ? *times : 1); ++i) out.push_back({true, 0});
    return true;
  }
  if (item == "stale") {
    if (times) {
      *error = "stale cannot be repeated";
      return false;
    }
    out.push_back({false, tsdb::StaleNaN()});
    return true;
  }
  // base[+-delta]: the sign of the delta is the first +/- not at the start and not
  // part of an exponent.
  size_t split = std::string_view::npos;
  for (size_t i = 1; i < item.size(); ++i) {
    if ((item[i] == '+' || item[i] == '-') && item[i - 1] != 'e' && item[i - 1] != 'E') {
      split = i;
      break;
    }
  }
  std::optional<double> base = ParseNumber(item.substr(0, split));
  if (!base) {
    *error = "invalid value \"" + std::string(item) + "\"";
    return false;
  }
  if (split == std::string_view::npos) {
    for (uint64_t i = 0; i < (times ? *times + 1 : 1); ++i) out.push_back({false, *base});
    return true;
  }
  std::optional<double> delta = ParseNumber(item.substr(split));
  if (!delta || !times) {
    *error = "invalid expanding notation \"" + std::string(item) + "\" (expected a+bxn or a-bxn)";
    return false;
  }
  double v = *base;
  for (uint64_t i = 0; i <= *times; ++i) {
    out.push_back({false, v});
    v += *delta;
  }
  return true;
}

}  // namespace

std::optional<std::vector<SequenceValue>> ParseSeriesValues(std::string_view text,
                                                            std::string* error) {
  std::vector<SequenceValue> out;
  std::istringstream in{std::string(text)};
  std::string item;
  while (in >> item) {
    if (!ExpandItem(item, out, error)) return std::nullopt;
    if (out.size() > 10'000'000) {
      *error = "series too long";
      return std::nullopt;
    }
  }
  return out;
}

std::optional<tsdb::Labels> ParseSeriesLabels(std::string_view text, std::string* error) {
  size_t b = text.find_first_not_of(" \t\n");
  if (b == std::string_view::npos) return tsdb::Labels{};
  text = text.substr(b);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (text == "{}") return tsdb::Labels{};
  promql::ParseResult parsed = promql::ParseExpr(text);
  if (!parsed.ok()) {
    *error = parsed.error->ToString();
    return std::nullopt;
  }
  const auto* vs = dynamic_cast<const promql::VectorSelector*>(parsed.expr.get());
  if (vs == nullptr || vs->offset_ms != 0 || vs->at) {
    *error = "not a series: \"" + std::string(text) + "\"";
    return std::nullopt;
  }
  std::vector<tsdb::Label> labels;
  for (const tsdb::Matcher& m : vs->matchers) {
    if (m.type() != tsdb::MatchType::kEqual) {
      *error = "series labels must use =: \"" + std::string(text) + "\"";
      return std::nullopt;
    }
    labels.push_back({m.name(), m.value()});
  }
  return tsdb::Labels::FromUnsorted(std::move(labels));
}

}  // namespace fxagent::alerting
