#include "agent/tracing/export_policy.h"

#include <gtest/gtest.h>

namespace fxagent {
namespace {

using std::chrono::milliseconds;

TEST(ExportPolicyTest, Classification) {
  EXPECT_EQ(ClassifyExportStatus(200), ExportOutcome::kSuccess);
  EXPECT_EQ(ClassifyExportStatus(202), ExportOutcome::kSuccess);
  EXPECT_EQ(ClassifyExportStatus(0), ExportOutcome::kRetryable);
  EXPECT_EQ(ClassifyExportStatus(429), ExportOutcome::kRetryable);
  EXPECT_EQ(ClassifyExportStatus(500), ExportOutcome::kRetryable);
  EXPECT_EQ(ClassifyExportStatus(502), ExportOutcome::kRetryable);
  EXPECT_EQ(ClassifyExportStatus(503), ExportOutcome::kRetryable);
  EXPECT_EQ(ClassifyExportStatus(400), ExportOutcome::kPermanent);
  EXPECT_EQ(ClassifyExportStatus(401), ExportOutcome::kPermanent);
  EXPECT_EQ(ClassifyExportStatus(404), ExportOutcome::kPermanent);
  EXPECT_EQ(ClassifyExportStatus(302), ExportOutcome::kPermanent);
}

TEST(ExportPolicyTest, RetryAfterSeconds) {
  auto now = std::chrono::system_clock::now();
  EXPECT_EQ(ParseRetryAfter("7", now), milliseconds(7000));
  EXPECT_EQ(ParseRetryAfter(" 0 \r\n", now), milliseconds(0));
  EXPECT_FALSE(ParseRetryAfter("", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("-1", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("99999999999999999999999", now).has_value());
  EXPECT_EQ(ParseRetryAfter("999999999", now), milliseconds(24LL * 3600 * 1000));
}

TEST(ExportPolicyTest, RetryAfterHttpDate) {
  // Sun, 06 Nov 1994 08:49:37 GMT = 784111777.
  auto now = std::chrono::system_clock::from_time_t(784111777 - 30);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now), milliseconds(30000));
  auto later = std::chrono::system_clock::from_time_t(784111777 + 30);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", later), milliseconds(0));
}

TEST(ExportPolicyTest, ExponentialBackoffIsCapped) {
  EXPECT_EQ(BackoffDelay(1, milliseconds(500), milliseconds(30000)), milliseconds(500));
  EXPECT_EQ(BackoffDelay(2, milliseconds(500), milliseconds(30000)), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(3, milliseconds(500), milliseconds(30000)), milliseconds(2000));
  EXPECT_EQ(BackoffDelay(7, milliseconds(500), milliseconds(30000)), milliseconds(30000));
  EXPECT_EQ(BackoffDelay(1000, milliseconds(500), milliseconds(30000)), milliseconds(30000));
  EXPECT_EQ(BackoffDelay(0, milliseconds(500), milliseconds(30000)), milliseconds(500));
}

}  // namespace
}  // namespace fxagent
