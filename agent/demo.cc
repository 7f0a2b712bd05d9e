#include "agent/demo.h"

#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "agent/daemon.h"
#include "agent/logger.h"

extern char** environ;

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

fs::path FindSim(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  for (const fs::path& candidate : {self.parent_path() / "flexport-sim",
                                    self.parent_path().parent_path() / "sim" / "flexport-sim"}) {
    if (fs::exists(candidate, ec)) return candidate;
  }
  return "flexport-sim";  // from PATH
}

class SimProcess {
 public:
  bool Start(const fs::path& binary, const fs::path& port_file, const fs::path& log_file) {
    const std::string bin = binary.string(), pf = port_file.string();
    std::vector<std::string> args = {bin,         "--listen",  "127.0.0.1:0", "--port-file",
                                     pf,          "--api-key", "demo-key"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    const int rc = posix_spawnp(&pid_, bin.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0;
  }
  ~SimProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool Running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

int WaitForPort(const fs::path& port_file, const SimProcess& sim) {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  while (SteadyClock::now() < deadline && sim.Running()) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

std::string WriteConfig(const fs::path& dir, int sim_port) {
  const std::string base = "http://127.0.0.1:" + std::to_string(sim_port);
  const fs::path file = dir / "demo.toml";
  std::ofstream out(file);
  out << "[agent]\ninstance = \"demo\"\ndata_dir = \"" << (dir / "data").string() << "\"\n\n"
      << "[listen]\npublic = \"127.0.0.1:0\"\ninternal = \"127.0.0.1:0\"\n"
      << "egress = \"127.0.0.1:0\"\n\n"
      << "[flexport]\napi_base = \"" << base << "\"\napi_key = \"demo-key\"\n"
      << "status_page = \"" << base << "\"\napi_key_expires_at = \"2030-01-31T00:00:00Z\"\n\n"
      << "[probes]\ninterval = \"1s\"\ntimeout = \"2s\"\nstatus_page_interval = \"1s\"\n"
      << "subscription_interval = \"1s\"\n";
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
    std::snprintf(line, sizeof(line), "  %-20s %-13s %5s %7.0f ms  %s", p.value("probe", "").c_str(),
                  p.value("kind", "").c_str(),
                  p.value("http_status", 0) ? std::to_string(p.value("http_status", 0)).c_str()
                                            : "-",
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

}  // namespace

int RunDemo(const std::string& sim_path, int step_seconds, Logger& /*log*/) {
  if (step_seconds <= 0) step_seconds = 3;
  char tmpl[] = "/tmp/flexport-demo-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::cerr << "demo: cannot create a temporary directory\n";
    return 1;
  }
  const fs::path dir(tmpl);
  const fs::path sim_bin = FindSim(sim_path);
  int exit_code = 0;
  {
    SimProcess sim;
    if (!sim.Start(sim_bin, dir / "sim.port", dir / "sim.log")) {
      std::cerr << "demo: cannot start " << sim_bin << " (build it with `make build`)\n";
      return 1;
    }
    const int sim_port = WaitForPort(dir / "sim.port", sim);
    if (sim_port == 0) {
      std::cerr << "demo: flexport-sim did not start; see " << (dir / "sim.log") << "\n";
      return 1;
    }
    Config config;
    try {
      config = LoadConfigFile(WriteConfig(dir, sim_port));
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
              << addr.internal.ToString() << " (metrics: /metrics, status: /api/v1/status)\n"
              << "logs: " << dir.string() << "/{agent,sim}.log\n\n";
    httplib::Client sim_client("127.0.0.1", sim_port);
    httplib::Client agent_client(addr.internal.host, addr.internal.port);
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
    daemon.Stop();
    if (agent_log != nullptr) std::fclose(agent_log);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return exit_code;
}

}  // namespace fxagent
