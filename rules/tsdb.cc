#include "rules/tsdb.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <mutex>

namespace fxagent::tsdb {
namespace {

constexpr size_t kChunkSamples = 120;

struct Chunk {
  int64_t base = 0;
  std::vector<uint32_t> dt;
  std::vector<double> v;
  int64_t LastT() const { return base + dt.back(); }
};

bool MatchesAll(const Labels& labels, const std::vector<Matcher>& matchers) {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels.Get(m.name()))) return false;
  }
  return true;
}

}  // namespace

struct SeriesStore::Series {
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
  s->labels = labels;
  Series* raw = s.get();
  series_.emplace(labels, std::move(s));
  by_name_[labels.MetricName()].push_back(raw);
  return raw;
}

bool SeriesStore::AppendLocked(Series& s, int64_t t_ms, double v) {
  if (t_ms <= s.last_t) return false;
  if (s.chunks.empty() || s.chunks.back().dt.size() >= kChunkSamples ||
      t_ms - s.chunks.back().base > std::numeric_limits<uint32_t>::max()) {
    if (!s.chunks.empty()) {
      s.chunks.back().dt.shrink_to_fit();
      s.chunks.back().v.shrink_to_fit();
    }
    s.chunks.push_back(Chunk{t_ms, {}, {}});
  }
  Chunk& c = s.chunks.back();
  c.dt.push_back(static_cast<uint32_t>(t_ms - c.base));
  c.v.push_back(v);
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
      auto& vec = by_name_[s.labels.MetricName()];
      std::erase(vec, &s);
      if (vec.empty()) by_name_.erase(s.labels.MetricName());
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
  const Matcher* name_eq = nullptr;
  for (const Matcher& m : matchers) {
    if (m.name() == kMetricName && m.type() == MatchType::kEqual) name_eq = &m;
  }
  auto visit = [&](const Series& s) {
    if (MatchesAll(s.labels, matchers)) fn(s);
  };
  if (name_eq != nullptr) {
    auto it = by_name_.find(name_eq->value());
    if (it == by_name_.end()) return;
    for (const Series* s : it->second) visit(*s);
  } else {
    for (const auto& [labels, s] : series_) visit(*s);
  }
}

std::vector<SeriesPoints> SeriesStore::Select(const std::vector<Matcher>& matchers, int64_t mint,
                                              int64_t maxt, bool skip_stale) const {
  std::shared_lock lock(mu_);
  std::vector<SeriesPoints> out;
  ForEachMatching(matchers, [&](const Series& s) {
    size_t first = 0;
    while (first < s.chunks.size() && s.chunks[first].LastT() < mint) ++first;
    size_t upper = 0;
    for (size_t i = first; i < s.chunks.size() && s.chunks[i].base <= maxt; ++i) {
      upper += s.chunks[i].dt.size();
    }
    if (upper == 0) return;
    SeriesPoints sp;
    sp.points.reserve(upper);
    for (size_t i = first; i < s.chunks.size() && s.chunks[i].base <= maxt; ++i) {
      const Chunk& c = s.chunks[i];
      for (size_t j = 0; j < c.dt.size(); ++j) {
        int64_t t = c.base + c.dt[j];
        if (t < mint || t > maxt || (skip_stale && IsStaleNaN(c.v[j]))) continue;
        sp.points.push_back({t, c.v[j]});
      }
    }
    if (sp.points.empty()) return;
    sp.labels = s.labels;
    out.push_back(std::move(sp));
  });
  return out;
}

std::vector<SeriesPoints> SeriesStore::SelectLatest(const std::vector<Matcher>& matchers,
                                                    int64_t mint, int64_t maxt) const {
  std::shared_lock lock(mu_);
  std::vector<SeriesPoints> out;
  ForEachMatching(matchers, [&](const Series& s) {
    for (size_t i = s.chunks.size(); i-- > 0;) {
      const Chunk& c = s.chunks[i];
      if (c.base > maxt) continue;
      // Last index with t <= maxt.
      auto it = std::upper_bound(c.dt.begin(), c.dt.end(), static_cast<uint64_t>(maxt - c.base),
                                 [](uint64_t v, uint32_t dt) { return v < dt; });
      size_t j = static_cast<size_t>(it - c.dt.begin()) - 1;
      int64_t t = c.base + c.dt[j];
      if (t < mint) return;
      out.push_back(SeriesPoints{s.labels, {{t, c.v[j]}}});
      return;
    }
  });
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
