#include "rules/tsdb/tsdb.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "rules/tsdb/labels.h"
#include "rules/tsdb/matcher.h"

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

TEST(LabelsTest, EmptySetsAreEqualHoweverBuilt) {
  const Labels def;
  const Labels from_vector = Labels::FromUnsorted({});
  const Labels all_empty_values = Labels::FromUnsorted({{"a", ""}});
  const Labels stripped = Labels{{"__name__", "x"}}.WithoutMetricName();
  const Labels built = LabelsBuilder(Labels{{"a", "1"}}).Del("a").Build();
  for (const Labels* l : {&from_vector, &all_empty_values, &stripped, &built}) {
    EXPECT_TRUE(l->empty());
    EXPECT_EQ(*l, def);
    EXPECT_EQ(l->Hash(), def.Hash());
    EXPECT_EQ(LabelsHash{}(*l), LabelsHash{}(def));
  }
}

TEST(LabelsTest, WithoutMetricNameIsStableAndThreadSafe) {
  const Labels a{{"__name__", "x"}, {"job", "j"}};
  const Labels copy = a;  // shares storage, and so the cached result
  std::vector<Labels> results(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = (i % 2 == 0 ? a : copy).WithoutMetricName(); });
  }
  for (std::thread& t : threads) t.join();
  for (const Labels& r : results) {
    EXPECT_EQ(r, (Labels{{"job", "j"}}));
    EXPECT_EQ(r.Hash(), (Labels{{"job", "j"}}).Hash());
  }
  EXPECT_EQ(a.MetricName(), "x");  // the original is untouched
  EXPECT_EQ((Labels{{"__name__", "x"}}.WithoutMetricName()), Labels());
  const Labels no_name{{"a", "1"}};
  EXPECT_EQ(no_name.WithoutMetricName(), no_name);
  EXPECT_FALSE(a < copy);
  EXPECT_FALSE(copy < a);
  EXPECT_TRUE(a < no_name);  // "__name__" sorts before "a"
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

// Postings-based selection must agree with a brute-force scan: same series, same
// order (creation order whenever an equality matcher is present), same points.
TEST(SeriesStoreTest, SelectMatchesBruteForce) {
  SeriesStore store(SeriesStore::Options{.retention_ms = 1'000'000'000});
  std::vector<Labels> all;
  for (int n = 0; n < 3; ++n) {
    for (int j = 0; j < 4; ++j) {
      for (int k = 0; k < 3; ++k) {
        std::vector<Label> l{{"__name__", "m" + std::to_string(n)},
                             {"job", "j" + std::to_string(j)}};
        if (k > 0) l.push_back({"code", std::to_string(k)});
        all.push_back(Labels::FromUnsorted(l));
      }
    }
  }
  // 300 samples each (several chunks); odd series get a stale marker at t=150'000.
  for (int64_t t = 0; t < 300'000; t += 1000) {
    for (size_t i = 0; i < all.size(); ++i) {
      store.Append(all[i], t,
                   (i % 2 == 1 && t == 150'000) ? StaleNaN() : static_cast<double>(t + i));
    }
  }
  const std::vector<std::vector<Matcher>> queries = {
      {M(MatchType::kEqual, "__name__", "m1")},
      {M(MatchType::kEqual, "__name__", "m1"), M(MatchType::kEqual, "job", "j2")},
      {M(MatchType::kEqual, "job", "j2"), M(MatchType::kEqual, "code", "1")},
      {M(MatchType::kEqual, "__name__", "m0"), M(MatchType::kEqual, "code", "")},
      {M(MatchType::kEqual, "__name__", "m2"), M(MatchType::kNotEqual, "code", "2")},
      {M(MatchType::kEqual, "__name__", "m2"), M(MatchType::kRegex, "job", "j[13]")},
      {M(MatchType::kEqual, "__name__", "m2"), M(MatchType::kEqual, "job", "nope")},
      {M(MatchType::kEqual, "nolabel", "x")},
  };
  const std::vector<std::pair<int64_t, int64_t>> windows = {
      {0, 299'000}, {119'500, 240'000}, {150'000, 150'000}, {121'000, 125'999}, {400'000, 500'000}};
  for (size_t q = 0; q < queries.size(); ++q) {
    for (auto [mint, maxt] : windows) {
      for (bool skip_stale : {false, true}) {
        std::vector<SeriesPoints> want;
        for (size_t i = 0; i < all.size(); ++i) {
          bool match = true;
          for (const Matcher& m : queries[q]) match = match && m.Matches(all[i].Get(m.name()));
          if (!match) continue;
          SeriesPoints sp{all[i], {}};
          for (int64_t t = (mint + 999) / 1000 * 1000; t <= std::min<int64_t>(maxt, 299'000);
               t += 1000) {
            const bool stale = i % 2 == 1 && t == 150'000;
            if (skip_stale && stale) continue;
            sp.points.push_back({t, stale ? StaleNaN() : static_cast<double>(t + i)});
          }
          if (!sp.points.empty()) want.push_back(sp);
        }
        auto got = store.Select(queries[q], mint, maxt, skip_stale);
        ASSERT_EQ(got.size(), want.size()) << "query " << q << " window " << mint << "," << maxt;
        auto latest = store.SelectLatest(queries[q], mint, maxt);
        if (!skip_stale) {
          ASSERT_EQ(latest.size(), want.size());
        }
        for (size_t i = 0; i < got.size(); ++i) {
          EXPECT_EQ(got[i].labels, want[i].labels);
          ASSERT_EQ(got[i].points.size(), want[i].points.size());
          for (size_t p = 0; p < got[i].points.size(); ++p) {
            EXPECT_EQ(got[i].points[p].t, want[i].points[p].t);
            EXPECT_EQ(std::bit_cast<uint64_t>(got[i].points[p].v),
                      std::bit_cast<uint64_t>(want[i].points[p].v));
          }
          if (!skip_stale) {
            EXPECT_EQ(latest[i].labels, want[i].labels);
            ASSERT_EQ(latest[i].points.size(), 1u);
            EXPECT_EQ(latest[i].points[0].t, want[i].points.back().t);
          }
        }
      }
    }
  }
}

TEST(SeriesStoreTest, PostingsForgetDroppedSeries) {
  SeriesStore store(SeriesStore::Options{.retention_ms = 10'000});
  Labels a{{"__name__", "a"}, {"job", "x"}}, b{{"__name__", "b"}, {"job", "x"}};
  store.IngestScrape(1000, {{a, 1}, {b, 1}});
  for (int64_t t = 2000; t <= 200'000; t += 1000) store.IngestScrape(t, {{a, 1}});
  EXPECT_EQ(store.Stats().series, 1u);
  EXPECT_TRUE(store.Select({M(MatchType::kEqual, "__name__", "b")}, 0, 300'000).empty());
  auto sel = store.Select({M(MatchType::kEqual, "job", "x")}, 0, 300'000);
  ASSERT_EQ(sel.size(), 1u);
  EXPECT_EQ(sel[0].labels, a);
  // A re-created series is found again, after the older one.
  store.IngestScrape(201'000, {{b, 2}, {a, 1}});
  sel = store.Select({M(MatchType::kEqual, "job", "x")}, 0, 300'000);
  ASSERT_EQ(sel.size(), 2u);
  EXPECT_EQ(sel[0].labels, a);
  EXPECT_EQ(sel[1].labels, b);
}

}  // namespace
}  // namespace fxagent::tsdb
