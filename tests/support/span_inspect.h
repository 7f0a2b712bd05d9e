/// Test support: reading attributes of recorded spans (InMemoryTracer) in assertions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "agent/tracing/span_data.h"

namespace fxagent::testing {

inline const AttributeValue* Attr(const SpanData& span, std::string_view key) {
  for (const SpanAttribute& a : span.attributes) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

/// The string attribute `key`, or "" when absent or not a string.
inline std::string StrAttr(const SpanData& span, std::string_view key) {
  const AttributeValue* v = Attr(span, key);
  return v != nullptr && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : "";
}

/// The integer attribute `key`, or -1 when absent or not an integer.
inline int64_t IntAttr(const SpanData& span, std::string_view key) {
  const AttributeValue* v = Attr(span, key);
  return v != nullptr && std::holds_alternative<int64_t>(*v) ? std::get<int64_t>(*v) : -1;
}

}  // namespace fxagent::testing
