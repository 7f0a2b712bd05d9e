#include "rules/tsdb.h"

#include <gtest/gtest.h>

#include <cmath>

#include "rules/labels.h"
#include "rules/matcher.h"

namespace fxagent::tsdb {
namespace {

Matcher M(MatchType t, std::string n, std::string v) {
  return std::get<Matcher>(Matcher::Make(t, std::move(n), std::move(v)));
}

TEST(LabelsTest, SortedDedupedAndHashed) {
  Labels a{{"b", "2"}, {"__name__", "x"}, {"a", "1"}};
  Labels b = Labels::FromUnsorted({{"a", "1"}, {"b", "2"}, {"__name__", "x"}, {"c", ""}});
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.Hash(), b.Hash());
  EXPECT_EQ(a.MetricName(), "x");
  EXPECT_EQ(a.items().front().name, "__name__");
  EXPECT_EQ(a.ToString(), R"({__name__="x", a="1", b="2"})");
  EXPECT_FALSE(a == a.WithoutMetricName());
  EXPECT_EQ(LabelsBuilder(a).Set("a", "").Del("__name__").Build(), (Labels{{"b", "2"}}));
}

TEST(MatcherTest, RegexIsFullyAnchored) {
  Matcher m = M(MatchType::kRegex, "a", "fo+");
  EXPECT_TRUE(m.Matches("foo"));
  EXPECT_FALSE(m.Matches("xfoo"));
  EXPECT_FALSE(m.Matches("foox"));
  EXPECT_TRUE(M(MatchType::kNotRegex, "a", "b|c").Matches(""));
  EXPECT_TRUE(std::holds_alternative<std::string>(Matcher::Make(MatchType::kRegex, "a", "(")));
  EXPECT_EQ(M(MatchType::kNotEqual, "a", "q\"").ToString(), R"(a!="q\"")");
}

TEST(SeriesStoreTest, AppendSelectAndOutOfOrder) {
  SeriesStore store;
  Labels l{{"__name__", "up"}, {"job", "a"}};
  EXPECT_TRUE(store.Append(l, 1000, 1));
  EXPECT_TRUE(store.Append(l, 2000, 2));
  EXPECT_FALSE(store.Append(l, 2000, 3));
  store.Append(Labels{{"__name__", "up"}, {"job", "b"}}, 1500, 5);
  auto sel = store.Select(
      {M(MatchType::kEqual, "__name__", "up"), M(MatchType::kEqual, "job", "a")}, 0, 5000);
  ASSERT_EQ(sel.size(), 1u);
  EXPECT_EQ(sel[0].points, (std::vector<Point>{{1000, 1}, {2000, 2}}));
  EXPECT_EQ(store.Select({M(MatchType::kRegex, "job", "a|b")}, 1200, 1600).size(), 1u);
}

TEST(SeriesStoreTest, SelectLatestAndSkipStale) {
  SeriesStore store;
  Labels l{{"__name__", "x"}};
  for (int64_t t = 0; t < 300'000; t += 1000) store.Append(l, t, static_cast<double>(t));
  store.Append(l, 300'000, StaleNaN());
  auto latest = store.SelectLatest({M(MatchType::kEqual, "__name__", "x")}, 100'000, 150'500);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].points, (std::vector<Point>{{150'000, 150'000}}));
  EXPECT_TRUE(
      store.SelectLatest({M(MatchType::kEqual, "__name__", "x")}, 400'000, 500'000).empty());
  latest = store.SelectLatest({M(MatchType::kEqual, "__name__", "x")}, 0, 1'000'000);
  EXPECT_TRUE(IsStaleNaN(latest[0].points[0].v));
  auto range = store.Select({M(MatchType::kEqual, "__name__", "x")}, 298'000, 400'000, true);
  EXPECT_EQ(range[0].points, (std::vector<Point>{{298'000, 298'000}, {299'000, 299'000}}));
}

TEST(SeriesStoreTest, ScrapeStalenessMarksVanishedSeries) {
  SeriesStore store;
  Labels a{{"__name__", "a"}}, b{{"__name__", "b"}};
  store.IngestScrape(1000, {{a, 1}, {b, 2}});
  store.IngestScrape(2000, {{a, 1}});
  auto sel = store.Select({M(MatchType::kEqual, "__name__", "b")}, 0, 3000);
  ASSERT_EQ(sel.size(), 1u);
  ASSERT_EQ(sel[0].points.size(), 2u);
  EXPECT_TRUE(IsStaleNaN(sel[0].points[1].v));
  EXPECT_EQ(sel[0].points[1].t, 2000);
  EXPECT_FALSE(IsStaleNaN(std::nan("")));
  // Only one marker, and the series can come back.
  store.IngestScrape(3000, {{a, 1}});
  store.IngestScrape(4000, {{a, 1}, {b, 7}});
  sel = store.Select({M(MatchType::kEqual, "__name__", "b")}, 0, 5000);
  ASSERT_EQ(sel[0].points.size(), 3u);
  EXPECT_EQ(sel[0].points[2].v, 7);
}

TEST(SeriesStoreTest, RetentionDropsOldChunksAndSeries) {
  SeriesStore store(SeriesStore::Options{.retention_ms = 600'000});
  Labels a{{"__name__", "a"}}, b{{"__name__", "b"}};
  for (int64_t t = 0; t <= 2'000'000; t += 1000) {
    std::vector<ScrapeSample> s{{a, static_cast<double>(t)}};
    if (t < 10'000) s.push_back({b, 1});
    store.IngestScrape(t, s);
  }
  StoreStats st = store.Stats();
  EXPECT_EQ(st.series, 1u);
  EXPECT_LE(st.samples, 600u + 120u + 1u);
  EXPECT_LE(st.sample_bytes, st.samples * 16);
  auto sel = store.Select({M(MatchType::kEqual, "__name__", "a")}, 0, 3'000'000);
  EXPECT_EQ(sel[0].points.back().t, 2'000'000);
  EXPECT_LE(sel[0].points.front().t, 2'000'000 - 600'000);
  EXPECT_GT(sel[0].points.front().t, 2'000'000 - 600'000 - 121'000);
}

}  // namespace
}  // namespace fxagent::tsdb
