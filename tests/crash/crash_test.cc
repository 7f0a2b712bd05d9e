// Crash test of the webhook relay: the real flexport-agent binary under concurrent
// signed ingest is killed with SIGKILL at random moments and restarted on the same
// data_dir. Every event that got a 200 must reach the app; duplicates at the app are
// bounded by crashes x deliveries in flight.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "tests/support/agent_process.h"
#include "tests/support/loopback_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/webhook_signing.h"

namespace fxagent {
namespace {

using fxagent::testing::AgentProcess;
using fxagent::testing::HostPort;
using fxagent::testing::LoopbackServer;
using fxagent::testing::TempDir;
using fxagent::testing::UnusedPort;
using fxagent::testing::WaitFor;
using fxagent::testing::WriteFile;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr char kSecret[] = "whsec_crash_test";
constexpr int kCrashes = 10;
constexpr int kClients = 8;
constexpr int kMaxConcurrency = 4;  // [webhooks].max_concurrency: deliveries in flight

// The integration's endpoint: counts deliveries per event id.
class RecordingApp {
 public:
  RecordingApp()
      : server_([this](httplib::Server& s) {
          s.Post("/app", [this](const httplib::Request& req, httplib::Response& res) {
            const std::string id = req.get_header_value("X-Flexport-Agent-Event-Id");
            {
              std::lock_guard<std::mutex> lock(mu_);
              ++deliveries_[id];
            }
            res.set_content("{}", "application/json");
          });
        }) {}
  std::string Url() const { return server_.Url("/app"); }
  std::map<std::string, int> Deliveries() {
    std::lock_guard<std::mutex> lock(mu_);
    return deliveries_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> deliveries_;
  LoopbackServer server_;  // last: stops before the state its handlers use
};

// Where the clients should post; empty while the agent is down.
class Target {
 public:
  void Set(std::string host, int port) {
    std::lock_guard<std::mutex> lock(mu_);
    host_ = std::move(host);
    port_ = port;
    ++generation_;
    cv_.notify_all();
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    port_ = 0;
  }
  void Shutdown() {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  // Waits for an address newer than `seen`; false on shutdown.
  bool Await(uint64_t* seen, std::string* host, int* port) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return stop_ || (port_ != 0 && generation_ != *seen); });
    if (stop_) return false;
    *seen = generation_;
    *host = host_;
    *port = port_;
    return true;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string host_;
  int port_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

struct Addresses {
  std::string public_host;
  int public_port = 0;
};

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    config_path_ = dir_.path() + "/agent.toml";
    const std::string nowhere = "http://127.0.0.1:" + std::to_string(UnusedPort());
    WriteFile(config_path_,
              "[agent]\ninstance = \"crash\"\ndata_dir = \"" + data_dir_ +
                  "\"\n"
                  "[listen]\npublic = \"127.0.0.1:0\"\ninternal = \"127.0.0.1:0\"\n"
                  "egress = \"127.0.0.1:0\"\n"
                  "[flexport]\napi_base = \"" +
                  nowhere + "\"\napi_key = \"unused\"\nstatus_page = \"\"\n" +
                  "[probes]\ninterval = \"1h\"\ntimeout = \"1s\"\n"
                  "status_page_interval = \"1h\"\nsubscription_interval = \"1h\"\n"
                  "[webhooks]\nsecrets = [\"${CRASH_WEBHOOK_SECRET}\"]\nforward_to = \"" +
                  app_.Url() + "\"\nmax_concurrency = " + std::to_string(kMaxConcurrency) +
                  "\nmax_attempts = 1000\n");
  }

  // Starts the agent and waits until it is ready: a fresh listen.json, then /readyz.
  std::optional<Addresses> StartAgent(int n) {
    agent_ = std::make_unique<AgentProcess>(
        dir_.path(), "agent" + std::to_string(n),
        std::vector<std::string>{FXAGENT_AGENT_BIN, "run", "-c", config_path_},
        std::vector<std::string>{std::string("CRASH_WEBHOOK_SECRET=") + kSecret}, data_dir_);
    if (!agent_->WaitListening("public") || !agent_->WaitListening("internal") ||
        !agent_->WaitReady()) {
      return std::nullopt;
    }
    Addresses a;
    std::tie(a.public_host, a.public_port) = HostPort(agent_->Address("public"));
    return a;
  }

  // Posts distinct signed events until shutdown, retrying each until it is answered.
  void Client(int index) {
    uint64_t seen = 0;
    std::string host;
    int port = 0;
    int seq = 0;
    std::string body, signature, id;
    bool need_new = true;
    while (target_.Await(&seen, &host, &port)) {
      httplib::Client client(host, port);
      client.set_connection_timeout(std::chrono::seconds(1));
      client.set_read_timeout(std::chrono::seconds(5));
      client.set_keep_alive(true);
      while (!stop_.load()) {
        if (need_new) {
          id = "evt_c" + std::to_string(index) + "_" + std::to_string(seq++);
          body = json{{"id", id},
                      {"type", "shipment.milestone"},
                      {"data",
                       {{"shipment_id", "S" + std::to_string(seq % 25)},
                        {"milestone", "departed"},
                        {"occurred_at", "2024-05-01T10:00:00Z"}}}}
                     .dump();
          signature = fxagent::testing::SignSha256Header(kSecret, body);
          need_new = false;
          sent_.fetch_add(1);
        }
        httplib::Headers headers = {{"X-Hub-Signature-256", signature}};
        auto res = client.Post("/webhooks/flexport", headers, body, "application/json");
        if (!res) break;  // the agent is gone: wait for the next one, then retry this event
        if (res->status == 200) {
          std::lock_guard<std::mutex> lock(mu_);
          acked_.insert(id);
          need_new = true;
        } else {
          ++non_200_;
          need_new = true;  // 503 etc.: not acknowledged, so not owed to the app
        }
      }
      if (stop_.load()) return;
    }
  }

  size_t Acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_.size();
  }

  TempDir dir_;
  RecordingApp app_;
  std::string data_dir_, config_path_;
  std::unique_ptr<AgentProcess> agent_;
  Target target_;
  std::atomic<bool> stop_{false};
  std::atomic<int> sent_{0};
  std::atomic<int> non_200_{0};
  std::mutex mu_;
  std::set<std::string> acked_;
};

TEST_F(CrashTest, EveryAcknowledgedEventReachesTheAppAcrossKill9) {
  const auto started = std::chrono::steady_clock::now();
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> after_ms(0, 400);
  std::cout << "[ crash    ] seed " << seed << std::endl;

  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) clients.emplace_back([this, i] { Client(i); });

  for (int crash = 0; crash < kCrashes; ++crash) {
    auto addr = StartAgent(crash);
    ASSERT_TRUE(addr) << "agent did not become ready; stderr:\n" << agent_->Stderr();
    const size_t before = Acked();
    target_.Set(addr->public_host, addr->public_port);
    // Let ingest get going, then kill at a random moment.
    ASSERT_TRUE(WaitFor([&] { return Acked() >= before + 40; }, std::chrono::seconds(10)));
    std::this_thread::sleep_for(milliseconds(after_ms(rng)));
    target_.Clear();
    auto status = agent_->Stop(SIGKILL, std::chrono::seconds(5));
    ASSERT_TRUE(status);
    EXPECT_EQ(*status, 128 + SIGKILL);
  }

  // The last start: ingest a little more, then stop the clients and drain.
  auto addr = StartAgent(kCrashes);
  ASSERT_TRUE(addr) << agent_->Stderr();
  const size_t before = Acked();
  target_.Set(addr->public_host, addr->public_port);
  ASSERT_TRUE(WaitFor([&] { return Acked() >= before + 40; }, std::chrono::seconds(10)));
  stop_ = true;
  target_.Shutdown();
  for (auto& t : clients) t.join();

  std::set<std::string> acked;
  {
    std::lock_guard<std::mutex> lock(mu_);
    acked = acked_;
  }
  auto all_delivered = [&] {
    auto got = app_.Deliveries();
    for (const auto& id : acked) {
      if (got.count(id) == 0) return false;
    }
    return true;
  };
  EXPECT_TRUE(WaitFor(all_delivered, std::chrono::seconds(30)));

  auto deliveries = app_.Deliveries();
  size_t missing = 0;
  for (const auto& id : acked) missing += deliveries.count(id) == 0 ? 1 : 0;
  int duplicates = 0;
  for (const auto& [id, n] : deliveries) duplicates += n - 1;
  const auto elapsed =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  std::cout << "[ crash    ] crashes " << kCrashes << ", events sent " << sent_.load()
            << ", acknowledged (200) " << acked.size() << ", distinct at app " << deliveries.size()
            << ", acknowledged but missing " << missing << ", duplicates at app " << duplicates
            << ", non-200 " << non_200_.load() << ", " << elapsed.count() << " ms" << std::endl;
  RecordProperty("acknowledged", static_cast<int>(acked.size()));
  RecordProperty("duplicates", duplicates);
  EXPECT_EQ(missing, 0u);
  EXPECT_GT(acked.size(), static_cast<size_t>(40 * (kCrashes + 1)));
  EXPECT_LE(duplicates, kCrashes * kMaxConcurrency);
  EXPECT_EQ(agent_->Stop(SIGTERM, std::chrono::seconds(10)), 0) << agent_->Stderr();
}

}  // namespace
}  // namespace fxagent
