// End-to-end over loopback: the real flexport-agent binary against the real flexport-sim.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/agent_process.h"
#include "tests/support/loopback_server.h"
#include "tests/support/metric_value.h"
#include "tests/support/subprocess.h"
#include "tests/support/webhook_signing.h"

namespace fxagent {
namespace {

using fxagent::testing::HostPort;
using fxagent::testing::ListenAddresses;
using fxagent::testing::LoopbackServer;
using fxagent::testing::MetricValue;
using fxagent::testing::ReadFile;
using fxagent::testing::RunCommand;
using fxagent::testing::RunResult;
using fxagent::testing::Subprocess;
using fxagent::testing::TempDir;
using fxagent::testing::WaitFor;
using fxagent::testing::WriteFile;
using nlohmann::json;

// Distinctive values: none of them may appear in any output.
constexpr const char* kApiKey = "fxk_live_SECRET_7c1e9a0b44d2";
constexpr const char* kWebhookSecret = "whsec_SECRET_3f9d0c6b";
constexpr const char* kAdminToken = "adm_SECRET_b81f2e";

class AgentSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = std::make_unique<Subprocess>(
        dir_.path(), "sim",
        std::vector<std::string>{FXAGENT_SIM_BIN, "--listen", "127.0.0.1:0", "--port-file",
                                 dir_.path() + "/sim.port", "--api-key", kApiKey, "--latency-ms",
                                 "1"});
    ASSERT_TRUE(WaitFor([&] { return !ReadFile(dir_.path() + "/sim.port").empty(); }))
        << sim_->Stderr();
    sim_port_ = std::stoi(ReadFile(dir_.path() + "/sim.port"));
    sim_client_ = std::make_unique<httplib::Client>("127.0.0.1", sim_port_);
    config_path_ = dir_.path() + "/agent.toml";
    WriteConfig();
  }

  void WriteConfig(const std::string& extra_probes = "") {
    const std::string base = "http://127.0.0.1:" + std::to_string(sim_port_);
    WriteFile(config_path_, "[agent]\ninstance = \"it\"\ndata_dir = \"" + dir_.path() +
                                "/data\"\n[listen]\npublic = \"127.0.0.1:0\"\n"
                                "internal = \"127.0.0.1:0\"\negress = \"127.0.0.1:0\"\n"
                                "admin_token = \"${IT_ADMIN_TOKEN}\"\n"
                                "[flexport]\napi_base = \"" +
                                base + "\"\napi_key = \"${IT_API_KEY}\"\nstatus_page = \"" + base +
                                "\"\napi_key_expires_at = \"2030-01-01T00:00:00Z\"\n"
                                "[probes]\ninterval = \"500ms\"\ntimeout = \"2s\"\n"
                                "status_page_interval = \"500ms\"\n"
                                "subscription_interval = \"500ms\"\n" +
                                extra_probes +
                                "[webhooks]\nsecrets = [\"${IT_WEBHOOK_SECRET}\"]\n");
  }

  std::vector<std::string> Env() const {
    return {std::string("IT_API_KEY=") + kApiKey,
            std::string("IT_WEBHOOK_SECRET=") + kWebhookSecret,
            std::string("IT_ADMIN_TOKEN=") + kAdminToken};
  }

  void Scenario(const std::string& name) {
    auto res = sim_client_->Post(("/_sim/scenario/" + name).c_str(), "{}", "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }

  RunResult Check(bool json_output = false) {
    std::vector<std::string> argv = {FXAGENT_AGENT_BIN, "check", "-c", config_path_};
    if (json_output) argv.push_back("--json");
    return RunCommand(dir_.path(), argv, Env());
  }

  static void ExpectNoSecret(const std::string& text, const std::string& where) {
    for (const char* secret : {kApiKey, kWebhookSecret, kAdminToken}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << "secret leaked in " << where;
    }
  }

  TempDir dir_;
  std::unique_ptr<Subprocess> sim_;
  int sim_port_ = 0;
  std::unique_ptr<httplib::Client> sim_client_;
  std::string config_path_;
};

TEST_F(AgentSimTest, CheckHealthyExitsZero) {
  Scenario("healthy");
  RunResult r = Check();
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("/shipments"), std::string::npos);
  EXPECT_NE(r.out.find("Would page with: nothing"), std::string::npos) << r.out;
  ExpectNoSecret(r.out + r.err, "check output");
}

TEST_F(AgentSimTest, CheckFullOutageIsP1) {
  Scenario("outage");
  RunResult r = Check();
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("full API outage"), std::string::npos) << r.out;
}

TEST_F(AgentSimTest, CheckUnauthorizedAfterWorkingKeyIsP1) {
  Scenario("healthy");
  EXPECT_EQ(Check().status, 0);
  Scenario("key_rotated");
  RunResult r = Check();
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("401"), std::string::npos) << r.out;
  ExpectNoSecret(r.out + r.err, "check output after 401");
}

TEST_F(AgentSimTest, CheckStatusPageMajorIsP2) {
  Scenario("status_major");
  RunResult r = Check();
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("Status page: major"), std::string::npos) << r.out;
}

TEST_F(AgentSimTest, CheckOneEndpointFailingIsP4) {
  Scenario("one_endpoint_failing");
  RunResult r = Check();
  EXPECT_EQ(r.status, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("one endpoint failing: /invoices"), std::string::npos) << r.out;
}

TEST_F(AgentSimTest, CheckRateLimitedIsP3AndJsonIsParseable) {
  Scenario("rate_limited");
  RunResult r = Check(/*json_output=*/true);
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["classification"]["severity"], "P3");
  EXPECT_EQ(j["exit_code"], 3);
  EXPECT_EQ(j["probes"].size(), 7u);  // five endpoints, subscription, status page
}

TEST_F(AgentSimTest, CheckWithUnreachableApiIsP1WithConnectReason) {
  // Point the agent at a port nothing listens on: a transport error, not an HTTP code.
  const int dead_port = fxagent::testing::UnusedPort();
  std::string text = ReadFile(config_path_);
  text = std::regex_replace(text, std::regex("api_base = \"[^\"]+\""),
                            "api_base = \"http://127.0.0.1:" + std::to_string(dead_port) + "\"");
  WriteFile(config_path_, text);
  RunResult r = Check(true);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["probes"][0]["reason"], "connect");
  EXPECT_EQ(j["probes"][0]["http_status"], 0);
}

TEST_F(AgentSimTest, ValidateReportsPositionAndRunRefusesBadConfig) {
  WriteFile(config_path_, "[probes]\nintreval = \"5s\"\n");
  RunResult v = RunCommand(dir_.path(), {FXAGENT_AGENT_BIN, "validate", "-c", config_path_}, Env());
  EXPECT_EQ(v.status, 78);
  EXPECT_NE(v.err.find(config_path_ + ":2:1: "), std::string::npos) << v.err;
  RunResult run = RunCommand(dir_.path(), {FXAGENT_AGENT_BIN, "run", "-c", config_path_}, Env());
  EXPECT_EQ(run.status, 78) << run.err;
}

TEST_F(AgentSimTest, DaemonExportsSpecMetricsAndShutsDownCleanly) {
  Scenario("one_endpoint_failing");
  Subprocess agent(dir_.path(), "agent",
                   {FXAGENT_AGENT_BIN, "run", "-c", config_path_, "--log-format", "json"}, Env());
  const std::string data_dir = dir_.path() + "/data";
  ASSERT_TRUE(WaitFor([&] { return ListenAddresses(data_dir).contains("internal"); }))
      << agent.Stderr();
  auto [host, port] = HostPort(ListenAddresses(data_dir)["internal"]);
  httplib::Client internal(host, port);

  ASSERT_TRUE(WaitFor([&] {
    auto res = internal.Get("/readyz");
    return res && res->status == 200 &&
           json::parse(res->body, nullptr, false).value("first_probe_round_done", false);
  }));
  auto health = internal.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  auto metrics = internal.Get("/metrics");
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  const std::string& m = metrics->body;
  for (const char* series :
       {"flexport_probe_success{kind=\"api\",probe=\"/shipments\"} 1",
        "flexport_probe_success{kind=\"api\",probe=\"/invoices\"} 0",
        "flexport_probe_http_status{probe=\"/invoices\"} 500",
        "flexport_probe_success{kind=\"status_page\",probe=\"status_page\"} 1",
        "flexport_probe_success{kind=\"subscription\",probe=\"subscription\"} 1",
        "flexport_probe_duration_seconds{phase=\"ttfb\",probe=\"/shipments\"}",
        "flexport_probe_duration_seconds{phase=\"total\",probe=\"/shipments\"}",
        "flexport_probe_failure_reason{probe=\"/invoices\",reason=\"http_500\"} 1",
        "flexport_api_requests_total{code=\"200\",endpoint=\"/shipments\",source=\"probe\"}",
        "flexport_api_requests_total{code=\"500\",endpoint=\"/invoices\",source=\"probe\"}",
        "flexport_api_request_duration_seconds_bucket{endpoint=\"/shipments\",source=\"probe\",le=",
        "flexport_api_ratelimit_limit ",
        "flexport_api_ratelimit_remaining ",
        "flexport_api_ratelimit_reset_seconds ",
        "flexport_api_key_expiry_timestamp_seconds 1893456000",
        "flexport_statuspage_indicator 0",
        "flexport_statuspage_component_status{component=\"API\"} 0",
        "flexport_statuspage_unresolved_incidents 0",
        "flexport_agent_build_info{version=",
        "process_resident_memory_bytes ",
        "process_cpu_seconds_total ",
        "process_start_time_seconds "}) {
    EXPECT_NE(m.find(series), std::string::npos) << "missing: " << series;
  }
  EXPECT_EQ(m.find("/shipments?per"), std::string::npos) << "raw query in a label";
  ExpectNoSecret(m, "/metrics");

  auto status = internal.Get("/api/v1/status");
  ASSERT_TRUE(status);
  json s = json::parse(status->body, nullptr, false);
  ASSERT_FALSE(s.is_discarded());
  EXPECT_EQ(s["classification"]["severity"], "P4");
  EXPECT_EQ(s["instance"], "it");
  ExpectNoSecret(status->body, "/api/v1/status");

  // The public listener serves only the webhook path and /healthz.
  auto [phost, pport] = HostPort(ListenAddresses(data_dir)["public"]);
  httplib::Client pub(phost, pport);
  auto pm = pub.Get("/metrics");
  ASSERT_TRUE(pm);
  EXPECT_EQ(pm->status, 404);

  const auto started = std::chrono::steady_clock::now();
  auto st = agent.Stop(SIGTERM, std::chrono::seconds(5));
  ASSERT_TRUE(st.has_value()) << "no clean shutdown within 5 s";
  EXPECT_EQ(*st, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  const std::string logs = agent.Stderr();
  EXPECT_NE(logs.find("\"msg\":\"probe failed\""), std::string::npos) << logs;
  ExpectNoSecret(logs, "daemon logs");
}

TEST_F(AgentSimTest, DaemonFollowsFaultsOverTime) {
  Scenario("healthy");
  Subprocess agent(dir_.path(), "agent", {FXAGENT_AGENT_BIN, "run", "-c", config_path_}, Env());
  const std::string data_dir = dir_.path() + "/data";
  ASSERT_TRUE(WaitFor([&] { return ListenAddresses(data_dir).contains("internal"); }));
  auto [host, port] = HostPort(ListenAddresses(data_dir)["internal"]);
  httplib::Client internal(host, port);
  auto severity = [&] {
    auto res = internal.Get("/api/v1/status");
    if (!res) return std::string();
    json s = json::parse(res->body, nullptr, false);
    return s.is_discarded() ? std::string() : s["classification"].value("severity", "");
  };
  auto metric_has = [&](const std::string& needle) {
    auto res = internal.Get("/metrics");
    return res && res->body.find(needle) != std::string::npos;
  };
  ASSERT_TRUE(WaitFor(
      [&] { return metric_has("flexport_probe_success{kind=\"api\",probe=\"/shipments\"} 1"); }));
  Scenario("outage");
  EXPECT_TRUE(WaitFor([&] { return severity() == "P1"; })) << severity();
  EXPECT_TRUE(metric_has("flexport_probe_http_status{probe=\"/shipments\"} 503"));
  Scenario("status_critical");
  EXPECT_TRUE(WaitFor([&] { return metric_has("flexport_statuspage_indicator 3"); }));
  Scenario("healthy");
  EXPECT_TRUE(WaitFor([&] { return severity() == "none"; })) << severity();
  EXPECT_FALSE(metric_has("flexport_probe_failure_reason{"));
  EXPECT_EQ(agent.Stop(SIGINT, std::chrono::seconds(5)), 0);
}

TEST_F(AgentSimTest, OwnNetworkDownIsReportedAsSuch) {
  const int dead_port = fxagent::testing::UnusedPort();
  const std::string dead = "http://127.0.0.1:" + std::to_string(dead_port);
  WriteConfig("connectivity_check = \"" + dead + "/\"\n");
  std::string text = ReadFile(config_path_);
  text =
      std::regex_replace(text, std::regex("api_base = \"[^\"]+\""), "api_base = \"" + dead + "\"");
  WriteFile(config_path_, text);
  RunResult r = Check(true);
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
  EXPECT_EQ(j["classification"]["findings"][0]["component"], "network") << r.out;
}

// The default configuration has no connectivity check: the status page stands in for one.
class NetworkDownTest : public AgentSimTest {
 protected:
  // Points api_base and status_page at the given bases (the sim, a closed loopback port, or
  // a name that cannot resolve) and runs `check --json` once.
  RunResult CheckWith(const std::string& api_base, const std::string& status_page) {
    std::string text = ReadFile(config_path_);
    text = std::regex_replace(text, std::regex("api_base = \"[^\"]+\""),
                              "api_base = \"" + api_base + "\"");
    text = std::regex_replace(text, std::regex("status_page = \"[^\"]+\""),
                              "status_page = \"" + status_page + "\"");
    WriteFile(config_path_, text);
    return Check();
  }
  std::string Sim() const { return "http://127.0.0.1:" + std::to_string(sim_port_); }
  static std::string Closed() {
    return "http://127.0.0.1:" + std::to_string(fxagent::testing::UnusedPort());
  }
  static constexpr const char* kVerdict =
      "the agent cannot reach Flexport or its status page: check this host's network";
};

TEST_F(NetworkDownTest, ApiAndStatusPageUnreachableIsP2NetworkDown) {
  RunResult r = CheckWith(Closed(), Closed());
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.out.find(kVerdict), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FlexportAgentNetworkDown"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("full API outage"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FlexportApiDown"), std::string::npos) << r.out;
  ExpectNoSecret(r.out + r.err, "network-down check output");
}

TEST_F(NetworkDownTest, UnresolvableHostsAreP2NetworkDown) {
  RunResult r =
      CheckWith("http://flexport-agent-test.invalid", "http://flexport-agent-test.invalid");
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL dns"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(kVerdict), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FlexportAgentNetworkDown"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FlexportApiDown"), std::string::npos) << r.out;
}

TEST_F(NetworkDownTest, ApiUnreachableWhileStatusPageSaysAllWellStaysP1) {
  Scenario("healthy");
  RunResult r = CheckWith(Closed(), Sim());
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("full API outage"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FlexportApiDown"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kVerdict), std::string::npos) << r.out;
}

TEST_F(NetworkDownTest, ApiOutageWithStatusPageUnreachableStaysP1) {
  // HTTP 5xx is an answer: the network works, Flexport does not.
  Scenario("outage");
  RunResult r = CheckWith(Sim(), Closed());
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("full API outage"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kVerdict), std::string::npos) << r.out;
}

TEST_F(NetworkDownTest, StatusPageUnreachableWithHealthyApiIsNotAnIncident) {
  Scenario("healthy");
  RunResult r = CheckWith(Sim(), Closed());
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find(kVerdict), std::string::npos) << r.out;
}

}  // namespace
}  // namespace fxagent

namespace fxagent {
namespace {

// A tiny stand-in for the integration's own webhook endpoint.
class AppStub {
 public:
  AppStub()
      : server_([this](httplib::Server& s) {
          s.Post("/webhooks/flexport", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard<std::mutex> lock(mu_);
            bodies_.push_back(req.body);
            signatures_.push_back(req.get_header_value("X-Hub-Signature"));
            res.set_content("{}", "application/json");
          });
        }) {}
  int port() const { return server_.port(); }
  size_t Count() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_.size();
  }
  std::vector<std::string> Signatures() {
    std::lock_guard<std::mutex> lock(mu_);
    return signatures_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> bodies_, signatures_;
  LoopbackServer server_;  // last: stops before the state its handlers use
};

TEST_F(AgentSimTest, WebhooksFromSimAreVerifiedStoredAndForwarded) {
  // The sim signs with its own secret: start a second sim whose secret matches the agent's.
  Subprocess sender(dir_.path(), "sender",
                    {FXAGENT_SIM_BIN, "--listen", "127.0.0.1:0", "--port-file",
                     dir_.path() + "/sender.port", "--webhook-secret", kWebhookSecret, "--quiet"});
  ASSERT_TRUE(WaitFor([&] { return !ReadFile(dir_.path() + "/sender.port").empty(); }));
  httplib::Client sender_client("127.0.0.1", std::stoi(ReadFile(dir_.path() + "/sender.port")));

  AppStub app;
  std::string text = ReadFile(config_path_);
  text += "forward_to = \"http://127.0.0.1:" + std::to_string(app.port()) +
          "/webhooks/flexport\"\n"
          "max_body = \"64KiB\"\n";
  WriteFile(config_path_, text);
  Subprocess agent(dir_.path(), "agent", {FXAGENT_AGENT_BIN, "run", "-c", config_path_}, Env());
  const std::string data_dir = dir_.path() + "/data";
  ASSERT_TRUE(WaitFor([&] { return ListenAddresses(data_dir).contains("public"); }))
      << agent.Stderr();
  const std::string target =
      "http://" + ListenAddresses(data_dir)["public"].get<std::string>() + "/webhooks/flexport";
  auto [host, port] = HostPort(ListenAddresses(data_dir)["internal"]);
  httplib::Client internal(host, port);

  auto send = [&](const json& body) {
    auto res = sender_client.Post("/_sim/webhooks/send", body.dump(), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202) << res->body;
  };
  send({{"target", target}, {"count", 20}, {"rate", 200}, {"duplicate_ratio", 0.25}});
  send({{"target", target}, {"count", 3}, {"rate", 200}, {"mis_sign", true}});

  ASSERT_TRUE(WaitFor([&] { return app.Count() >= 20; }, std::chrono::seconds(20)))
      << app.Count() << agent.Stderr();
  std::string m;
  ASSERT_TRUE(WaitFor([&] {
    auto res = internal.Get("/metrics");
    m = res ? res->body : "";
    // The app may see a delivery before the agent has recorded its outcome.
    return MetricValue(
               m, "flexport_webhook_received_total{outcome=\"bad_signature\",type=\"unknown\"}") >=
               3 &&
           MetricValue(m, "flexport_webhook_forwarded_total{outcome=\"delivered\"}") >= 20 &&
           MetricValue(m, "flexport_webhook_spool_depth") == 0;
  })) << m;
  EXPECT_EQ(
      MetricValue(
          m, "flexport_webhook_received_total{outcome=\"accepted\",type=\"shipment.milestone\"}"),
      20)
      << m;
  EXPECT_GE(MetricValue(m, "flexport_webhook_forwarded_total{outcome=\"delivered\"}"), 20) << m;
  EXPECT_EQ(app.Count(), 20u) << "duplicates must not be forwarded twice";
  for (const auto& sig : app.Signatures()) EXPECT_EQ(sig.rfind("sha256=", 0), 0u) << sig;

  // Oversized bodies are refused before they are read.
  httplib::Client pub(HostPort(ListenAddresses(data_dir)["public"]).first,
                      HostPort(ListenAddresses(data_dir)["public"]).second);
  auto big = pub.Post("/webhooks/flexport", std::string(70 * 1024, 'x'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);

  auto status = internal.Get("/api/v1/status");
  ASSERT_TRUE(status);
  json s = json::parse(status->body, nullptr, false);
  ASSERT_FALSE(s.is_discarded());
  EXPECT_EQ(s["webhooks"]["spool_depth"], 0);
  ExpectNoSecret(status->body + m + agent.Stderr(), "webhook relay outputs");
  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(5)), 0);
}

}  // namespace
}  // namespace fxagent

namespace fxagent {
namespace {

// The integration guide's receiver: 'sha256=' + HMAC-SHA256(secret, raw body) as hex,
// compared with X-Hub-Signature by a constant-time equality (timingSafeEqual); 401 when it
// differs. Records the X-Flexport-Agent-Source of what it accepted.
class GuideVerifyingApp {
 public:
  GuideVerifyingApp() {
    server_.Post("/webhooks/flexport", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string got = req.get_header_value("X-Hub-Signature");
      const std::string expected = fxagent::testing::SignSha256Header(kWebhookSecret, req.body);
      unsigned char diff = got.size() == expected.size() ? 0 : 1;
      for (size_t i = 0; diff == 0 && i < expected.size(); ++i) {
        diff |= static_cast<unsigned char>(got[i] ^ expected[i]);
      }
      // (The loop runs over the whole length whatever the content: constant time.)
      res.status = diff == 0 ? 200 : 401;
      std::lock_guard<std::mutex> lock(mu_);
      if (diff == 0) {
        accepted_.push_back(req.get_header_value("X-Flexport-Agent-Source"));
      } else {
        ++rejected_;
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~GuideVerifyingApp() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> Accepted() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  int Rejected() {
    std::lock_guard<std::mutex> lock(mu_);
    return rejected_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> accepted_;
  int rejected_ = 0;
};

TEST_F(AgentSimTest, ReconciledEventsReachAnAppThatVerifiesSignatures) {
  // One sim is Flexport: it signs with the agent's secret, loses some deliveries and lists
  // every event in GET /events, where the agent's reconciliation finds the lost ones.
  Subprocess flexport(dir_.path(), "flexport",
                      {FXAGENT_SIM_BIN, "--listen", "127.0.0.1:0", "--port-file",
                       dir_.path() + "/flexport.port", "--api-key", kApiKey, "--webhook-secret",
                       kWebhookSecret, "--latency-ms", "1", "--seed", "7", "--quiet"});
  ASSERT_TRUE(WaitFor([&] { return !ReadFile(dir_.path() + "/flexport.port").empty(); }));
  const int fx_port = std::stoi(ReadFile(dir_.path() + "/flexport.port"));
  httplib::Client fx("127.0.0.1", fx_port);
  GuideVerifyingApp app;
  std::string text = ReadFile(config_path_);
  text = std::regex_replace(text, std::regex("api_base = \"[^\"]+\""),
                            "api_base = \"http://127.0.0.1:" + std::to_string(fx_port) + "\"");
  text += "forward_to = \"http://127.0.0.1:" + std::to_string(app.port()) +
          "/webhooks/flexport\"\n[webhooks.reconcile]\ninterval = \"1s\"\nsettle = \"0s\"\n";
  WriteFile(config_path_, text);
  Subprocess agent(dir_.path(), "agent", {FXAGENT_AGENT_BIN, "run", "-c", config_path_}, Env());
  const std::string data_dir = dir_.path() + "/data";
  ASSERT_TRUE(WaitFor([&] { return ListenAddresses(data_dir).contains("public"); }))
      << agent.Stderr();
  const std::string target =
      "http://" + ListenAddresses(data_dir)["public"].get<std::string>() + "/webhooks/flexport";
  constexpr int kCount = 30;
  auto res = fx.Post(
      "/_sim/webhooks/send",
      json{{"target", target}, {"count", kCount}, {"rate", 300}, {"lose_ratio", 0.3}}.dump(),
      "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 202) << res->body;

  ASSERT_TRUE(
      WaitFor([&] { return app.Accepted().size() >= size_t(kCount); }, std::chrono::seconds(30)))
      << app.Accepted().size() << " accepted, " << app.Rejected() << " rejected\n"
      << agent.Stderr();
  auto state = fx.Get("/_sim/state");
  ASSERT_TRUE(state);
  const int lost = json::parse(state->body)["webhooks"]["counters"]["lost"].get<int>();
  ASSERT_GT(lost, 0) << "the seed should lose some deliveries";
  const auto accepted = app.Accepted();
  EXPECT_EQ(std::count(accepted.begin(), accepted.end(), "reconciled"), lost);
  EXPECT_EQ(app.Rejected(), 0);
  ExpectNoSecret(agent.Stderr(), "agent logs");
  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(5)), 0);
}

TEST_F(AgentSimTest, MalformedEventIsDeadLetteredAndAdminCallsNeedTheToken) {
  Subprocess agent(dir_.path(), "agent", {FXAGENT_AGENT_BIN, "run", "-c", config_path_}, Env());
  const std::string data_dir = dir_.path() + "/data";
  ASSERT_TRUE(WaitFor([&] { return ListenAddresses(data_dir).contains("public"); }));
  auto [phost, pport] = HostPort(ListenAddresses(data_dir)["public"]);
  auto [ihost, iport] = HostPort(ListenAddresses(data_dir)["internal"]);
  httplib::Client pub(phost, pport);
  httplib::Client internal(ihost, iport);

  const std::string not_an_event = "[\"signed but not an event\"]";
  httplib::Headers signed_headers = {
      {"X-Hub-Signature-256", fxagent::testing::SignSha256Header(kWebhookSecret, not_an_event)}};
  auto res = pub.Post("/webhooks/flexport", signed_headers, not_an_event, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  auto unsigned_res = pub.Post("/webhooks/flexport", not_an_event, "application/json");
  ASSERT_TRUE(unsigned_res);
  EXPECT_EQ(unsigned_res->status, 401);

  RunResult list = RunCommand(
      dir_.path(), {FXAGENT_AGENT_BIN, "webhooks", "dead-letters", "-c", config_path_}, Env());
  EXPECT_EQ(list.status, 0) << list.err;
  json page = json::parse(list.out, nullptr, false);
  ASSERT_FALSE(page.is_discarded()) << list.out;
  ASSERT_EQ(page["items"].size(), 1u) << list.out;
  EXPECT_EQ(page["items"][0]["reason"], "malformed");
  EXPECT_EQ(page["items"][0]["body"], not_an_event);

  auto anonymous = internal.Post("/api/v1/webhooks/replay", "{}", "application/json");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  RunResult replay =
      RunCommand(dir_.path(), {FXAGENT_AGENT_BIN, "webhooks", "replay", "-c", config_path_}, Env());
  EXPECT_EQ(replay.status, 0) << replay.err;
  EXPECT_EQ(json::parse(replay.out, nullptr, false)["replayed"], 0)
      << "malformed bodies are never replayed";
  ExpectNoSecret(list.out + list.err + replay.out + replay.err + agent.Stderr(), "admin CLI");
  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(5)), 0);
}

}  // namespace
}  // namespace fxagent

namespace fxagent {
namespace {

TEST_F(AgentSimTest, OAuthTokenIsCachedAcrossRunsWithOwnerOnlyPermissions) {
  std::string text = ReadFile(config_path_);
  text = std::regex_replace(text, std::regex("api_key = \"\\$\\{IT_API_KEY\\}\""),
                            "auth = \"oauth\"\nclient_id = \"agent-client\"\n"
                            "client_secret = \"${IT_API_KEY}\"");
  WriteFile(config_path_, text);
  Scenario("healthy");
  RunResult first = Check();
  EXPECT_EQ(first.status, 0) << first.out << first.err;
  RunResult second = Check();  // a new process: must reuse the cached token
  EXPECT_EQ(second.status, 0) << second.out << second.err;
  auto state = sim_client_->Get("/_sim/state");
  ASSERT_TRUE(state);
  json s = json::parse(state->body, nullptr, false);
  ASSERT_FALSE(s.is_discarded());
  EXPECT_EQ(s["counters"]["token_requests"], 1) << state->body;
  struct stat st {};
  const std::string cache = dir_.path() + "/data/oauth_token.json";
  ASSERT_EQ(stat(cache.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ExpectNoSecret(first.out + first.err + second.out + second.err, "oauth check output");
}

TEST_F(AgentSimTest, ProbeStillInFlightIsSkippedAndCounted) {
  Scenario("slow");  // every endpoint takes 3 s; the interval is 500 ms
  std::string text = ReadFile(config_path_);
  text = std::regex_replace(text, std::regex("timeout = \"2s\""), "timeout = \"5s\"");
  WriteFile(config_path_, text);
  Subprocess agent(dir_.path(), "agent", {FXAGENT_AGENT_BIN, "run", "-c", config_path_}, Env());
  const std::string data_dir = dir_.path() + "/data";
  ASSERT_TRUE(WaitFor([&] { return ListenAddresses(data_dir).contains("internal"); }));
  auto [host, port] = HostPort(ListenAddresses(data_dir)["internal"]);
  httplib::Client internal(host, port);
  EXPECT_TRUE(WaitFor(
      [&] {
        auto res = internal.Get("/metrics");
        return res &&
               MetricValue(res->body, "flexport_probe_skipped_total{probe=\"/shipments\"}") >= 2;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(5)), 0);
}

}  // namespace
}  // namespace fxagent

namespace fxagent {
namespace {

TEST_F(AgentSimTest, SilencesNeedTheAdminTokenAndIncidentsAreListed) {
  Subprocess agent(dir_.path(), "agent", {FXAGENT_AGENT_BIN, "run", "-c", config_path_}, Env());
  const std::string data_dir = dir_.path() + "/data";
  ASSERT_TRUE(WaitFor([&] { return ListenAddresses(data_dir).contains("internal"); }));
  auto [host, port] = HostPort(ListenAddresses(data_dir)["internal"]);
  httplib::Client internal(host, port);
  const std::string silence = R"({"matchers": ["alertname=\"FlexportApiDown\""],
      "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2099-01-01T00:00:00Z",
      "comment": "maintenance", "createdBy": "it"})";
  auto anonymous = internal.Post("/api/v1/silences", silence, "application/json");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto authorized = internal.Post(
      "/api/v1/silences", httplib::Headers{{"Authorization", std::string("Bearer ") + kAdminToken}},
      silence, "application/json");
  ASSERT_TRUE(authorized);
  EXPECT_EQ(authorized->status, 200) << authorized->body;
  auto list = internal.Get("/api/v1/silences");
  ASSERT_TRUE(list);
  EXPECT_NE(list->body.find("maintenance"), std::string::npos) << list->body;
  auto incidents = internal.Get("/api/v1/incidents");
  ASSERT_TRUE(incidents);
  EXPECT_EQ(incidents->status, 200);
  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(5)), 0);
}

}  // namespace
}  // namespace fxagent

namespace fxagent {
namespace {

TEST_F(AgentSimTest, EgressProxyPassesCallsThroughAndRecordsThem) {
  Scenario("healthy");
  Subprocess agent(dir_.path(), "agent", {FXAGENT_AGENT_BIN, "run", "-c", config_path_}, Env());
  const std::string data_dir = dir_.path() + "/data";
  ASSERT_TRUE(WaitFor([&] { return ListenAddresses(data_dir).contains("egress"); }));
  auto [ehost, eport] = HostPort(ListenAddresses(data_dir)["egress"]);
  auto [ihost, iport] = HostPort(ListenAddresses(data_dir)["internal"]);
  httplib::Client egress(ehost, eport);
  httplib::Client internal(ihost, iport);
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kApiKey},
                                 {"Flexport-Version", "2"}};
  auto ok = egress.Get("/shipments?per=1", auth);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  auto missing = egress.Get("/shipments/999999999", auth);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_FALSE(ok->get_header_value("X-RateLimit-Limit").empty());
  auto denied = egress.Get("/shipments", httplib::Headers{{"Flexport-Version", "2"}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  Scenario("outage");
  auto down = egress.Get("/bookings", auth);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503);
  auto m = internal.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_GE(
      MetricValue(
          m->body,
          "flexport_api_requests_total{code=\"200\",endpoint=\"/shipments\",source=\"proxy\"}"),
      1)
      << m->body;
  EXPECT_GE(
      MetricValue(
          m->body,
          "flexport_api_requests_total{code=\"503\",endpoint=\"/bookings\",source=\"proxy\"}"),
      1);
  EXPECT_GE(
      MetricValue(
          m->body,
          "flexport_api_requests_total{code=\"404\",endpoint=\"/shipments/:id\",source=\"proxy\"}"),
      1);
  ExpectNoSecret(m->body + agent.Stderr(), "proxy metrics and logs");
  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(5)), 0);
}

}  // namespace
}  // namespace fxagent

namespace fxagent {
namespace {

TEST_F(AgentSimTest, SilenceAndIncidentCommandsTalkToTheRunningAgent) {
  Subprocess agent(dir_.path(), "agent", {FXAGENT_AGENT_BIN, "run", "-c", config_path_}, Env());
  ASSERT_TRUE(WaitFor([&] { return ListenAddresses(dir_.path() + "/data").contains("internal"); }));
  RunResult add = RunCommand(
      dir_.path(),
      {FXAGENT_AGENT_BIN, "silence", "add", "-c", config_path_, "alertname=\"FlexportApiDown\"",
       "--duration", "30m", "--comment", "planned Flexport maintenance"},
      Env());
  EXPECT_EQ(add.status, 0) << add.out << add.err;
  RunResult list =
      RunCommand(dir_.path(), {FXAGENT_AGENT_BIN, "silence", "list", "-c", config_path_}, Env());
  EXPECT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("planned Flexport maintenance"), std::string::npos) << list.out;
  RunResult bad = RunCommand(
      dir_.path(),
      {FXAGENT_AGENT_BIN, "silence", "add", "-c", config_path_, "not a matcher", "--comment", "x"},
      Env());
  EXPECT_NE(bad.status, 0) << "an invalid matcher must be refused";
  RunResult incidents =
      RunCommand(dir_.path(), {FXAGENT_AGENT_BIN, "incident", "list", "-c", config_path_}, Env());
  EXPECT_EQ(incidents.status, 0) << incidents.err;
  RunResult missing = RunCommand(
      dir_.path(), {FXAGENT_AGENT_BIN, "incident", "report", "-c", config_path_, "999"}, Env());
  EXPECT_EQ(missing.status, 1);
  ExpectNoSecret(add.out + add.err + list.out + list.err, "silence CLI");
  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(5)), 0);
}

}  // namespace
}  // namespace fxagent
