#include "agent/tracing/span_context.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace fxagent {
namespace {

constexpr char kValid[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

TEST(TraceparentTest, ParsesTheW3cExample) {
  auto ctx = ParseTraceparent(kValid);
  ASSERT_TRUE(ctx.has_value());
  EXPECT_EQ(ToHex(ctx->trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(ToHex(ctx->span_id), "b7ad6b7169203331");
  EXPECT_EQ(ctx->trace_flags, 0x01);
  EXPECT_TRUE(ctx->IsValid());
}

TEST(TraceparentTest, FormatRoundTrips) {
  auto ctx = ParseTraceparent(kValid);
  ASSERT_TRUE(ctx.has_value());
  EXPECT_EQ(FormatTraceparent(*ctx), kValid);
  auto unsampled = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  ASSERT_TRUE(unsampled.has_value());
  EXPECT_EQ(unsampled->trace_flags, 0x00);
  EXPECT_EQ(FormatTraceparent(*unsampled),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
}

TEST(TraceparentTest, FormatOfInvalidContextIsEmpty) {
  EXPECT_EQ(FormatTraceparent(SpanContext{}), "");
}

TEST(TraceparentTest, AcceptsFutureVersionWithExtraFields) {
  auto ctx =
      ParseTraceparent("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future");
  ASSERT_TRUE(ctx.has_value());
  EXPECT_EQ(ToHex(ctx->span_id), "b7ad6b7169203331");
}

class InvalidTraceparentTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidTraceparentTest, IsIgnored) {
  EXPECT_FALSE(ParseTraceparent(GetParam()).has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, InvalidTraceparentTest,
    ::testing::Values("", "00", "garbage",
                      // all-zero trace id / span id
                      "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
                      // upper case hex is not allowed by W3C
                      "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
                      // version ff is invalid; version 00 must be exactly 55 characters
                      "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
                      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0",
                      // wrong separators, lengths, non-hex characters
                      "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                      "00-0af7651916cd43dd8448eb211c80319-cb7ad6b7169203331-01",
                      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333g-01",
                      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0x",
                      "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                      " 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                      "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x"));

TEST(IdsTest, GeneratedIdsAreNonZeroAndUnique) {
  std::set<std::string> traces, spans;
  for (int i = 0; i < 10000; ++i) {
    TraceId t = NewTraceId();
    SpanId s = NewSpanId();
    ASSERT_FALSE(IsZero(t));
    ASSERT_FALSE(IsZero(s));
    traces.insert(ToHex(t));
    spans.insert(ToHex(s));
  }
  EXPECT_EQ(traces.size(), 10000u);
  EXPECT_EQ(spans.size(), 10000u);
}

TEST(IdsTest, HexIsLowercaseAndFixedWidth) {
  TraceId t{};
  t[0] = 0xAB;
  t[15] = 0x01;
  EXPECT_EQ(ToHex(t), "ab000000000000000000000000000001");
  SpanId s{};
  s[7] = 0xFF;
  EXPECT_EQ(ToHex(s), "00000000000000ff");
}

}  // namespace
}  // namespace fxagent
