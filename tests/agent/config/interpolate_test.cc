#include "agent/config/interpolate.h"

#include <gtest/gtest.h>

#include "tests/agent/config/fake_env.h"

namespace fxagent {
namespace {

using testing::FakeEnv;

TEST(Interpolate, Substitutes) {
  struct Case {
    const char* text;
    const char* want;
    bool substituted;
  };
  const Case cases[] = {
      {"plain", "plain", false},
      {"${A}", "alpha", true},
      {"${UNSET:-x}", "x", true},
      {"${A:-x}", "alpha", true},
      {"${UNSET:-}", "", true},
      {"${EMPTY:-fallback}", "fallback", true},
      {"${EMPTY}", "", true},
      {"$${A}", "${A}", false},
      {"a-${A}-b-${B}-c", "a-alpha-b-beta-c", true},
      {"${A}${B}", "alphabeta", true},
      {"$$${A}", "$${A}", false},
      {"cost: $5 {x}", "cost: $5 {x}", false},
      {"${UNSET:-http://127.0.0.1:3000/x}", "http://127.0.0.1:3000/x", true},
      {"", "", false},
  };
  for (const Case& c : cases) {
    std::string error;
    std::optional<Interpolated> got = Interpolate(c.text, FakeEnv, &error);
    ASSERT_TRUE(got.has_value()) << c.text << ": " << error;
    EXPECT_EQ(got->value, c.want) << c.text;
    EXPECT_EQ(got->substituted, c.substituted) << c.text;
  }
}

TEST(Interpolate, Errors) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"${UNSET}", "environment variable UNSET is not set"},
      {"x ${A} ${UNSET} y", "environment variable UNSET is not set"},
      {"${A", "unterminated \"${\" (write \"$${\" for a literal \"${\")"},
      {"ok ${A:-x", "unterminated \"${\" (write \"$${\" for a literal \"${\")"},
      {"${}",
       "invalid environment variable reference \"${}\" (expected ${NAME} or "
       "${NAME:-default})"},
      {"${1A}",
       "invalid environment variable reference \"${1A}\" (expected ${NAME} or "
       "${NAME:-default})"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(Interpolate(c.text, FakeEnv, &error).has_value()) << c.text;
    EXPECT_EQ(error, c.error) << c.text;
  }
}

TEST(Interpolate, ErrorNeverContainsSubstitutedValues) {
  std::string error;
  ASSERT_FALSE(Interpolate("${FLEXPORT_API_KEY}:${UNSET}", FakeEnv, &error).has_value());
  EXPECT_EQ(error.find(testing::kApiKey), std::string::npos);
}

}  // namespace
}  // namespace fxagent
