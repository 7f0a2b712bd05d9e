#include <gtest/gtest.h>

#include "agent/notify/dispatch/alert.h"

namespace fxagent {
namespace {

TEST(FingerprintTest, MatchesPrometheusKnownVectors) {
  // prometheus/common model: TestMetricToFingerprint.
  EXPECT_EQ(LabelSetFingerprint({}), 14695981039346656037ULL);
  EXPECT_EQ(LabelSetFingerprint({{"name", "garland, briggs"}, {"fear", "love is not enough"}}),
            5799056148416392346ULL);
  Alert a;
  a.labels = {{"name", "garland, briggs"}, {"fear", "love is not enough"}};
  EXPECT_EQ(a.Fingerprint(), FingerprintHex(5799056148416392346ULL));
  EXPECT_EQ(a.Fingerprint().size(), 16u);
  // Computed by Debian's prometheus-alertmanager (GET /api/v2/alerts); the same vectors
  // check AlertState::Fingerprint in tests/rules/alerting.
  a.labels = {{"alertname", "FlexportApiDown"},
              {"component", "api"},
              {"instance", "flexport-agent"},
              {"severity", "P1"}};
  EXPECT_EQ(a.Fingerprint(), "d9dbd55fa42d7de2");
}

TEST(FingerprintTest, HandComputedFnv1a) {
  // FNV-1a 64 over "a" 0xff "b" 0xff.
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : std::string("a\xff"
                                     "b\xff")) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  EXPECT_EQ(LabelSetFingerprint({{"a", "b"}}), h);
  EXPECT_NE(LabelSetFingerprint({{"a", "b"}}), LabelSetFingerprint({{"ab", ""}}));
}

TEST(FormatTest, Rfc3339AndDurations) {
  TimePoint t = TimePoint(std::chrono::seconds(1795521600));  // 2026-11-24T12:00:00Z
  EXPECT_EQ(FormatRfc3339(t), "2026-11-24T12:00:00Z");
  EXPECT_EQ(FormatRfc3339(t + std::chrono::milliseconds(500)), "2026-11-24T12:00:00.5Z");
  EXPECT_EQ(FormatUtcMinute(t), "2026-11-24 12:00 UTC");
  EXPECT_EQ(FormatHumanDuration(std::chrono::minutes(65)), "1h5m");
  EXPECT_EQ(FormatHumanDuration(std::chrono::milliseconds(0)), "0s");
}

}  // namespace
}  // namespace fxagent
