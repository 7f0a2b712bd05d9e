// Malformed and truncated input must produce errors, never crashes.
#include <gtest/gtest.h>

#include "rules/promql/evaluator.h"
#include "rules/promql/parser.h"

namespace fxagent::promql {
namespace {

TEST(RobustnessTest, EveryPrefixParsesOrFailsCleanly) {
  const char* exprs[] = {
      R"(sum by (job) (rate(http_requests_total{job=~"api|web", code!="200"}[5m] offset 1m)))",
      R"(histogram_quantile(0.95, sum without (instance) (rate(x_bucket[5m]))) > bool 0.5)",
      R"(a / on(job) group_left(team) b or -c ^ 2 unless d @ 100)",
      R"(label_replace(up, "h", "$1", "instance", "(.*):\\d+") and absent(nope{x='y'}))",
      R"(max_over_time(deriv(x[5m])[30m:1m] offset -5m) # comment)",
      R"(topk(3, count_values("v", x)) + 0x1f * 1e3 - Inf / NaN)",
  };
  tsdb::SeriesStore store;
  store.Append(tsdb::Labels{{"__name__", "x"}}, 0, 1);
  for (const char* e : exprs) {
    std::string s(e);
    ParseResult full = ParseExpr(s);
    EXPECT_TRUE(full.ok()) << s << ": " << (full.ok() ? "" : full.error->ToString());
    if (full.ok()) {
      ParseResult again = ParseExpr(full.expr->ToString());
      ASSERT_TRUE(again.ok()) << full.expr->ToString();
      EXPECT_EQ(again.expr->ToString(), full.expr->ToString());
    }
    for (size_t n = 0; n < s.size(); ++n) {
      ParseResult r = ParseExpr(s.substr(0, n));
      if (r.ok()) {
        Evaluate(*r.expr, store, 60'000);
      } else {
        EXPECT_LE(r.error->offset, n);
        EXPECT_FALSE(r.error->message.empty());
      }
    }
  }
}

TEST(RobustnessTest, HugeSubqueryIsAnError) {
  tsdb::SeriesStore store;
  ParseResult r = ParseExpr("max_over_time(x[1y:1ms])");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(Evaluate(*r.expr, store, 0).ok());
}

}  // namespace
}  // namespace fxagent::promql
