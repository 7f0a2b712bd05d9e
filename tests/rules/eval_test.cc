// Operators, selectors, staleness, vector matching and aggregations.
#include <cmath>

#include "tests/rules/eval_test_util.h"

namespace fxagent::promql {
namespace {

using tsdb::Labels;

TEST_F(EvalFixture, ScalarArithmeticAndPrecedence) {
  EXPECT_EQ(Scalar("1 + 2 * 3", 0), 7);
  EXPECT_EQ(Scalar("(1 + 2) * 3", 0), 9);
  EXPECT_EQ(Scalar("2 ^ 3 ^ 2", 0), 512);
  EXPECT_EQ(Scalar("-2 ^ 2", 0), -4);
  EXPECT_EQ(Scalar("10 - 4 - 3", 0), 3);
  EXPECT_EQ(Scalar("2 * -1 + 0x1f", 0), 29);
  EXPECT_EQ(Scalar("7 % 4", 0), 3);
  EXPECT_EQ(Scalar("-7 % 4", 0), -3);
  EXPECT_EQ(Scalar("1e3 / 8", 0), 125);
  EXPECT_EQ(Scalar("1 < bool 2", 0), 1);
  EXPECT_EQ(Scalar("2 == bool 3", 0), 0);
  EXPECT_TRUE(std::isinf(Scalar("1 / 0", 0)));
  EXPECT_TRUE(std::isnan(Scalar("0 / 0", 0)));
  EXPECT_EQ(Scalar("time()", 42.5), 42.5);
  EXPECT_DOUBLE_EQ(Scalar("1 atan2 1", 0), std::atan2(1, 1));
}

TEST_F(EvalFixture, LookbackIsFiveMinutesInclusive) {
  Add(Labels{{"__name__", "g"}}, {{0, 1}});
  EXPECT_EQ(Vec("g", 0), (M{{R"({__name__="g"})", 1}}));
  EXPECT_EQ(Vec("g", 300), (M{{R"({__name__="g"})", 1}}));
  EXPECT_EQ(Vec("g", 300.001), M{});
  EXPECT_EQ(Vec("g", -0.001), M{});
  EXPECT_EQ(Vec("g offset 5m", 600), (M{{R"({__name__="g"})", 1}}));
  EXPECT_EQ(Vec("g offset -5m", -10), (M{{R"({__name__="g"})", 1}}));
  EXPECT_EQ(Vec("g @ 10", 1000), (M{{R"({__name__="g"})", 1}}));
}

TEST_F(EvalFixture, StalenessMarkerEndsSeries) {
  Labels a{{"__name__", "up"}, {"job", "a"}}, b{{"__name__", "up"}, {"job", "b"}};
  store_.IngestScrape(0, {{a, 1}, {b, 1}});
  store_.IngestScrape(10'000, {{a, 1}});
  EXPECT_EQ(Vec("up", 5),
            (M{{R"({__name__="up", job="a"})", 1}, {R"({__name__="up", job="b"})", 1}}));
  EXPECT_EQ(Vec("up", 20), (M{{R"({__name__="up", job="a"})", 1}}));
  // Stale markers never show up in range vectors.
  EXPECT_EQ(Vec("count_over_time(up[1m])", 20), (M{{R"({job="a"})", 2}, {R"({job="b"})", 1}}));
}

TEST_F(EvalFixture, SelectorsAndMatrix) {
  Add(Labels{{"__name__", "x"}, {"env", "prod"}}, {{0, 1}, {30, 2}, {60, 3}});
  Add(Labels{{"__name__", "x"}, {"env", "dev"}}, {{0, 5}});
  Add(Labels{{"__name__", "y"}, {"env", "prod"}}, {{0, 7}});
  EXPECT_EQ(Vec(R"(x{env=~"pr.*"})", 60), (M{{R"({__name__="x", env="prod"})", 3}}));
  EXPECT_EQ(Vec(R"(x{env=~"pr"})", 60), M{});  // anchored
  EXPECT_EQ(Vec(R"(x{env!="prod"})", 60), (M{{R"({__name__="x", env="dev"})", 5}}));
  EXPECT_EQ(Vec(R"({__name__=~"x|y", env!~"dev"})", 60).size(), 2u);
  EvalResult r = Run("x{env=\"prod\"}[1m]", 60);
  ASSERT_TRUE(r.ok());
  const Matrix& m = std::get<Matrix>(r.value);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].points, (std::vector<tsdb::Point>{{0, 1}, {30'000, 2}, {60'000, 3}}));
}

class BinaryTest : public EvalFixture {
 protected:
  void SetUp() override {
    Add(Labels{{"__name__", "req"}, {"job", "a"}, {"code", "500"}}, {{0, 6}});
    Add(Labels{{"__name__", "req"}, {"job", "a"}, {"code", "200"}}, {{0, 14}});
    Add(Labels{{"__name__", "req"}, {"job", "b"}, {"code", "500"}}, {{0, 1}});
    Add(Labels{{"__name__", "total"}, {"job", "a"}}, {{0, 20}});
    Add(Labels{{"__name__", "total"}, {"job", "b"}}, {{0, 10}});
    Add(Labels{{"__name__", "info"}, {"job", "a"}, {"team", "x"}}, {{0, 1}});
  }
};

TEST_F(BinaryTest, VectorScalarDropsNameExceptComparisons) {
  EXPECT_EQ(Vec("total * 2", 0), (M{{R"({job="a"})", 40}, {R"({job="b"})", 20}}));
  EXPECT_EQ(Vec("total > 15", 0), (M{{R"({__name__="total", job="a"})", 20}}));
  EXPECT_EQ(Vec("15 < total", 0), (M{{R"({__name__="total", job="a"})", 20}}));
  EXPECT_EQ(Vec("total > bool 15", 0), (M{{R"({job="a"})", 1}, {R"({job="b"})", 0}}));
  EXPECT_EQ(Vec("-total", 0), (M{{R"({job="a"})", -20}, {R"({job="b"})", -10}}));
  EXPECT_EQ(Vec("2 ^ total", 0).at(R"({job="b"})"), 1024);
}

TEST_F(BinaryTest, OneToOneAndGroupLeft) {
  EXPECT_EQ(Vec("sum by (job) (req) / total", 0), (M{{R"({job="a"})", 1}, {R"({job="b"})", 0.1}}));
  EXPECT_EQ(Vec(R"(req{code="500"} / ignoring(code) total)", 0),
            (M{{R"({job="a"})", 0.3}, {R"({job="b"})", 0.1}}));
  EXPECT_EQ(Vec(R"(req{code="500"} / on(job) total)", 0),
            (M{{R"({job="a"})", 0.3}, {R"({job="b"})", 0.1}}));
  EXPECT_EQ(Vec("req / on(job) group_left total", 0), (M{{R"({code="200", job="a"})", 0.7},
                                                         {R"({code="500", job="a"})", 0.3},
                                                         {R"({code="500", job="b"})", 0.1}}));
  EXPECT_EQ(Vec("total * on(job) group_left(team) info", 0), (M{{R"({job="a", team="x"})", 20}}));
  EXPECT_EQ(Vec("info * on(job) group_right(team) total", 0), (M{{R"({job="a", team="x"})", 20}}));
  EXPECT_EQ(Vec("total == bool on(job) total", 0), (M{{R"({job="a"})", 1}, {R"({job="b"})", 1}}));
  // on() keeps only the listed labels on the result, even for comparisons.
  EXPECT_EQ(Vec("total > on(job) sum by (job) (req)", 0), (M{{R"({job="b"})", 10}}));
  EXPECT_EQ(Vec("total > ignoring(code) sum by (job) (req)", 0),
            (M{{R"({__name__="total", job="b"})", 10}}));
}

TEST_F(BinaryTest, MatchingErrors) {
  EXPECT_NE(Error("total / on(job) req", 0).find("many-to-many matching not allowed"),
            std::string::npos);
  EXPECT_NE(Error("req / on(job) total", 0).find("many-to-one matching must be explicit"),
            std::string::npos);
  EXPECT_NE(Error("req / on(job) group_left total * on(job) group_left(code) req", 0)
                .find("many-to-many matching not allowed"),
            std::string::npos);
  Add(Labels{{"__name__", "other"}, {"job", "a"}}, {{0, 1}});
  EXPECT_EQ(Error(R"({__name__=~"total|other"} * 2)", 0),
            "vector cannot contain metrics with the same labelset");
}

TEST_F(BinaryTest, SetOperators) {
  EXPECT_EQ(Vec(R"(total and on(job) req{code="200"})", 0),
            (M{{R"({__name__="total", job="a"})", 20}}));
  EXPECT_EQ(Vec(R"(total unless on(job) req{code="200"})", 0),
            (M{{R"({__name__="total", job="b"})", 10}}));
  EXPECT_EQ(Vec(R"(total{job="a"} or total)", 0),
            (M{{R"({__name__="total", job="a"})", 20}, {R"({__name__="total", job="b"})", 10}}));
  EXPECT_EQ(Vec(R"(total{job="a"} or vector(0))", 0),
            (M{{R"({__name__="total", job="a"})", 20}, {"{}", 0}}));
  EXPECT_EQ(Vec("total and nothing", 0), M{});
  EXPECT_EQ(Vec(R"(total > 15 or total < 5 and total)", 0),
            (M{{R"({__name__="total", job="a"})", 20}}));
}

TEST_F(BinaryTest, Aggregations) {
  EXPECT_EQ(Vec("sum(req)", 0), (M{{"{}", 21}}));
  EXPECT_EQ(Vec("sum by (job) (req)", 0), (M{{R"({job="a"})", 20}, {R"({job="b"})", 1}}));
  EXPECT_EQ(Vec("sum without (code) (req)", 0), (M{{R"({job="a"})", 20}, {R"({job="b"})", 1}}));
  EXPECT_EQ(Vec("sum(req) by (__name__)", 0), (M{{R"({__name__="req"})", 21}}));
  EXPECT_EQ(Vec("avg(req)", 0), (M{{"{}", 7}}));
  EXPECT_EQ(Vec("min by (job) (req)", 0), (M{{R"({job="a"})", 6}, {R"({job="b"})", 1}}));
  EXPECT_EQ(Vec("max(req)", 0), (M{{"{}", 14}}));
  EXPECT_EQ(Vec("count by (code) (req)", 0), (M{{R"({code="200"})", 1}, {R"({code="500"})", 2}}));
  EXPECT_EQ(Vec("group by (job) (req)", 0), (M{{R"({job="a"})", 1}, {R"({job="b"})", 1}}));
  EXPECT_EQ(Vec("topk(2, req)", 0), (M{{R"({__name__="req", code="200", job="a"})", 14},
                                       {R"({__name__="req", code="500", job="a"})", 6}}));
  EXPECT_EQ(Vec("bottomk by (job) (1, req)", 0),
            (M{{R"({__name__="req", code="500", job="a"})", 6},
               {R"({__name__="req", code="500", job="b"})", 1}}));
  EXPECT_EQ(Vec("topk(0, req)", 0), M{});
  EXPECT_EQ(Vec("quantile(0.5, req)", 0), (M{{"{}", 6}}));
  EXPECT_EQ(Vec("quantile(0.75, req)", 0), (M{{"{}", 10}}));
  EXPECT_EQ(Vec("count_values(\"v\", total)", 0), (M{{R"({v="10"})", 1}, {R"({v="20"})", 1}}));
  // Values 6, 14, 1: mean 7, variance ((1)+(49)+(36))/3.
  EXPECT_DOUBLE_EQ(One("stdvar(req)", 0), 86.0 / 3);
  EXPECT_DOUBLE_EQ(One("stddev(req)", 0), std::sqrt(86.0 / 3));
  EXPECT_EQ(Vec("sum(nothing)", 0), M{});
}

}  // namespace
}  // namespace fxagent::promql
