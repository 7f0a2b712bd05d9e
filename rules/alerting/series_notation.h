/// promtool's input-series notation: `metric{a="b"}` and value sequences such as
/// `1 2 _ stale 0+10x5 100-1x3 _x2 7x2`. Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/tsdb/labels.h"

namespace fxagent::alerting {

struct SequenceValue {
  bool omitted = false;  ///< `_`: no sample at this step
  double value = 0;      ///< tsdb::StaleNaN() for `stale`
};

/// Expands a values string; nullopt plus *error on bad input.
std::optional<std::vector<SequenceValue>> ParseSeriesValues(std::string_view text,
                                                            std::string* error);

/// Parses `name{label="value", ...}` (equality matchers only; `{}` or "" = no labels).
std::optional<tsdb::Labels> ParseSeriesLabels(std::string_view text, std::string* error);

}  // namespace fxagent::alerting
