/// SelfScraper: every evaluation tick, snapshots the agent's own prometheus-cpp registry
/// (plus extra collectables, e.g. process metrics) into the series store, as if Prometheus
/// scraped it, and keeps the store's retention at the longest rule lookback + 5 min.
/// Thread-safety: Scrape from one thread (the evaluation tick); collectables do their own
/// locking.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "rules/alerting/rule.h"
#include "rules/tsdb/tsdb.h"

namespace prometheus {
class Collectable;
}  // namespace prometheus

namespace fxagent::alerting {

/// Retention margin beyond the longest rule lookback.
inline constexpr int64_t kRetentionMarginMs = int64_t{5} * 60 * 1000;

/// The retention a store needs for `rules`: max lookback of any rule + 5 min.
int64_t RetentionFor(const RuleSet& rules);

class SelfScraper {
 public:
  /// `collectables` (e.g. &registry, process metrics) are not owned and must outlive it. Sets the
  /// store's retention to RetentionFor(rules).
  SelfScraper(std::vector<const prometheus::Collectable*> collectables, tsdb::SeriesStore& store,
              const RuleSet& rules);

  /// Collects every collectable and ingests the samples at t_ms (series missing since the
  /// previous scrape get stale markers; retention is applied).
  void Scrape(int64_t t_ms);

 private:
  std::vector<const prometheus::Collectable*> collectables_;
  tsdb::SeriesStore& store_;
};

}  // namespace fxagent::alerting
