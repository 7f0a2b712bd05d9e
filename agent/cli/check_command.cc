#include "agent/cli/check_command.h"

#include <prometheus/registry.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "agent/base/version.h"
#include "agent/cli/cli.h"
#include "agent/cli/command.h"
#include "agent/daemon/credential_factory.h"
#include "agent/daemon/probe_classifier.h"
#include "agent/daemon/prober_options.h"
#include "agent/daemon/status_json.h"
#include "flexport/api_metrics.h"
#include "probes/probe_metrics.h"
#include "probes/probe_scheduler.h"
#include "rules/alerting/alert_evaluator.h"
#include "rules/alerting/rule_loader.h"
#include "rules/alerting/self_scraper.h"

namespace fxagent {
namespace {

std::string Ms(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f ms", seconds * 1000);
  return buf;
}

std::string Headroom(const RateLimitInfo& rl) {
  if (auto h = rl.Headroom()) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%.0f/%.0f (%.0f%%)", *rl.remaining, *rl.limit, *h * 100);
    return buf;
  }
  if (rl.retry_after_seconds) {
    return "retry in " + std::to_string(int(*rl.retry_after_seconds)) + "s";
  }
  return "-";
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

void PrintTable(const std::vector<ProbeResult>& results, const ClassifierInput& input,
                const Classification& c, std::ostream& out) {
  out << Pad("PROBE", 22) << Pad("KIND", 14) << Pad("CODE", 6) << Pad("LATENCY", 10)
      << Pad("RATE LIMIT", 18) << "RESULT\n";
  for (const auto& r : results) {
    std::string result = r.success ? "ok" : "FAIL " + r.reason;
    if (!r.success && !r.detail.empty()) result += ": " + r.detail;
    out << Pad(r.probe, 22) << Pad(ProbeKindName(r.kind), 14)
        << Pad(r.http_status ? std::to_string(r.http_status) : "-", 6)
        << Pad(Ms(r.timings.total), 10) << Pad(Headroom(r.ratelimit), 18) << result << "\n";
  }
  out << "\n";
  for (const auto& r : results) {
    if (r.kind == ProbeKind::kStatusPage && r.status_page) {
      const auto& sp = *r.status_page;
      out << "Status page: " << sp.indicator_text << " (" << sp.description << ")";
      if (!sp.incidents.empty()) out << ", " << sp.incidents.size() << " unresolved incident(s)";
      out << "\n";
      for (const auto& i : sp.incidents) {
        out << "  incident: " << i.name << " [" << i.status << ", impact " << i.impact << "]\n";
      }
      for (const auto& comp : sp.components) {
        if (comp.status != 0) {
          out << "  component: " << comp.name << " " << comp.status_text << "\n";
        }
      }
    }
    if (r.kind == ProbeKind::kSubscription) {
      out << "Webhook subscription: "
          << (r.success ? std::to_string(r.active_subscriptions) + " active"
                        : "NOT OK (" + r.reason + ")")
          << "\n";
    }
  }
  if (input.key_expires_at) {
    const auto days =
        std::chrono::duration_cast<std::chrono::hours>(*input.key_expires_at - input.now).count() /
        24;
    out << "API key expires: " << FormatTimestamp(*input.key_expires_at) << " (" << days
        << " days)\n";
  }
  out << "\n";
  if (c.findings.empty()) out << "No problems found.\n";
  for (const auto& f : c.findings) {
    out << "  [" << (f.severity == Severity::kNone ? "info" : SeverityName(f.severity)) << "] "
        << f.summary << "\n";
  }
  out << "\nWould page with: "
      << (c.worst == Severity::kNone ? std::string("nothing (healthy)") : SeverityName(c.worst))
      << "\n";
}

// The alert rules evaluated once over what this round of probes recorded (ignoring `for`):
// check pages with the same rule definitions as the daemon. Rules that need history
// (rates, "after a working key") cannot match on one sample; the probe classifier covers
// those, and the more urgent of the two answers wins.
void ClassifyWithRules(const Config& config, const std::vector<ProbeResult>& results,
                       Classification& c) {
  prometheus::Registry registry;
  ApiMetrics api(registry);
  ProbeMetrics probes(registry, api);
  for (const auto& r : results) probes.Record(r);
  if (config.flexport.api_key_expires_at) {
    probes.SetKeyExpiry(
        std::chrono::duration<double>(config.flexport.api_key_expires_at->time_since_epoch())
            .count());
  }
  const auto rules = alerting::LoadConfiguredRules(config.rules.files);
  tsdb::SeriesStore store;
  alerting::SelfScraper scraper({&registry}, store, rules);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  scraper.Scrape(now);
  for (const auto& a : alerting::InstantClassify(rules, store, now)) {
    const Severity s = ParseSeverity(a.severity).value_or(Severity::kNone);
    auto it = a.annotations().find("summary");
    const std::string summary = it != a.annotations().end() ? it->second : "";
    c.worst = MoreUrgent(c.worst, s);
    c.findings.push_back({s, "rule", a.alertname + ": " + summary});
  }
  std::stable_sort(c.findings.begin(), c.findings.end(), [](const Finding& a, const Finding& b) {
    return MoreUrgent(a.severity, b.severity) == a.severity && a.severity != b.severity;
  });
}

}  // namespace

int RunCheck(const Config& config, bool json_output, Logger& log) {
  auto credentials = MakeCredentialSource(config, log);
  auto probers = BuildProbers(ProberOptionsFromConfig(config), *credentials);
  ClassifierInput input;
  input.results = ProbeScheduler::RunOnce(probers);
  input.key_expires_at = config.flexport.api_key_expires_at;
  input.slow_threshold = config.probes.slow_threshold;
  input.now = std::chrono::system_clock::now();
  Classification c = ClassifyProbeResults(input);
  try {
    ClassifyWithRules(config, input.results, c);
  } catch (const alerting::RuleError& e) {
    std::cerr << e.what() << "\n";
    return 78;
  }
  if (json_output) {
    auto j = ProbeOverviewJson(input.results, input, c);
    j["instance"] = config.agent.instance;
    j["version"] = AgentVersion();
    j["exit_code"] = static_cast<int>(c.worst);
    std::cout << j.dump(2) << "\n";
  } else {
    PrintTable(input.results, input, c, std::cout);
  }
  return static_cast<int>(c.worst);
}

}  // namespace fxagent

namespace fxagent::cli {

Subcommands AddCheckCommand(CLI::App& app) {
  struct CheckOptions {
    CommonOptions common;
    bool json = false;
  };
  auto o = std::make_shared<CheckOptions>();
  CLI::App* check = app.add_subcommand("check", "run every diagnostic once and print the severity");
  AddCommon(check, o->common);
  check->add_flag("--json", o->json, "machine-readable output");
  return {{check, [o] {
             Logger log = MakeLogger(o->common);
             auto config = LoadConfig(o->common);
             if (!config) return kExitConfig;
             return RunCheck(*config, o->json, log);
           }}};
}

}  // namespace fxagent::cli
