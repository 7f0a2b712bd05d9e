#include "tests/e2e_alerts/e2e_harness.h"

#include <signal.h>

#include <regex>
#include <sstream>

#include "tests/support/webhook_signing.h"

namespace fxagent::e2e {

using nlohmann::json;
using testing::HostPort;
using testing::ReadFile;
using testing::Subprocess;
using testing::WaitFor;
using testing::WriteFile;

namespace {

constexpr const char* kApiKey = "e2e_api_key_5d1c";
constexpr const char* kWebhookSecret = "e2e_whsec_8a02";

std::string ShortWindow(const std::string& window) {
  if (window == "1m" || window == "2m") return "2s";
  if (window == "5m" || window == "10m") return "3s";
  if (window == "1h") return "30s";
  return "";  // an unknown window: left as is, and FastRules' caller sees it unchanged
}

}  // namespace

std::string FastRules(const std::string& default_rules) {
  static const std::regex kFor(R"(^(for|keep_firing_for) = "[^"]*")");
  static const std::regex kWindow(R"(\[(\d+[mh])\])");
  std::istringstream in(default_rules);
  std::string out, line;
  while (std::getline(in, line)) {
    line = std::regex_replace(line, kFor, "$1 = \"1s\"");
    std::string rewritten;
    auto begin = std::sregex_iterator(line.begin(), line.end(), kWindow);
    size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      const std::string window = (*it)[1].str();
      const std::string shorter = ShortWindow(window);
      rewritten += line.substr(last, it->position() - last);
      rewritten += "[" + (shorter.empty() ? window : shorter) + "]";
      last = it->position() + it->length();
    }
    out += rewritten + line.substr(last) + "\n";
  }
  out += std::string("\n[[rules]]\nalert = \"") + kHeartbeat +
         "\"\nseverity = \"P4\"\nexpr = 'max(flexport_agent_build_info) == 1'\nfor = \"3s\"\n";
  return out;
}

AlertSink::AlertSink()
    : server_([this](httplib::Server& s) {
        s.Post("/alerts", [this](const httplib::Request& req, httplib::Response& res) {
          std::lock_guard<std::mutex> lock(mu_);
          received_.push_back(json::parse(req.body, nullptr, false));
          res.status = 200;
        });
      }) {}

std::string AlertSink::Url() const { return server_.Url("/alerts"); }

std::vector<json> AlertSink::Received() {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

std::optional<json> AlertSink::Find(const std::string& status, const std::string& alertname) {
  for (const json& body : Received()) {
    if (body.is_discarded() || !body.is_object() || body.value("status", "") != status ||
        !body.contains("alerts") || !body["alerts"].is_array()) {
      continue;
    }
    for (const json& alert : body["alerts"]) {
      if (alert.value("status", "") == status && alert.contains("labels") &&
          alert["labels"].value("alertname", "") == alertname) {
        return alert;
      }
    }
  }
  return std::nullopt;
}

std::set<std::string> AlertSink::FiredNames() {
  std::set<std::string> names;
  for (const json& body : Received()) {
    if (body.is_discarded() || !body.contains("alerts") || !body["alerts"].is_array()) continue;
    for (const json& alert : body["alerts"]) {
      if (alert.value("status", "") == "firing" && alert.contains("labels")) {
        names.insert(alert["labels"].value("alertname", ""));
      }
    }
  }
  return names;
}

std::string AlertSink::Dump() {
  std::string out;
  for (const json& body : Received()) out += body.dump() + "\n";
  return out.empty() ? "(no notifications)" : out;
}

AppStub::AppStub(int status)
    : status_(status), server_([this](httplib::Server& s) {
        s.Post("/webhooks/flexport", [this](const httplib::Request& req, httplib::Response& res) {
          ++requests_;
          res.status = status_.load();
          if (res.status >= 200 && res.status < 300) {
            std::lock_guard<std::mutex> lock(mu_);
            ++deliveries_[req.get_header_value("X-Flexport-Agent-Event-Id")];
          }
          res.set_content("{}", "application/json");
        });
      }) {}

std::string AppStub::Url() const { return server_.Url("/webhooks/flexport"); }

void AppStub::SetStatus(int status) { status_ = status; }
int AppStub::Requests() const { return requests_.load(); }

std::map<std::string, int> AppStub::Deliveries() {
  std::lock_guard<std::mutex> lock(mu_);
  return deliveries_;
}

Stack::Stack() {
  // A bucket that never drains: 429s would (rightly) keep the API rules quiet.
  sim_ = std::make_unique<Subprocess>(
      dir(), "sim",
      std::vector<std::string>{FXAGENT_SIM_BIN, "--listen", "127.0.0.1:0", "--port-file",
                               dir() + "/sim.port", "--api-key", kApiKey, "--webhook-secret",
                               kWebhookSecret, "--latency-ms", "1", "--rate-limit-capacity",
                               "1000000", "--rate-limit-refill", "1000000", "--quiet"});
  if (WaitFor([&] { return !ReadFile(dir() + "/sim.port").empty(); }, std::chrono::seconds(20))) {
    sim_port_ = std::stoi(ReadFile(dir() + "/sim.port"));
    sim_client_ = std::make_unique<httplib::Client>("127.0.0.1", sim_port_);
  }
}

Stack::~Stack() {
  if (sim_port_ != 0) SimPost("webhooks/cancel", json::object());
  if (agent_) agent_->Stop(SIGTERM, std::chrono::seconds(10));
  if (sim_) sim_->Stop(SIGTERM, std::chrono::seconds(10));
}

std::string Stack::StartAgent(const AgentOptions& options) {
  if (sim_port_ == 0) return "flexport-sim did not start: " + sim_->Stderr();
  const std::string rules_path = dir() + "/rules.toml";
  WriteFile(rules_path,
            FastRules(ReadFile(std::string(FXAGENT_SOURCE_DIR) + "/rules/default.toml")));
  const std::string api_base = options.api_base.empty() ? SimBase() : options.api_base;
  const std::string status_page = options.status_page.empty() ? SimBase() : options.status_page;
  const std::string data_dir = options.data_dir.empty() ? dir() + "/data" : options.data_dir;
  const std::string config =
      "[agent]\ninstance = \"e2e\"\ndata_dir = \"" + data_dir +
      "\"\n"
      "[listen]\npublic = \"127.0.0.1:0\"\ninternal = \"127.0.0.1:0\"\negress = \"127.0.0.1:0\"\n"
      "[flexport]\napi_base = \"" +
      api_base + "\"\napi_key = \"${E2E_API_KEY}\"\nstatus_page = \"" + status_page +
      "\"\napi_key_expires_at = \"2030-01-01T00:00:00Z\"\n"
      "[probes]\ninterval = \"500ms\"\ntimeout = \"2s\"\nstatus_page_interval = \"500ms\"\n"
      "subscription_interval = \"500ms\"\n" +
      options.probes_extra + "[webhooks]\nsecrets = [\"${E2E_WEBHOOK_SECRET}\"]\n" +
      options.webhooks_extra + "\n[rules]\nfiles = [\"" + rules_path +
      "\"]\nevaluation_interval = \"500ms\"\n"
      "[[receivers]]\nname = \"e2e-hook\"\ntype = \"webhook\"\nurl = \"" +
      sink_.Url() +
      "\"\n[[routes]]\nseverities = [\"P1\", \"P2\"]\nreceivers = [\"e2e-hook\"]\n"
      "group_wait = \"0s\"\n";
  WriteFile(dir() + "/agent.toml", config);
  std::vector<std::string> env{std::string("E2E_API_KEY=") + kApiKey,
                               std::string("E2E_WEBHOOK_SECRET=") + kWebhookSecret};
  env.insert(env.end(), options.env.begin(), options.env.end());
  agent_ = std::make_unique<testing::AgentProcess>(
      dir(), "agent",
      std::vector<std::string>{FXAGENT_AGENT_BIN, "run", "-c", dir() + "/agent.toml"}, env,
      data_dir);
  if (!agent_->WaitListening("public", std::chrono::seconds(30))) {
    return "the agent did not write listen.json: " + AgentLogs();
  }
  auto [host, port] = HostPort(agent_->Address("internal"));
  internal_ = std::make_unique<httplib::Client>(host, port);
  public_address_ = agent_->Address("public");
  public_url_ = "http://" + public_address_ + "/webhooks/flexport";
  auto [public_host, public_port] = HostPort(public_address_);
  public_ = std::make_unique<httplib::Client>(public_host, public_port);
  public_->set_read_timeout(std::chrono::seconds(10));
  return "";
}

int Stack::SimPost(const std::string& path, const json& body) {
  if (!sim_client_) return 0;
  auto res = sim_client_->Post(("/_sim/" + path).c_str(), body.dump(), "application/json");
  return res ? res->status : 0;
}

int Stack::SendWebhooks(json job) {
  job["target"] = public_url_;
  if (!job.contains("types")) job["types"] = json::array({"shipment.milestone"});
  return SimPost("webhooks/send", job);
}

std::string Stack::Metrics() {
  if (!internal_) return "";
  auto res = internal_->Get("/metrics");
  return res && res->status == 200 ? res->body : "";
}

int Stack::InternalGet(const std::string& path, std::string* body) {
  if (!internal_) return 0;
  auto res = internal_->Get(path.c_str());
  if (!res) return 0;
  if (body != nullptr) *body = res->body;
  return res->status;
}

int Stack::PostSignedWebhook(const std::string& body) {
  if (!public_) return 0;
  httplib::Headers headers = {
      {"X-Hub-Signature-256", testing::SignSha256Header(kWebhookSecret, body)}};
  auto res = public_->Post("/webhooks/flexport", headers, body, "application/json");
  return res ? res->status : 0;
}

bool Stack::AlertState(const std::string& alertname, const std::string& alertstate) {
  std::istringstream in(Metrics());
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flexport_alerts{", 0) != 0) continue;
    if (line.find("alertname=\"" + alertname + "\"") == std::string::npos) continue;
    if (!alertstate.empty() &&
        line.find("alertstate=\"" + alertstate + "\"") == std::string::npos) {
      continue;
    }
    if (line.size() >= 2 && line.compare(line.size() - 2, 2, " 0") == 0) continue;
    return true;
  }
  return false;
}

bool Stack::WaitForBaseline() {
  return WaitFor([&] { return AlertState(kHeartbeat, "firing"); }, std::chrono::seconds(30));
}

std::string Stack::AgentLogs() const { return agent_ ? agent_->Stderr() : "(agent not started)"; }

}  // namespace fxagent::e2e
