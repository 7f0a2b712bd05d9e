#include "agent/webhooks/reconciler.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>

#include <atomic>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "agent/config/units.h"
#include "agent/webhooks/reconcile_page.h"
#include "agent/webhooks/relay.h"
#include "agent/webhooks/signature.h"
#include "sim/sim_server.h"
#include "tests/agent/webhooks/test_app.h"
#include "tests/agent/webhooks/webhooks_test_util.h"
#include "tests/support/loopback_server.h"

namespace fxagent {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::LoopbackServer;
using testing::MetricValue;
using testing::TempDir;
using testing::TestApp;

constexpr char kSecret[] = "whsec-test";
constexpr char kApiKey[] = "api-key-never-logged";

// The relay behind a loopback HTTP listener, as the daemon's public listener does it.
class RelayServer {
 public:
  explicit RelayServer(WebhookRelay& relay)
      : server_([&relay](httplib::Server& s) {
          s.Post(".*", [&relay](const httplib::Request& req, httplib::Response& res) {
            WebhookRequest w;
            w.path = req.path;
            w.headers.assign(req.headers.begin(), req.headers.end());
            w.body = req.body;
            WebhookResponse r = relay.receiver().Handle(w);
            res.status = r.status;
            res.set_content(r.body, r.content_type.c_str());
          });
        }) {}
  std::string Url() const { return server_.Url("/webhooks/flexport"); }

 private:
  LoopbackServer server_;  // last: stops before the state its handlers use
};

// A scripted GET /events: the handler sees the page number and the request count.
class FakeEventsApi {
 public:
  using Handler = std::function<void(int page, int per, int n, const httplib::Request& req,
                                     httplib::Response& res)>;
  explicit FakeEventsApi(Handler handler)
      : handler_(std::move(handler)), server_([this](httplib::Server& s) {
          s.Get("/events", [this](const httplib::Request& req, httplib::Response& res) {
            int n = requests_++;
            handler_(std::stoi(req.get_param_value("page")), std::stoi(req.get_param_value("per")),
                     n, req, res);
          });
        }) {}
  std::string Url() const { return server_.Url(); }
  int requests() const { return requests_; }

 private:
  Handler handler_;
  std::atomic<int> requests_{0};
  LoopbackServer server_;  // last: stops before the state its handlers use
};

class CountingKey : public CredentialSource {
 public:
  std::optional<std::string> BearerToken(std::string*) override { return kApiKey; }
  void Invalidate() override { ++invalidated; }
  std::atomic<int> invalidated{0};
};

struct LogLines {
  std::mutex mu;
  std::vector<std::string> lines;
  ReconcileLogSink Sink() {
    return [this](LogLevel, std::string_view message, Logger::Fields fields) {
      std::string line(message);
      for (const auto& [k, v] : fields) line += " " + std::string(k) + "=" + v;
      std::lock_guard<std::mutex> lock(mu);
      lines.push_back(line);
    };
  }
  bool Contains(const std::string& needle) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& l : lines) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

ReconcilerOptions FastOptions() {
  ReconcilerOptions o;
  o.page_delay = milliseconds(5);
  o.settle = milliseconds(0);
  o.first_run_delay = milliseconds(0);
  o.rate_limit_backoff = milliseconds(50);
  return o;
}

std::string Rfc3339(EventTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// `count` events, newest first, one every `spacing`, the newest `first_age` old.
std::vector<json> EventList(int count, std::chrono::minutes first_age,
                            std::chrono::minutes spacing) {
  std::vector<json> out;
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < count; ++i) {
    out.push_back({{"_object", "/event"},
                   {"id", 1000 - i},
                   {"type", "/shipment_leg#departed"},
                   {"created_at", Rfc3339(now - first_age - i * spacing)},
                   {"data", {{"resource", {{"shipment", {{"id", 7}}}}}}}});
  }
  return out;
}

void ServePage(const std::vector<json>& items, int page, int per, httplib::Response& res) {
  json data = json::array();
  const size_t begin = static_cast<size_t>(page - 1) * per;
  for (size_t i = begin; i < items.size() && i < begin + per; ++i) data.push_back(items[i]);
  const bool more = begin + per < items.size();
  json body = {{"_object", "/api/response"},
               {"data",
                {{"_object", "/api/collections/paginated"},
                 {"next", more ? json("/events?page=" + std::to_string(page + 1)) : json()},
                 {"data", data}}}};
  res.set_content(body.dump(), "application/json");
}

struct Fixture {
  TempDir dir;
  FlexportSection flexport;
  WebhooksSection webhooks;
  prometheus::Registry registry;
  CountingKey key;
  LogLines log;
  std::unique_ptr<WebhookRelay> relay;

  explicit Fixture(const std::string& api_base, const std::string& forward_to = "") {
    flexport.api_base = api_base;
    webhooks.secrets = {kSecret};
    webhooks.forward_to = forward_to;
    webhooks.reconcile.enabled = true;
    webhooks.reconcile.per = 10;
    webhooks.reconcile.lookback = std::chrono::hours(1);
    relay = std::make_unique<WebhookRelay>(webhooks, dir.path(), registry,
                                           WebhookRelayOptions{.backoff_base = milliseconds(20)});
    relay->Start();
  }
  std::unique_ptr<WebhookReconciler> Reconciler(ReconcilerOptions options = FastOptions()) {
    return std::make_unique<WebhookReconciler>(flexport, webhooks.reconcile, webhooks, *relay, key,
                                               registry, log.Sink(), std::move(options));
  }
};

TEST(ReconcilePageTest, ParsesEnvelopeAndBareCollection) {
  const std::string body = R"({"_object":"/api/response","data":{"_object":
    "/api/collections/paginated","next":"/events?page=2","data":[
    {"_object":"/event","id":354987,"type":"/shipment_leg#departed",
     "created_at":"2024-05-01T10:00:00.000Z","data":{"resource":{"shipment":{"id":42}}}},
    {"id":"evt_1","type":"shipment.milestone","data":{"shipment_id":"S1",
     "occurred_at":"2024-05-01T09:00:00Z"}},
    {"type":"no.id"}, 17]}})";
  std::string error;
  auto page = ParseEventsPage(body, {"data.shipment_id", "data.resource.shipment.id"}, &error);
  ASSERT_TRUE(page) << error;
  EXPECT_TRUE(page->has_next);
  EXPECT_EQ(page->skipped, 2);
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].id, "354987");
  EXPECT_EQ(page->events[0].shipment_key, "42");
  EXPECT_EQ(page->events[0].created_at, ParseRfc3339("2024-05-01T10:00:00Z"));
  EXPECT_EQ(json::parse(page->events[0].body)["id"], 354987);
  EXPECT_EQ(page->events[1].id, "evt_1");
  EXPECT_EQ(page->events[1].created_at, ParseRfc3339("2024-05-01T09:00:00Z"));

  auto bare = ParseEventsPage(R"({"next":null,"data":[]})", {}, &error);
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->has_next);
  EXPECT_FALSE(ParseEventsPage("<html>", {}, &error));
  EXPECT_FALSE(ParseEventsPage(R"({"data":{"x":1}})", {}, &error));
}

TEST(EventStoreKnownIdsTest, FindsReceivedAndReconciledIds) {
  TempDir dir;
  WebhookEventStore store({.data_dir = dir.path()});
  NewEvent a{.id = "a", .type = "t", .body = "{}"};
  NewEvent b{.id = "b", .type = "t", .body = "{}", .source = EventSource::kReconciled};
  ASSERT_EQ(store.Store(a), StoreResult::kStored);
  ASSERT_EQ(store.Store(b), StoreResult::kStored);
  auto known = store.KnownIds({"a", "b", "c"});
  ASSERT_TRUE(known);
  EXPECT_EQ(*known, (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(store.KnownIds({})->size(), 0u);
}

// The issue's scenario: the simulator "loses" deliveries; the reconciler finds exactly
// those, counts them, replays each once, and the app gets them marked as reconciled.
TEST(WebhookReconcilerTest, FindsLostEventsAndReplaysThemOnce) {
  sim::SimOptions sim_options;
  sim_options.webhook_secret = kSecret;
  sim_options.api_key = kApiKey;
  sim_options.seed = 7;
  sim::SimServer sim(sim_options);
  ASSERT_GT(sim.Start(), 0);
  TestApp app;
  Fixture f(sim.BaseUrl(), app.Url());
  RelayServer relay_server(*f.relay);

  sim::SendJob job;
  job.target = relay_server.Url();
  job.count = 45;
  job.rate = 0;
  job.types = {"shipment.milestone", "/shipment_leg#departed", "/invoice#created"};
  job.lose_ratio = 0.3;
  sim.sender().Enqueue(job);
  ASSERT_TRUE(sim.sender().WaitIdle(std::chrono::seconds(20)));
  const int lost = sim.sender().Snapshot()["counters"]["lost"].get<int>();
  const int delivered = 45 - lost;
  ASSERT_GT(lost, 0) << "seed should lose some deliveries";
  ASSERT_GT(delivered, 0);
  ASSERT_TRUE(app.WaitForCount(delivered));

  auto reconciler = f.Reconciler();
  ReconcileReport report = reconciler->RunOnce();
  EXPECT_EQ(report.outcome, ReconcileOutcome::kOk) << report.error;
  EXPECT_EQ(report.pages, 5);  // 45 events, 10 per page
  EXPECT_EQ(report.listed, 45);
  EXPECT_EQ(report.missed, lost);
  EXPECT_EQ(report.replayed, lost);
  EXPECT_GE(report.oldest_missing_age_seconds, 0);
  EXPECT_LT(report.oldest_missing_age_seconds, 60);

  double missed_total = 0;
  for (const char* type : {"shipment.milestone", "/shipment_leg#departed", "/invoice#created"}) {
    double v = MetricValue(f.registry, "flexport_webhook_missed_total", {{"type", type}});
    if (v > 0) missed_total += v;
  }
  EXPECT_EQ(missed_total, lost);
  EXPECT_EQ(MetricValue(f.registry, "flexport_webhook_reconcile_runs_total", {{"outcome", "ok"}}),
            1);

  // Every event reaches the app once; exactly the lost ones are marked reconciled.
  ASSERT_TRUE(app.WaitForCount(45));
  std::set<std::string> missed(report.missed_ids.begin(), report.missed_ids.end());
  std::set<std::string> ids;
  int reconciled = 0;
  for (const auto& r : app.Requests()) {
    const std::string id = r.Header("X-Flexport-Agent-Event-Id");
    EXPECT_TRUE(ids.insert(id).second) << "delivered twice: " << id;
    if (r.Header("X-Flexport-Agent-Source") == "reconciled") {
      ++reconciled;
      EXPECT_EQ(missed.count(id), 1u) << id;
      EXPECT_EQ(json::parse(r.body)["id"].dump().find(id) != std::string::npos, true);
    } else {
      EXPECT_EQ(missed.count(id), 0u) << id;
    }
  }
  EXPECT_EQ(reconciled, lost);
  for (const json& e : sim.events().Newest(std::nullopt)) {
    const std::string id = e["id"].is_string() ? e["id"].get<std::string>() : e["id"].dump();
    EXPECT_EQ(ids.count(id), 1u) << id;
  }

  // A second run, and a fresh reconciler (as after a restart), find nothing new.
  ReconcileReport second = reconciler->RunOnce();
  EXPECT_EQ(second.outcome, ReconcileOutcome::kOk);
  EXPECT_EQ(second.missed, 0);
  EXPECT_EQ(second.replayed, 0);
  EXPECT_EQ(MetricValue(f.registry, "flexport_webhook_oldest_missing_age_seconds"), 0);
  ReconcileReport after_restart = f.Reconciler()->RunOnce();
  EXPECT_EQ(after_restart.missed, 0);
  EXPECT_EQ(after_restart.replayed, 0);
  // The app has answered the 45th request; the forwarder records that outcome right after.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (f.relay->store().Counts().pending != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(f.relay->store().Counts().pending, 0);
  EXPECT_EQ(app.Requests().size(), 45u);
  EXPECT_FALSE(f.log.Contains(kApiKey));
}

TEST(WebhookReconcilerTest, StopsPagingAtTheLookback) {
  // 50 events, the newest 1 min old, one every 10 min: 12 are within a 2 h lookback.
  const auto items = EventList(50, std::chrono::minutes(1), std::chrono::minutes(10));
  std::atomic<bool> headers_ok{true};
  FakeEventsApi api(
      [&](int page, int per, int, const httplib::Request& req, httplib::Response& res) {
        if (req.get_header_value("Authorization") != std::string("Bearer ") + kApiKey ||
            req.get_header_value("Flexport-Version") != "2") {
          headers_ok = false;
        }
        ServePage(items, page, per, res);
      });
  Fixture f(api.Url());
  f.webhooks.reconcile.per = 5;
  f.webhooks.reconcile.lookback = std::chrono::hours(2);
  f.webhooks.reconcile.replay_missed = false;
  auto reconciler = f.Reconciler();
  ReconcileReport report = reconciler->RunOnce();
  EXPECT_EQ(report.outcome, ReconcileOutcome::kOk) << report.error;
  EXPECT_EQ(api.requests(), 3);  // page 3 holds the first event past the lookback
  EXPECT_EQ(report.pages, 3);
  EXPECT_EQ(report.listed, 12);
  EXPECT_EQ(report.missed, 12);
  EXPECT_EQ(report.replayed, 0);  // replay_missed = false
  EXPECT_TRUE(headers_ok);
  EXPECT_NEAR(report.oldest_missing_age_seconds, 111 * 60, 5);
  EXPECT_NEAR(MetricValue(f.registry, "flexport_webhook_oldest_missing_age_seconds"), 111 * 60, 5);
  EXPECT_EQ(MetricValue(f.registry, "flexport_webhook_missed_total",
                        {{"type", "/shipment_leg#departed"}}),
            12);
  // Still missing on the next run (nothing was replayed), but counted only once.
  ReconcileReport again = reconciler->RunOnce();
  EXPECT_EQ(again.missed, 12);
  EXPECT_EQ(MetricValue(f.registry, "flexport_webhook_missed_total",
                        {{"type", "/shipment_leg#departed"}}),
            12);
  EXPECT_FALSE(f.relay->store().Get("1000"));
}

TEST(WebhookReconcilerTest, LookbackNeverExceedsTheDedupWindow) {
  const auto items = EventList(30, std::chrono::minutes(1), std::chrono::minutes(10));
  FakeEventsApi api([&](int page, int per, int, const httplib::Request&, httplib::Response& res) {
    ServePage(items, page, per, res);
  });
  Fixture f(api.Url());
  f.webhooks.reconcile.lookback = std::chrono::hours(24);
  f.webhooks.dedup_window = std::chrono::minutes(30);  // older events may be pruned
  ReconcileReport report = f.Reconciler()->RunOnce();
  EXPECT_EQ(report.listed, 3);  // 1, 11, 21 min old
  EXPECT_EQ(report.replayed, 3);
}

TEST(WebhookReconcilerTest, SkipsEventsYoungerThanTheSettleTime) {
  const auto items = EventList(5, std::chrono::minutes(0), std::chrono::minutes(1));
  FakeEventsApi api([&](int page, int per, int, const httplib::Request&, httplib::Response& res) {
    ServePage(items, page, per, res);
  });
  Fixture f(api.Url());
  ReconcilerOptions options = FastOptions();
  options.settle = std::chrono::seconds(90);
  ReconcileReport report = f.Reconciler(options)->RunOnce();
  EXPECT_EQ(report.listed, 3);  // 2, 3 and 4 min old; 0 and 1 min may still be in flight
}

TEST(WebhookReconcilerTest, HonoursRetryAfterOn429) {
  const auto items = EventList(25, std::chrono::minutes(1), std::chrono::minutes(1));
  std::atomic<int> served_429{0};
  FakeEventsApi api([&](int page, int per, int, const httplib::Request&, httplib::Response& res) {
    if (page == 2 && served_429++ == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content(R"({"error":{"status":429}})", "application/json");
      return;
    }
    ServePage(items, page, per, res);
  });
  Fixture f(api.Url());
  auto start = std::chrono::steady_clock::now();
  ReconcileReport report = f.Reconciler()->RunOnce();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(report.outcome, ReconcileOutcome::kOk) << report.error;
  EXPECT_EQ(report.rate_limited, 1);
  EXPECT_EQ(report.pages, 3);
  EXPECT_EQ(report.listed, 25);
  EXPECT_EQ(api.requests(), 4);
  EXPECT_GE(elapsed, milliseconds(950));
}

TEST(WebhookReconcilerTest, EndsTheRunWhenStillRateLimited) {
  FakeEventsApi api([&](int, int, int, const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "0");
  });
  Fixture f(api.Url());
  ReconcilerOptions options = FastOptions();
  options.max_rate_limited = 2;
  ReconcileReport report = f.Reconciler(options)->RunOnce();
  EXPECT_EQ(report.outcome, ReconcileOutcome::kRateLimited);
  EXPECT_EQ(api.requests(), 3);
  EXPECT_EQ(MetricValue(f.registry, "flexport_webhook_reconcile_runs_total",
                        {{"outcome", "ratelimited"}}),
            1);

  // A Retry-After beyond what a run may wait ends it at once.
  FakeEventsApi slow([&](int, int, int, const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "3600");
  });
  f.flexport.api_base = slow.Url();
  ReconcileReport second = f.Reconciler()->RunOnce();
  EXPECT_EQ(second.outcome, ReconcileOutcome::kRateLimited);
  EXPECT_EQ(slow.requests(), 1);
}

TEST(WebhookReconcilerTest, StopsOn401And5xxWithAWarning) {
  const auto items = EventList(25, std::chrono::minutes(1), std::chrono::minutes(1));
  std::atomic<int> status{401};
  FakeEventsApi api([&](int page, int per, int, const httplib::Request&, httplib::Response& res) {
    if (page == 2) {
      res.status = status;
      return;
    }
    ServePage(items, page, per, res);
  });
  Fixture f(api.Url());
  auto reconciler = f.Reconciler();
  ReconcileReport report = reconciler->RunOnce();
  EXPECT_EQ(report.outcome, ReconcileOutcome::kError);
  EXPECT_EQ(report.error, "HTTP 401");
  EXPECT_EQ(report.pages, 1);
  EXPECT_EQ(report.replayed, 10);  // the first page's findings are kept
  EXPECT_EQ(f.key.invalidated, 1);
  status = 503;
  EXPECT_EQ(reconciler->RunOnce().error, "HTTP 503");
  EXPECT_EQ(api.requests(), 4);  // no retry of page 2
  EXPECT_EQ(
      MetricValue(f.registry, "flexport_webhook_reconcile_runs_total", {{"outcome", "error"}}), 2);
  EXPECT_TRUE(f.log.Contains("webhook reconciliation stopped early"));
  EXPECT_FALSE(f.log.Contains(kApiKey));
}

TEST(WebhookReconcilerTest, BackgroundRunsStartAndStop) {
  const auto items = EventList(3, std::chrono::minutes(1), std::chrono::minutes(1));
  FakeEventsApi api([&](int page, int per, int, const httplib::Request&, httplib::Response& res) {
    ServePage(items, page, per, res);
  });
  Fixture f(api.Url());
  f.webhooks.reconcile.interval = std::chrono::hours(1);
  Logger logger(LogFormat::kJson, LogLevel::kInfo, stderr);
  WebhookReconciler reconciler(f.flexport, f.webhooks.reconcile, f.webhooks, *f.relay, f.key,
                               f.registry, logger, FastOptions());
  reconciler.Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (MetricValue(f.registry, "flexport_webhook_reconcile_runs_total", {{"outcome", "ok"}}) <
             1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));  // polling the first run's result
  }
  EXPECT_EQ(MetricValue(f.registry, "flexport_webhook_reconcile_runs_total", {{"outcome", "ok"}}),
            1);
  auto stop_start = std::chrono::steady_clock::now();
  reconciler.Stop();  // interrupts the hour-long wait
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, std::chrono::seconds(2));
  EXPECT_TRUE(f.relay->store().Get("1000"));
}

TEST(WebhookReconcilerTest, DisabledDoesNotStart) {
  FakeEventsApi api(
      [&](int, int, int, const httplib::Request&, httplib::Response& res) { res.status = 500; });
  Fixture f(api.Url());
  f.webhooks.reconcile.enabled = false;
  auto reconciler = f.Reconciler();
  reconciler->Start();
  reconciler->Stop();
  EXPECT_EQ(api.requests(), 0);
}

}  // namespace
}  // namespace fxagent
