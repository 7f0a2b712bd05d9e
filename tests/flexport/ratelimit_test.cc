#include "flexport/ratelimit.h"

#include <gtest/gtest.h>

#include <ctime>
#include <limits>

namespace fxagent {
namespace {

using Headers = std::multimap<std::string, std::string>;
constexpr std::time_t kNow = 1'790'000'000;  // 2026-09-21

TEST(RateLimit, XRateLimitHeaders) {
  auto rl = ParseRateLimit(
      {{"x-ratelimit-limit", "100"}, {"x-ratelimit-remaining", "7"}, {"x-ratelimit-reset", "30"}},
      kNow);
  EXPECT_EQ(rl.limit, 100);
  EXPECT_EQ(rl.remaining, 7);
  EXPECT_EQ(rl.reset_seconds, 30);
  EXPECT_FALSE(rl.retry_after_seconds);
  EXPECT_DOUBLE_EQ(*rl.Headroom(), 0.07);
}

TEST(RateLimit, ResetAsUnixTime) {
  auto rl = ParseRateLimit({{"x-ratelimit-reset", std::to_string(kNow + 42)}}, kNow);
  EXPECT_EQ(rl.reset_seconds, 42);
}

TEST(RateLimit, IetfHeaders) {
  auto rl = ParseRateLimit(
      {{"ratelimit-limit", "50"}, {"ratelimit-remaining", "25"}, {"ratelimit-reset", "10"}}, kNow);
  EXPECT_EQ(rl.limit, 50);
  EXPECT_EQ(rl.remaining, 25);
  EXPECT_EQ(rl.reset_seconds, 10);
}

TEST(RateLimit, StructuredOldDraft) {
  auto rl = ParseRateLimit({{"ratelimit", "limit=100, remaining=50, reset=5"}}, kNow);
  EXPECT_EQ(rl.limit, 100);
  EXPECT_EQ(rl.remaining, 50);
  EXPECT_EQ(rl.reset_seconds, 5);
}

TEST(RateLimit, StructuredNewDraftWithPolicy) {
  auto rl = ParseRateLimit(
      {{"ratelimit", "\"default\";r=12;t=30"}, {"ratelimit-policy", "\"default\";q=100;w=60"}},
      kNow);
  EXPECT_EQ(rl.limit, 100);
  EXPECT_EQ(rl.remaining, 12);
  EXPECT_EQ(rl.reset_seconds, 30);
}

TEST(RateLimit, LimitWithPolicySuffix) {
  auto rl = ParseRateLimit({{"x-ratelimit-limit", "100, 100;w=60"}}, kNow);
  EXPECT_EQ(rl.limit, 100);
}

TEST(RateLimit, RetryAfterTakesPrecedenceForReset) {
  auto rl = ParseRateLimit({{"x-ratelimit-reset", "30"}, {"retry-after", "7"}}, kNow);
  EXPECT_EQ(rl.retry_after_seconds, 7);
  EXPECT_EQ(rl.reset_seconds, 7);
}

TEST(RateLimit, GarbageIsIgnored) {
  auto rl = ParseRateLimit(
      {{"x-ratelimit-limit", "lots"}, {"x-ratelimit-remaining", "-3"}, {"retry-after", "soon"}},
      kNow);
  EXPECT_FALSE(rl.Any());
  EXPECT_FALSE(rl.Headroom());
}

TEST(RetryAfter, Seconds) {
  EXPECT_EQ(ParseRetryAfter("120", kNow), 120);
  EXPECT_EQ(ParseRetryAfter(" 0 ", kNow), 0);
  EXPECT_FALSE(ParseRetryAfter("12abc", kNow));
  EXPECT_FALSE(ParseRetryAfter("", kNow));
}

TEST(RetryAfter, HttpDates) {
  // 1790000000 = Mon, 21 Sep 2026 14:13:20 GMT
  EXPECT_EQ(ParseRetryAfter("Mon, 21 Sep 2026 14:14:20 GMT", kNow), 60);
  EXPECT_EQ(ParseRetryAfter("Monday, 21-Sep-26 14:14:20 GMT", kNow), 60);
  EXPECT_EQ(ParseRetryAfter("Mon Sep 21 14:14:20 2026", kNow), 60);
  EXPECT_EQ(ParseRetryAfter("Mon, 21 Sep 2026 14:00:00 GMT", kNow), 0);  // in the past
  EXPECT_FALSE(ParseRetryAfter("21/09/2026", kNow));
}

// The date minus "now" must not overflow time_t whatever either is (found by
// fuzz_ratelimit; `make test-asan` runs this under UBSan).
TEST(RetryAfter, ExtremeNowDoesNotOverflow) {
  const auto far =
      ParseRetryAfter("Wed, 1 May 2042 04:01:00 GMT", std::numeric_limits<std::time_t>::min());
  ASSERT_TRUE(far);
  EXPECT_GT(*far, 9e18);
  EXPECT_EQ(
      ParseRetryAfter("Wed, 1 May 2042 04:01:00 GMT", std::numeric_limits<std::time_t>::max()), 0);
}

}  // namespace
}  // namespace fxagent
