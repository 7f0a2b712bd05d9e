#include "agent/webhooks/gap_tracker.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "tests/agent/webhooks/webhooks_test_util.h"

namespace fxagent {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeClock;
using testing::MetricValue;

double ExpectedGauge(prometheus::Registry& registry, const std::string& type) {
  return MetricValue(registry, "flexport_webhook_expected_gap_seconds", {{"type", type}});
}

TEST(GapTrackerTest, ConfiguredGapsExactBeforeWildcard) {
  FakeClock clock;
  prometheus::Registry registry;
  GapTracker gaps({.expect = {{.types = {"*"}, .max_gap = minutes(60)},
                              {.types = {"shipment.milestone"}, .max_gap = minutes(30)}},
                   .clock = clock.AsClock()},
                  registry);
  // Configured explicit types are exported before their first arrival.
  EXPECT_EQ(ExpectedGauge(registry, "shipment.milestone"), 1800);
  EXPECT_EQ(gaps.ExpectedGap("invoice_created"), minutes(60));
  gaps.Observe("invoice_created", clock.Now());
  EXPECT_EQ(ExpectedGauge(registry, "invoice_created"), 3600);
  clock.Advance(seconds(90));
  auto snapshot = gaps.Snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[0].type, "invoice_created");
  EXPECT_EQ(snapshot[0].current_gap, seconds(90));
  EXPECT_EQ(snapshot[0].expected_gap, minutes(60));
  EXPECT_TRUE(snapshot[0].configured);
  EXPECT_EQ(snapshot[1].type, "shipment.milestone");
  EXPECT_FALSE(snapshot[1].last_arrival);
  EXPECT_FALSE(snapshot[1].current_gap);
}

TEST(GapTrackerTest, LearnsGapAfterMinimumObservations) {
  FakeClock clock;
  prometheus::Registry registry;
  GapTracker gaps({.min_observations = 5, .clock = clock.AsClock()}, registry);
  for (int i = 0; i < 5; ++i) {  // 4 intervals: not enough yet
    gaps.Observe("po_created", clock.Now());
    clock.Advance(minutes(2));
  }
  EXPECT_FALSE(gaps.ExpectedGap("po_created"));
  EXPECT_EQ(ExpectedGauge(registry, "po_created"), -1);  // absent until a gap is known
  clock.Advance(minutes(3));                             // one longer interval: 5 minutes
  gaps.Observe("po_created", clock.Now());
  // 0.99 quantile of {2,2,2,2,5} minutes is 5 minutes; ×2 = 10 minutes.
  EXPECT_EQ(gaps.ExpectedGap("po_created"), minutes(10));
  EXPECT_EQ(ExpectedGauge(registry, "po_created"), 600);
}

TEST(GapTrackerTest, LearnedGapHasAFloor) {
  FakeClock clock;
  prometheus::Registry registry;
  GapTracker gaps({.min_observations = 3, .clock = clock.AsClock()}, registry);
  for (int i = 0; i < 10; ++i) {
    gaps.Observe("fast", clock.Now());
    clock.Advance(seconds(1));
  }
  EXPECT_EQ(gaps.ExpectedGap("fast"), minutes(1));
}

TEST(GapTrackerTest, SeededFromHistory) {
  FakeClock clock;
  prometheus::Registry registry;
  GapTracker gaps({.min_observations = 2, .clock = clock.AsClock()}, registry);
  auto t0 = clock.Now() - minutes(30);
  gaps.Seed({{"A", {t0, t0 + minutes(5), t0 + minutes(10)}}});
  EXPECT_EQ(gaps.ExpectedGap("A"), minutes(10));
  auto snapshot = gaps.Snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].last_arrival, t0 + minutes(10));
  EXPECT_EQ(snapshot[0].current_gap, minutes(20));
  EXPECT_EQ(snapshot[0].observations, 2u);
  // An older arrival reported late does not move the last arrival back.
  gaps.Observe("A", t0);
  EXPECT_EQ(gaps.Snapshot()[0].last_arrival, t0 + minutes(10));
}

TEST(GapTrackerTest, TypeCardinalityIsCapped) {
  prometheus::Registry registry;
  GapTracker gaps({.max_types = 2}, registry);
  gaps.Observe("a", std::chrono::system_clock::now());
  gaps.Observe("b", std::chrono::system_clock::now());
  gaps.Observe("c", std::chrono::system_clock::now());
  auto snapshot = gaps.Snapshot();
  ASSERT_EQ(snapshot.size(), 3u);
  EXPECT_EQ(snapshot[2].type, "other");
}

}  // namespace
}  // namespace fxagent
