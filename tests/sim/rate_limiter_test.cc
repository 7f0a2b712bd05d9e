#include "sim/rate_limiter.h"

#include <gtest/gtest.h>

namespace fxagent::sim {
namespace {

using std::chrono::milliseconds;
using TimePoint = TokenBucket::TimePoint;

class TokenBucketTest : public ::testing::Test {
 protected:
  TimePoint t0_ = TimePoint(std::chrono::seconds(1000));
  RateLimitConfig config_{100, 10, RateLimitHeaderStyle::kXRateLimit};
};

TEST_F(TokenBucketTest, StartsFullAndAllowsCapacityRequests) {
  TokenBucket bucket(config_, t0_);
  for (int i = 0; i < 100; ++i) {
    const auto d = bucket.TryTake(t0_);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 99 - i);
    EXPECT_EQ(d.limit, 100);
  }
  const auto denied = bucket.TryTake(t0_);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.remaining, 0);
  EXPECT_EQ(denied.retry_after_seconds, 1);  // 0.1 s to the next token, rounded up
  EXPECT_EQ(denied.reset_seconds, 10);       // 100 tokens at 10/s
}

TEST_F(TokenBucketTest, RefillsWithInjectedTime) {
  TokenBucket bucket(config_, t0_);
  bucket.Drain(t0_);
  EXPECT_FALSE(bucket.TryTake(t0_ + milliseconds(99)).allowed);
  EXPECT_TRUE(bucket.TryTake(t0_ + milliseconds(100)).allowed);
  EXPECT_FALSE(bucket.TryTake(t0_ + milliseconds(100)).allowed);
  // 5 s later: 50 tokens.
  EXPECT_NEAR(bucket.Tokens(t0_ + milliseconds(5100)), 50.0, 1e-6);
  const auto d = bucket.Peek(t0_ + milliseconds(5100));
  EXPECT_EQ(d.remaining, 50);
  EXPECT_EQ(d.reset_seconds, 5);
  // Never above capacity.
  EXPECT_DOUBLE_EQ(bucket.Tokens(t0_ + std::chrono::hours(1)), 100.0);
}

TEST_F(TokenBucketTest, RetryAfterGrowsWithSlowRefill) {
  config_.refill_per_sec = 0.25;
  TokenBucket bucket(config_, t0_);
  bucket.Drain(t0_);
  EXPECT_EQ(bucket.TryTake(t0_).retry_after_seconds, 4);
  EXPECT_EQ(bucket.TryTake(t0_ + milliseconds(1500)).retry_after_seconds, 3);
}

TEST_F(TokenBucketTest, NoRefillNeverRecovers) {
  config_.refill_per_sec = 0;
  TokenBucket bucket(config_, t0_);
  bucket.Drain(t0_);
  const auto d = bucket.TryTake(t0_ + std::chrono::hours(2));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, kNoRefillRetryAfterSeconds);
  EXPECT_EQ(d.reset_seconds, kNoRefillRetryAfterSeconds);
}

TEST_F(TokenBucketTest, ConfigureClampsAndSetTokens) {
  TokenBucket bucket(config_, t0_);
  bucket.Configure({5, 1, RateLimitHeaderStyle::kIetf}, t0_);
  EXPECT_DOUBLE_EQ(bucket.Tokens(t0_), 5.0);
  bucket.SetTokens(2, t0_);
  EXPECT_TRUE(bucket.TryTake(t0_).allowed);
  EXPECT_TRUE(bucket.TryTake(t0_).allowed);
  EXPECT_FALSE(bucket.TryTake(t0_).allowed);
  bucket.Fill(t0_);
  EXPECT_EQ(bucket.Peek(t0_).remaining, 5);
}

TEST(RateLimitHeadersTest, AllStyles) {
  RateDecision d{true, 100, 50, 5, 0, 10};
  using H = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(RateLimitHeaders(d, RateLimitHeaderStyle::kXRateLimit, 0),
            (H{{"X-RateLimit-Limit", "100"},
               {"X-RateLimit-Remaining", "50"},
               {"X-RateLimit-Reset", "5"}}));
  EXPECT_EQ(RateLimitHeaders(d, RateLimitHeaderStyle::kXRateLimitEpoch, 1700000000)[2],
            (std::pair<std::string, std::string>{"X-RateLimit-Reset", "1700000005"}));
  EXPECT_EQ(
      RateLimitHeaders(d, RateLimitHeaderStyle::kIetf, 0),
      (H{{"RateLimit-Limit", "100"}, {"RateLimit-Remaining", "50"}, {"RateLimit-Reset", "5"}}));
  EXPECT_EQ(
      RateLimitHeaders(d, RateLimitHeaderStyle::kStructured, 0),
      (H{{"RateLimit", "limit=100, remaining=50, reset=5"}, {"RateLimit-Policy", "100;w=10"}}));
}

TEST(RateLimitHeadersTest, StyleNamesRoundTrip) {
  for (auto style : {RateLimitHeaderStyle::kXRateLimit, RateLimitHeaderStyle::kXRateLimitEpoch,
                     RateLimitHeaderStyle::kIetf, RateLimitHeaderStyle::kStructured}) {
    EXPECT_EQ(ParseHeaderStyle(HeaderStyleName(style)), style);
  }
  EXPECT_FALSE(ParseHeaderStyle("bogus").has_value());
}

}  // namespace
}  // namespace fxagent::sim
