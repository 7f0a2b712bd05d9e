#include "agent/daemon/heap_maintenance.h"

#include <malloc.h>

#include <cstdlib>

namespace fxagent {

void LimitHeapArenas(int arenas) {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  mallopt(M_ARENA_MAX, arenas);
}

bool HeapTrimmer::MaybeTrim() {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (last_ != std::chrono::steady_clock::time_point{} && now - last_ < every_) return false;
    last_ = now;
  }
  malloc_trim(0);
  return true;
}

}  // namespace fxagent
