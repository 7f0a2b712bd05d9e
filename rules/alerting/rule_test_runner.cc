#include "rules/alerting/rule_test_runner.h"

#include <prometheus/registry.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "rules/alerting/alert_evaluator.h"
#include "rules/alerting/rule_loader.h"
#include "rules/alerting/series_notation.h"
#include "rules/promql/parser.h"

namespace fxagent::alerting {
namespace {

using StringMap = std::map<std::string, std::string>;

struct TestError {
  std::string message;
};

int64_t Duration(const YAML::Node& n, int64_t fallback) {
  if (!n || n.IsNull()) return fallback;
  std::string text = n.as<std::string>();
  int64_t ms = ParseRuleDuration(text);
  if (ms < 0) throw TestError{"invalid duration \"" + text + "\""};
  return ms;
}

StringMap ReadMap(const YAML::Node& n) {
  StringMap m;
  if (!n || n.IsNull()) return m;
  for (auto it = n.begin(); it != n.end(); ++it) {
    m[it->first.as<std::string>()] = it->second.as<std::string>();
  }
  return m;
}

double ReadValue(const YAML::Node& n) {
  std::string s = n.as<std::string>();
  if (s == ".inf" || s == "+.inf" || s == ".Inf") return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-.Inf") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN") return std::numeric_limits<double>::quiet_NaN();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0') throw TestError{"invalid sample value \"" + s + "\""};
  return v;
}

// promtool's comparison (prometheus/util/testutil style): NaN equals NaN, relative 1e-6.
bool AlmostEqual(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  constexpr double kEpsilon = 1e-6;
  constexpr double kMinNormal = 2.2250738585072014e-308;
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || diff < kMinNormal) return diff < kEpsilon * kMinNormal;
  return diff / (std::fabs(a) + std::fabs(b)) < kEpsilon;
}

std::string LabelsString(const StringMap& m) {
  std::vector<tsdb::Label> labels;
  for (const auto& [k, v] : m) labels.push_back({k, v});
  return tsdb::Labels::FromUnsorted(labels).ToString();
}

struct ExpAlert {
  StringMap labels;
  StringMap annotations;
  bool operator<(const ExpAlert& o) const {
    return std::tie(labels, annotations) < std::tie(o.labels, o.annotations);
  }
  bool operator==(const ExpAlert& o) const = default;
};

std::string AlertsString(const std::vector<ExpAlert>& alerts) {
  if (alerts.empty()) return "[]";
  std::string out = "[\n";
  for (size_t i = 0; i < alerts.size(); ++i) {
    out += "            " + std::to_string(i) +
           ":\n              Labels:" + LabelsString(alerts[i].labels) +
           "\n              Annotations:" + LabelsString(alerts[i].annotations) + "\n";
  }
  return out + "            ]";
}

struct Sample {
  tsdb::Labels labels;
  double value;
};

std::string SamplesString(const std::vector<Sample>& samples) {
  std::string out = "[";
  for (size_t i = 0; i < samples.size(); ++i) {
    out += (i ? ", " : "") + samples[i].labels.ToString() + " " +
           promql::FormatFloat(samples[i].value);
  }
  return out + "]";
}

void LoadSeries(const YAML::Node& input, int64_t interval, tsdb::SeriesStore& store) {
  if (!input) return;
  for (const YAML::Node& s : input) {
    std::string error;
    std::string text = s["series"].as<std::string>("");
    auto fail = [&text](const std::string& why) {
      std::string message = "input series \"";
      message += text;
      message += "\": ";
      message += why;
      return TestError{message};
    };
    std::optional<tsdb::Labels> labels = ParseSeriesLabels(text, &error);
    if (!labels) throw fail(error);
    std::optional<std::vector<SequenceValue>> values =
        ParseSeriesValues(s["values"].as<std::string>(""), &error);
    if (!values) throw fail(error);
    for (size_t i = 0; i < values->size(); ++i) {
      if (!(*values)[i].omitted) {
        store.Append(*labels, static_cast<int64_t>(i) * interval, (*values)[i].value);
      }
    }
  }
}

void CheckAlerts(const YAML::Node& test, const std::vector<AlertState>& got, int64_t eval_time,
                 std::vector<std::string>& failures) {
  std::string name = test["alertname"].as<std::string>("");
  std::vector<ExpAlert> exp;
  if (const YAML::Node& alerts = test["exp_alerts"]) {
    for (const YAML::Node& a : alerts) {
      ExpAlert e{ReadMap(a["exp_labels"]), ReadMap(a["exp_annotations"])};
      e.labels["alertname"] = name;
      exp.push_back(std::move(e));
    }
  }
  std::vector<ExpAlert> actual;
  for (const AlertState& a : got) {
    if (a.alertname == name && a.state == AlertStatus::kFiring) {
      actual.push_back({a.labels(), a.annotations()});
    }
  }
  std::sort(exp.begin(), exp.end());
  std::sort(actual.begin(), actual.end());
  if (exp != actual) {
    failures.push_back("    alertname: " + name + ", time: " + FormatRuleDuration(eval_time) +
                       ", \n        exp:" + AlertsString(exp) +
                       ", \n        got:" + AlertsString(actual));
  }
}

void CheckExpr(const YAML::Node& test, const tsdb::SeriesStore& store,
               const promql::EvalOptions& options, std::vector<std::string>& failures) {
  std::string expr = test["expr"].as<std::string>("");
  int64_t t = Duration(test["eval_time"], 0);
  std::string where = "    expr: \"" + expr + "\", time: " + FormatRuleDuration(t);
  promql::ParseResult parsed = promql::ParseExpr(expr);
  if (!parsed.ok()) {
    failures.push_back(where + ", err: " + parsed.error->ToString());
    return;
  }
  promql::EvalResult res = promql::Evaluate(*parsed.expr, store, t, options);
  if (!res.ok()) {
    failures.push_back(where + ", err: " + *res.error);
    return;
  }
  std::vector<Sample> got;
  if (const auto* v = std::get_if<promql::Vector>(&res.value)) {
    for (const promql::Sample& s : *v) got.push_back({s.metric, s.v});
  } else if (const auto* s = std::get_if<promql::Scalar>(&res.value)) {
    got.push_back({tsdb::Labels{}, s->v});
  } else {
    failures.push_back(where + ", err: query result is not a vector or scalar");
    return;
  }
  std::vector<Sample> exp;
  if (const YAML::Node& samples = test["exp_samples"]) {
    for (const YAML::Node& s : samples) {
      std::string error;
      std::optional<tsdb::Labels> labels =
          ParseSeriesLabels(s["labels"].as<std::string>(""), &error);
      if (!labels) throw TestError{"exp_samples labels: " + error};
      exp.push_back({*labels, ReadValue(s["value"])});
    }
  }
  auto by_labels = [](const Sample& a, const Sample& b) { return a.labels < b.labels; };
  // Compare label items, not Labels::operator== (its cached hash may differ for two
  // empty label sets built in different ways).
  std::sort(exp.begin(), exp.end(), by_labels);
  std::sort(got.begin(), got.end(), by_labels);
  bool same = exp.size() == got.size();
  for (size_t i = 0; same && i < exp.size(); ++i) {
    same =
        exp[i].labels.items() == got[i].labels.items() && AlmostEqual(exp[i].value, got[i].value);
  }
  if (!same) {
    failures.push_back(where + ",\n        exp: " + SamplesString(exp) +
                       "\n        got: " + SamplesString(got));
  }
}

void RunGroup(const YAML::Node& group, const RuleSet& rules, int64_t eval_interval,
              std::vector<std::string>& failures) {
  int64_t interval = Duration(group["interval"], eval_interval);
  if (interval <= 0 || eval_interval <= 0) throw TestError{"interval must be positive"};
  tsdb::SeriesStore store(tsdb::SeriesStore::Options{std::numeric_limits<int64_t>::max() / 4});
  LoadSeries(group["input_series"], interval, store);

  promql::EvalOptions options;
  options.default_step_ms = eval_interval;
  // yaml-cpp's Node::operator= writes through to the node, so never sort Nodes: sort
  // indices into a vector built once.
  std::vector<YAML::Node> alert_nodes;
  std::vector<std::pair<int64_t, size_t>> alert_tests;
  int64_t maxt = 0;
  if (const YAML::Node& tests = group["alert_rule_test"]) {
    for (const YAML::Node& t : tests) {
      alert_tests.emplace_back(Duration(t["eval_time"], 0), alert_nodes.size());
      alert_nodes.push_back(t);
      maxt = std::max(maxt, alert_tests.back().first);
    }
  }
  std::stable_sort(alert_tests.begin(), alert_tests.end());
  if (const YAML::Node& tests = group["promql_expr_test"]) {
    for (const YAML::Node& t : tests) maxt = std::max(maxt, Duration(t["eval_time"], 0));
  }

  prometheus::Registry registry;
  AlertEvaluator evaluator(rules, registry, AlertEvaluatorOptions{"", options});
  size_t next = 0;
  for (int64_t ts = 0; ts <= maxt; ts += eval_interval) {
    std::vector<AlertState> alerts = evaluator.Evaluate(store, ts);
    for (const std::string& e : evaluator.last_errors()) {
      failures.push_back("    rule evaluation at " + FormatRuleDuration(ts) + ": " + e);
    }
    // An alert test at eval_time is checked against the evaluation at the step with
    // ts <= eval_time < ts + evaluation_interval, as promtool does.
    while (next < alert_tests.size() && alert_tests[next].first < ts + eval_interval) {
      CheckAlerts(alert_nodes[alert_tests[next].second], alerts, alert_tests[next].first, failures);
      ++next;
    }
  }
  if (const YAML::Node& tests = group["promql_expr_test"]) {
    for (const YAML::Node& t : tests) CheckExpr(t, store, options, failures);
  }
}

RuleTestResult RunFile(const std::string& path) {
  RuleTestResult result;
  result.file = path;
  try {
    YAML::Node root = YAML::LoadFile(path);
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::vector<std::string> rule_files;
    if (const YAML::Node& files = root["rule_files"]) {
      for (const YAML::Node& f : files) {
        std::filesystem::path p = f.as<std::string>();
        rule_files.push_back((p.is_absolute() ? p : dir / p).string());
      }
    }
    RuleSet rules = LoadRuleFiles(rule_files);
    int64_t eval_interval = Duration(root["evaluation_interval"], int64_t{60} * 1000);
    const YAML::Node& tests = root["tests"];
    if (tests) {
      for (const YAML::Node& group : tests) {
        std::vector<std::string> failures;
        RunGroup(group, rules, eval_interval, failures);
        result.failures.insert(result.failures.end(), failures.begin(), failures.end());
      }
    }
  } catch (const RuleError& e) {
    result.failures.push_back(std::string("    ") + e.what());
  } catch (const YAML::Exception& e) {
    result.failures.push_back("    " + path + ": " + e.what());
  } catch (const TestError& e) {
    result.failures.push_back("    " + e.message);
  }
  result.ok = result.failures.empty();
  return result;
}

}  // namespace

std::vector<RuleTestResult> RunRuleTests(const std::vector<std::string>& test_files) {
  std::vector<RuleTestResult> out;
  out.reserve(test_files.size());
  for (const std::string& f : test_files) out.push_back(RunFile(f));
  return out;
}

int RunRuleTestsCommand(const std::vector<std::string>& test_files, std::ostream& out) {
  int status = 0;
  for (const RuleTestResult& r : RunRuleTests(test_files)) {
    out << "Unit Testing:  " << r.file << "\n";
    if (r.ok) {
      out << "  SUCCESS\n\n";
      continue;
    }
    status = 1;
    out << "  FAILED:\n";
    for (const std::string& f : r.failures) out << f << "\n";
    out << "\n";
  }
  return status;
}

}  // namespace fxagent::alerting
