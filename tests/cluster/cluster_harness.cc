#include "tests/cluster/cluster_harness.h"

#include <signal.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace fxagent::cluster {

using nlohmann::json;
using testing::ReadFile;
using testing::WaitFor;
using testing::WriteFile;

LoopbackServer::LoopbackServer() = default;

LoopbackServer::~LoopbackServer() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

bool LoopbackServer::Start() {
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return false;
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  return WaitFor([this] { return server_.is_running(); });
}

App::App(Deliveries& tally) {
  server_.server().Post(".*", [this, &tally](const httplib::Request& req, httplib::Response& res) {
    ++received;
    if (const int d = delay_ms.load(); d > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(d));
    const json j = json::parse(req.body, nullptr, false);
    std::string id = "unparsed";
    if (j.is_object() && j.contains("id")) {
      id = j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump();
    }
    const int answer = status.load();
    if (answer == 200) {
      std::lock_guard<std::mutex> lock(tally.mu);
      ++tally.by_id[id];
      ++tally.total;
    }
    res.status = answer;
    res.set_content("{}", "application/json");
  });
  server_.Start();
}

Replica::Replica(std::string name, std::string dir, std::string config_path)
    : name_(std::move(name)),
      dir_(std::move(dir)),
      config_path_(std::move(config_path)),
      data_dir_(dir_ + "/" + name_) {}

bool Replica::Start() {
  std::remove((data_dir_ + "/listen.json").c_str());
  process_ = std::make_unique<testing::Subprocess>(
      dir_, name_, std::vector<std::string>{FXAGENT_AGENT_BIN, "run", "-c", config_path_},
      std::vector<std::string>{std::string("CL_API_KEY=") + kApiKey,
                               std::string("CL_SECRET=") + kSecret});
  const bool listening = WaitFor(
      [&] {
        const json j = json::parse(ReadFile(data_dir_ + "/listen.json"), nullptr, false);
        if (!j.is_object()) return false;
        auto port_of = [](const std::string& addr) {
          return std::stoi(addr.substr(addr.rfind(':') + 1));
        };
        public_port_ = port_of(j.value("public", ":0"));
        internal_port_ = port_of(j.value("internal", ":0"));
        return public_port_ > 0 && internal_port_ > 0;
      },
      std::chrono::seconds(30));
  return listening && WaitFor([&] { return Readyz() == 200; }, std::chrono::seconds(30));
}

void Replica::Kill() {
  if (process_) process_->Stop(SIGKILL, std::chrono::seconds(10));
}

std::optional<int> Replica::Terminate() {
  if (!process_) return std::nullopt;
  return process_->Stop(SIGTERM, std::chrono::seconds(20));
}

bool Replica::Running() { return process_ && process_->Running(); }

std::string Replica::Stderr() const { return process_ ? process_->Stderr() : ""; }

int Replica::Readyz() {
  httplib::Client c("127.0.0.1", internal_port_);
  c.set_connection_timeout(std::chrono::seconds(2));
  auto res = c.Get("/readyz");
  return res ? res->status : 0;
}

std::optional<double> Replica::Metric(const std::string& selector) {
  httplib::Client c("127.0.0.1", internal_port_);
  c.set_connection_timeout(std::chrono::seconds(2));
  auto res = c.Get("/metrics");
  if (!res || res->status != 200) return std::nullopt;
  std::istringstream in(res->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > selector.size() && line.compare(0, selector.size(), selector) == 0 &&
        line[selector.size()] == ' ') {
      return std::stod(line.substr(selector.size() + 1));
    }
  }
  return std::nullopt;
}

double Replica::MetricSum(const std::string& family) {
  httplib::Client c("127.0.0.1", internal_port_);
  c.set_connection_timeout(std::chrono::seconds(2));
  auto res = c.Get("/metrics");
  if (!res || res->status != 200) return -1;
  std::istringstream in(res->body);
  std::string line;
  double sum = 0;
  while (std::getline(in, line)) {
    if (line.size() > family.size() && line.compare(0, family.size(), family) == 0 &&
        (line[family.size()] == ' ' || line[family.size()] == '{')) {
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return sum;
}

Balancer::Balancer(std::vector<Replica*> replicas) : replicas_(std::move(replicas)) {
  server_.server().Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    const uint64_t first = next_++;
    for (size_t i = 0; i < replicas_.size(); ++i) {
      Replica* r = replicas_[(first + i) % replicas_.size()];
      httplib::Client c("127.0.0.1", r->public_port());
      c.set_connection_timeout(std::chrono::seconds(1));
      c.set_read_timeout(std::chrono::seconds(10));
      httplib::Headers headers;
      for (const char* h : {"X-Hub-Signature-256", "X-Hub-Signature"}) {
        if (req.has_header(h)) headers.emplace(h, req.get_header_value(h));
      }
      auto up = c.Post(req.path, headers, req.body, "application/json");
      if (!up) {
        ++unreachable;
        continue;  // a dead pod: the Service sends the request elsewhere
      }
      ++forwarded;
      if (up->status / 100 != 2) ++non_2xx;
      res.status = up->status;
      res.set_content(up->body, "application/json");
      return;
    }
    res.status = 502;
  });
  server_.Start();
}

Cluster::Cluster(int replicas, const std::string& extra_toml) : extra_toml_(extra_toml) {
  for (int i = 0; i < replicas; ++i) apps_.push_back(std::make_unique<App>(tally_));
}

Cluster::~Cluster() {
  for (auto& r : replicas_) r->Terminate();
  if (sim_) sim_->Stop(SIGTERM, std::chrono::seconds(5));
}

bool Cluster::Start(std::string* error) {
  pg_ = testing::PostgresServer::Start(error);
  if (!pg_) return false;
  // With a password (trust authentication ignores it): it must never show anywhere.
  std::string url = pg_->CreateDatabase("agent");
  url.replace(url.find("postgres@"), 9, std::string("postgres:") + kStoragePassword + "@");
  sim_ = std::make_unique<testing::Subprocess>(
      dir_.path(), "sim",
      std::vector<std::string>{FXAGENT_SIM_BIN, "--listen", "127.0.0.1:0", "--port-file",
                               dir_.path() + "/sim.port", "--api-key", kApiKey, "--webhook-secret",
                               kSecret, "--latency-ms", "1", "--quiet"});
  if (!WaitFor([&] { return !ReadFile(dir_.path() + "/sim.port").empty(); })) {
    *error = "flexport-sim did not start: " + sim_->Stderr();
    return false;
  }
  sim_port_ = std::stoi(ReadFile(dir_.path() + "/sim.port"));
  const std::string sim = "http://127.0.0.1:" + std::to_string(sim_port_);
  for (size_t i = 0; i < apps_.size(); ++i) {
    const std::string name = "replica-" + std::to_string(i + 1);
    const std::string config = dir_.path() + "/" + name + ".toml";
    const std::string api = api_base_override_.count(static_cast<int>(i)) > 0
                                ? api_base_override_[static_cast<int>(i)]
                                : sim;
    WriteFile(config,
              "[agent]\ninstance = \"" + name + "\"\ndata_dir = \"" + dir_.path() + "/" + name +
                  "\"\n[listen]\npublic = \"127.0.0.1:0\"\ninternal = \"127.0.0.1:0\"\n"
                  "egress = \"127.0.0.1:0\"\n[flexport]\napi_base = \"" +
                  api + "\"\napi_key = \"${CL_API_KEY}\"\nstatus_page = \"" + sim +
                  "\"\n[probes]\ninterval = \"1s\"\nstatus_page_interval = \"1s\"\n"
                  "subscription_interval = \"5s\"\n[webhooks]\nsecrets = "
                  "[\"${CL_SECRET}\"]\nforward_to = \"http://127.0.0.1:" +
                  std::to_string(apps_[i]->port()) + "/webhooks\"\n" + extra_toml_ +
                  "\n[storage]\nurl = \"" + url + "\"\n[cluster]\nlease = \"3s\"\nalert_quorum = " +
                  std::to_string(alert_quorum_) + "\n");
    replicas_.push_back(std::make_unique<Replica>(name, dir_.path(), config));
  }
  // Together, as a Deployment's pods start: the schema is migrated once under its lock.
  std::vector<std::thread> starting;
  std::vector<char> started(replicas_.size(), 0);
  for (size_t i = 0; i < replicas_.size(); ++i) {
    starting.emplace_back([&, i] { started[i] = replicas_[i]->Start() ? 1 : 0; });
  }
  for (auto& t : starting) t.join();
  for (size_t i = 0; i < replicas_.size(); ++i) {
    if (!started[i]) {
      *error = replicas_[i]->name() + " did not become ready: " + replicas_[i]->Stderr();
      return false;
    }
  }
  std::vector<Replica*> all;
  for (auto& r : replicas_) all.push_back(r.get());
  balancer_ = std::make_unique<Balancer>(all);
  const std::string target =
      "http://127.0.0.1:" + std::to_string(balancer_->port()) + "/webhooks/flexport";
  if (Sim("/_sim/subscription", json{{"active", true}, {"url", target}}.dump()).empty()) {
    *error = "cannot point the sim's webhooks at the balancer";
    return false;
  }
  return true;
}

std::string Cluster::Sim(const std::string& path, const std::string& body) {
  httplib::Client c("127.0.0.1", sim_port_);
  auto res = c.Post(path, body, "application/json");
  if (!res || res->status / 100 != 2) return "";
  return res->body;
}

std::optional<int> Cluster::SimWebhookCounter(const std::string& name) {
  httplib::Client c("127.0.0.1", sim_port_);
  auto res = c.Get("/_sim/state");
  if (!res || res->status != 200) return std::nullopt;
  const json j = json::parse(res->body, nullptr, false);
  if (!j.is_object() || !j.contains("webhooks")) return std::nullopt;
  const json& w = j["webhooks"];
  if (name == "queued_events") return w.value("queued_events", -1);
  if (!w.contains("counters") || !w["counters"].contains(name)) return std::nullopt;
  return w["counters"][name].get<int>();
}

std::string Cluster::AllStderr() {
  std::string out;
  for (auto& r : replicas_) out += "--- " + r->name() + "\n" + r->Stderr().substr(0, 4000);
  return out;
}

}  // namespace fxagent::cluster
