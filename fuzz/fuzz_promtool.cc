// Fuzzes promtool-format rule test files (`flexport-agent rules test`): YAML with
// rule_files, input_series in expanding notation, alert_rule_test and promql_expr_test.
// The input is written as test.yml next to two fixed rule files it may name
// (rules.toml, rules.yml).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "rules/alerting/rule_test_runner.h"

namespace {

constexpr char kRulesToml[] = R"([[rules]]
alert = "FlexportApiDown"
severity = "P1"
expr = 'max(avg_over_time(flexport_probe_success{kind="api"}[2m])) == 0'
for = "1m"
labels = { component = "api" }
annotations = { summary = "down {{ $value }} {{ $labels.kind }}" }
)";

constexpr char kRulesYaml[] = R"(groups:
  - name: g
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: Down
        expr: job:up:sum == 0
        for: 30s
        labels: {severity: P2}
        annotations: {summary: "{{ $labels.job }} is down"}
)";

void Write(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

const std::string& Dir() {
  static const std::string* dir = [] {
    const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    auto* d =
        new std::string(std::string(base) + "/fxagent-fuzz-promtool-" + std::to_string(getpid()));
    std::filesystem::create_directories(*d);
    Write(*d + "/rules.toml", kRulesToml);
    Write(*d + "/rules.yml", kRulesYaml);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(Dir(), ec);
    });
    return d;
  }();
  return *dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 32 * 1024) return 0;
  const std::string path = Dir() + "/test.yml";
  Write(path, {reinterpret_cast<const char*>(data), size});
  for (const auto& result : fxagent::alerting::RunRuleTests({path})) (void)result;
  return 0;
}
