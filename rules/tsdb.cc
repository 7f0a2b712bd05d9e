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

double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

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

std::vector<SeriesPoints> SeriesStore::Select(const std::vector<Matcher>& matchers, int64_t mint,
                                              int64_t maxt) const {
  std::shared_lock lock(mu_);
  std::vector<SeriesPoints> out;
  auto collect = [&](const Series& s) {
    if (!MatchesAll(s.labels, matchers)) return;
    SeriesPoints sp;
    for (const Chunk& c : s.chunks) {
      if (c.LastT() < mint) continue;
      if (c.base > maxt) break;
      for (size_t i = 0; i < c.dt.size(); ++i) {
        int64_t t = c.base + c.dt[i];
        if (t >= mint && t <= maxt) sp.points.push_back({t, c.v[i]});
      }
    }
    if (sp.points.empty()) return;
    sp.labels = s.labels;
    out.push_back(std::move(sp));
  };
  const Matcher* name_eq = nullptr;
  for (const Matcher& m : matchers) {
    if (m.name() == kMetricName && m.type() == MatchType::kEqual) name_eq = &m;
  }
  if (name_eq != nullptr) {
    auto it = by_name_.find(name_eq->value());
    if (it != by_name_.end()) {
      for (const Series* s : it->second) collect(*s);
    }
  } else {
    for (const auto& [labels, s] : series_) collect(*s);
  }
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
