// The durable outbox end to end: libcurl to a loopback receiver that fails and recovers,
// restarts, the fallback receiver, expiry and the sender thread.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/agent/notify/notify_test_util.h"

namespace fxagent {
namespace {

using namespace std::chrono_literals;
using testing::Harness;
using testing::LoopbackReceiver;
using testing::MakeAlert;
using testing::Resolved;

Config OneWebhook(const std::string& url) {
  Config c;
  c.receivers = {testing::Receiver("hook", "webhook", url)};
  c.routes = {testing::Route({"hook"})};
  return c;
}

std::shared_ptr<HttpClient> Curl() { return std::shared_ptr<HttpClient>(MakeCurlHttpClient()); }

TEST(OutboxTest, RetriesWhileDownAndDeliversInOrderAfterRecovery) {
  LoopbackReceiver rx;
  rx.SetStatus(503);
  Harness h(OneWebhook(rx.Url()), "recover", Curl());
  Alert a = MakeAlert("FlexportApiDown", "P1", "api");
  h.notifier->Update({a}, h.clock.Now());
  h.Step(10s);
  EXPECT_EQ(h.notifier->DeliverNow(), 1u);
  EXPECT_EQ(rx.Attempts(), 1);
  h.clock.Advance(1s);
  h.notifier->Update({Resolved(a, h.clock.Now())}, h.clock.Now());
  ASSERT_EQ(h.Queued().size(), 2u) << "nothing dropped while the receiver is down";
  EXPECT_EQ(h.notifier->DeliverNow(), 1u) << "backoff elapsed for the lane head only";
  EXPECT_EQ(
      h.Counter("flexport_notifications_total", {{"receiver", "hook"}, {"outcome", "failed"}}), 2);
  EXPECT_EQ(h.Counter("flexport_notifications_queue_depth", {}), 2);
  rx.SetStatus(200);
  h.clock.Advance(1s);
  EXPECT_EQ(h.notifier->DeliverNow(), 0u) << "second failure doubled the backoff";
  h.clock.Advance(1s);
  h.notifier->DeliverNow();
  h.notifier->DeliverNow();
  ASSERT_EQ(rx.Bodies().size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(rx.Bodies()[0])["status"], "firing");
  EXPECT_EQ(nlohmann::json::parse(rx.Bodies()[1])["status"], "resolved");
  EXPECT_TRUE(h.Queued().empty());
  EXPECT_EQ(h.Counter("flexport_notifications_total", {{"receiver", "hook"}, {"outcome", "sent"}}),
            2);
  EXPECT_EQ(h.Counter("flexport_notifications_queue_depth", {}), 0);
}

TEST(OutboxTest, SurvivesRestart) {
  LoopbackReceiver rx;
  rx.SetStatus(500);
  Harness h(OneWebhook(rx.Url()), "restart", Curl());
  Alert a = MakeAlert("FlexportApiDown", "P1", "api");
  h.notifier->Update({a}, h.clock.Now());
  h.Step(10s);
  h.notifier->DeliverNow();
  h.Open(Curl());  // a new Notifier over the same data_dir
  ASSERT_EQ(h.Queued().size(), 1u);
  rx.SetStatus(200);
  h.clock.Advance(2s);
  h.notifier->DeliverNow();
  ASSERT_EQ(rx.Bodies().size(), 1u);
  // Group state survived too: the still-firing alert is not paged again.
  h.notifier->Update({a}, h.clock.Now());
  h.Step(10s);
  EXPECT_TRUE(h.Queued().empty());
  ASSERT_EQ(h.notifier->Incidents().size(), 1u);
  EXPECT_TRUE(h.notifier->Incidents()[0].Open());
}

TEST(OutboxTest, SwitchesToFallbackWhenPrimaryKeepsFailing) {
  LoopbackReceiver primary, backup;
  primary.SetStatus(503);
  Config c = OneWebhook(primary.Url());
  c.receivers.push_back(testing::Receiver("backup", "webhook", backup.Url()));
  c.routes[0].fallback = "backup";
  Harness h(c, "fallback", Curl());
  h.notifier->Update({MakeAlert("FlexportApiDown", "P1", "api")}, h.clock.Now());
  h.Step(10s);
  for (int i = 0; i < 3; ++i) {
    h.notifier->DeliverNow();
    h.clock.Advance(10s);
  }
  EXPECT_EQ(primary.Attempts(), 3);
  h.notifier->DeliverNow();
  ASSERT_EQ(backup.Bodies().size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(backup.Bodies()[0])["receiver"], "backup");
  EXPECT_TRUE(h.Queued().empty());
}

TEST(OutboxTest, ExpiresPastMaxAgeAndCountsIt) {
  LoopbackReceiver rx;
  rx.SetStatus(503);
  Harness h(OneWebhook(rx.Url()), "expire", Curl());
  h.notifier->Update({MakeAlert("FlexportApiDown", "P1", "api")}, h.clock.Now());
  h.Step(10s);
  h.notifier->DeliverNow();
  h.clock.Advance(25h);
  h.notifier->DeliverNow();
  EXPECT_EQ(
      h.Counter("flexport_notifications_total", {{"receiver", "hook"}, {"outcome", "expired"}}), 1);
}

TEST(OutboxTest, FinalRejectionIsNotRetried) {
  Config c;
  c.receivers = {testing::Receiver("pd", "pagerduty", "http://pd.invalid/v2/enqueue")};
  c.routes = {testing::Route({"pd"})};
  Harness h(c, "final");
  h.http->SetScript([](const std::string&, size_t) { return 400; });
  h.notifier->Update({MakeAlert("FlexportApiDown", "P1", "api")}, h.clock.Now());
  h.Step(10s);
  h.notifier->DeliverNow();
  EXPECT_TRUE(h.Queued().empty());
  EXPECT_EQ(h.http->Calls().size(), 1u);
  std::string body = h.http->Calls()[0].body;
  EXPECT_NE(body.find("\"event_action\":\"trigger\""), std::string::npos);
}

TEST(OutboxTest, SenderThreadDelivers) {
  LoopbackReceiver rx;
  Config c = OneWebhook(rx.Url());
  c.routes[0].group_wait = 0ms;
  Harness h(c, "thread", Curl());
  h.notifier->Start();
  h.notifier->Update({MakeAlert("FlexportApiDown", "P1", "api")}, h.clock.Now());
  EXPECT_TRUE(rx.WaitForBodies(1));
  h.notifier->Stop();
}

}  // namespace
}  // namespace fxagent
