/// Helpers shared by the fuzz targets: a cursor over the fuzzer's bytes that hands out
/// newline-terminated fields and the remainder, so one input can carry several values
/// (header lines, then a body). Not thread-safe; one per input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fxagent::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  /// The first byte (0 when empty), consumed; used to pick a mode.
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }

  /// Up to the next '\n' (excluded; a trailing '\r' is dropped), consumed.
  std::string_view Line() {
    const size_t nl = rest_.find('\n');
    std::string_view line = rest_.substr(0, nl);
    rest_.remove_prefix(nl == std::string_view::npos ? rest_.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }

  bool empty() const { return rest_.empty(); }
  /// Everything not consumed yet.
  std::string_view Rest() const { return rest_; }

 private:
  std::string_view rest_;
};

}  // namespace fxagent::fuzz
