// The proxy continues and generates W3C traceparent headers with the tracing library.
#include <gtest/gtest.h>

#include <set>

#include "agent/tracing/span_context.h"

namespace fxagent {
namespace {

constexpr const char* kExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ParsesAndFormatsTheSpecExample) {
  const auto c = ParseTraceparent(kExample);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->trace_id[0], 0x4b);
  EXPECT_EQ(c->span_id[7], 0xb7);
  EXPECT_EQ(c->trace_flags, 0x01);
  EXPECT_EQ(FormatTraceparent(*c), kExample);
}

TEST(TraceparentTest, RejectsInvalidValues) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero span id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 is exact
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
}

TEST(TraceparentTest, AcceptsFutureVersionsWithExtraFields) {
  EXPECT_TRUE(ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")
                  .has_value());
  EXPECT_FALSE(
      ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01extra").has_value());
}

TEST(TraceparentTest, NewContextsAreValidSampledAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string s = FormatTraceparent(SpanContext{NewTraceId(), NewSpanId(), 0x01});
    ASSERT_EQ(s.size(), 55u);
    const auto parsed = ParseTraceparent(s);
    ASSERT_TRUE(parsed.has_value()) << s;
    EXPECT_EQ(parsed->trace_flags, 0x01);
    seen.insert(s.substr(3, 32));
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace fxagent
