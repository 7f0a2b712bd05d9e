// Golden payload tests for every receiver type, plus Slack's limits.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "agent/notify/receivers/alertmanager_receiver.h"
#include "agent/notify/receivers/pagerduty_receiver.h"
#include "agent/notify/receivers/slack_receiver.h"
#include "agent/notify/receivers/webhook_receiver.h"
#include "tests/agent/notify/notify_test_util.h"

namespace fxagent {
namespace {

using nlohmann::json;
using testing::MakeAlert;
using testing::T0;

Notification SampleNotification() {
  Notification n;
  n.kind = NotificationKind::kAlert;
  n.receiver = "oncall";
  n.group_key = R"({}/route0:{alertname="FlexportApiDown", severity="P1"})";
  n.group_labels = {{"alertname", "FlexportApiDown"}, {"severity", "P1"}};
  Alert a = MakeAlert("FlexportApiDown", "P1", "api", T0());
  a.annotations["playbook"] = "api-outage";
  a.annotations["runbook_url"] = "https://runbooks.example/flexport#api-outage";
  Alert b = MakeAlert("FlexportApiDown", "P1", "api", T0() - std::chrono::minutes(3));
  b.labels["endpoint"] = "/shipments";
  b.annotations["playbook"] = "api-outage";
  b = testing::Resolved(b, T0() + std::chrono::minutes(1));
  n.alerts = {a, b};
  std::sort(n.alerts.begin(), n.alerts.end(),
            [](const Alert& x, const Alert& y) { return x.Fingerprint() < y.Fingerprint(); });
  n.created_at = T0() + std::chrono::minutes(2);
  n.severity = "P1";
  n.response_time = std::chrono::minutes(15);
  n.incident = IncidentSnapshot{7,
                                "Investigating",
                                "tracking data stale since 12:00 UTC",
                                "",
                                T0() - std::chrono::minutes(3),
                                std::nullopt};
  return n;
}

/// Compares with testdata/<name>; FXAGENT_UPDATE_GOLDEN=1 rewrites the file.
void ExpectGolden(const std::string& name, const json& actual) {
  std::string path = std::string(NOTIFY_TESTDATA_DIR) + "/" + name;
  if (std::getenv("FXAGENT_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << actual.dump(2) << "\n";
  }
  std::string text = testing::ReadFile(path);
  ASSERT_FALSE(text.empty()) << "missing golden " << path;
  json expected = json::parse(text);
  EXPECT_EQ(actual, expected) << "actual:\n" << actual.dump(2);
}

TEST(PayloadTest, WebhookIsAlertmanagerV4) {
  json j = json::parse(BuildWebhookPayload(SampleNotification(), "http://127.0.0.1:9464"));
  ExpectGolden("webhook.json", j);
  EXPECT_EQ(j["version"], "4");
  EXPECT_EQ(j["status"], "firing");
  // Firing alerts carry Go's zero time, as Alertmanager does.
  for (const json& a : j["alerts"]) {
    if (a["status"] == "firing") {
      EXPECT_EQ(a["endsAt"], "0001-01-01T00:00:00Z");
    }
    EXPECT_EQ(a["fingerprint"].get<std::string>().size(), 16u);
  }
}

TEST(PayloadTest, AlertmanagerApiV2) {
  TimePoint now = T0() + std::chrono::minutes(2);
  json j = json::parse(BuildAlertmanagerPayload(SampleNotification(), now));
  ExpectGolden("alertmanager.json", j);
  ASSERT_TRUE(j.is_array());
  // A firing alert's endsAt lies ahead of the send time so Alertmanager keeps it active.
  for (const json& a : j) {
    if (!a["labels"].contains("endpoint")) {
      EXPECT_EQ(a["endsAt"], FormatRfc3339(now + kAlertmanagerValidity));
    }
  }
}

TEST(PayloadTest, AlertmanagerClusterGetsEveryUrl) {
  ReceiverConfig rc = testing::Receiver("am", "alertmanager", "http://am-1:9093/");
  rc.urls.push_back("http://am-2:9093");
  AlertmanagerReceiver r(rc, {});
  std::vector<NotifyRequest> reqs = r.Build(SampleNotification(), T0());
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].url, "http://am-1:9093/api/v2/alerts");
  EXPECT_EQ(reqs[1].url, "http://am-2:9093/api/v2/alerts");
  EXPECT_TRUE(r.AnyRequestSuffices());
}

TEST(PayloadTest, PagerDutyEventsV2) {
  std::vector<std::string> events =
      BuildPagerDutyEvents(SampleNotification(), "test-routing-key", "http://127.0.0.1:9464");
  json all = json::array();
  for (const std::string& e : events) all.push_back(json::parse(e));
  ExpectGolden("pagerduty.json", all);
  ASSERT_EQ(all.size(), 2u);
  for (const json& e : all) {
    if (e["event_action"] == "trigger") {
      EXPECT_EQ(e["payload"]["severity"], "critical");
      EXPECT_EQ(e["payload"]["component"], "api");
    } else {
      EXPECT_EQ(e["event_action"], "resolve");
      EXPECT_FALSE(e.contains("payload"));
    }
  }
  EXPECT_EQ(PagerDutySeverity("P2"), "error");
  EXPECT_EQ(PagerDutySeverity("P3"), "warning");
  EXPECT_EQ(PagerDutySeverity("P4"), "info");
}

TEST(PayloadTest, PagerDutyVerdicts) {
  PagerDutyReceiver r(testing::Receiver("pd", "pagerduty", "http://pd"), {});
  EXPECT_EQ(r.Classify(202), Verdict::kSent);
  EXPECT_EQ(r.Classify(400), Verdict::kFinal);
  EXPECT_EQ(r.Classify(429), Verdict::kRetry);
  EXPECT_EQ(r.Classify(503), Verdict::kRetry);
  EXPECT_EQ(r.Classify(0), Verdict::kRetry);
}

TEST(PayloadTest, PagerDutySummaryCappedAt1024) {
  Notification n = SampleNotification();
  n.alerts[0].state = Alert::State::kFiring;
  n.alerts[0].annotations["summary"] = std::string(5000, 'x');
  json e = json::parse(BuildPagerDutyEvents(n, "k", "")[0]);
  std::string summary = e["payload"]["summary"];
  EXPECT_LE(summary.size(), 1024u + 2);  // "…" is three bytes for one character
  EXPECT_EQ(summary.substr(summary.size() - 3), "…");
}

TEST(PayloadTest, SlackFollowsTheCommunicationTemplate) {
  json j = json::parse(BuildSlackPayload(SampleNotification()));
  ExpectGolden("slack.json", j);
  std::string all = j.dump();
  for (const char* field : {"Incident:* Flexport Integration Outage", "*Status:* Investigating",
                            "*Started:* 2026-11-24 11:57 UTC", "*Impact:* tracking data stale",
                            "*Current action:* Confirm on the Flexport status page",
                            "*Next update:* 12:12 UTC", "Playbook: API outage"}) {
    EXPECT_NE(all.find(field), std::string::npos) << field;
  }
  EXPECT_TRUE(j["text"].get<std::string>().starts_with("[FIRING:1]"));
}

TEST(PayloadTest, SlackResolvedSaysHowLongItLasted) {
  Notification n = SampleNotification();
  for (Alert& a : n.alerts) a = testing::Resolved(a, T0() + std::chrono::minutes(62));
  n.incident->status = "Resolved";
  n.incident->resolved_at = T0() + std::chrono::minutes(62);
  std::string all = BuildSlackPayload(n);
  EXPECT_NE(all.find("*Status:* Resolved"), std::string::npos);
  EXPECT_NE(all.find("lasted 1h5m"), std::string::npos) << all;
  EXPECT_EQ(all.find("Next update"), std::string::npos);
}

TEST(PayloadTest, SlackTruncatesToItsLimits) {
  Notification n = SampleNotification();
  n.alerts.clear();
  for (int i = 0; i < 80; ++i) {
    Alert a = MakeAlert("FlexportEndpointDown", "P4", "api");
    a.labels["endpoint"] = "/e" + std::to_string(i);
    a.annotations["description"] = std::string(4000, 'd');
    n.alerts.push_back(a);
  }
  bool truncated = false;
  json j = json::parse(BuildSlackPayload(n, &truncated));
  EXPECT_TRUE(truncated);
  ASSERT_LE(j["blocks"].size(), kSlackMaxBlocks);
  bool saw_more = false;
  for (const json& b : j["blocks"]) {
    if (b["type"] == "section") {
      std::string text = b["text"]["text"];
      size_t chars = 0;
      for (unsigned char c : text) chars += (c & 0xC0) != 0x80 ? 1 : 0;
      EXPECT_LE(chars, kSlackSectionMax);
      saw_more |= text.find("more alerts") != std::string::npos;
    }
    if (b["type"] == "header") {
      EXPECT_LE(b["text"]["text"].get<std::string>().size(), 160u);
    }
  }
  EXPECT_TRUE(saw_more);
  std::string text = j["text"];
  EXPECT_EQ(text.substr(text.size() - 3), "…");
}

TEST(PayloadTest, TruncateTextKeepsUtf8Whole) {
  EXPECT_EQ(TruncateText("hello", 5), "hello");
  EXPECT_EQ(TruncateText("hello world", 6), "hello…");
  EXPECT_EQ(TruncateText("ééééé", 3), "éé…");
}

TEST(PayloadTest, RedactUrlKeepsSchemeAndHostOnly) {
  EXPECT_EQ(RedactUrl("https://hooks.slack.com/services/T000/B000/XXXX"),
            "https://hooks.slack.com/…");
  EXPECT_EQ(RedactUrl("http://user:pw@am:9093/x?token=1"), "http://am:9093/…");
  EXPECT_EQ(RedactUrl("not a url"), "…");
}

TEST(PayloadTest, NotificationJsonRoundTrips) {
  Notification n = SampleNotification();
  std::optional<Notification> back = NotificationFromJson(NotificationToJson(n));
  ASSERT_TRUE(back);
  EXPECT_EQ(NotificationToJson(*back), NotificationToJson(n));
  EXPECT_FALSE(NotificationFromJson("{\"v\":1}"));
  EXPECT_FALSE(NotificationFromJson("not json"));
}

}  // namespace
}  // namespace fxagent
