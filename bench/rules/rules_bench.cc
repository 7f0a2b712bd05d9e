// bench/rules: 200 alert rules over 5,000 series holding 1 h of 5 s samples. Measures the
// evaluation time per tick and the store's bytes per sample in-process, and with --emit DIR
// writes the same rules and input as a promtool unit test (rules.yml + bench_test.yml) so
// `promtool test rules` and `rules_tool test` can be timed on identical work. The test
// expects, for every rule, exactly the alerts this engine has firing at 1 h (evaluated
// every 5 s over the hour), so both tools passing it means both produce the same alerts.
#include <malloc.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "rules/alerting/alert_evaluator.h"
#include "rules/alerting/export.h"
#include "rules/alerting/rule_loader.h"
#include "rules/tsdb/tsdb.h"

namespace {

using fxagent::tsdb::Labels;
constexpr int64_t kStepMs = 5000;
constexpr int kSteps = 720;  // 1 h of 5 s samples

struct BenchSeries {
  Labels labels;
  double start;
  double slope;  // per step
};

std::vector<BenchSeries> MakeSeries() {
  std::vector<BenchSeries> out;
  const char* les[] = {"0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"};
  for (int s = 0; s < 10; ++s) {
    for (int e = 0; e < 10; ++e) {
      for (int i = 0; i < 2; ++i) {
        std::string svc = "s" + std::to_string(s), ep = "e" + std::to_string(e),
                    inst = "i" + std::to_string(i);
        int k = s * 20 + e * 2 + i;
        for (const char* code : {"200", "429", "500"}) {
          out.push_back({Labels::FromUnsorted({{"__name__", "bench_requests_total"},
                                               {"svc", svc},
                                               {"ep", ep},
                                               {"inst", inst},
                                               {"code", code}}),
                         0, static_cast<double>(code[0] == '2' ? 50 + k % 7 : 1 + k % 3)});
        }
        for (int l = 0; l < 8; ++l) {
          out.push_back({Labels::FromUnsorted({{"__name__", "bench_latency_seconds_bucket"},
                                               {"svc", svc},
                                               {"ep", ep},
                                               {"inst", inst},
                                               {"le", les[l]}}),
                         0, static_cast<double>(10 + 5 * l)});
        }
        out.push_back({Labels::FromUnsorted(
                           {{"__name__", "bench_up"}, {"svc", svc}, {"ep", ep}, {"inst", inst}}),
                       k % 17 == 0 ? 0.0 : 1.0, 0});
        out.push_back(
            {Labels::FromUnsorted(
                 {{"__name__", "bench_queue_depth"}, {"svc", svc}, {"ep", ep}, {"inst", inst}}),
             static_cast<double>(k % 100), 0.01 * (k % 5)});
        for (int t = 0; t < 12; ++t) {
          out.push_back({Labels::FromUnsorted({{"__name__", "bench_temperature"},
                                               {"svc", svc},
                                               {"ep", ep},
                                               {"inst", inst},
                                               {"sensor", "t" + std::to_string(t)}}),
                         40.0 + (k + t) % 50, 0.01});
        }
      }
    }
  }
  return out;
}

// Readable expression templates matter more here than temporaries in a one-off setup.
// NOLINTBEGIN(performance-inefficient-string-concatenation)
std::string RulesToml() {
  std::string out;
  for (int r = 0; r < 200; ++r) {
    std::string svc = "s" + std::to_string(r % 10);
    std::string expr;
    switch (r / 10 % 10) {
      case 0:
        expr = "sum by (ep) (rate(bench_requests_total{svc=\"" + svc +
               "\",code=\"500\"}[5m])) / sum by (ep) (rate(bench_requests_total{svc=\"" + svc +
               "\"}[5m])) > 0.05";
        break;
      case 1:
        expr =
            "histogram_quantile(0.95, sum by (le, ep) (rate(bench_latency_seconds_bucket{svc=\"" +
            svc + "\"}[5m]))) > 0.5";
        break;
      case 2:
        expr = "avg_over_time(bench_up{svc=\"" + svc + "\"}[2m]) < 0.5";
        break;
      case 3:
        expr = "max without (inst) (bench_queue_depth{svc=\"" + svc + "\"}) > 80";
        break;
      case 4:
        expr = "increase(bench_requests_total{svc=\"" + svc + "\",code=\"429\"}[10m]) > 100";
        break;
      case 5:
        expr = "deriv(bench_queue_depth{svc=\"" + svc + "\"}[10m]) > 0.001";
        break;
      case 6:
        expr = "max_over_time(bench_temperature{svc=\"" + svc + "\"}[5m]) > 85";
        break;
      case 7:
        expr = "absent(bench_up{svc=\"" + svc + "\",ep=\"e0\"})";
        break;
      case 8:
        expr = "count by (svc) (bench_up{svc=\"" + svc + "\"} == 0) > 0";
        break;
      default:
        expr = "sum by (svc) (rate(bench_requests_total{svc=\"" + svc + "\"}[1h])) > 1e9";
        break;
    }
    out += "[[rules]]\nalert = \"Bench" + std::to_string(r) + "\"\nseverity = \"P" +
           std::to_string(r % 4 + 1) + "\"\nexpr = '" + expr + "'\nfor = \"1m\"\n\n";
  }
  return out;
}
// NOLINTEND(performance-inefficient-string-concatenation)

double ProcessCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string SeriesText(const Labels& l) {
  std::string out = l.MetricName() + "{";
  bool first = true;
  for (const auto& label : l) {
    if (label.name == "__name__") continue;
    out += (first ? "" : ",") + label.name + "=\"" + label.value + "\"";
    first = false;
  }
  return out + "}";
}

// Bytes of C heap in use, large (mmapped) blocks included.
size_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// Single-quoted YAML scalar.
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The firing alerts of this engine at 1 h, as promtool's alert_rule_test entries: the
// rules evaluated every 5 s from 0 over the samples up to then, as promtool does.
std::string ExpectedAlerts(const fxagent::alerting::RuleSet& rules,
                           const std::vector<BenchSeries>& series) {
  using namespace fxagent;
  tsdb::SeriesStore store(
      tsdb::SeriesStore::Options{rules.MaxLookbackMs() + int64_t{5} * 60 * 1000});
  prometheus::Registry registry;
  alerting::AlertEvaluator evaluator(rules, registry, alerting::AlertEvaluatorOptions{});
  std::vector<alerting::AlertState> states;
  for (int step = 0; step <= kSteps; ++step) {
    if (step < kSteps) {
      for (const BenchSeries& s : series) {
        store.Append(s.labels, step * kStepMs, s.start + s.slope * step);
      }
    }
    states = evaluator.Evaluate(static_cast<const tsdb::SeriesStore&>(store), step * kStepMs);
  }
  std::map<std::string, std::vector<const alerting::AlertState*>> firing;
  for (const alerting::AlertState& a : states) {
    if (a.state == alerting::AlertStatus::kFiring) firing[a.labels().at("alertname")].push_back(&a);
  }
  std::string out = "    alert_rule_test:\n";
  size_t total = 0;
  for (const auto& rule : rules.rules) {
    if (rule.alert.empty()) continue;
    out += "      - eval_time: 1h\n        alertname: " + Quote(rule.alert) + "\n";
    const auto it = firing.find(rule.alert);
    if (it == firing.end()) {
      out += "        exp_alerts: []\n";
      continue;
    }
    out += "        exp_alerts:\n";
    for (const alerting::AlertState* a : it->second) {
      ++total;
      out += "          - exp_labels:\n";
      for (const auto& [name, value] : a->labels()) {
        if (name != "alertname") out += "              " + name + ": " + Quote(value) + "\n";
      }
      if (a->annotations().empty()) continue;
      out += "            exp_annotations:\n";
      for (const auto& [name, value] : a->annotations()) {
        out += "              " + name + ": " + Quote(value) + "\n";
      }
    }
  }
  std::fprintf(stderr, "expected firing alerts at 1h: %zu\n", total);
  return out;
}

void Emit(const std::string& dir, const fxagent::alerting::RuleSet& rules,
          const std::vector<BenchSeries>& series) {
  std::ofstream(dir + "/rules.yml") << fxagent::alerting::ExportPrometheusRules(rules);
  std::ofstream test(dir + "/bench_test.yml");
  test << "rule_files: [rules.yml]\nevaluation_interval: 5s\ntests:\n  - interval: 5s\n"
          "    input_series:\n";
  for (const BenchSeries& s : series) {
    char values[128];
    std::snprintf(values, sizeof(values), "%g+%gx%d", s.start, s.slope, kSteps - 1);
    test << "      - series: '" << SeriesText(s.labels) << "'\n        values: '" << values
         << "'\n";
  }
  test << ExpectedAlerts(rules, series);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fxagent;
  // Heap in use before anything of the bench: the store's whole memory per sample (labels,
  // index, chunk headers, not only the sample arrays) is the difference once it is full.
  const size_t heap_before = HeapInUse();
  std::vector<BenchSeries> series = MakeSeries();
  alerting::RuleSet rules =
      alerting::ParseRules(RulesToml(), "bench.toml", alerting::RuleFormat::kToml);
  if (argc == 3 && std::string(argv[1]) == "--emit") {
    Emit(argv[2], rules, series);
    std::printf("wrote %s/rules.yml and %s/bench_test.yml\n", argv[2], argv[2]);
    return 0;
  }
  tsdb::SeriesStore store(
      tsdb::SeriesStore::Options{rules.MaxLookbackMs() + int64_t{5} * 60 * 1000});
  for (int step = 0; step < kSteps; ++step) {
    for (const BenchSeries& s : series) {
      store.Append(s.labels, step * kStepMs, s.start + s.slope * step);
    }
  }
  tsdb::StoreStats stats = store.Stats();
  const size_t heap_store = HeapInUse() - heap_before;
  prometheus::Registry registry;
  alerting::AlertEvaluatorOptions options;
  if (argc == 3 && std::string(argv[1]) == "--threads") {
    options.threads = static_cast<unsigned>(std::stoul(argv[2]));
  }
  alerting::AlertEvaluator evaluator(rules, registry, options);
  std::vector<double> tick_ms;
  double cpu_ms_total = 0;  // CPU time of all threads (rule queries may run in parallel)
  size_t alerts = 0;
  for (int step = kSteps; step < kSteps + 60; ++step) {
    int64_t t = step * kStepMs;
    for (const BenchSeries& s : series) store.Append(s.labels, t, s.start + s.slope * step);
    const double cpu_start = ProcessCpuMs();
    auto start = std::chrono::steady_clock::now();
    alerts = evaluator.Evaluate(static_cast<const tsdb::SeriesStore&>(store), t).size();
    cpu_ms_total += ProcessCpuMs() - cpu_start;
    tick_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(tick_ms.begin(), tick_ms.end());
  double sum = 0;
  for (double v : tick_ms) sum += v;
  std::printf("rules=%zu series=%zu samples=%zu threads=%s\n", rules.rules.size(), stats.series,
              stats.samples,
              options.threads == 0 ? "auto" : std::to_string(options.threads).c_str());
  std::printf(
      "bytes_per_sample=%.2f (timestamp and value arrays) heap_bytes_per_sample=%.2f "
      "(the whole store: labels, index, chunk headers)\n",
      static_cast<double>(stats.sample_bytes) / static_cast<double>(stats.samples),
      static_cast<double>(heap_store) / static_cast<double>(stats.samples));
  std::printf(
      "tick_ms_mean=%.2f tick_ms_p50=%.2f tick_ms_max=%.2f tick_cpu_ms_mean=%.2f "
      "active_alerts=%zu\n",
      sum / static_cast<double>(tick_ms.size()), tick_ms[tick_ms.size() / 2], tick_ms.back(),
      cpu_ms_total / static_cast<double>(tick_ms.size()), alerts);
  return 0;
}
