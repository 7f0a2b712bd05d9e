#include "agent/config/matcher.h"

#include <gtest/gtest.h>

namespace fxagent {
namespace {

TEST(ParseMatcher, ParsesAllOperators) {
  struct Case {
    const char* text;
    const char* name;
    MatchOp op;
    const char* value;
  };
  const Case cases[] = {
      {R"(severity="P1")", "severity", MatchOp::kEqual, "P1"},
      {R"(severity!="P4")", "severity", MatchOp::kNotEqual, "P4"},
      {R"(severity=~"P2|P3|P4")", "severity", MatchOp::kRegexMatch, "P2|P3|P4"},
      {R"(component!~"api.*")", "component", MatchOp::kNotRegexMatch, "api.*"},
      {R"( team = "orders" )", "team", MatchOp::kEqual, "orders"},
      {R"(_x1="")", "_x1", MatchOp::kEqual, ""},
      {R"(msg="say \"hi\"\\")", "msg", MatchOp::kEqual, "say \"hi\"\\"},
      {R"(id=~"\d+")", "id", MatchOp::kRegexMatch, "\\d+"},
  };
  for (const Case& c : cases) {
    std::optional<Matcher> m = ParseMatcher(c.text);
    ASSERT_TRUE(m.has_value()) << c.text;
    EXPECT_EQ(m->name, c.name);
    EXPECT_EQ(m->op, c.op) << c.text;
    EXPECT_EQ(m->value, c.value);
  }
}

TEST(ParseMatcher, Rejects) {
  for (const char* text :
       {"", "severity", "severity=P1", R"(="P1")", R"(1abc="x")", R"(sev-erity="P1")",
        R"(severity=="P1")", R"(severity~"P1")", R"(severity="P1)", R"(severity="P1" extra)",
        R"(severity='P1')", R"(severity="P1\)"}) {
    EXPECT_FALSE(ParseMatcher(text).has_value()) << text;
  }
}

TEST(MatchOpString, RoundTrips) {
  for (MatchOp op :
       {MatchOp::kEqual, MatchOp::kNotEqual, MatchOp::kRegexMatch, MatchOp::kNotRegexMatch}) {
    std::string text = "a";
    text.append(MatchOpString(op));
    text.append("\"b\"");
    ASSERT_TRUE(ParseMatcher(text).has_value()) << text;
    EXPECT_EQ(ParseMatcher(text)->op, op);
  }
}

}  // namespace
}  // namespace fxagent
