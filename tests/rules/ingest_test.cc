#include "rules/tsdb/ingest.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/summary.h"
#include "prometheus/text_serializer.h"

namespace fxagent::tsdb {
namespace {

// Parses `name{a="b",...} value` lines of the text exposition (simple values only).
std::map<std::string, double> ParseExposition(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto sp = line.rfind(' ');
    std::string series = line.substr(0, sp);
    std::string name = series.substr(0, series.find('{'));
    std::vector<Label> labels{{"__name__", name}};
    if (auto lb = series.find('{'); lb != std::string::npos) {
      std::string body = series.substr(lb + 1, series.size() - lb - 2);
      size_t pos = 0;
      while (pos < body.size()) {
        auto eq = body.find('=', pos);
        auto end = body.find('"', eq + 2);
        labels.push_back({body.substr(pos, eq - pos), body.substr(eq + 2, end - eq - 2)});
        pos = end + 2;
      }
    }
    out[Labels::FromUnsorted(labels).ToString()] = std::stod(line.substr(sp + 1));
  }
  return out;
}

TEST(IngestTest, RegistryBecomesScrapedSeries) {
  prometheus::Registry registry;
  auto& counter = prometheus::BuildCounter().Name("req_total").Help("h").Register(registry);
  counter.Add({{"code", "200"}}).Increment(3);
  counter.Add({{"code", "500"}}).Increment();
  prometheus::BuildGauge().Name("temp").Help("h").Register(registry).Add({}).Set(-1.5);
  auto& hist = prometheus::BuildHistogram().Name("lat_seconds").Help("h").Register(registry);
  auto& h = hist.Add({{"ep", "/x"}}, prometheus::Histogram::BucketBoundaries{0.1, 0.25, 1, 2.5});
  h.Observe(0.2);
  h.Observe(0.05);
  h.Observe(3);
  auto& sum = prometheus::BuildSummary().Name("sz").Help("h").Register(registry);
  sum.Add({}, prometheus::Summary::Quantiles{{0.5, 0.05}}).Observe(4);

  auto families = registry.Collect();
  std::map<std::string, double> got;
  for (const ScrapeSample& s : FamiliesToSamples(families)) got[s.labels.ToString()] = s.value;
  EXPECT_EQ(got, ParseExposition(prometheus::TextSerializer().Serialize(families)));

  EXPECT_EQ(got.at(R"({__name__="lat_seconds_bucket", ep="/x", le="0.25"})"), 2);
  EXPECT_EQ(got.at(R"({__name__="lat_seconds_bucket", ep="/x", le="+Inf"})"), 3);
  EXPECT_EQ(got.at(R"({__name__="lat_seconds_bucket", ep="/x", le="1"})"), 2);
  EXPECT_EQ(got.at(R"({__name__="lat_seconds_count", ep="/x"})"), 3);
  EXPECT_DOUBLE_EQ(got.at(R"({__name__="lat_seconds_sum", ep="/x"})"), 3.25);
  EXPECT_EQ(got.at(R"({__name__="req_total", code="200"})"), 3);
  EXPECT_EQ(got.at(R"({__name__="temp"})"), -1.5);

  SeriesStore store;
  IngestMetricFamilies(store, families, 1000);
  EXPECT_EQ(store.Stats().series, got.size());
}

}  // namespace
}  // namespace fxagent::tsdb
