#include "tests/ecosystem/stack.h"

#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "tests/support/agent_process.h"

namespace fxagent::ecosystem {
namespace {

using testing::ReadFile;
using testing::Subprocess;
using testing::UnusedPort;
using testing::WaitFor;
using testing::WriteFile;

httplib::Client Client(const std::string& address) {
  auto [host, port] = testing::HostPort(address);
  httplib::Client client(host, port);
  client.set_connection_timeout(2);
  client.set_read_timeout(10);
  return client;
}

bool Ready(const std::string& address, const std::string& path) {
  return HttpGet(address, path).status == 200;
}

constexpr const char* kWebhookSecret = "eco-webhook-secret";

std::string Loopback(int port) { return "127.0.0.1:" + std::to_string(port); }

}  // namespace

std::string SourcePath(const std::string& rel) {
  return std::string(FXAGENT_SOURCE_DIR) + "/" + rel;
}

bool ToolAvailable(const std::string& path) {
  return !path.empty() && access(path.c_str(), X_OK) == 0;
}

HttpResult HttpGet(const std::string& address, const std::string& path) {
  auto client = Client(address);
  auto res = client.Get(path);
  if (!res) return {};
  return {res->status, res->body};
}

HttpResult HttpPost(const std::string& address, const std::string& path, const std::string& body,
                    const std::string& content_type) {
  auto client = Client(address);
  auto res = client.Post(path, body, content_type);
  if (!res) return {};
  return {res->status, res->body};
}

std::string Process::Logs() const {
  if (!proc) return "(not started)";
  return "--- stdout ---\n" + proc->Stdout() + "\n--- stderr ---\n" + proc->Stderr();
}

Process StartSim(const std::string& dir, const std::string& api_key, std::string* error) {
  Process p;
  const std::string port_file = dir + "/sim.port";
  p.proc = std::make_unique<Subprocess>(
      dir, "sim",
      std::vector<std::string>{FXAGENT_SIM_BIN, "--listen", "127.0.0.1:0", "--port-file", port_file,
                               "--api-key", api_key, "--webhook-secret", kWebhookSecret,
                               "--latency-ms", "1"});
  if (!WaitFor([&] { return !ReadFile(port_file).empty(); })) {
    *error = "flexport-sim did not write its port\n" + p.Logs();
    return p;
  }
  p.address = Loopback(std::stoi(ReadFile(port_file)));
  if (!WaitFor([&] { return Ready(p.address, "/_sim/state"); })) {
    *error = "flexport-sim does not answer\n" + p.Logs();
  }
  return p;
}

bool SimSendWebhooks(const std::string& sim_address, const std::string& target_url, int count,
                     const std::string& type) {
  nlohmann::json job = {{"target", target_url}, {"count", count}, {"types", {type}}};
  return HttpPost(sim_address, "/_sim/webhooks/send", job.dump()).status == 202;
}

bool SimScenario(const std::string& sim_address, const std::string& name) {
  return HttpPost(sim_address, "/_sim/scenario/" + name, "{}").status == 200;
}

Agent StartAgent(const std::string& dir, const AgentOptions& options, const std::string& api_key,
                 std::string* error) {
  Agent a;
  const std::string home = dir + "/" + options.name;
  std::filesystem::create_directories(home);
  const std::string base = "http://" + options.sim_address;
  const std::string config = home + "/agent.toml";
  WriteFile(config,
            "[agent]\ninstance = \"" + options.instance + "\"\ndata_dir = \"" + home +
                "/data\"\n"
                "[listen]\npublic = \"127.0.0.1:0\"\ninternal = \"127.0.0.1:0\"\n"
                "egress = \"127.0.0.1:0\"\n"
                "[flexport]\napi_base = \"" +
                base + "\"\napi_key = \"${ECO_API_KEY}\"\nstatus_page = \"" + base +
                "\"\napi_key_expires_at = \"2030-01-01T00:00:00Z\"\n"
                "[probes]\ninterval = \"500ms\"\ntimeout = \"2s\"\n"
                "status_page_interval = \"500ms\"\nsubscription_interval = \"1s\"\n"
                "[webhooks]\nsecrets = [\"" +
                std::string(kWebhookSecret) +
                "\"]\nforward_to = \"\"\n"
                "[[webhooks.expect]]\ntypes = [\"shipment.milestone\"]\nmax_gap = \"30m\"\n" +
                options.extra_toml);
  auto agent = std::make_unique<testing::AgentProcess>(
      home, "agent",
      std::vector<std::string>{FXAGENT_AGENT_BIN, "run", "-c", config, "--log-format", "json"},
      std::vector<std::string>{"ECO_API_KEY=" + api_key}, home + "/data");
  testing::AgentProcess& process = *agent;
  a.proc = std::move(agent);
  if (!process.WaitListening("internal")) {
    *error = "the agent did not write listen.json\n" + a.Logs();
    return a;
  }
  a.internal = a.address = process.Address("internal");
  a.public_address = process.Address("public");
  a.egress = process.Address("egress");
  if (!process.WaitReady(/*first_probe_round=*/true)) {
    *error = "the agent did not become ready\n" + a.Logs();
  }
  return a;
}

Process StartPrometheus(const std::string& dir, const std::string& config_yaml,
                        std::string* error) {
  Process p;
  const std::string config = dir + "/prometheus.yml";
  WriteFile(config, config_yaml);
  p.address = Loopback(UnusedPort());
  p.proc = std::make_unique<Subprocess>(
      dir, "prometheus",
      std::vector<std::string>{FXAGENT_PROMETHEUS_BIN, "--config.file=" + config,
                               "--storage.tsdb.path=" + dir + "/tsdb",
                               "--web.listen-address=" + p.address, "--log.level=warn",
                               "--storage.tsdb.retention.time=1h"});
  if (!WaitFor([&] { return Ready(p.address, "/-/ready"); }, std::chrono::seconds(20))) {
    *error = "prometheus did not become ready on " + p.address + "\n" + p.Logs();
  }
  return p;
}

Process StartAlertmanager(const std::string& dir, const std::string& config_yaml,
                          std::string* error) {
  Process p;
  const std::string config = dir + "/alertmanager.yml";
  WriteFile(config, config_yaml);
  p.address = Loopback(UnusedPort());
  p.proc = std::make_unique<Subprocess>(
      dir, "alertmanager",
      std::vector<std::string>{FXAGENT_ALERTMANAGER_BIN, "--config.file=" + config,
                               "--storage.path=" + dir + "/am-data",
                               "--web.listen-address=" + p.address,
                               // An empty cluster address turns gossip off (no 0.0.0.0:9094).
                               "--cluster.listen-address=", "--log.level=warn"});
  if (!WaitFor([&] { return Ready(p.address, "/-/ready"); }, std::chrono::seconds(20))) {
    *error = "alertmanager did not become ready on " + p.address + "\n" + p.Logs();
  }
  return p;
}

nlohmann::json PromQuery(const std::string& prometheus, const std::string& expr) {
  auto client = Client(prometheus);
  httplib::Params params{{"query", expr}};
  auto res = client.Post("/api/v1/query", params);
  if (!res) return nlohmann::json::value_t::discarded;
  return nlohmann::json::parse(res->body, nullptr, false);
}

size_t ResultCount(const nlohmann::json& answer) {
  if (answer.is_discarded() || answer.value("status", "") != "success") return 0;
  const auto& data = answer["data"];
  if (data.value("resultType", "") == "scalar") return 1;
  return data["result"].size();
}

}  // namespace fxagent::ecosystem
