#include "agent/notify/incidents/impact.h"

#include <gtest/gtest.h>

namespace fxagent {
namespace {

using std::chrono::minutes;

std::chrono::system_clock::time_point At(int hour, int minute) {
  return std::chrono::system_clock::time_point(std::chrono::hours(24 * 20000 + hour) +
                                               minutes(minute));
}

TEST(Impact, NothingKnownIsEmpty) { EXPECT_EQ(DescribeImpact({.now = At(10, 0)}), ""); }

TEST(Impact, StaleSinceLastSuccessfulCall) {
  ImpactFacts f{.now = At(10, 30), .api_failing = true, .last_api_success = At(10, 2)};
  EXPECT_EQ(DescribeImpact(f), "tracking data stale since 10:02 UTC (last successful API call)");
  f.last_api_success.reset();
  EXPECT_EQ(DescribeImpact(f), "no successful API call since the agent started");
}

TEST(Impact, WebhookSilenceShipmentsAndRateLimits) {
  ImpactFacts f{.now = At(12, 0),
                .last_webhook = At(11, 0),
                .affected_shipments = 1,
                .rate_limited_calls = 12};
  EXPECT_EQ(DescribeImpact(f),
            "no webhook since 11:00 UTC; 1 shipment affected (dead-lettered webhook events); "
            "12 rate-limited API calls");
  f.last_webhook = At(11, 45);  // a recent webhook is not news
  f.affected_shipments = 3;
  f.rate_limited_calls = 0;
  EXPECT_EQ(DescribeImpact(f), "3 shipments affected (dead-lettered webhook events)");
}

}  // namespace
}  // namespace fxagent
