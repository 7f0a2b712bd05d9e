#include "agent/proxy/headers.h"

#include <gtest/gtest.h>

namespace fxagent {
namespace {

TEST(HeadersTest, HopByHopNames) {
  for (const char* h : {"Connection", "keep-alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
                        "Host", "Proxy-Authorization", "proxy-authenticate", "Proxy-Connection"}) {
    EXPECT_TRUE(IsHopByHopHeader(h)) << h;
  }
  for (const char* h : {"Authorization", "Content-Type", "Content-Length", "X-RateLimit-Limit",
                        "Retry-After", "traceparent", "Proxy", "Tea"}) {
    EXPECT_FALSE(IsHopByHopHeader(h)) << h;
  }
}

TEST(HeadersTest, DropHopByHopKeepsOrderAndDuplicates) {
  const HeaderList in = {{"Host", "agent:9465"},           {"Authorization", "Bearer k"},
                         {"Connection", "keep-alive"},     {"Set-Cookie", "a=1"},
                         {"Transfer-Encoding", "chunked"}, {"Set-Cookie", "b=2"}};
  const HeaderList want = {
      {"Authorization", "Bearer k"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
  EXPECT_EQ(DropHopByHop(in), want);
}

TEST(HeadersTest, DropsFieldsNamedByConnection) {
  const HeaderList in = {{"Connection", "close, X-Hop"},
                         {"x-hop", "1"},
                         {"X-Keep", "2"},
                         {"connection", " X-Other "},
                         {"X-Other", "3"}};
  const HeaderList want = {{"X-Keep", "2"}};
  EXPECT_EQ(DropHopByHop(in), want);
}

TEST(HeadersTest, FindAndRemoveAreCaseInsensitive) {
  HeaderList h = {{"Content-Length", "3"}, {"X-A", "1"}, {"content-length", "4"}};
  ASSERT_NE(FindHeader(h, "CONTENT-LENGTH"), nullptr);
  EXPECT_EQ(*FindHeader(h, "CONTENT-LENGTH"), "3");
  EXPECT_EQ(FindHeader(h, "X-B"), nullptr);
  EXPECT_EQ(RemoveHeader(h, "Content-length"), 2u);
  EXPECT_EQ(h.size(), 1u);
  EXPECT_TRUE(HeaderNameEquals("X-RateLimit-Reset", "x-ratelimit-reset"));
  EXPECT_FALSE(HeaderNameEquals("X-A", "X-AB"));
}

}  // namespace
}  // namespace fxagent
