#include "agent/proxy/rate_limit_gate.h"

#include <gtest/gtest.h>

namespace fxagent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Kind = RateLimitGate::Kind;

const RateLimitGate::TimePoint kT0{seconds(5000)};

TEST(RateLimitGateTest, ProceedsWhenNotRateLimited) {
  RateLimitGate gate(2, seconds(30));
  EXPECT_EQ(gate.Enter(kT0).kind, Kind::kProceed);
  EXPECT_EQ(gate.depth(), 0);
}

TEST(RateLimitGateTest, QueuesUntilTheResetWithinBounds) {
  RateLimitGate gate(2, seconds(30));
  gate.OnRateLimited(seconds(10), kT0);
  const auto d = gate.Enter(kT0 + seconds(1));
  EXPECT_EQ(d.kind, Kind::kQueue);
  EXPECT_EQ(d.until, kT0 + seconds(10));
  EXPECT_EQ(d.deadline, kT0 + seconds(31));
  EXPECT_EQ(gate.depth(), 1);
  EXPECT_TRUE(gate.Blocked(kT0 + seconds(9)));
  EXPECT_FALSE(gate.Blocked(kT0 + seconds(10)));
  gate.Leave();
  EXPECT_EQ(gate.depth(), 0);
  EXPECT_EQ(gate.Enter(kT0 + seconds(10)).kind, Kind::kProceed);
}

TEST(RateLimitGateTest, RejectsBeyondQueueMaxWithRetryAfter) {
  RateLimitGate gate(2, seconds(30));
  gate.OnRateLimited(milliseconds(1500), kT0);
  EXPECT_EQ(gate.Enter(kT0).kind, Kind::kQueue);
  EXPECT_EQ(gate.Enter(kT0).kind, Kind::kQueue);
  const auto d = gate.Enter(kT0 + milliseconds(100));
  EXPECT_EQ(d.kind, Kind::kQueueFull);
  EXPECT_EQ(d.retry_after, seconds(2)) << "1.4 s rounds up";
  EXPECT_EQ(gate.depth(), 2);
  gate.Leave();
  EXPECT_EQ(gate.Enter(kT0).kind, Kind::kQueue);
}

TEST(RateLimitGateTest, RejectsWhenTheResetIsBeyondTheMaxWait) {
  RateLimitGate gate(10, seconds(5));
  gate.OnRateLimited(seconds(60), kT0);
  const auto d = gate.Enter(kT0);
  EXPECT_EQ(d.kind, Kind::kWaitTooLong);
  EXPECT_EQ(d.retry_after, seconds(60));
  EXPECT_EQ(gate.depth(), 0);
  EXPECT_EQ(gate.Enter(kT0 + seconds(56)).kind, Kind::kQueue);
}

TEST(RateLimitGateTest, LaterRateLimitsExtendButNeverShorten) {
  RateLimitGate gate(10, seconds(30));
  gate.OnRateLimited(seconds(10), kT0);
  gate.OnRateLimited(seconds(2), kT0 + seconds(1));
  EXPECT_EQ(gate.blocked_until(), kT0 + seconds(10));
  gate.OnRateLimited(seconds(20), kT0 + seconds(1));
  EXPECT_EQ(gate.blocked_until(), kT0 + seconds(21));
  gate.OnRateLimited(seconds(0), kT0 + seconds(50));
  EXPECT_EQ(gate.blocked_until(), kT0 + seconds(21));
}

TEST(RateLimitGateTest, ZeroQueueRejectsEverythingWhileBlocked) {
  RateLimitGate gate(0, seconds(30));
  gate.OnRateLimited(seconds(1), kT0);
  EXPECT_EQ(gate.Enter(kT0).kind, Kind::kQueueFull);
}

TEST(RateLimitGateTest, RetryAfterIsAtLeastOneSecond) {
  EXPECT_EQ(RateLimitGate::RetryAfter(kT0, kT0 + seconds(3)), seconds(1));
  EXPECT_EQ(RateLimitGate::RetryAfter(kT0 + milliseconds(1), kT0), seconds(1));
  EXPECT_EQ(RateLimitGate::RetryAfter(kT0 + milliseconds(2001), kT0), seconds(3));
}

}  // namespace
}  // namespace fxagent
