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
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "rules/labels.h"
#include "rules/matcher.h"

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

struct StoreStats {
  size_t series = 0;
  size_t samples = 0;
  size_t sample_bytes = 0;  ///< bytes allocated for sample data (timestamps + values)
};

class SeriesStore {
 public:
  struct Options {
    int64_t retention_ms = 60 * 60 * 1000;
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

  StoreStats Stats() const;

 private:
  struct Series;
  Series* GetOrCreate(const Labels& labels);
  bool AppendLocked(Series& s, int64_t t_ms, double v);
  void RemovePostings(const Series& s);
  template <typename Fn>
  void ForEachMatching(const std::vector<Matcher>& matchers, Fn fn) const;

  /// Series carrying one label value, in creation (id) order.
  using PostingsList = std::vector<Series*>;

  mutable std::shared_mutex mu_;
  Options options_;
  uint64_t scrape_gen_ = 0;
  uint64_t next_id_ = 0;
  std::unordered_map<Labels, std::unique_ptr<Series>, LabelsHash> series_;
  /// label name -> label value -> series with that pair.
  std::unordered_map<std::string, std::unordered_map<std::string, PostingsList>> postings_;
};

}  // namespace fxagent::tsdb
