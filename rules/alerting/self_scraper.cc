#include "rules/alerting/self_scraper.h"

#include <prometheus/collectable.h>

#include <algorithm>

#include "rules/tsdb/ingest.h"

namespace fxagent::alerting {

int64_t RetentionFor(const RuleSet& rules) { return rules.MaxLookbackMs() + kRetentionMarginMs; }

SelfScraper::SelfScraper(std::vector<const prometheus::Collectable*> collectables,
                         tsdb::SeriesStore& store, const RuleSet& rules)
    : collectables_(std::move(collectables)), store_(store) {
  store_.SetRetention(RetentionFor(rules));
}

void SelfScraper::Scrape(int64_t t_ms) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : collectables_) {
    if (c == nullptr) continue;
    std::vector<prometheus::MetricFamily> f = c->Collect();
    std::move(f.begin(), f.end(), std::back_inserter(families));
  }
  tsdb::IngestMetricFamilies(store_, families, t_ms);
}

}  // namespace fxagent::alerting
