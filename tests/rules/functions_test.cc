// Functions, with expected values worked out by hand from Prometheus' documented
// semantics (functions.go).
#include <cmath>

#include "tests/rules/eval_test_util.h"

namespace fxagent::promql {
namespace {

using tsdb::Labels;

const Labels kC{{"__name__", "c"}, {"job", "a"}};

// Samples at 5s, 20s, 35s, 50s; evaluated at 60s with [1m] the window is [0s, 60s]:
// durationToStart 5s, durationToEnd 10s, sampled interval 45s, average spacing 15s, so
// both ends are within 1.1 * 15s and the increase is extrapolated to the full 60s.
TEST_F(EvalFixture, RateExtrapolatesToWindowEdges) {
  Add(kC, {{5, 10}, {20, 20}, {35, 30}, {50, 40}});
  EXPECT_DOUBLE_EQ(One("increase(c[1m])", 60), 30.0 * 60 / 45);
  EXPECT_DOUBLE_EQ(One("rate(c[1m])", 60), 30.0 * 60 / 45 / 60);
  EXPECT_DOUBLE_EQ(One("delta(c[1m])", 60), 30.0 * 60 / 45);
  EXPECT_EQ(Vec("rate(c[1m])", 60).begin()->first, R"({job="a"})");
  // At 80s the window [20s, 80s] holds 20, 35, 50 (start inclusive): start gap 0 is
  // extrapolated, the 30s end gap exceeds 1.1 * 15s so only half a spacing is added.
  EXPECT_DOUBLE_EQ(One("increase(c[1m])", 80), 20.0 * (30 + 0 + 7.5) / 30);
  EXPECT_DOUBLE_EQ(One("irate(c[1m])", 60), 10.0 / 15);
  EXPECT_DOUBLE_EQ(One("idelta(c[1m])", 60), 10.0);
  // One sample only: no result.
  EXPECT_EQ(Vec("rate(c[10s])", 60), M{});
  EXPECT_DOUBLE_EQ(One("increase(c[1m] offset 20s)", 80), 30.0 * 60 / 45);
}

TEST_F(EvalFixture, RateHandlesCounterResetsAndZeroPoint) {
  Add(kC, {{5, 10}, {20, 20}, {35, 5}, {50, 15}});
  // 15 - 10 + 20 (reset) = 25; zero point 45 * 10/25 = 18s > 5s, so no clamp.
  EXPECT_DOUBLE_EQ(One("increase(c[1m])", 60), 25.0 * 60 / 45);
  EXPECT_EQ(One("resets(c[1m])", 60), 1);
  EXPECT_DOUBLE_EQ(One("irate(c[1m])", 60), 10.0 / 15);
  EXPECT_DOUBLE_EQ(One("irate(c[1m])", 40), 5.0 / 15);  // reset: last value is the increase
  Add(Labels{{"__name__", "z"}}, {{5, 1}, {20, 11}, {35, 21}, {50, 31}});
  // Zero point 45 * 1/30 = 1.5s < 5s: extrapolation starts at 1.5s before the first sample.
  EXPECT_DOUBLE_EQ(One("increase(z[1m])", 60), 30.0 * (45 + 1.5 + 10) / 45);
  // delta() does not treat drops as resets and can be negative.
  Add(Labels{{"__name__", "g"}}, {{5, 40}, {20, 30}, {35, 20}, {50, 10}});
  EXPECT_DOUBLE_EQ(One("delta(g[1m])", 60), -30.0 * 60 / 45);
  EXPECT_DOUBLE_EQ(One("idelta(g[1m])", 60), -10);
}

TEST_F(EvalFixture, OverTimeFunctions) {
  Add(kC, {{0, 4}, {15, 2}, {30, 2}, {45, 8}, {60, 4}});
  EXPECT_EQ(One("avg_over_time(c[1m])", 60), 4);
  EXPECT_EQ(One("sum_over_time(c[1m])", 60), 20);
  EXPECT_EQ(One("min_over_time(c[1m])", 60), 2);
  EXPECT_EQ(One("max_over_time(c[1m])", 60), 8);
  EXPECT_EQ(One("count_over_time(c[1m])", 60), 5);
  EXPECT_EQ(One("present_over_time(c[1m])", 60), 1);
  EXPECT_EQ(One("changes(c[1m])", 60), 3);
  EXPECT_EQ(One("resets(c[1m])", 60), 2);
  // Sorted 2 2 4 4 8: rank 0.5*4 = 2 -> 4; rank 0.9*4 = 3.6 -> 4 + 0.6 * 4.
  EXPECT_EQ(One("quantile_over_time(0.5, c[1m])", 60), 4);
  EXPECT_DOUBLE_EQ(One("quantile_over_time(0.9, c[1m])", 60), 6.4);
  // Deviations 0 -2 -2 4 0: variance 24/5.
  EXPECT_DOUBLE_EQ(One("stdvar_over_time(c[1m])", 60), 24.0 / 5);
  EXPECT_DOUBLE_EQ(One("stddev_over_time(c[1m])", 60), std::sqrt(24.0 / 5));
  EXPECT_EQ(Vec("last_over_time(c[1m])", 60), (M{{R"({__name__="c", job="a"})", 4}}));
  EXPECT_EQ(Vec("max_over_time(c[1m])", 60).begin()->first, R"({job="a"})");
  EXPECT_EQ(Vec("avg_over_time(c[10s])", 100), M{});
}

TEST_F(EvalFixture, DerivAndPredictLinear) {
  Add(Labels{{"__name__", "d"}}, {{0, 0}, {15, 30}, {30, 60}, {45, 90}, {60, 120}});
  EXPECT_DOUBLE_EQ(One("deriv(d[1m])", 60), 2);
  EXPECT_DOUBLE_EQ(One("predict_linear(d[1m], 60)", 60), 240);
  EXPECT_DOUBLE_EQ(One("predict_linear(d[1m], 3600)", 60), 120 + 7200);
  Add(Labels{{"__name__", "flat"}}, {{0, 5}, {30, 5}});
  EXPECT_EQ(One("deriv(flat[1m])", 30), 0);
}

TEST_F(EvalFixture, Subquery) {
  Add(kC, {{0, 1}, {60, 5}, {120, 3}});
  // Steps at 60s and 120s (aligned, start 60s inclusive): values 5 and 3.
  EXPECT_EQ(One("max_over_time(c[1m:1m])", 120), 5);
  EXPECT_EQ(One("count_over_time(c[2m:30s])", 120), 5);
  EXPECT_EQ(One("min_over_time(rate(c[2m])[1m:1m])", 120), One("rate(c[2m])", 60));
}

TEST_F(EvalFixture, AbsentDerivesLabelsFromEqualityMatchers) {
  Add(kC, {{0, 1}});
  EXPECT_EQ(Vec(R"(absent(c{job="a"}))", 0), M{});
  EXPECT_EQ(Vec(R"(absent(nope{job="a", instance=~"x.*", env="p", env="q"}))", 0),
            (M{{R"({job="a"})", 1}}));
  EXPECT_EQ(Vec("absent(nope)", 0), (M{{"{}", 1}}));
  EXPECT_EQ(Vec("absent(sum(nope{job=\"a\"}))", 0), (M{{"{}", 1}}));
  EXPECT_EQ(Vec(R"(absent_over_time(c{job="a"}[1m]))", 30), M{});
  EXPECT_EQ(Vec(R"(absent_over_time(c{job="a"}[1m]))", 61), (M{{R"({job="a"})", 1}}));
}

TEST_F(EvalFixture, HistogramQuantile) {
  auto bucket = [](std::string le, std::string job) {
    return Labels{{"__name__", "h_bucket"}, {"le", std::move(le)}, {"job", std::move(job)}};
  };
  Add(bucket("0.1", "a"), {{0, 10}});
  Add(bucket("0.5", "a"), {{0, 30}});
  Add(bucket("1", "a"), {{0, 40}});
  Add(bucket("+Inf", "a"), {{0, 40}});
  // rank 20 falls in (0.1, 0.5]: 0.1 + 0.4 * (20 - 10) / 20.
  EXPECT_EQ(Vec("histogram_quantile(0.5, h_bucket)", 0).begin()->first, R"({job="a"})");
  EXPECT_DOUBLE_EQ(One("histogram_quantile(0.5, h_bucket)", 0), 0.1 + 0.4 * 10 / 20);
  EXPECT_DOUBLE_EQ(One("histogram_quantile(0.99, h_bucket)", 0), 0.5 + 0.5 * 9.6 / 10);
  EXPECT_EQ(One("histogram_quantile(0, h_bucket)", 0), 0);
  EXPECT_EQ(One("histogram_quantile(-1, h_bucket)", 0), -INFINITY);
  EXPECT_EQ(One("histogram_quantile(2, h_bucket)", 0), INFINITY);
  // Observations above the largest finite bucket: the answer is that bucket's bound.
  Add(bucket("0.5", "b"), {{0, 1}});
  Add(bucket("+Inf", "b"), {{0, 10}});
  EXPECT_EQ(Vec("histogram_quantile(0.95, h_bucket{job=\"b\"})", 0), (M{{R"({job="b"})", 0.5}}));
  // Non-monotonic buckets are fixed up (0.5 bucket raised to 10).
  Add(bucket("0.1", "c"), {{0, 10}});
  Add(bucket("0.5", "c"), {{0, 8}});
  Add(bucket("+Inf", "c"), {{0, 20}});
  EXPECT_DOUBLE_EQ(One("histogram_quantile(0.5, h_bucket{job=\"c\"})", 0), 0.1 * 10 / 10);
  // Without a +Inf bucket the result is NaN.
  Add(bucket("1", "d"), {{0, 5}});
  EXPECT_TRUE(std::isnan(One("histogram_quantile(0.5, h_bucket{job=\"d\"})", 0)));
  // Works through sum by (le) of rates too.
  EXPECT_DOUBLE_EQ(One("histogram_quantile(0.5, sum by (le) (h_bucket{job=\"a\"}))", 0), 0.3);
}

TEST_F(EvalFixture, MathFunctions) {
  Add(Labels{{"__name__", "v"}, {"k", "neg"}}, {{0, -2.5}});
  Add(Labels{{"__name__", "v"}, {"k", "pos"}}, {{0, 4}});
  EXPECT_EQ(Vec("abs(v)", 0), (M{{R"({k="neg"})", 2.5}, {R"({k="pos"})", 4}}));
  EXPECT_EQ(Vec("ceil(v)", 0), (M{{R"({k="neg"})", -2}, {R"({k="pos"})", 4}}));
  EXPECT_EQ(Vec("floor(v)", 0), (M{{R"({k="neg"})", -3}, {R"({k="pos"})", 4}}));
  EXPECT_EQ(Vec("round(v)", 0), (M{{R"({k="neg"})", -2}, {R"({k="pos"})", 4}}));
  EXPECT_EQ(Vec("round(v, 3)", 0), (M{{R"({k="neg"})", -3}, {R"({k="pos"})", 3}}));
  EXPECT_EQ(Vec("sgn(v)", 0), (M{{R"({k="neg"})", -1}, {R"({k="pos"})", 1}}));
  EXPECT_EQ(Vec("sqrt(v{k=\"pos\"})", 0), (M{{R"({k="pos"})", 2}}));
  EXPECT_EQ(Vec("log2(v{k=\"pos\"})", 0), (M{{R"({k="pos"})", 2}}));
  EXPECT_DOUBLE_EQ(One("ln(v{k=\"pos\"})", 0), std::log(4));
  EXPECT_DOUBLE_EQ(One("log10(v{k=\"pos\"})", 0), std::log10(4));
  EXPECT_DOUBLE_EQ(One("exp(v{k=\"pos\"})", 0), std::exp(4));
  EXPECT_EQ(Vec("clamp(v, -1, 3)", 0), (M{{R"({k="neg"})", -1}, {R"({k="pos"})", 3}}));
  EXPECT_EQ(Vec("clamp(v, 3, -1)", 0), M{});
  EXPECT_EQ(Vec("clamp_max(v, 0)", 0), (M{{R"({k="neg"})", -2.5}, {R"({k="pos"})", 0}}));
  EXPECT_EQ(Vec("clamp_min(v, 0)", 0), (M{{R"({k="neg"})", 0}, {R"({k="pos"})", 4}}));
  EXPECT_EQ(Vec("timestamp(v)", 30), (M{{R"({k="neg"})", 0}, {R"({k="pos"})", 0}}));
  EXPECT_EQ(Vec("timestamp(abs(v))", 30), (M{{R"({k="neg"})", 30}, {R"({k="pos"})", 30}}));
  EXPECT_EQ(Vec("vector(7)", 0), (M{{"{}", 7}}));
  EXPECT_EQ(Scalar("scalar(v{k=\"pos\"})", 0), 4);
  EXPECT_TRUE(std::isnan(Scalar("scalar(v)", 0)));
  EvalResult sorted = Run("sort_desc(v)", 0);
  ASSERT_TRUE(sorted.ok());
  EXPECT_EQ(std::get<Vector>(sorted.value)[0].v, 4);
  sorted = Run("sort(v)", 0);
  EXPECT_EQ(std::get<Vector>(sorted.value)[0].v, -2.5);
  EXPECT_EQ(Vec("sort(v)", 0).begin()->first, R"({__name__="v", k="neg"})");
}

TEST_F(EvalFixture, DateFunctions) {
  // 2024-02-29T13:45:00Z is 1709214300.
  EXPECT_EQ(One("year()", 1709214300), 2024);
  EXPECT_EQ(One("month()", 1709214300), 2);
  EXPECT_EQ(One("day_of_month()", 1709214300), 29);
  EXPECT_EQ(One("days_in_month()", 1709214300), 29);
  EXPECT_EQ(One("day_of_week()", 1709214300), 4);
  EXPECT_EQ(One("hour()", 1709214300), 13);
  EXPECT_EQ(One("minute(vector(1709214300))", 0), 45);
}

TEST_F(EvalFixture, LabelFunctions) {
  Add(Labels{{"__name__", "up"}, {"instance", "host1:9100"}, {"job", "node"}}, {{0, 1}});
  EXPECT_EQ(Vec(R"q(label_replace(up, "host", "$1", "instance", "(.*):(\\d+)"))q", 0),
            (M{{R"({__name__="up", host="host1", instance="host1:9100", job="node"})", 1}}));
  EXPECT_EQ(Vec(R"q(label_replace(up, "host", "${h}-$2x", "instance", "(?P<h>.*):(\\d+)"))q", 0)
                .begin()
                ->first,
            R"({__name__="up", host="host1-", instance="host1:9100", job="node"})");
  // No match: unchanged. Empty replacement deletes the label.
  EXPECT_EQ(Vec(R"q(label_replace(up, "host", "$1", "instance", "nomatch"))q", 0).begin()->first,
            R"({__name__="up", instance="host1:9100", job="node"})");
  EXPECT_EQ(Vec(R"q(label_replace(up, "job", "", "job", ".*"))q", 0).begin()->first,
            R"({__name__="up", instance="host1:9100"})");
  EXPECT_EQ(Vec(R"q(label_join(up, "both", "/", "job", "instance"))q", 0).begin()->first,
            R"({__name__="up", both="node/host1:9100", instance="host1:9100", job="node"})");
  EXPECT_EQ(Error(R"q(label_replace(up, "host", "$1", "instance", "(.*"))q", 0),
            "invalid regular expression in label_replace(): (.*");
  EXPECT_EQ(Error(R"q(label_replace(up, "1bad", "$1", "instance", ".*"))q", 0),
            "invalid destination label name in label_replace(): 1bad");
}

}  // namespace
}  // namespace fxagent::promql
