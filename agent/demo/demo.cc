#include "agent/demo/demo.h"

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "agent/base/logger.h"
#include "agent/daemon/daemon.h"
#include "agent/demo/demo_alerts.h"
#include "agent/demo/demo_proxy.h"
#include "agent/demo/demo_sim_process.h"
#include "agent/demo/demo_webhooks.h"

namespace fxagent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

struct Scenario {
  const char* preset;  // flexport-sim scenario preset
  const char* title;
  const char* expect;  // what the viewer should see
};

constexpr Scenario kScenarios[] = {
    {"healthy", "Healthy", "every probe ok, nothing to page"},
    {"outage", "Full API outage (every endpoint answers 503)", "P1: full API outage"},
    {"one_endpoint_failing", "One endpoint failing (/invoices answers 500)", "P4: single endpoint"},
    {"partial_outage", "Partial outage (two endpoints answer 502)", "P2: partial failure"},
    {"status_major", "Status page reports a major outage", "P2: status page major"},
    {"rate_limited", "Rate limit exhausted (429 + Retry-After)", "P3: rate limiting"},
    {"key_rotated", "API key rotated elsewhere (401 after a working key)", "P1: key rejected"},
    {"subscription_inactive", "Webhook subscription deactivated", "P2: webhooks not delivered"},
    {"healthy", "Recovery", "every probe ok again"},
};

std::string WriteConfig(const fs::path& dir, int sim_port, int app_port, int slack_port) {
  {
    std::ofstream rules(dir / "demo-rules.toml");
    rules << DemoRulesToml();
  }
  const std::string base = "http://127.0.0.1:" + std::to_string(sim_port);
  const fs::path file = dir / "demo.toml";
  std::ofstream out(file);
  out << "[agent]\ninstance = \"demo\"\ndata_dir = \"" << (dir / "data").string() << "\"\n\n"
      << "[listen]\npublic = \"127.0.0.1:0\"\ninternal = \"127.0.0.1:0\"\n"
      << "egress = \"127.0.0.1:0\"\n\n"
      << "[flexport]\napi_base = \"" << base << "\"\napi_key = \"demo-key\"\n"
      << "status_page = \"" << base << "\"\napi_key_expires_at = \"2030-01-31T00:00:00Z\"\n\n"
      << "[probes]\ninterval = \"1s\"\ntimeout = \"2s\"\nstatus_page_interval = \"1s\"\n"
      << "subscription_interval = \"1s\"\n\n"
      << "[webhooks]\nsecrets = [\"demo-secret\"]\nforward_to = \"http://127.0.0.1:" << app_port
      << "/webhooks/flexport\"\n\n[[webhooks.expect]]\ntypes = [\"shipment.milestone\"]\n"
      << "max_gap = \"5s\"\n\n"
      << "[proxy]\nqueue_on_429 = true\n\n[proxy.breaker]\nenabled = true\n"
      << "failure_threshold = 3\nopen_duration = \"30s\"\n\n"
      << "[rules]\nfiles = [\"demo-rules.toml\"]\nevaluation_interval = \"1s\"\n\n"
      << "[[receivers]]\nname = \"oncall-slack\"\ntype = \"slack\"\n"
      << "url = \"http://127.0.0.1:" << slack_port << "/slack\"\n\n"
      << "[[routes]]\nreceivers = [\"oncall-slack\"]\ngroup_by = [\"alertname\"]\n"
      << "group_wait = \"0s\"\ngroup_interval = \"2s\"\n";
  return file.string();
}

// Waits until every probe has reported after `since` (the scenario switch), so the view
// shows what the agent saw under the new conditions.
json WaitForFreshStatus(httplib::Client& agent, const std::string& since) {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(15);
  json status;
  while (SteadyClock::now() < deadline) {
    if (auto res = agent.Get("/api/v1/status"); res && res->status == 200) {
      status = json::parse(res->body, nullptr, false);
      bool fresh = status.is_object() && !status["probes"].empty();
      if (fresh) {
        for (const auto& p : status["probes"]) fresh = fresh && p.value("finished_at", "") > since;
      }
      if (fresh) return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return status;
}

void PrintView(const json& status) {
  if (!status.is_object()) return;
  for (const auto& p : status["probes"]) {
    char line[200];
    std::snprintf(
        line, sizeof(line), "  %-20s %-13s %5s %7.0f ms  %s", p.value("probe", "").c_str(),
        p.value("kind", "").c_str(),
        p.value("http_status", 0) ? std::to_string(p.value("http_status", 0)).c_str() : "-",
        p["duration_seconds"].value("total", 0.0) * 1000,
        p.value("success", false) ? "ok" : ("FAIL " + p.value("reason", "")).c_str());
    std::cout << line << "\n";
  }
  const auto& c = status["classification"];
  for (const auto& f : c["findings"]) {
    std::cout << "  -> [" << f.value("severity", "") << "] " << f.value("summary", "") << "\n";
  }
  const std::string sev = c.value("severity", "none");
  std::cout << "  => would page with: " << (sev == "none" ? "nothing (healthy)" : sev) << "\n\n";
}

int RunDemoIn(const fs::path& dir, const fs::path& sim_bin, int step_seconds) {
  SimProcess sim;
  if (!sim.Start(sim_bin, dir / "sim.port", dir / "sim.log",
                 {"--api-key", "demo-key", "--webhook-secret", "demo-secret"})) {
    std::cerr << "demo: cannot start " << sim_bin << " (build it with `make build`)\n";
    return 1;
  }
  const int sim_port = sim.WaitForPort(dir / "sim.port");
  if (sim_port == 0) {
    std::cerr << "demo: flexport-sim did not start; see " << (dir / "sim.log") << "\n";
    return 1;
  }
  DemoApp app;
  DemoSlack slack;
  Config config;
  try {
    config = LoadConfigFile(WriteConfig(dir, sim_port, app.port(), slack.port()));
  } catch (const ConfigError& e) {
    std::cerr << "demo: " << e.what() << "\n";
    return 1;
  }
  std::FILE* agent_log = std::fopen((dir / "agent.log").c_str(), "a");
  Logger daemon_log(LogFormat::kJson, LogLevel::kInfo, agent_log ? agent_log : stderr);
  Daemon daemon(config, daemon_log);
  try {
    daemon.Start();
  } catch (const std::exception& e) {
    std::cerr << "demo: cannot start the agent: " << e.what() << "\n";
    return 1;
  }
  const auto addr = daemon.addresses();
  std::cout << "flexport-sim on http://127.0.0.1:" << sim_port << ", agent internal API on http://"
            << addr.internal.ToString() << " (/metrics, /api/v1/status), webhooks on http://"
            << addr.public_addr.ToString() << config.webhooks.path << "\n"
            << "logs: " << dir.string() << "/{agent,sim}.log\n\n";
  httplib::Client sim_client("127.0.0.1", sim_port);
  httplib::Client agent_client(addr.internal.host, addr.internal.port);
  int exit_code = 0;
  for (const Scenario& s : kScenarios) {
    const std::string since = FormatTimestamp(std::chrono::system_clock::now());
    auto res = sim_client.Post((std::string("/_sim/scenario/") + s.preset).c_str(), "{}",
                               "application/json");
    std::cout << "=== " << s.title << " — expect " << s.expect << " ===\n";
    if (!res || res->status != 200) {
      std::cout << "  (flexport-sim refused scenario " << s.preset << ")\n\n";
      exit_code = 1;
      continue;
    }
    PrintView(WaitForFreshStatus(agent_client, since));
    std::this_thread::sleep_for(std::chrono::seconds(step_seconds));
  }
  WebhookScenes scenes;
  scenes.sim = &sim_client;
  scenes.agent = &agent_client;
  scenes.target = "http://" + addr.public_addr.ToString() + config.webhooks.path;
  scenes.app = &app;
  scenes.step_seconds = step_seconds;
  if (RunWebhookScenes(scenes) != 0) exit_code = 1;
  httplib::Client egress_client(addr.egress.host, addr.egress.port);
  ProxyScenes proxy_scenes;
  proxy_scenes.sim = &sim_client;
  proxy_scenes.egress = &egress_client;
  proxy_scenes.egress_host = addr.egress.host.c_str();
  proxy_scenes.egress_port = addr.egress.port;
  proxy_scenes.agent = &agent_client;
  proxy_scenes.api_key = "demo-key";
  if (RunProxyScenes(proxy_scenes) != 0) exit_code = 1;
  std::this_thread::sleep_for(std::chrono::seconds(3));  // let resolved messages go out
  PrintIncidents(agent_client);
  if (slack.messages() == 0) {
    std::cout << "  (no Slack message was posted)\n";
    exit_code = 1;
  }
  daemon.Stop();
  if (agent_log != nullptr) std::fclose(agent_log);
  std::cout << (exit_code == 0 ? "Demo finished: every scenario behaved as expected.\n"
                               : "Demo finished with problems: see the logs above.\n");
  return exit_code;
}

}  // namespace

int RunDemo(const std::string& sim_path, int step_seconds, Logger& /*log*/) {
  if (step_seconds <= 0) step_seconds = 3;
  char tmpl[] = "/tmp/flexport-demo-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::cerr << "demo: cannot create a temporary directory\n";
    return 1;
  }
  const fs::path dir(tmpl);
  const int exit_code = RunDemoIn(dir, FindSim(sim_path), step_seconds);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return exit_code;
}

}  // namespace fxagent
