// Parallel rule evaluation: ParallelFor runs every index exactly once, and an evaluator
// spreading its queries over threads reports exactly what a single-threaded one does,
// including recording rules feeding later rules and per-rule errors.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <string>
#include <vector>

#include "rules/alerting/alert_evaluator.h"
#include "rules/alerting/parallel_for.h"
#include "rules/alerting/rule_loader.h"

namespace fxagent::alerting {
namespace {

TEST(ParallelForTest, EveryIndexExactlyOnceAcrossManyRuns) {
  ParallelFor pool(3);
  for (int run = 0; run < 300; ++run) {
    const size_t n = static_cast<size_t>(run % 37);
    std::vector<std::atomic<int>> hits(n);
    pool.Run(n, [&](size_t i) { hits[i].fetch_add(1); });
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "run " << run << " i " << i;
  }
}

TEST(ParallelForTest, NoWorkersRunsInline) {
  ParallelFor pool(0);
  std::vector<int> order;
  pool.Run(5, [&](size_t i) { order.push_back(static_cast<int>(i)); });
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

// 150 alert rules (some erroring, some with templated labels and value annotations),
// split by a recording rule that later rules read.
RuleSet ManyRules() {
  std::string toml;
  auto alert = [&toml](int r, const std::string& expr, const std::string& extra) {
    toml += "[[rules]]\nalert = \"A" + std::to_string(r) + "\"\nseverity = \"P" +
            std::to_string(r % 4 + 1) + "\"\nexpr = '" + expr + "'\nfor = \"10s\"\n" + extra + "\n";
  };
  for (int r = 0; r < 80; ++r) {
    const std::string g = "g" + std::to_string(r % 8);
    if (r % 10 == 3) {
      alert(r, "m{grp=\"" + g + "\"} + ignoring(i) m{grp=\"" + g + "\"}", "");  // many-to-many
    } else if (r % 5 == 0) {
      alert(r, "sum by (i) (rate(m{grp=\"" + g + "\"}[1m])) > 0.5",
            "annotations = { summary = \"{{ $labels.i }} at {{ $value }}\" }");
    } else {
      alert(r, "max_over_time(m{grp=\"" + g + "\"}[2m]) > " + std::to_string(r % 30),
            "labels = { shard = \"{{ $labels.i }}\" }");
    }
  }
  toml += "[[rules]]\nrecord = \"m:sum\"\nexpr = 'sum by (grp) (m)'\n\n";
  for (int r = 80; r < 150; ++r) {
    alert(r, "m:sum > " + std::to_string(r * 3), "");
  }
  return ParseRules(toml, "many.toml", RuleFormat::kToml);
}

TEST(ParallelEvalTest, SameAlertsAsSingleThreaded) {
  tsdb::SeriesStore serial_store, parallel_store;
  prometheus::Registry r1, r2;
  AlertEvaluator serial(ManyRules(), r1, AlertEvaluatorOptions{.threads = 1});
  AlertEvaluator parallel(ManyRules(), r2, AlertEvaluatorOptions{.threads = 4});
  for (int step = 0; step < 40; ++step) {
    const int64_t t = step * 5000;
    for (int g = 0; g < 8; ++g) {
      for (int i = 0; i < 6; ++i) {
        tsdb::Labels l{
            {"__name__", "m"}, {"grp", "g" + std::to_string(g)}, {"i", std::to_string(i)}};
        const double v = step % 13 == 0 ? 0 : step * (g + 1) * 0.7 + i;  // resets
        serial_store.Append(l, t, v);
        parallel_store.Append(l, t, v);
      }
    }
    std::vector<AlertState> a = serial.Evaluate(serial_store, t);
    std::vector<AlertState> b = parallel.Evaluate(parallel_store, t);
    ASSERT_EQ(a.size(), b.size()) << "step " << step;
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].labels(), b[k].labels());
      EXPECT_EQ(a[k].annotations(), b[k].annotations());
      EXPECT_EQ(a[k].state, b[k].state);
      EXPECT_EQ(a[k].active_at_ms, b[k].active_at_ms);
      EXPECT_EQ(a[k].value, b[k].value);
    }
    EXPECT_EQ(serial.last_errors(), parallel.last_errors());
    if (step == 39) {
      EXPECT_FALSE(a.empty());
      EXPECT_FALSE(serial.last_errors().empty());  // the many-to-many rules
    }
  }
}

// Identical subexpressions are shared within a tick, but a recording rule's samples must
// be visible to the rules after it: the shared result of `sum(rec:m)` computed before the
// recording rule ran cannot be reused after it.
TEST(EvalMemoTest, RecordingRuleInvalidatesSharedResults) {
  RuleSet rules = ParseRules(R"(
[[rules]]
alert = "Before"
severity = "P4"
expr = 'sum(rec:m) > 0'

[[rules]]
record = "rec:m"
expr = 'sum by (i) (m)'

[[rules]]
alert = "After"
severity = "P4"
expr = 'sum(rec:m) > 0'
)",
                             "memo.toml", RuleFormat::kToml);
  tsdb::SeriesStore store;
  prometheus::Registry registry;
  AlertEvaluator evaluator(std::move(rules), registry);
  store.Append(tsdb::Labels{{"__name__", "m"}, {"i", "a"}}, 0, 5);
  std::vector<AlertState> alerts = evaluator.Evaluate(store, 0);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].alertname, "After");
}

TEST(EvalMemoTest, SharesOnlyRepeatedCallsAndAggregations) {
  RuleSet rules = ParseRules(R"(
[[rules]]
alert = "A"
severity = "P3"
expr = 'sum by (e) (rate(x[5m])) > 1'

[[rules]]
alert = "B"
severity = "P2"
expr = 'sum by (e) (rate(x[5m])) > 10'

[[rules]]
alert = "C"
severity = "P4"
expr = 'max(rate(y[5m])) > 1'
)",
                             "memo.toml", RuleFormat::kToml);
  std::vector<const promql::Expr*> roots;
  for (const Rule& r : rules.rules) roots.push_back(r.expr.get());
  promql::EvalMemo memo;
  memo.Prepare(roots);
  // sum by (e) (...) and rate(x[5m]) in A and in B; nothing of C.
  EXPECT_EQ(memo.shared_nodes(), 4u);
}

}  // namespace
}  // namespace fxagent::alerting
