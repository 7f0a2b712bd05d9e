#include "agent/config/units.h"

#include <gtest/gtest.h>

namespace fxagent {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(ParseDuration, AcceptsPrometheusForms) {
  struct Case {
    const char* text;
    Duration want;
  };
  const Case cases[] = {
      {"250ms", milliseconds(250)},
      {"30s", seconds(30)},
      {"5m", minutes(5)},
      {"2h", hours(2)},
      {"7d", hours(24 * 7)},
      {"0s", Duration::zero()},
      {"0", Duration::zero()},
      {"1h30m", minutes(90)},
      {"1d2h3m4s5ms", hours(26) + minutes(3) + seconds(4) + milliseconds(5)},
      {"90s", seconds(90)},
      {"1m500ms", milliseconds(60500)},
  };
  for (const Case& c : cases) {
    std::optional<Duration> got = ParseDuration(c.text);
    ASSERT_TRUE(got.has_value()) << c.text;
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(ParseDuration, Rejects) {
  for (const char* text :
       {"", "s", "30", "1.5h", "-5s", "+5s", "30 s", " 30s", "30s ", "30S", "5mm", "30m1h", "1s1s",
        "1msx", "5y", "1h30", "99999999999999999999s", "106751991168d"}) {
    EXPECT_FALSE(ParseDuration(text).has_value()) << text;
  }
}

TEST(FormatDuration, RoundTrips) {
  EXPECT_EQ(FormatDuration(minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(Duration::zero()), "0s");
  EXPECT_EQ(FormatDuration(hours(24 * 7)), "7d");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1s500ms");
  EXPECT_EQ(FormatDuration(seconds(-5)), "-5s");
  for (const char* text : {"250ms", "30s", "5m", "2h", "7d", "1h30m", "1d2h3m4s5ms"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

TEST(ParseSize, AcceptsUnits) {
  struct Case {
    const char* text;
    uint64_t want;
  };
  const Case cases[] = {
      {"512KiB", 512 * 1024},
      {"1MiB", 1024 * 1024},
      {"1GiB", 1024ULL * 1024 * 1024},
      {"100B", 100},
      {"10KB", 10000},
      {"2MB", 2000000},
      {"1024", 1024},
      {"0", 0},
      {"1TiB", 1ULL << 40},
  };
  for (const Case& c : cases) {
    std::optional<uint64_t> got = ParseSize(c.text);
    ASSERT_TRUE(got.has_value()) << c.text;
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(ParseSize, Rejects) {
  for (const char* text : {"", "MiB", "1.5MiB", "-1", "1 MiB", "1mib", "1Mi", "1XB",
                           "99999999999999999999", "20000000TiB"}) {
    EXPECT_FALSE(ParseSize(text).has_value()) << text;
  }
}

TEST(ParseListenAddress, Accepts) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
    const char* formatted;
  };
  const Case cases[] = {
      {"0.0.0.0:8080", "0.0.0.0", 8080, "0.0.0.0:8080"},
      {"127.0.0.1:0", "127.0.0.1", 0, "127.0.0.1:0"},
      {"[::1]:9464", "::1", 9464, "[::1]:9464"},
      {"[::]:65535", "::", 65535, "[::]:65535"},
      {"localhost:9464", "localhost", 9464, "localhost:9464"},
      {"agent.internal-1.example:80", "agent.internal-1.example", 80,
       "agent.internal-1.example:80"},
  };
  for (const Case& c : cases) {
    std::optional<ListenAddress> got = ParseListenAddress(c.text);
    ASSERT_TRUE(got.has_value()) << c.text;
    EXPECT_EQ(got->host, c.host);
    EXPECT_EQ(got->port, c.port);
    EXPECT_EQ(got->ToString(), c.formatted);
  }
}

TEST(ParseListenAddress, Rejects) {
  for (const char* text :
       {"", "localhost", ":8080", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80a",
        "::1:9464", "[::1]", "[::1]9464", "[zz]:80", "300.0.0.1:80", "host name:80",
        "127.0.0.1:0x50", "127.0.0.1:000080"}) {
    EXPECT_FALSE(ParseListenAddress(text).has_value()) << text;
  }
}

TEST(ParseRfc3339, Accepts) {
  using std::chrono::sys_days;
  using namespace std::chrono_literals;
  const TimePoint jan31 = sys_days(std::chrono::year{2027} / 1 / 31);
  EXPECT_EQ(ParseRfc3339("2027-01-31T00:00:00Z"), jan31);
  EXPECT_EQ(ParseRfc3339("2027-01-31t00:00:00z"), jan31);
  EXPECT_EQ(ParseRfc3339("2027-01-31T01:00:00+01:00"), jan31);
  EXPECT_EQ(ParseRfc3339("2027-01-30T19:30:00-04:30"), jan31);
  EXPECT_EQ(ParseRfc3339("2027-01-31T00:00:00.250Z"), jan31 + 250ms);
  EXPECT_EQ(ParseRfc3339("2027-01-31 00:00:01Z"), jan31 + 1s);
  EXPECT_EQ(ParseRfc3339("2024-02-29T00:00:00Z"),
            TimePoint(sys_days(std::chrono::year{2024} / 2 / 29)));
}

TEST(ParseRfc3339, Rejects) {
  for (const char* text : {"", "2027-01-31", "2027-01-31T00:00:00", "2027-02-30T00:00:00Z",
                           "2023-02-29T00:00:00Z", "2027-13-01T00:00:00Z", "2027-01-31T24:00:00Z",
                           "2027-01-31T00:60:00Z", "2027-1-31T00:00:00Z", "2027-01-31T00:00:00.Z",
                           "2027-01-31T00:00:00+0100", "2027-01-31T00:00:00Z ", "1735689600"}) {
    EXPECT_FALSE(ParseRfc3339(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace fxagent
