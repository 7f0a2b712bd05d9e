#include "rules/tsdb/ingest.h"

#include <charconv>
#include <cmath>
#include <string>

namespace fxagent::tsdb {
namespace {

Labels MakeLabels(const std::string& name, const prometheus::ClientMetric& m,
                  const char* extra_name = nullptr, const std::string& extra_value = "") {
  std::vector<Label> labels;
  labels.reserve(m.label.size() + 2);
  labels.push_back({std::string(kMetricName), name});
  for (const auto& l : m.label) labels.push_back({l.name, l.value});
  if (extra_name != nullptr) labels.push_back({extra_name, extra_value});
  return Labels::FromUnsorted(std::move(labels));
}

}  // namespace

std::string FormatExpositionValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v < 0 ? "-Inf" : "+Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::vector<ScrapeSample> FamiliesToSamples(const std::vector<prometheus::MetricFamily>& families) {
  std::vector<ScrapeSample> out;
  for (const auto& fam : families) {
    for (const auto& m : fam.metric) {
      switch (fam.type) {
        case prometheus::MetricType::Counter:
          out.push_back({MakeLabels(fam.name, m), m.counter.value});
          break;
        case prometheus::MetricType::Gauge:
          out.push_back({MakeLabels(fam.name, m), m.gauge.value});
          break;
        case prometheus::MetricType::Untyped:
          out.push_back({MakeLabels(fam.name, m), m.untyped.value});
          break;
        case prometheus::MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            out.push_back(
                {MakeLabels(fam.name, m, "quantile", FormatExpositionValue(q.quantile)), q.value});
          }
          out.push_back({MakeLabels(fam.name + "_sum", m), m.summary.sample_sum});
          out.push_back(
              {MakeLabels(fam.name + "_count", m), static_cast<double>(m.summary.sample_count)});
          break;
        case prometheus::MetricType::Histogram:
          for (const auto& b : m.histogram.bucket) {
            out.push_back(
                {MakeLabels(fam.name + "_bucket", m, "le", FormatExpositionValue(b.upper_bound)),
                 static_cast<double>(b.cumulative_count)});
          }
          out.push_back({MakeLabels(fam.name + "_sum", m), m.histogram.sample_sum});
          out.push_back(
              {MakeLabels(fam.name + "_count", m), static_cast<double>(m.histogram.sample_count)});
          break;
      }
    }
  }
  return out;
}

void IngestMetricFamilies(SeriesStore& store, const std::vector<prometheus::MetricFamily>& families,
                          int64_t t_ms) {
  store.IngestScrape(t_ms, FamiliesToSamples(families));
}

}  // namespace fxagent::tsdb
