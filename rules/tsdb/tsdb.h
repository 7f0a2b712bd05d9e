/// SeriesStore: the agent's in-memory time-series database. Samples are (int64 ms,
/// double) pairs stored in chunks of (uint32 delta-ts, double) — 12 bytes per sample
/// plus per-chunk overhead. Supports Prometheus staleness markers, scrape-based staleness
/// (series missing from a scrape get a stale marker at that scrape's time) and time-based
/// retention. Thread-safety: all methods are safe to call concurrently; writers
/// (Append/IngestScrape/Truncate) take an exclusive lock, Select/Stats a shared lock.
/// Intended use is a single writer (the evaluation tick) and any number of readers.
/// Selection goes through a postings index (label name=value -> series in creation
/// order), so equality matchers only visit the series that carry that label pair.
#pragma once

#include <bit>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "rules/tsdb/labels.h"
#include "rules/tsdb/matcher.h"

namespace fxagent::tsdb {

/// Prometheus' staleness marker: a NaN with a specific bit pattern.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
inline double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
inline bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

struct Point {
  int64_t t;
  double v;
  friend bool operator==(const Point&, const Point&) = default;
};

/// One sample of a scrape: the series and its value (timestamp is the scrape's).
struct ScrapeSample {
  Labels labels;
  double value;
};

/// A series' raw points (stale markers included) within a time window.
struct SeriesPoints {
  Labels labels;
  std::vector<Point> points;
};

/// A run of consecutive samples of one series, read in place: either straight from a
/// store chunk (t_i = base + dt[i], value v[i]) or from a list of points.
struct SampleRun {
  int64_t base = 0;
  const uint32_t* dt = nullptr;   ///< chunk form; null in list form
  const double* v = nullptr;      ///< chunk form
  const Point* points = nullptr;  ///< list form
  size_t n = 0;
  bool monotonic = false;  ///< no value is lower than its predecessor in the run (no NaN)
  int64_t T(size_t i) const { return dt != nullptr ? base + dt[i] : points[i].t; }
  double V(size_t i) const { return dt != nullptr ? v[i] : points[i].v; }
  Point At(size_t i) const { return Point{T(i), V(i)}; }
};

/// One series' samples within a window, stale markers excluded, in time order, as runs
/// read in place. Only valid while the callback that received it runs.
struct SampleView {
  std::span<const SampleRun> runs;  ///< non-empty runs only
  size_t count = 0;                 ///< total samples

  size_t size() const { return count; }
  bool empty() const { return count == 0; }
  Point front() const { return runs.front().At(0); }
  Point back() const { return runs.back().At(runs.back().n - 1); }
  /// The sample before back(); size() >= 2.
  Point before_back() const {
    const SampleRun& last = runs.back();
    return last.n >= 2 ? last.At(last.n - 2)
                       : runs[runs.size() - 2].At(runs[runs.size() - 2].n - 1);
  }
  /// Calls fn(Point) for every sample in time order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const SampleRun& r : runs) {
      if (r.dt != nullptr) {
        for (size_t i = 0; i < r.n; ++i) fn(Point{r.base + r.dt[i], r.v[i]});
      } else {
        for (size_t i = 0; i < r.n; ++i) fn(r.points[i]);
      }
    }
  }
  /// Calls fn(double) for every value in time order (no timestamps computed).
  template <typename Fn>
  void ForEachValue(Fn&& fn) const {
    for (const SampleRun& r : runs) {
      if (r.dt != nullptr) {
        for (size_t i = 0; i < r.n; ++i) fn(r.v[i]);
      } else {
        for (size_t i = 0; i < r.n; ++i) fn(r.points[i].v);
      }
    }
  }
  /// Prometheus' counter-reset correction, in time order: for every sample lower than
  /// its predecessor, adds the predecessor's value to `result`. Monotonic runs are
  /// skipped without reading their samples.
  void AddCounterResets(double& result) const;
  std::vector<Point> ToPoints() const;
};

/// Receives each selected series with its samples; must not call back into the store.
using RangeVisitor = std::function<void(const Labels&, const SampleView&)>;
/// Receives each selected series with its latest sample.
using LatestVisitor = std::function<void(const Labels&, const Point&)>;

struct StoreStats {
  size_t series = 0;
  size_t samples = 0;
  size_t sample_bytes = 0;  ///< bytes allocated for sample data (timestamps + values)
};

class SeriesStore {
 public:
  struct Options {
    int64_t retention_ms = int64_t{60} * 60 * 1000;
  };

  SeriesStore();
  explicit SeriesStore(Options options);
  ~SeriesStore();
  SeriesStore(const SeriesStore&) = delete;
  SeriesStore& operator=(const SeriesStore&) = delete;

  /// Appends one sample; returns false (sample dropped) when t is not after the
  /// series' last sample, as Prometheus rejects out-of-order samples.
  bool Append(const Labels& labels, int64_t t_ms, double v);

  /// Appends a whole scrape at t_ms: every sample, plus a stale marker for each series
  /// present in the previous scrape but not in this one. Then applies retention
  /// relative to t_ms.
  void IngestScrape(int64_t t_ms, const std::vector<ScrapeSample>& samples);

  /// Drops samples older than now_ms - retention and series left empty. Whole chunks
  /// (120 samples) are dropped, so up to one chunk per series outlives the retention.
  void Truncate(int64_t now_ms);
  void SetRetention(int64_t retention_ms);
  int64_t retention_ms() const;

  /// Series matching all matchers, with their points in [mint, maxt] (stale markers
  /// dropped when skip_stale). Series without points in the window are omitted.
  std::vector<SeriesPoints> Select(const std::vector<Matcher>& matchers, int64_t mint, int64_t maxt,
                                   bool skip_stale = false) const;

  /// Like Select, but only the latest point in [mint, maxt] of each series (what an
  /// instant vector selector needs).
  std::vector<SeriesPoints> SelectLatest(const std::vector<Matcher>& matchers, int64_t mint,
                                         int64_t maxt) const;

  /// Zero-copy form of Select(..., skip_stale=true): calls fn for each matching series
  /// with samples in [mint, maxt], under the store's shared lock (fn must not use the
  /// store). Runs are read straight from the chunks.
  void VisitRange(const std::vector<Matcher>& matchers, int64_t mint, int64_t maxt,
                  const RangeVisitor& fn) const;
  /// Zero-copy form of SelectLatest.
  void VisitLatest(const std::vector<Matcher>& matchers, int64_t mint, int64_t maxt,
                   const LatestVisitor& fn) const;

  StoreStats Stats() const;

 private:
  struct Series;
  Series* GetOrCreate(const Labels& labels);
  bool AppendLocked(Series& s, int64_t t_ms, double v);
  void RemovePostings(const Series& s);
  template <typename Fn>
  void ForEachMatching(const std::vector<Matcher>& matchers, Fn fn) const;

  /// Series carrying one label value, in creation (id) order.
  struct PostingsList {
    std::vector<uint64_t> ids;  ///< ascending; kept apart so intersections scan ids only
    std::vector<Series*> series;
    size_t size() const { return ids.size(); }
    bool empty() const { return ids.empty(); }
  };

  mutable std::shared_mutex mu_;
  Options options_;
  uint64_t scrape_gen_ = 0;
  uint64_t next_id_ = 0;
  std::unordered_map<Labels, std::unique_ptr<Series>, LabelsHash> series_;
  /// label name -> label value -> series with that pair.
  std::unordered_map<std::string, std::unordered_map<std::string, PostingsList>> postings_;
};

}  // namespace fxagent::tsdb
