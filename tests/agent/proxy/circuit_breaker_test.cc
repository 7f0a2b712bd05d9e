#include "agent/proxy/circuit_breaker.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace fxagent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using A = CircuitBreaker::Admission;
using O = CircuitBreaker::Outcome;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreaker::TimePoint now_{seconds(1000)};
  std::vector<std::pair<BreakerState, BreakerState>> transitions_;
  CircuitBreaker breaker_{3, seconds(30), [this](BreakerState from, BreakerState to) {
                            transitions_.emplace_back(from, to);
                          }};

  void Fail(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(breaker_.Admit(now_), A::kAllow);
      breaker_.Record(A::kAllow, O::kFailure, now_);
    }
  }
};

TEST_F(CircuitBreakerTest, OpensAfterConsecutiveFailures) {
  Fail(2);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  Fail(1);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  EXPECT_EQ(breaker_.Admit(now_), A::kReject);
  EXPECT_EQ(breaker_.RemainingOpen(now_ + seconds(10)), seconds(20));
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0], std::make_pair(BreakerState::kClosed, BreakerState::kOpen));
}

TEST_F(CircuitBreakerTest, SuccessResetsTheRun) {
  Fail(2);
  breaker_.Record(breaker_.Admit(now_), O::kSuccess, now_);
  Fail(2);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
}

TEST_F(CircuitBreakerTest, HalfOpenLetsOneProbeThroughAndClosesOnSuccess) {
  Fail(3);
  EXPECT_EQ(breaker_.Admit(now_ + seconds(29)), A::kReject);
  now_ += seconds(30);
  EXPECT_EQ(breaker_.Admit(now_), A::kProbe);
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
  EXPECT_EQ(breaker_.Admit(now_), A::kReject) << "only one probe at a time";
  breaker_.Record(A::kProbe, O::kSuccess, now_);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  EXPECT_EQ(breaker_.Admit(now_), A::kAllow);
  ASSERT_EQ(transitions_.size(), 3u);
  EXPECT_EQ(transitions_[1], std::make_pair(BreakerState::kOpen, BreakerState::kHalfOpen));
  EXPECT_EQ(transitions_[2], std::make_pair(BreakerState::kHalfOpen, BreakerState::kClosed));
}

TEST_F(CircuitBreakerTest, FailedProbeReopensForAnotherFullPeriod) {
  Fail(3);
  now_ += seconds(31);
  ASSERT_EQ(breaker_.Admit(now_), A::kProbe);
  breaker_.Record(A::kProbe, O::kFailure, now_);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  EXPECT_EQ(breaker_.Admit(now_ + seconds(29)), A::kReject);
  EXPECT_EQ(breaker_.Admit(now_ + seconds(30)), A::kProbe);
}

TEST_F(CircuitBreakerTest, AbandonedProbeFreesTheSlotWithoutDeciding) {
  Fail(3);
  now_ += seconds(30);
  ASSERT_EQ(breaker_.Admit(now_), A::kProbe);
  breaker_.Record(A::kProbe, O::kAbandoned, now_);
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
  EXPECT_EQ(breaker_.Admit(now_), A::kProbe);
}

TEST_F(CircuitBreakerTest, LateResultsOfNormalRequestsDoNotDecideHalfOpen) {
  ASSERT_EQ(breaker_.Admit(now_), A::kAllow);  // in flight while the breaker opens
  Fail(3);
  now_ += seconds(30);
  ASSERT_EQ(breaker_.Admit(now_), A::kProbe);
  breaker_.Record(A::kAllow, O::kSuccess, now_);
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
  breaker_.Record(A::kAllow, O::kFailure, now_);
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
}

TEST(CircuitBreakerNames, StateNames) {
  EXPECT_STREQ(BreakerStateName(BreakerState::kClosed), "closed");
  EXPECT_STREQ(BreakerStateName(BreakerState::kOpen), "open");
  EXPECT_STREQ(BreakerStateName(BreakerState::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace fxagent
