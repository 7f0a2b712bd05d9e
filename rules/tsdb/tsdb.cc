#include "rules/tsdb/tsdb.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <mutex>
#include <utility>

namespace fxagent::tsdb {
namespace {

constexpr size_t kChunkSamples = 120;

struct Chunk {
  int64_t base = 0;
  std::vector<uint32_t> dt;
  std::vector<double> v;
  int64_t last_t = 0;     // timestamp of the last sample (kept here: no pointer chase)
  double last_value = 0;  // latest non-stale value (valid when has_value)
  bool has_value = false;
  bool has_stale = false;  // holds a stale marker
  bool monotonic = true;   // no non-stale value below its non-stale predecessor, no NaN
  int64_t LastT() const { return last_t; }
  void Push(uint32_t delta, double value) {
    dt.push_back(delta);
    last_t = base + delta;
    v.push_back(value);
    if (IsStaleNaN(value)) {
      has_stale = true;
      return;
    }
    if (std::isnan(value) || (has_value && value < last_value)) monotonic = false;
    last_value = value;
    has_value = true;
  }
};

bool MatchesAll(const Labels& labels, const std::vector<Matcher>& matchers) {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels.Get(m.name()))) return false;
  }
  return true;
}

}  // namespace

struct SeriesStore::Series {
  uint64_t id = 0;  // creation order; postings lists are sorted by it
  Labels labels;
  std::vector<Chunk> chunks;
  int64_t last_t = std::numeric_limits<int64_t>::min();
  uint64_t scrape_gen = 0;  // generation of the last scrape that contained this series
};

SeriesStore::SeriesStore() : SeriesStore(Options{}) {}
SeriesStore::SeriesStore(Options options) : options_(options) {}
SeriesStore::~SeriesStore() = default;

SeriesStore::Series* SeriesStore::GetOrCreate(const Labels& labels) {
  auto it = series_.find(labels);
  if (it != series_.end()) return it->second.get();
  auto s = std::make_unique<Series>();
  s->id = next_id_++;
  s->labels = labels;
  Series* raw = s.get();
  series_.emplace(labels, std::move(s));
  for (const Label& l : labels) {
    PostingsList& list = postings_[l.name][l.value];
    list.ids.push_back(raw->id);
    list.series.push_back(raw);
  }
  return raw;
}

void SeriesStore::RemovePostings(const Series& s) {
  for (const Label& l : s.labels) {
    auto by_name = postings_.find(l.name);
    if (by_name == postings_.end()) continue;
    auto by_value = by_name->second.find(l.value);
    if (by_value == by_name->second.end()) continue;
    PostingsList& list = by_value->second;
    auto it = std::lower_bound(list.ids.begin(), list.ids.end(), s.id);
    if (it != list.ids.end() && *it == s.id) {
      const auto pos = it - list.ids.begin();
      list.ids.erase(it);
      list.series.erase(list.series.begin() + pos);
    }
    if (list.empty()) by_name->second.erase(by_value);
    if (by_name->second.empty()) postings_.erase(by_name);
  }
}

bool SeriesStore::AppendLocked(Series& s, int64_t t_ms, double v) {
  if (t_ms <= s.last_t) return false;
  if (s.chunks.empty() || s.chunks.back().dt.size() >= kChunkSamples ||
      t_ms - s.chunks.back().base > std::numeric_limits<uint32_t>::max()) {
    if (!s.chunks.empty()) {
      s.chunks.back().dt.shrink_to_fit();
      s.chunks.back().v.shrink_to_fit();
    }
    s.chunks.emplace_back().base = t_ms;
  }
  Chunk& c = s.chunks.back();
  c.Push(static_cast<uint32_t>(t_ms - c.base), v);
  s.last_t = t_ms;
  return true;
}

bool SeriesStore::Append(const Labels& labels, int64_t t_ms, double v) {
  std::unique_lock lock(mu_);
  return AppendLocked(*GetOrCreate(labels), t_ms, v);
}

void SeriesStore::IngestScrape(int64_t t_ms, const std::vector<ScrapeSample>& samples) {
  {
    std::unique_lock lock(mu_);
    const uint64_t prev = scrape_gen_++;
    const uint64_t gen = scrape_gen_;
    for (const ScrapeSample& sample : samples) {
      Series* s = GetOrCreate(sample.labels);
      if (s->scrape_gen == gen) continue;  // duplicate series within one scrape
      if (AppendLocked(*s, t_ms, sample.value)) s->scrape_gen = gen;
    }
    for (auto& [labels, s] : series_) {
      if (prev != 0 && s->scrape_gen == prev) {
        AppendLocked(*s, t_ms, StaleNaN());
        s->scrape_gen = 0;
      }
    }
  }
  Truncate(t_ms);
}

void SeriesStore::Truncate(int64_t now_ms) {
  std::unique_lock lock(mu_);
  const int64_t cutoff = now_ms - options_.retention_ms;
  for (auto it = series_.begin(); it != series_.end();) {
    Series& s = *it->second;
    size_t drop = 0;
    while (drop < s.chunks.size() && s.chunks[drop].LastT() < cutoff) ++drop;
    s.chunks.erase(s.chunks.begin(), s.chunks.begin() + static_cast<ptrdiff_t>(drop));
    if (s.chunks.empty() && s.scrape_gen != scrape_gen_) {
      RemovePostings(s);
      it = series_.erase(it);
    } else {
      ++it;
    }
  }
}

void SeriesStore::SetRetention(int64_t retention_ms) {
  std::unique_lock lock(mu_);
  options_.retention_ms = retention_ms;
}

int64_t SeriesStore::retention_ms() const {
  std::shared_lock lock(mu_);
  return options_.retention_ms;
}

template <typename Fn>
void SeriesStore::ForEachMatching(const std::vector<Matcher>& matchers, Fn fn) const {
  // Equality matchers with a non-empty value are answered by intersecting postings
  // lists (label="" matches absence, which postings cannot express); the remaining
  // matchers are checked per candidate.
  const PostingsList* lists[8];
  size_t n_lists = 0;
  bool all_eq_indexed = true;
  bool any_other = false;
  for (const Matcher& m : matchers) {
    if (m.type() != MatchType::kEqual || m.value().empty()) {
      any_other = true;
      continue;
    }
    auto by_name = postings_.find(m.name());
    if (by_name == postings_.end()) return;
    auto by_value = by_name->second.find(m.value());
    if (by_value == by_name->second.end()) return;
    if (n_lists < std::size(lists)) {
      lists[n_lists++] = &by_value->second;
    } else {
      all_eq_indexed = false;  // checked per candidate instead
    }
  }
  if (n_lists == 0) {
    for (const auto& [labels, s] : series_) {
      if (MatchesAll(s->labels, matchers)) fn(*s);
    }
    return;
  }
  // Shortest list first (insertion sort; at most a handful of lists).
  for (size_t i = 1; i < n_lists; ++i) {
    for (size_t j = i; j > 0 && lists[j]->size() < lists[j - 1]->size(); --j) {
      std::swap(lists[j], lists[j - 1]);
    }
  }
  // Leapfrog: for each id of the shortest list, gallop forward in the others.
  size_t cursor[8] = {};
  const bool check_all = any_other || !all_eq_indexed;
  const PostingsList& shortest = *lists[0];
  for (size_t i = 0; i < shortest.size(); ++i) {
    const uint64_t id = shortest.ids[i];
    bool in_all = true;
    for (size_t k = 1; k < n_lists && in_all; ++k) {
      const std::vector<uint64_t>& ids = lists[k]->ids;
      size_t& c = cursor[k];
      if (c < ids.size() && ids[c] < id) {
        size_t step = 1;
        size_t hi = c + 1;
        while (hi < ids.size() && ids[hi] < id) {
          c = hi;
          step *= 2;
          hi = c + step;
        }
        c = static_cast<size_t>(
            std::lower_bound(ids.begin() + static_cast<ptrdiff_t>(c),
                             ids.begin() + static_cast<ptrdiff_t>(std::min(hi, ids.size())), id) -
            ids.begin());
      }
      in_all = c < ids.size() && ids[c] == id;
    }
    if (!in_all) continue;
    const Series* s = shortest.series[i];
    if (check_all && !MatchesAll(s->labels, matchers)) continue;
    fn(*s);
  }
}

namespace {

/// Index of the first chunk whose last sample is at or after mint. Windows usually end
/// near the newest sample, so a short backward walk beats a binary search.
size_t FirstChunk(const std::vector<Chunk>& chunks, int64_t mint) {
  size_t i = chunks.size();
  while (i > 0 && chunks[i - 1].LastT() >= mint) --i;
  return i;
}

/// First index in dt[0, n) whose value is >= target (n if none). Samples are usually
/// evenly spaced, so the search starts at the interpolated position and walks.
size_t LowerBoundDelta(const uint32_t* dt, size_t n, uint64_t target) {
  if (n == 0 || target <= dt[0]) return 0;
  if (target > dt[n - 1]) return n;
  size_t i = static_cast<size_t>(static_cast<double>(n - 1) * static_cast<double>(target) /
                                 static_cast<double>(dt[n - 1]));
  if (i >= n) i = n - 1;
  // dt[0] < target <= dt[n-1]: walk to the boundary, a few steps when spacing is even.
  for (int steps = 0; steps < 8; ++steps) {
    if (dt[i] < target) {
      ++i;  // i < n since dt[n-1] >= target
      if (dt[i] >= target) return i;
    } else {
      if (dt[i - 1] < target) return i;  // i > 0 since dt[0] < target
      --i;
    }
  }
  return static_cast<size_t>(
      std::lower_bound(dt, dt + n, target, [](uint32_t d, uint64_t v) { return d < v; }) - dt);
}

/// [begin, end) of the samples of c within [mint, maxt]; c.base <= maxt.
std::pair<size_t, size_t> SampleRange(const Chunk& c, int64_t mint, int64_t maxt) {
  const size_t n = c.dt.size();
  const uint32_t* dt = c.dt.data();
  const size_t begin =
      mint > c.base ? LowerBoundDelta(dt, n, static_cast<uint64_t>(mint - c.base)) : 0;
  // Windows usually end at or after the newest sample.
  const size_t end =
      maxt >= c.last_t ? n : LowerBoundDelta(dt, n, static_cast<uint64_t>(maxt - c.base) + 1);
  return {begin, std::max(begin, end)};
}

}  // namespace

std::vector<SeriesPoints> SeriesStore::Select(const std::vector<Matcher>& matchers, int64_t mint,
                                              int64_t maxt, bool skip_stale) const {
  std::shared_lock lock(mu_);
  std::vector<SeriesPoints> out;
  if (mint > maxt) return out;
  ForEachMatching(matchers, [&](const Series& s) {
    const size_t first = FirstChunk(s.chunks, mint);
    size_t count = 0;
    for (size_t i = first; i < s.chunks.size() && s.chunks[i].base <= maxt; ++i) {
      auto [b, e] = SampleRange(s.chunks[i], mint, maxt);
      count += e - b;
    }
    if (count == 0) return;
    SeriesPoints sp;
    sp.points.resize(count);
    Point* dst = sp.points.data();
    for (size_t i = first; i < s.chunks.size() && s.chunks[i].base <= maxt; ++i) {
      const Chunk& c = s.chunks[i];
      auto [b, e] = SampleRange(c, mint, maxt);
      const int64_t base = c.base;
      const uint32_t* dt = c.dt.data();
      const double* v = c.v.data();
      if (skip_stale) {
        for (size_t j = b; j < e; ++j) {
          *dst = Point{base + dt[j], v[j]};
          dst += IsStaleNaN(v[j]) ? 0 : 1;
        }
      } else {
        for (size_t j = b; j < e; ++j) *dst++ = Point{base + dt[j], v[j]};
      }
    }
    sp.points.resize(static_cast<size_t>(dst - sp.points.data()));
    if (sp.points.empty()) return;
    sp.labels = s.labels;
    out.push_back(std::move(sp));
  });
  return out;
}

std::vector<SeriesPoints> SeriesStore::SelectLatest(const std::vector<Matcher>& matchers,
                                                    int64_t mint, int64_t maxt) const {
  std::vector<SeriesPoints> out;
  VisitLatest(matchers, mint, maxt, [&out](const Labels& labels, const Point& p) {
    out.push_back(SeriesPoints{labels, {p}});
  });
  return out;
}

void SeriesStore::VisitLatest(const std::vector<Matcher>& matchers, int64_t mint, int64_t maxt,
                              const LatestVisitor& fn) const {
  std::shared_lock lock(mu_);
  ForEachMatching(matchers, [&](const Series& s) {
    // Last chunk starting at or before maxt: its last sample <= maxt is the latest one.
    auto it = std::partition_point(s.chunks.begin(), s.chunks.end(),
                                   [maxt](const Chunk& c) { return c.base <= maxt; });
    if (it == s.chunks.begin()) return;
    const Chunk& c = *(it - 1);
    auto dt_it = std::upper_bound(c.dt.begin(), c.dt.end(), static_cast<uint64_t>(maxt - c.base),
                                  [](uint64_t v, uint32_t dt) { return v < dt; });
    const size_t j = static_cast<size_t>(dt_it - c.dt.begin()) - 1;
    const int64_t t = c.base + c.dt[j];
    if (t < mint) return;
    fn(s.labels, Point{t, c.v[j]});
  });
}

void SeriesStore::VisitRange(const std::vector<Matcher>& matchers, int64_t mint, int64_t maxt,
                             const RangeVisitor& fn) const {
  std::shared_lock lock(mu_);
  if (mint > maxt) return;
  std::vector<SampleRun> runs;
  ForEachMatching(matchers, [&](const Series& s) {
    runs.clear();
    size_t count = 0;
    for (size_t i = FirstChunk(s.chunks, mint); i < s.chunks.size() && s.chunks[i].base <= maxt;
         ++i) {
      const Chunk& c = s.chunks[i];
      auto [b, e] = SampleRange(c, mint, maxt);
      if (b == e) continue;
      SampleRun run{c.base, c.dt.data() + b, c.v.data() + b, nullptr, e - b, c.monotonic};
      if (!c.has_stale) {
        runs.push_back(run);
        count += run.n;
        continue;
      }
      // Split around stale markers so the view never shows them.
      size_t start = 0;
      for (size_t j = 0; j <= run.n; ++j) {
        if (j < run.n && !IsStaleNaN(run.v[j])) continue;
        if (j > start) {
          runs.push_back(
              SampleRun{c.base, run.dt + start, run.v + start, nullptr, j - start, c.monotonic});
          count += j - start;
        }
        start = j + 1;
      }
    }
    if (count == 0) return;
    fn(s.labels, SampleView{runs, count});
  });
}

void SampleView::AddCounterResets(double& result) const {
  bool have_prev = false;
  double prev = 0;
  for (const SampleRun& r : runs) {
    if (have_prev && r.V(0) < prev) result += prev;
    if (!r.monotonic) {
      for (size_t i = 1; i < r.n; ++i) {
        const double cur = r.V(i);
        const double before = r.V(i - 1);
        if (cur < before) result += before;
      }
    }
    prev = r.V(r.n - 1);
    have_prev = true;
  }
}

std::vector<Point> SampleView::ToPoints() const {
  std::vector<Point> out;
  out.reserve(count);
  ForEach([&out](const Point& p) { out.push_back(p); });
  return out;
}

StoreStats SeriesStore::Stats() const {
  std::shared_lock lock(mu_);
  StoreStats st;
  st.series = series_.size();
  for (const auto& [labels, s] : series_) {
    for (const Chunk& c : s->chunks) {
      st.samples += c.dt.size();
      st.sample_bytes += c.dt.capacity() * sizeof(uint32_t) + c.v.capacity() * sizeof(double);
    }
  }
  return st;
}

}  // namespace fxagent::tsdb
