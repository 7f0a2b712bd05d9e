/// Converts prometheus-cpp collected metric families into series-store samples, exactly
/// as Prometheus would scrape them from the text exposition (histograms become
/// `_bucket{le}`/`_sum`/`_count`, summaries `{quantile}`/`_sum`/`_count`).
/// Thread-safety: stateless; the store does its own locking.
#pragma once

#include <cstdint>
#include <vector>

#include "prometheus/metric_family.h"
#include "rules/tsdb/tsdb.h"

namespace fxagent::tsdb {

/// The samples one scrape of `families` would yield (client timestamps are ignored).
std::vector<ScrapeSample> FamiliesToSamples(const std::vector<prometheus::MetricFamily>& families);

/// FamiliesToSamples + store.IngestScrape(t_ms, ...): stale markers for vanished series.
void IngestMetricFamilies(SeriesStore& store, const std::vector<prometheus::MetricFamily>& families,
                          int64_t t_ms);

/// Formats a label value double as the text exposition does ("+Inf", "0.25", "1").
std::string FormatExpositionValue(double v);

}  // namespace fxagent::tsdb
