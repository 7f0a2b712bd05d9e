#include "rules/alerting/series_notation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "rules/tsdb/tsdb.h"

namespace fxagent::alerting {
namespace {

std::vector<double> Values(std::string_view s) {
  std::string error;
  auto seq = ParseSeriesValues(s, &error);
  EXPECT_TRUE(seq.has_value()) << error;
  std::vector<double> out;
  for (const SequenceValue& v : seq.value_or(std::vector<SequenceValue>{})) {
    out.push_back(v.omitted ? -999 : v.value);
  }
  return out;
}

TEST(SeriesNotation, ExpandingForms) {
  EXPECT_EQ(Values("1 2 3"), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(Values("0+10x3"), (std::vector<double>{0, 10, 20, 30}));
  EXPECT_EQ(Values("10-2x2"), (std::vector<double>{10, 8, 6}));
  EXPECT_EQ(Values("-1+1x2"), (std::vector<double>{-1, 0, 1}));
  EXPECT_EQ(Values("5x2"), (std::vector<double>{5, 5, 5}));
  EXPECT_EQ(Values("_ 1 _x2"), (std::vector<double>{-999, 1, -999, -999}));
  EXPECT_EQ(Values("1e3 -2.5"), (std::vector<double>{1000, -2.5}));
  std::string error;
  auto stale = ParseSeriesValues("1 stale", &error);
  ASSERT_TRUE(stale);
  EXPECT_TRUE(tsdb::IsStaleNaN((*stale)[1].value));
  EXPECT_TRUE(std::isinf(Values("Inf")[0]));
}

TEST(SeriesNotation, Errors) {
  std::string error;
  EXPECT_FALSE(ParseSeriesValues("1+2", &error));
  EXPECT_FALSE(ParseSeriesValues("abc", &error));
  EXPECT_FALSE(ParseSeriesValues("1x", &error));
  EXPECT_FALSE(ParseSeriesLabels("up{a=~\"x\"}", &error));
  auto labels = ParseSeriesLabels("up{job=\"a\"}", &error);
  ASSERT_TRUE(labels);
  EXPECT_EQ(labels->ToString(), "{__name__=\"up\", job=\"a\"}");
  EXPECT_TRUE(ParseSeriesLabels("{}", &error)->empty());
}

}  // namespace
}  // namespace fxagent::alerting
