// The zero-copy read path: SeriesStore::VisitRange / VisitLatest against the copying
// Select / SelectLatest, SampleView accessors, and the counter-reset shortcut over
// monotonic chunks against Prometheus' sequential definition.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "rules/tsdb/labels.h"
#include "rules/tsdb/matcher.h"
#include "rules/tsdb/tsdb.h"

namespace fxagent::tsdb {
namespace {

Matcher M(MatchType t, std::string n, std::string v) {
  return std::get<Matcher>(Matcher::Make(t, std::move(n), std::move(v)));
}

/// Prometheus' extrapolatedRate correction loop, over a plain point list.
double SequentialResets(const std::vector<Point>& p) {
  double result = 0, last = 0;
  for (const Point& pt : p) {
    if (pt.v < last) result += last;
    last = pt.v;
  }
  return result;
}

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

// Random series mixing monotonic stretches, resets, NaNs and stale markers, across many
// chunks; every window must read the same samples as Select(skip_stale) and give the
// same reset correction as the sequential loop.
TEST(SampleViewTest, VisitRangeMatchesSelectAndSequentialResets) {
  std::mt19937_64 rng(7);
  SeriesStore store(SeriesStore::Options{.retention_ms = std::numeric_limits<int64_t>::max() / 4});
  std::vector<Labels> series;
  for (int s = 0; s < 12; ++s) {
    Labels l{{"__name__", "c"}, {"s", std::to_string(s)}};
    series.push_back(l);
    double v = 0;
    for (int64_t t = 1000; t <= 1'000'000; t += 1000) {
      const unsigned roll = static_cast<unsigned>(rng() % 1000);
      double sample = v;
      if (s % 3 == 0) {
        v += static_cast<double>(rng() % 5);  // strictly monotonic counter
        sample = v;
      } else if (roll < 5) {
        sample = StaleNaN();
      } else if (roll < 10) {
        sample = std::numeric_limits<double>::quiet_NaN();
      } else if (roll < 20) {
        v = static_cast<double>(rng() % 10);  // reset
        sample = v;
      } else {
        v += static_cast<double>(rng() % 7);
        sample = v;
      }
      ASSERT_TRUE(store.Append(l, t, sample));
    }
  }
  const std::vector<Matcher> all{M(MatchType::kEqual, "__name__", "c")};
  for (int w = 0; w < 200; ++w) {
    int64_t mint = static_cast<int64_t>(rng() % 1'100'000);
    int64_t maxt = mint + static_cast<int64_t>(rng() % 400'000);
    if (w == 0) mint = 0, maxt = 2'000'000;
    std::vector<SeriesPoints> want = store.Select(all, mint, maxt, /*skip_stale=*/true);
    size_t visited = 0;
    store.VisitRange(all, mint, maxt, [&](const Labels& labels, const SampleView& view) {
      ASSERT_LT(visited, want.size());
      const SeriesPoints& sp = want[visited++];
      EXPECT_EQ(labels, sp.labels);
      ASSERT_EQ(view.size(), sp.points.size());
      std::vector<Point> got = view.ToPoints();
      ASSERT_EQ(got.size(), sp.points.size());
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].t, sp.points[i].t);
        EXPECT_EQ(Bits(got[i].v), Bits(sp.points[i].v));
      }
      EXPECT_EQ(view.front().t, sp.points.front().t);
      EXPECT_EQ(view.back().t, sp.points.back().t);
      if (sp.points.size() >= 2) {
        EXPECT_EQ(view.before_back().t, sp.points[sp.points.size() - 2].t);
      }
      double fast = 0;
      view.AddCounterResets(fast);
      const double slow = SequentialResets(sp.points);
      EXPECT_EQ(Bits(fast), Bits(slow)) << "window " << mint << ".." << maxt;
    });
    EXPECT_EQ(visited, want.size());
  }
}

TEST(SampleViewTest, VisitLatestMatchesSelectLatest) {
  SeriesStore store;
  Labels a{{"__name__", "x"}, {"i", "a"}}, b{{"__name__", "x"}, {"i", "b"}};
  for (int64_t t = 0; t < 500'000; t += 10'000) {
    store.Append(a, t, static_cast<double>(t));
    if (t < 200'000) store.Append(b, t, 1);
  }
  const std::vector<Matcher> x{M(MatchType::kEqual, "__name__", "x")};
  for (int64_t maxt : {0, 5'000, 199'999, 250'000, 490'000, 900'000}) {
    auto want = store.SelectLatest(x, maxt - 300'000, maxt);
    size_t n = 0;
    store.VisitLatest(x, maxt - 300'000, maxt, [&](const Labels& l, const Point& p) {
      ASSERT_LT(n, want.size());
      EXPECT_EQ(l, want[n].labels);
      EXPECT_EQ(p.t, want[n].points[0].t);
      ++n;
    });
    EXPECT_EQ(n, want.size()) << maxt;
  }
}

TEST(SampleViewTest, StaleMarkersSplitRunsButNeverShow) {
  SeriesStore store;
  Labels l{{"__name__", "g"}};
  store.Append(l, 1000, 5);
  store.Append(l, 2000, StaleNaN());
  store.Append(l, 3000, 3);  // lower than the last real value: one reset across the gap
  store.Append(l, 4000, StaleNaN());
  size_t calls = 0;
  store.VisitRange({M(MatchType::kEqual, "__name__", "g")}, 0, 10'000,
                   [&](const Labels&, const SampleView& v) {
                     ++calls;
                     ASSERT_EQ(v.size(), 2u);
                     EXPECT_EQ(v.front().v, 5);
                     EXPECT_EQ(v.back().v, 3);
                     double r = 0;
                     v.AddCounterResets(r);
                     EXPECT_EQ(r, 5);
                   });
  EXPECT_EQ(calls, 1u);
  // A window holding only stale markers yields no series.
  store.VisitRange({M(MatchType::kEqual, "__name__", "g")}, 3500, 4500,
                   [&](const Labels&, const SampleView&) { ++calls; });
  EXPECT_EQ(calls, 1u);
}

TEST(LabelsProjectionTest, CachedPerSetAndSharedStorage) {
  const uint32_t id = InternProjection("test:keep-job");
  EXPECT_EQ(InternProjection("test:keep-job"), id);
  EXPECT_NE(InternProjection("test:keep-other"), id);
  Labels l{{"__name__", "m"}, {"job", "j"}, {"x", "1"}};
  int made = 0;
  auto keep_job = [&made](const Labels& in) {
    ++made;
    return LabelsBuilder(in).Keep({"job"}).Build();
  };
  Labels p1 = l.Project(id, keep_job);
  Labels p2 = l.Project(id, keep_job);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(p1, (Labels{{"job", "j"}}));
  EXPECT_EQ(&p1.items(), &p2.items());  // the same storage, not just equal
  // A copy of the set shares the cache; an equal set built separately does not.
  Labels copy = l;
  copy.Project(id, keep_job);
  EXPECT_EQ(made, 1);
  Labels rebuilt{{"__name__", "m"}, {"job", "j"}, {"x", "1"}};
  EXPECT_EQ(rebuilt.Project(id, keep_job), p1);
  EXPECT_EQ(made, 2);
  // A projection that keeps everything is answered with the set itself.
  Labels only_job{{"job", "j"}};
  EXPECT_EQ(&only_job.Project(id, keep_job).items(), &only_job.items());
  EXPECT_EQ(&only_job.Project(id, keep_job).items(), &only_job.items());
  // The empty set is never cached (no storage).
  EXPECT_TRUE(Labels().Project(id, keep_job).empty());
}

TEST(LabelsProjectionTest, ConcurrentProjectionsAgree) {
  const uint32_t id = InternProjection("test:drop-x");
  std::vector<Labels> sets;
  for (int i = 0; i < 200; ++i) sets.push_back(Labels{{"a", std::to_string(i)}, {"x", "y"}});
  std::vector<std::thread> threads;
  std::vector<std::vector<Labels>> results(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (const Labels& s : sets) {
        results[t].push_back(
            s.Project(id, [](const Labels& in) { return LabelsBuilder(in).Del("x").Build(); }));
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (size_t i = 0; i < sets.size(); ++i) {
    for (int t = 1; t < 4; ++t) EXPECT_EQ(results[t][i], results[0][i]);
    EXPECT_EQ(results[0][i], (Labels{{"a", std::to_string(i)}}));
  }
}

}  // namespace
}  // namespace fxagent::tsdb
