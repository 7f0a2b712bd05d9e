/// The C heap of a long-running daemon whose threads come and go (the public listener's
/// elastic pool, forwarder and probe workers): glibc gives threads arenas of their own
/// (up to 8 per core) and keeps what they free, so a burst (a webhook backlog drained,
/// dead letters replayed) leaves its peak resident. Two remedies, both glibc's own:
/// fewer arenas, set once at start-up, and handing free pages back to the kernel now and
/// then (malloc_trim). bench/soak measures the effect.
#pragma once

#include <chrono>
#include <mutex>

namespace fxagent {

/// Caps malloc's arenas at `arenas` unless the MALLOC_ARENA_MAX environment variable
/// already sets a value (an operator's choice wins). Call before starting threads.
void LimitHeapArenas(int arenas);

/// Returns free heap pages to the kernel at most once per `every`. Thread-safe.
class HeapTrimmer {
 public:
  explicit HeapTrimmer(std::chrono::steady_clock::duration every) : every_(every) {}
  /// Trims when `every` has passed since the last trim; true when it trimmed.
  bool MaybeTrim();

 private:
  std::chrono::steady_clock::duration every_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace fxagent
