// Routing, grouping, inhibition, silences, acks, repeat, escalation and flap damping,
// driven by a fake clock; notifications are inspected in the outbox before delivery.
#include <gtest/gtest.h>

#include "tests/agent/notify/notify_test_util.h"

namespace fxagent {
namespace {

using namespace std::chrono_literals;
using testing::Harness;
using testing::MakeAlert;
using testing::Resolved;

Config TwoRoutes() {
  Config c;
  c.receivers = {testing::Receiver("oncall", "webhook", "http://oncall.invalid/hook"),
                 testing::Receiver("tickets", "webhook", "http://tickets.invalid/hook"),
                 testing::Receiver("manager", "webhook", "http://manager.invalid/hook")};
  c.routes = {testing::Route({"oncall"}, {"P1", "P2"}), testing::Route({"tickets"}, {"P3", "P4"})};
  return c;
}

std::vector<QueuedNotification> For(Harness& h, const std::string& receiver) {
  std::vector<QueuedNotification> out;
  for (QueuedNotification& q : h.Queued()) {
    if (q.receiver == receiver) out.push_back(std::move(q));
  }
  return out;
}

TEST(DispatchTest, RoutesBySeverityAfterGroupWait) {
  Harness h(TwoRoutes(), "route");
  h.notifier->Update(
      {MakeAlert("FlexportApiDown", "P1", "api"), MakeAlert("FlexportRateLimited", "P3", "proxy")},
      h.clock.Now());
  EXPECT_TRUE(h.Queued().empty()) << "group_wait holds the first notification";
  h.Step(9s);
  EXPECT_TRUE(h.Queued().empty());
  h.Step(1s);
  ASSERT_EQ(For(h, "oncall").size(), 1u);
  ASSERT_EQ(For(h, "tickets").size(), 1u);
  EXPECT_EQ(For(h, "oncall")[0].notification.alerts[0].Label("alertname"), "FlexportApiDown");
  EXPECT_EQ(For(h, "tickets")[0].notification.alerts[0].Label("alertname"), "FlexportRateLimited");
}

TEST(DispatchTest, MatchersAndContinue) {
  Config c = TwoRoutes();
  c.routes = {testing::Route({"manager"}, {}, {R"(component=~"api|webhooks")"}),
              testing::Route({"oncall"}, {"P1"})};
  c.routes[0].continue_matching = true;
  Harness h(c, "continue");
  h.notifier->Update({MakeAlert("FlexportApiDown", "P1", "api"),
                      MakeAlert("FlexportApiDownX", "P1", "apix")},  // anchored: no match
                     h.clock.Now());
  h.Step(10s);
  ASSERT_EQ(For(h, "manager").size(), 1u);
  EXPECT_EQ(For(h, "manager")[0].notification.alerts.size(), 1u);
  EXPECT_EQ(For(h, "oncall").size(), 2u) << "continue lets the P1 route match too";
}

TEST(DispatchTest, GroupsByGroupByLabels) {
  Config c = TwoRoutes();
  c.routes[0].group_by = {"severity"};
  Harness h(c, "groupby");
  h.notifier->Update(
      {MakeAlert("FlexportApiDown", "P1", "api"), MakeAlert("FlexportAuthFailing", "P1", "auth")},
      h.clock.Now());
  h.Step(10s);
  ASSERT_EQ(For(h, "oncall").size(), 1u);
  EXPECT_EQ(For(h, "oncall")[0].notification.alerts.size(), 2u);
  EXPECT_EQ(For(h, "oncall")[0].notification.group_labels, (LabelSet{{"severity", "P1"}}));
}

TEST(DispatchTest, NewAlertInGroupWaitsForGroupInterval) {
  Config c = TwoRoutes();
  c.routes[0].group_by = {"severity"};
  Harness h(c, "interval");
  Alert a = MakeAlert("FlexportApiDown", "P1", "api");
  h.notifier->Update({a}, h.clock.Now());
  h.Step(10s);
  h.http->Clear();
  h.notifier->DeliverNow();
  ASSERT_TRUE(h.Queued().empty());
  Alert b = MakeAlert("FlexportAuthFailing", "P1", "auth");
  h.notifier->Update({a, b}, h.clock.Now());
  h.Step(1min);
  EXPECT_TRUE(h.Queued().empty());
  h.Step(4min);
  ASSERT_EQ(For(h, "oncall").size(), 1u);
  EXPECT_EQ(For(h, "oncall")[0].notification.alerts.size(), 2u);
}

TEST(DispatchTest, ConfiguredInhibition) {
  Config c = TwoRoutes();
  InhibitConfig rule;
  rule.source_matchers = {R"(alertname="FlexportStatusPageMajor")"};
  rule.target_matchers = {R"(severity="P3")"};
  c.inhibit = {rule};
  Harness h(c, "inhibit");
  h.notifier->Update({MakeAlert("FlexportStatusPageMajor", "P2", "statuspage"),
                      MakeAlert("FlexportRateLimited", "P3", "proxy")},
                     h.clock.Now());
  h.Step(10s);
  EXPECT_EQ(For(h, "oncall").size(), 1u);
  EXPECT_TRUE(For(h, "tickets").empty());
  std::vector<AlertView> views = h.notifier->Alerts(h.clock.Now());
  bool inhibited = false;
  for (const AlertView& v : views) inhibited |= v.inhibited && v.state == "suppressed";
  EXPECT_TRUE(inhibited);
}

TEST(DispatchTest, DefaultInhibitionP1SilencesLowerSeveritiesOfTheSameComponent) {
  Config c = TwoRoutes();
  Harness h(c, "default_inhibit");
  h.notifier->Update(
      {MakeAlert("FlexportApiDown", "P1", "api"), MakeAlert("FlexportApiSlow", "P3", "api"),
       MakeAlert("FlexportWebhookGap", "P2", "webhooks")},
      h.clock.Now());
  h.Step(10s);
  std::vector<QueuedNotification> oncall = For(h, "oncall");
  ASSERT_EQ(oncall.size(), 2u) << "P1 api and P2 webhooks, not inhibited";
  EXPECT_TRUE(For(h, "tickets").empty()) << "P3 on the P1's component is inhibited";
}

TEST(DispatchTest, SilenceMutesMatchingAlerts) {
  Harness h(TwoRoutes(), "silence");
  std::string error;
  std::optional<Silence> s = SilenceFromJson(
      R"({"matchers": ["component=\"proxy\""], "endsAt": "2026-11-24T13:00:00Z",
          "comment": "maintenance", "createdBy": "ana"})",
      h.clock.Now(), &error);
  ASSERT_TRUE(s) << error;
  std::string id = h.notifier->AddSilence(*s, h.clock.Now());
  h.notifier->Update({MakeAlert("FlexportRateLimited", "P3", "proxy")}, h.clock.Now());
  h.Step(10s);
  EXPECT_TRUE(h.Queued().empty());
  EXPECT_EQ(h.notifier->ExpireSilence(id, h.clock.Now()), OpResult::kOk);
  h.Step(1s);
  EXPECT_TRUE(h.Queued().empty()) << "group_wait counts from the first unmuted moment";
  h.Step(10s);
  EXPECT_EQ(For(h, "tickets").size(), 1u) << "notified once the silence expired";
  EXPECT_EQ(h.notifier->ExpireSilence("nope", h.clock.Now()), OpResult::kNotFound);
}

TEST(DispatchTest, RepeatsEveryResponseTimeUntilAcknowledged) {
  Harness h(TwoRoutes(), "repeat");
  Alert a = MakeAlert("FlexportApiDown", "P1", "api");
  h.notifier->Update({a}, h.clock.Now());
  h.Step(10s);
  h.notifier->DeliverNow();
  h.Step(14min);
  EXPECT_TRUE(h.Queued().empty());
  h.Step(1min);  // P1 response time 15m = default repeat_interval
  ASSERT_EQ(For(h, "oncall").size(), 1u);
  EXPECT_EQ(For(h, "oncall")[0].notification.kind, NotificationKind::kRepeat);
  h.notifier->DeliverNow();
  std::string error;
  EXPECT_EQ(h.notifier->Ack(a.Fingerprint(), "ana", "on it", h.clock.Now(), &error), OpResult::kOk);
  h.Step(30min);
  EXPECT_TRUE(h.Queued().empty()) << "acknowledged alerts are not repeated";
  EXPECT_EQ(h.notifier->Ack("0000000000000000", "ana", "", h.clock.Now(), &error),
            OpResult::kNotFound);
}

TEST(DispatchTest, EscalatesOnceAfterResponseTimeUnacknowledged) {
  Config c = TwoRoutes();
  c.routes[0].escalate_to = {"manager"};
  c.routes[0].repeat_interval = 1h;
  Harness h(c, "escalate");
  h.notifier->Update({MakeAlert("FlexportWebhookGap", "P2", "webhooks")}, h.clock.Now());
  h.Step(10s);
  h.notifier->DeliverNow();
  h.Step(29min);
  EXPECT_TRUE(For(h, "manager").empty());
  h.Step(1min);  // P2: 30m from first seen
  ASSERT_EQ(For(h, "manager").size(), 1u);
  EXPECT_EQ(For(h, "manager")[0].notification.kind, NotificationKind::kEscalation);
  h.notifier->DeliverNow();
  h.Step(30min);
  EXPECT_TRUE(For(h, "manager").empty()) << "escalation happens once";
}

TEST(DispatchTest, AcknowledgedAlertIsNotEscalated) {
  Config c = TwoRoutes();
  c.routes[0].escalate_to = {"manager"};
  Harness h(c, "ack_no_escalate");
  Alert a = MakeAlert("FlexportWebhookGap", "P2", "webhooks");
  h.notifier->Update({a}, h.clock.Now());
  h.Step(10s);
  std::string error;
  h.notifier->Ack(a.Fingerprint(), "ana", "", h.clock.Now(), &error);
  h.Step(40min);
  EXPECT_TRUE(For(h, "manager").empty());
}

TEST(DispatchTest, ResolvedIsPromptAndFlappingIsDamped) {
  Harness h(TwoRoutes(), "flap");
  Alert a = MakeAlert("FlexportApiDown", "P1", "api");
  h.notifier->Update({a}, h.clock.Now());
  h.Step(10s);
  h.notifier->DeliverNow();
  h.clock.Advance(20s);
  h.notifier->Update({Resolved(a, h.clock.Now())}, h.clock.Now());
  ASSERT_EQ(For(h, "oncall").size(), 1u) << "resolved is not held back by group_interval";
  EXPECT_EQ(For(h, "oncall")[0].notification.Status(), "resolved");
  h.notifier->DeliverNow();
  // Re-fires 1 minute later (inside group_interval): no new page yet.
  h.clock.Advance(1min);
  h.notifier->Update({a}, h.clock.Now());
  h.Step(30s);
  EXPECT_TRUE(h.Queued().empty());
  h.Step(4min);  // group_interval after the last notification
  ASSERT_EQ(For(h, "oncall").size(), 1u);
  EXPECT_EQ(For(h, "oncall")[0].notification.Status(), "firing");
}

TEST(DispatchTest, MissingFromUpdateMeansResolved) {
  Harness h(TwoRoutes(), "missing");
  h.notifier->Update({MakeAlert("FlexportApiDown", "P1", "api")}, h.clock.Now());
  h.Step(10s);
  h.notifier->DeliverNow();
  h.clock.Advance(1s);
  h.notifier->Update({}, h.clock.Now());
  ASSERT_EQ(For(h, "oncall").size(), 1u);
  EXPECT_EQ(For(h, "oncall")[0].notification.Status(), "resolved");
}

TEST(DispatchTest, AlertmanagerReceiverIsRefreshedWhileFiring) {
  Config c;
  c.receivers = {testing::Receiver("am", "alertmanager", "http://am.invalid:9093")};
  c.routes = {testing::Route({"am"})};
  Harness h(c, "am_refresh");
  h.notifier->Update({MakeAlert("FlexportApiDown", "P1", "api")}, h.clock.Now());
  h.Step(10s);
  h.notifier->DeliverNow();
  ASSERT_EQ(h.http->Calls().size(), 1u);
  h.Step(1min);
  h.notifier->DeliverNow();
  ASSERT_EQ(h.http->Calls().size(), 2u);
  EXPECT_EQ(h.http->Calls()[1].url, "http://am.invalid:9093/api/v2/alerts");
}

}  // namespace
}  // namespace fxagent
