#include "agent/daemon/heap_maintenance.h"

#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define FXAGENT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FXAGENT_ASAN 1
#endif
#endif

namespace fxagent {
namespace {

TEST(HeapTrimmerTest, TrimsAtMostOncePerInterval) {
  HeapTrimmer trimmer(std::chrono::milliseconds(200));
  EXPECT_TRUE(trimmer.MaybeTrim());
  EXPECT_FALSE(trimmer.MaybeTrim());
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // the interval is the subject
  EXPECT_TRUE(trimmer.MaybeTrim());
}

// Memory freed in the middle of the heap (kept by malloc otherwise) leaves the resident set.
// Not built under ASan, which replaces glibc's malloc: nothing of glibc's to trim there.
#ifndef FXAGENT_ASAN
TEST(HeapTrimmerTest, HandsFreedHeapPagesBackToTheKernel) {
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 4096; ++i) {
    blocks.emplace_back(new char[4000]);
    std::fill_n(blocks.back().get(), 4000, static_cast<char>(i));
  }
  auto keep = std::make_unique<char[]>(64);  // pins the top of the heap
  for (size_t i = 0; i + 1 < blocks.size(); ++i) blocks[i].reset();
  const size_t free_before = mallinfo2().fordblks;
  ASSERT_GT(free_before, size_t{8} << 20);
  // mallinfo2 cannot tell resident from released pages; /proc/self/statm can.
  auto resident_kib = [] {
    long size = 0, resident = 0;
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return 0L;
    if (std::fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
    std::fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
  };
  const long before = resident_kib();
  HeapTrimmer trimmer(std::chrono::hours(1));
  ASSERT_TRUE(trimmer.MaybeTrim());
  const long after = resident_kib();
  EXPECT_LT(after, before - 8 * 1024) << "before " << before << " KiB, after " << after << " KiB";
}
#endif  // FXAGENT_ASAN

}  // namespace
}  // namespace fxagent
