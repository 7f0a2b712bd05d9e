// Incident lifecycle, the HTTP API functions and the post-incident report.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/notify/incidents/incident_report.h"
#include "agent/notify/notify_api.h"
#include "tests/agent/notify/notify_test_util.h"

namespace fxagent {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Harness;
using testing::MakeAlert;
using testing::Resolved;

Config SlackAndPagerDuty() {
  Config c;
  c.receivers = {testing::Receiver("slack", "slack", "https://hooks.slack.invalid/services/SECRET"),
                 testing::Receiver("pd", "pagerduty", "https://events.pd.invalid/v2/enqueue")};
  c.routes = {testing::Route({"slack", "pd"})};
  return c;
}

ApiResponse Call(Harness& h, std::string method, std::string path, std::string body = "",
                 bool authorized = true) {
  ApiRequest req;
  req.method = std::move(method);
  req.path = std::move(path);
  req.body = std::move(body);
  req.authorized = authorized;
  std::optional<ApiResponse> r = HandleNotifyApi(*h.notifier, req);
  return r ? *r : ApiResponse{-1, "", ""};
}

TEST(IncidentTest, LifecycleTimelineAndReport) {
  Harness h(SlackAndPagerDuty(), "lifecycle");
  Alert a = MakeAlert("FlexportApiDown", "P1", "api");
  a.annotations["playbook"] = "api-outage";
  h.notifier->Update({a}, h.clock.Now());
  ASSERT_EQ(h.notifier->Incidents().size(), 1u);
  Incident inc = h.notifier->Incidents()[0];
  EXPECT_EQ(inc.status, IncidentStatus::kInvestigating);
  EXPECT_EQ(inc.severity, "P1");
  h.Step(10s);
  h.notifier->DeliverNow();

  h.notifier->SetImpact("tracking data stale since 12:00 UTC; 14 shipments affected",
                        h.clock.Now());
  h.clock.Advance(1min);
  h.notifier->SetStatusPageUnresolved(true, h.clock.Now());
  EXPECT_EQ(h.notifier->GetIncident(inc.id)->status, IncidentStatus::kIdentified);
  std::vector<QueuedNotification> q = h.notifier->Queued();
  ASSERT_EQ(q.size(), 1u) << "the update goes to Slack, not PagerDuty";
  EXPECT_EQ(q[0].receiver, "slack");
  EXPECT_EQ(q[0].notification.kind, NotificationKind::kIncidentUpdate);
  EXPECT_EQ(q[0].notification.incident->status, "Identified");
  h.clock.Advance(1s);
  h.notifier->DeliverNow();

  h.clock.Advance(2min);
  ApiResponse ack =
      Call(h, "POST", "/api/v1/alerts/" + a.Fingerprint() + "/ack", R"({"by": "ana"})");
  EXPECT_EQ(ack.status, 200) << ack.body;
  ApiResponse patch =
      Call(h, "PATCH", "/api/v1/incidents/" + std::to_string(inc.id),
           R"({"status": "mitigating", "currentAction": "Circuit breaker active"})");
  ASSERT_EQ(patch.status, 200) << patch.body;
  EXPECT_EQ(json::parse(patch.body)["status"], "Mitigating");
  q = h.notifier->Queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].notification.incident->current_action, "Circuit breaker active");
  h.clock.Advance(1s);
  h.notifier->DeliverNow();

  h.clock.Advance(20min);
  h.notifier->Update({Resolved(a, h.clock.Now())}, h.clock.Now());
  inc = *h.notifier->GetIncident(inc.id);
  EXPECT_EQ(inc.status, IncidentStatus::kResolved);
  ASSERT_TRUE(inc.resolved_at);

  ApiResponse report = Call(h, "GET", "/api/v1/incidents/" + std::to_string(inc.id) + "/report");
  ASSERT_EQ(report.status, 200);
  EXPECT_EQ(report.content_type.rfind("text/markdown", 0), 0u);
  for (const char* want :
       {"Post-incident report", "Flexport Integration Outage (P1)", "| Time to detect | 10s |",
        "| Time to acknowledge | 3m11s |", "| Time to resolve | 23m12s |", "14 shipments affected",
        "Flexport outage", "**fired** FlexportApiDown", "**acknowledged**", "**status** Identified",
        "**status** Mitigating", "**resolved**", "- [ ] Replay missed webhook events"}) {
    EXPECT_NE(report.body.find(want), std::string::npos) << want << "\n" << report.body;
  }
  ApiResponse closed = Call(h, "PATCH", "/api/v1/incidents/" + std::to_string(inc.id),
                            R"({"status": "identified"})");
  EXPECT_EQ(closed.status, 400);
}

TEST(IncidentTest, RootCauseFromAlertNames) {
  Incident i;
  i.alertnames = {"FlexportAuthFailing"};
  EXPECT_NE(ProbableRootCause(i).find("API key problem"), std::string::npos);
  i.alertnames = {"FlexportWebhookGap"};
  EXPECT_NE(ProbableRootCause(i).find("Webhook endpoint failure"), std::string::npos);
  i.alertnames = {"FlexportApiDown"};
  EXPECT_NE(ProbableRootCause(i).find("Flexport outage"), std::string::npos);
}

TEST(IncidentTest, ApiValidatesInputAndHidesSecrets) {
  Harness h(SlackAndPagerDuty(), "api");
  h.notifier->Update({MakeAlert("FlexportApiDown", "P1", "api")}, h.clock.Now());
  h.Step(10s);

  ApiResponse alerts = Call(h, "GET", "/api/v1/alerts");
  ASSERT_EQ(alerts.status, 200);
  EXPECT_EQ(json::parse(alerts.body).size(), 1u);
  EXPECT_EQ(alerts.body.find("SECRET"), std::string::npos);
  EXPECT_EQ(alerts.body.find("hooks.slack"), std::string::npos);

  EXPECT_EQ(Call(h, "POST", "/api/v1/silences", "{}", /*authorized=*/false).status, 401);
  EXPECT_EQ(Call(h, "POST", "/api/v1/silences", "not json").status, 400);
  EXPECT_EQ(Call(h, "POST", "/api/v1/silences",
                 R"({"matchers": ["severity=~\"P[\""], "endsAt": "2026-11-24T13:00:00Z"})")
                .status,
            400);
  EXPECT_EQ(Call(h, "POST", "/api/v1/silences",
                 R"({"matchers": ["severity=\"P1\""], "endsAt": "2026-11-24T11:00:00Z"})")
                .status,
            400);
  ApiResponse created = Call(h, "POST", "/api/v1/silences",
                             R"({"matchers": [{"name": "component", "value": "api"}],
                                 "endsAt": "2026-11-24T13:00:00Z", "comment": "deploy",
                                 "createdBy": "ana"})");
  ASSERT_EQ(created.status, 200) << created.body;
  std::string id = json::parse(created.body)["silenceID"];
  json list = json::parse(Call(h, "GET", "/api/v1/silences").body);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status"]["state"], "active");
  EXPECT_EQ(list[0]["matchers"][0], "component=\"api\"");
  EXPECT_EQ(Call(h, "DELETE", "/api/v1/silences/" + id, "", false).status, 401);
  EXPECT_EQ(Call(h, "DELETE", "/api/v1/silences/" + id).status, 200);
  EXPECT_EQ(Call(h, "DELETE", "/api/v1/silences/unknown").status, 404);

  EXPECT_EQ(Call(h, "POST", "/api/v1/alerts/ffffffffffffffff/ack").status, 404);
  EXPECT_EQ(Call(h, "GET", "/api/v1/incidents/999").status, 404);
  EXPECT_EQ(Call(h, "GET", "/api/v1/incidents/abc").status, 400);
  EXPECT_EQ(Call(h, "GET", "/api/v1/incidents/999/report").status, 404);
  EXPECT_EQ(Call(h, "PATCH", "/api/v1/incidents/1", R"({"status": "resolved"})").status, 400);
  EXPECT_EQ(Call(h, "PATCH", "/api/v1/incidents/1", R"({"status": "bogus"})").status, 400);
  EXPECT_EQ(Call(h, "PATCH", "/api/v1/incidents/1", R"({"status": 3})").status, 400);
  EXPECT_EQ(Call(h, "PATCH", "/api/v1/incidents/1", "{}").status, 400);
  ApiResponse one = Call(h, "GET", "/api/v1/incidents/1");
  ASSERT_EQ(one.status, 200);
  EXPECT_FALSE(json::parse(one.body)["timeline"].empty());
  EXPECT_EQ(one.body.find("SECRET"), std::string::npos);
  EXPECT_EQ(Call(h, "GET", "/api/v1/status").status, -1) << "not the notifier's path";
}

}  // namespace
}  // namespace fxagent
