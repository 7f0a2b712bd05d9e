#include "agent/config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/agent/config/fake_env.h"

namespace fxagent {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::EmptyEnv;
using testing::FakeEnv;
using testing::TestData;

// Prepended to snippets so they pass the api_key requirement.
constexpr const char* kKey = "[flexport]\napi_key = \"k\"\n";

Config Load(const std::string& text, const std::string& source = "cfg.toml") {
  return LoadConfigText(text, source, FakeEnv);
}

std::string ErrorOf(const std::string& text, EnvLookup env = FakeEnv) {
  try {
    LoadConfigText(text, "cfg.toml", env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ConfigError, FormatsPosition) {
  ConfigError e("a.toml", 3, 7, "probes.interval: bad");
  EXPECT_STREQ(e.what(), "a.toml:3:7: probes.interval: bad");
  EXPECT_EQ(e.message(), "probes.interval: bad");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 7);
}

TEST(SpecExample, ParsesEveryValue) {
  const std::string path = TestData("valid-spec-example.toml");
  Config c = LoadConfigFile(path, FakeEnv);
  EXPECT_EQ(c.source, path);
  EXPECT_EQ(c.agent.instance, "orders-integration-1");
  EXPECT_EQ(c.agent.data_dir, "/var/lib/flexport-agent");

  EXPECT_EQ(c.listen.public_addr.ToString(), "0.0.0.0:8080");
  EXPECT_EQ(c.listen.internal.host, "127.0.0.1");
  EXPECT_EQ(c.listen.internal.port, 9464);
  EXPECT_EQ(c.listen.egress.port, 9465);
  EXPECT_EQ(c.listen.admin_token, "");

  EXPECT_EQ(c.flexport.api_base, "https://api.flexport.com");
  EXPECT_EQ(c.flexport.api_version, "2");
  EXPECT_EQ(c.flexport.auth, AuthMode::kApiKey);
  EXPECT_EQ(c.flexport.api_key, testing::kApiKey);
  ASSERT_TRUE(c.flexport.api_key_expires_at.has_value());
  EXPECT_EQ(*c.flexport.api_key_expires_at,
            TimePoint(std::chrono::sys_days(std::chrono::year{2027} / 1 / 31)));
  EXPECT_EQ(c.flexport.status_page, "https://status.flexport.com");

  EXPECT_EQ(c.probes.interval, seconds(15));
  EXPECT_EQ(c.probes.timeout, seconds(10));
  EXPECT_EQ(c.probes.endpoints, (std::vector<std::string>{"/shipments?per=1", "/bookings?per=1",
                                                          "/purchase_orders?per=1",
                                                          "/invoices?per=1", "/products?per=1"}));
  EXPECT_EQ(c.probes.status_page_interval, seconds(60));
  EXPECT_EQ(c.probes.subscription_interval, minutes(5));

  EXPECT_EQ(c.webhooks.path, "/webhooks/flexport");
  EXPECT_EQ(c.webhooks.secrets, std::vector<std::string>{testing::kWebhookSecret});
  EXPECT_FALSE(c.webhooks.allow_sha1);
  EXPECT_EQ(c.webhooks.forward_to, "http://127.0.0.1:3000/webhooks/flexport");
  EXPECT_EQ(c.webhooks.max_body, 1024u * 1024u);
  EXPECT_EQ(c.webhooks.dedup_window, hours(72));
  EXPECT_EQ(c.webhooks.max_attempts, 12);
  ASSERT_EQ(c.webhooks.expect.size(), 1u);
  EXPECT_EQ(c.webhooks.expect[0].types, std::vector<std::string>{"shipment.milestone"});
  EXPECT_EQ(c.webhooks.expect[0].max_gap, minutes(30));
  EXPECT_TRUE(c.webhooks.reconcile.enabled);
  EXPECT_EQ(c.webhooks.reconcile.interval, minutes(10));
  EXPECT_EQ(c.webhooks.reconcile.lookback, hours(6));
  EXPECT_TRUE(c.webhooks.reconcile.replay_missed);

  EXPECT_EQ(c.proxy.max_concurrency, 64);
  EXPECT_FALSE(c.proxy.queue_on_429);
  EXPECT_FALSE(c.proxy.breaker.enabled);

  EXPECT_EQ(c.rules.files, std::vector<std::string>{TestData("rules/default.toml")});
  EXPECT_EQ(c.rules.evaluation_interval, seconds(5));

  EXPECT_EQ(c.severity.p1, minutes(15));
  EXPECT_EQ(c.severity.p2, minutes(30));
  EXPECT_EQ(c.severity.p3, hours(2));
  EXPECT_EQ(c.severity.p4, hours(8));

  ASSERT_EQ(c.receivers.size(), 1u);
  EXPECT_EQ(c.receivers[0].name, "oncall-slack");
  EXPECT_EQ(c.receivers[0].type, "slack");
  EXPECT_EQ(c.receivers[0].urls, std::vector<std::string>{testing::kSlackUrl});

  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].severities, (std::vector<std::string>{"P1", "P2"}));
  EXPECT_EQ(c.routes[0].receivers, std::vector<std::string>{"oncall-slack"});
  EXPECT_EQ(c.routes[0].group_wait, seconds(10));
  EXPECT_EQ(c.routes[0].fallback, "");
  EXPECT_FALSE(c.routes[0].repeat_interval.has_value());

  ASSERT_EQ(c.inhibit.size(), 1u);
  EXPECT_EQ(c.inhibit[0].source_matchers, std::vector<std::string>{"severity=\"P1\""});
  EXPECT_EQ(c.inhibit[0].target_matchers, std::vector<std::string>{"severity=~\"P2|P3|P4\""});
  EXPECT_EQ(c.inhibit[0].equal, std::vector<std::string>{"component"});

  EXPECT_EQ(c.tracing.otlp_endpoint, "");
}

TEST(SpecExample, ValidatesWithoutErrors) {
  EXPECT_TRUE(ValidateConfigFile(TestData("valid-spec-example.toml"), FakeEnv).empty());
}

TEST(SpecExample, MissingSecretIsReportedByName) {
  std::vector<ConfigError> errors =
      ValidateConfigFile(TestData("valid-spec-example.toml"), EmptyEnv);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].message(),
            "flexport.api_key: environment variable FLEXPORT_API_KEY is not set");
  EXPECT_EQ(errors[0].line(), 14);
  EXPECT_EQ(errors[1].message(),
            "webhooks.secrets: environment variable FLEXPORT_WEBHOOK_SECRET is not set");
  EXPECT_EQ(errors[2].message(),
            "receivers[0].url: environment variable SLACK_WEBHOOK_URL is not set");
}

TEST(DefaultConfig, LoadsWhenApiKeyIsSet) {
  Config c = LoadDefaultConfig(FakeEnv);
  EXPECT_EQ(c.source, "<default>");
  EXPECT_EQ(c.flexport.api_base, "https://api.flexport.com");
  EXPECT_EQ(c.flexport.status_page, "https://status.flexport.com");
  EXPECT_EQ(c.flexport.api_key, testing::kApiKey);
  EXPECT_EQ(c.webhooks.secrets, std::vector<std::string>{testing::kWebhookSecret});
  EXPECT_EQ(c.webhooks.forward_to, "");
  EXPECT_EQ(c.agent.data_dir, "/var/lib/flexport-agent");
  EXPECT_FALSE(c.agent.instance.empty());
  EXPECT_EQ(c.listen.admin_token, "");
  EXPECT_EQ(c.probes.endpoints.size(), 5u);
  EXPECT_TRUE(c.rules.files.empty());
  EXPECT_TRUE(c.receivers.empty());
  EXPECT_TRUE(c.routes.empty());
  EXPECT_FALSE(c.webhooks.reconcile.enabled);
}

std::optional<std::string> OnlyApiKeyEnv(const std::string& name) {
  if (name == "FLEXPORT_API_KEY") return std::string(testing::kApiKey);
  if (name == "FLEXPORT_AGENT_DATA_DIR") return std::string("/tmp/fx");
  return std::nullopt;
}

TEST(DefaultConfig, OptionalSecretsMayBeUnset) {
  Config c = LoadDefaultConfig(OnlyApiKeyEnv);
  EXPECT_TRUE(c.webhooks.secrets.empty());
  EXPECT_EQ(c.agent.data_dir, "/tmp/fx");
}

TEST(DefaultConfig, FailsClearlyWithoutApiKey) {
  try {
    LoadDefaultConfig(EmptyEnv);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), "<default>");
    EXPECT_EQ(e.message(), "flexport.api_key: environment variable FLEXPORT_API_KEY is not set");
  }
}

TEST(DefaultConfig, InstanceDefaultsToHostname) {
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  EXPECT_EQ(LoadDefaultConfig(FakeEnv).agent.instance, host);
  EXPECT_EQ(Load(kKey).agent.instance, host);
}

TEST(Config, EmptyFileNeedsApiKey) {
  EXPECT_EQ(ErrorOf(""),
            "cfg.toml:1:1: flexport.api_key: required (or set auth = \"oauth\" with client_id "
            "and client_secret)");
}

TEST(Config, DefaultsWhenSectionsAreAbsent) {
  Config c = Load(kKey);
  EXPECT_EQ(c.probes.interval, seconds(15));
  EXPECT_EQ(c.webhooks.max_body, 1024u * 1024u);
  EXPECT_EQ(c.proxy.queue_max, 256);
  EXPECT_EQ(c.listen.public_addr.ToString(), "0.0.0.0:8080");
  EXPECT_EQ(c.flexport.api_key, "k");
}

TEST(Config, InterpolatesStringsInsideArraysAndKeepsEscapes) {
  Config c = Load(std::string(kKey) +
                  "[probes]\nendpoints = [\"/${A}\", \"/x?q=$${B}\", \"/${UNSET:-d}\"]\n");
  EXPECT_EQ(c.probes.endpoints, (std::vector<std::string>{"/alpha", "/x?q=${B}", "/d"}));
}

TEST(Config, StripsApiBaseTrailingSlashAndDefaultsTokenUrl) {
  Config c = Load(
      "[flexport]\napi_base = \"http://127.0.0.1:8081/\"\nauth = \"oauth\"\n"
      "client_id = \"id\"\nclient_secret = \"s\"\n");
  EXPECT_EQ(c.flexport.api_base, "http://127.0.0.1:8081");
  EXPECT_EQ(c.flexport.auth, AuthMode::kOAuth);
  EXPECT_EQ(c.flexport.token_url, "http://127.0.0.1:8081/oauth/token");
}

TEST(Config, OAuthWithoutClientIdPointsAtAuth) {
  EXPECT_EQ(ErrorOf("[flexport]\nauth = \"oauth\"\nclient_secret = \"s\"\n"),
            "cfg.toml:2:8: flexport.client_id: required when auth = \"oauth\"");
}

TEST(Config, ReportsEachMissingOAuthCredentialOnce) {
  std::vector<ConfigError> both =
      ValidateConfigText("[flexport]\nauth = \"oauth\"\n", "cfg.toml", FakeEnv);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_STREQ(both[0].what(), "cfg.toml:2:8: flexport.client_id: required when auth = \"oauth\"");
  EXPECT_STREQ(both[1].what(),
               "cfg.toml:2:8: flexport.client_secret: required when auth = \"oauth\"");
  // An unset variable is the one error, not also "required".
  std::vector<ConfigError> unset = ValidateConfigText(
      "[flexport]\nauth = \"oauth\"\nclient_id = \"i\"\nclient_secret = \"${OAUTH_SECRET}\"\n",
      "cfg.toml", FakeEnv);
  ASSERT_EQ(unset.size(), 1u);
  EXPECT_STREQ(unset[0].what(),
               "cfg.toml:4:17: flexport.client_secret: environment variable OAUTH_SECRET is not "
               "set");
}

TEST(Config, WrongTypeIsOneError) {
  std::vector<ConfigError> errors = ValidateConfigText(
      std::string(kKey) + "[[webhooks.expect]]\ntypes = \"shipment.milestone\"\n", "cfg.toml",
      FakeEnv);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_STREQ(errors[0].what(),
               "cfg.toml:4:9: webhooks.expect[0].types: expected an array of strings");
}

TEST(Config, AcceptsNativeTomlDateTime) {
  Config c = Load("[flexport]\napi_key = \"k\"\napi_key_expires_at = 2027-01-31T01:00:00+01:00\n");
  EXPECT_EQ(*c.flexport.api_key_expires_at,
            TimePoint(std::chrono::sys_days(std::chrono::year{2027} / 1 / 31)));
  EXPECT_EQ(ErrorOf("[flexport]\napi_key = \"k\"\napi_key_expires_at = 2027-01-31T01:00:00\n"),
            "cfg.toml:3:22: flexport.api_key_expires_at: expected an RFC 3339 timestamp like "
            "\"2027-01-31T00:00:00Z\" (a time zone offset is required)");
}

TEST(Config, ResolvesRuleFilesAgainstTheConfigDirectory) {
  const std::string text =
      std::string(kKey) +
      "[rules]\nfiles = [\"rules/a.toml\", \"/etc/fx/b.toml\", \"../c.toml\"]\n";
  EXPECT_EQ(LoadConfigText(text, "/etc/flexport-agent/agent.toml", FakeEnv).rules.files,
            (std::vector<std::string>{"/etc/flexport-agent/rules/a.toml", "/etc/fx/b.toml",
                                      "/etc/c.toml"}));
  EXPECT_EQ(LoadConfigText(text, "agent.toml", FakeEnv).rules.files,
            (std::vector<std::string>{"rules/a.toml", "/etc/fx/b.toml", "../c.toml"}));
}

TEST(Config, DropsEmptyWebhookSecrets) {
  Config c = Load(std::string(kKey) +
                  "[webhooks]\nsecrets = [\"${UNSET:-}\", \"${A}\", \"${EMPTY}\", \"old\"]\n");
  EXPECT_EQ(c.webhooks.secrets, (std::vector<std::string>{"alpha", "old"}));
}

TEST(Config, ReconcileDisabledUnlessPresent) {
  EXPECT_FALSE(Load(kKey).webhooks.reconcile.enabled);
  Config c = Load(std::string(kKey) + "[webhooks.reconcile]\nper = 50\n");
  EXPECT_TRUE(c.webhooks.reconcile.enabled);
  EXPECT_EQ(c.webhooks.reconcile.per, 50);
  EXPECT_FALSE(Load(std::string(kKey) + "[webhooks.reconcile]\nenabled = false\n")
                   .webhooks.reconcile.enabled);
}

TEST(Config, ReadsReceiversRoutesAndBreaker) {
  Config c = Load(std::string(kKey) + R"(
[proxy]
queue_max_wait = "45s"
[proxy.breaker]
enabled = true
failure_threshold = 3
cache_max_body = "512KiB"

[[receivers]]
name = "am"
type = "alertmanager"
urls = ["http://127.0.0.1:9093", "http://127.0.0.1:9094"]

[[receivers]]
name = "pd"
type = "pagerduty"
routing_key = "${A}"
timeout = "5s"

[[routes]]
matchers = ['component="api"', 'team!~"x|y"']
receivers = ["pd", "am"]
group_by = ["alertname"]
group_wait = "0s"
repeat_interval = "1h"
escalate_to = ["am"]
fallback = "am"
continue = true
)");
  EXPECT_TRUE(c.proxy.breaker.enabled);
  EXPECT_EQ(c.proxy.breaker.failure_threshold, 3);
  EXPECT_EQ(c.proxy.breaker.cache_max_body, 512u * 1024u);
  EXPECT_EQ(c.proxy.queue_max_wait, seconds(45));
  ASSERT_EQ(c.receivers.size(), 2u);
  EXPECT_EQ(c.receivers[0].urls.size(), 2u);
  EXPECT_EQ(c.receivers[1].routing_key, "alpha");
  EXPECT_EQ(c.receivers[1].urls,
            std::vector<std::string>{"https://events.pagerduty.com/v2/enqueue"});
  EXPECT_EQ(c.receivers[1].timeout, seconds(5));
  ASSERT_EQ(c.routes.size(), 1u);
  const RouteConfig& r = c.routes[0];
  EXPECT_EQ(r.matchers.size(), 2u);
  EXPECT_EQ(r.receivers, (std::vector<std::string>{"pd", "am"}));
  EXPECT_EQ(r.group_by, std::vector<std::string>{"alertname"});
  EXPECT_EQ(r.group_wait, Duration::zero());
  EXPECT_EQ(r.group_interval, minutes(5));
  EXPECT_EQ(r.repeat_interval, std::optional<Duration>(hours(1)));
  EXPECT_EQ(r.escalate_to, std::vector<std::string>{"am"});
  EXPECT_EQ(r.fallback, "am");
  EXPECT_TRUE(r.continue_matching);
}

TEST(Config, SizeAcceptsPlainBytes) {
  EXPECT_EQ(Load(std::string(kKey) + "[webhooks]\nmax_body = 2048\n").webhooks.max_body, 2048u);
}

TEST(Config, ValidateListsEveryErrorInOrder) {
  std::vector<ConfigError> errors = ValidateConfigText(std::string(kKey) + R"([probes]
interval = 15
timeout = "forever"
bogus = 1
[listen]
public = "0.0.0.0"
)",
                                                       "cfg.toml", FakeEnv);
  std::vector<std::string> got;
  for (const ConfigError& e : errors) got.push_back(std::to_string(e.line()) + ": " + e.message());
  ASSERT_EQ(got.size(), 4u);
  EXPECT_TRUE(got[0].starts_with("4: probes.interval: expected a duration string")) << got[0];
  EXPECT_TRUE(got[1].starts_with("5: probes.timeout: invalid duration \"forever\"")) << got[1];
  EXPECT_EQ(got[2], "6: unknown key \"bogus\" in [probes]");
  EXPECT_TRUE(got[3].starts_with("8: listen.public: invalid listen address")) << got[3];
}

TEST(Config, SecretValuesNeverAppearInErrors) {
  // Values that came from the environment are not echoed, even for non-secret keys.
  std::string e1 = ErrorOf(std::string(kKey) + "[probes]\ninterval = \"${FLEXPORT_API_KEY}\"\n");
  EXPECT_EQ(e1.find(testing::kApiKey), std::string::npos) << e1;
  EXPECT_EQ(e1,
            "cfg.toml:4:12: probes.interval: invalid duration: expected a duration string like "
            "\"30s\" (units ms, s, m, h, d; e.g. \"250ms\", \"5m\", \"1h30m\")");
  // Secret keys are never echoed, even when written inline.
  std::string e2 = ErrorOf(std::string(kKey) +
                           "[[receivers]]\nname = \"s\"\ntype = \"slack\"\n"
                           "url = \"hooks.slack.com/services/T0/B0/INLINESECRET\"\n");
  EXPECT_EQ(e2.find("INLINESECRET"), std::string::npos) << e2;
  EXPECT_EQ(e2, "cfg.toml:6:7: receivers[0].url: expected an http:// or https:// URL");
  std::string e3 = ErrorOf(std::string(kKey) + "[webhooks]\nsecrets = [\"${A}\", 42]\n");
  EXPECT_EQ(e3, "cfg.toml:4:20: webhooks.secrets: expected a string");
}

TEST(Config, MissingFileIsAConfigError) {
  try {
    LoadConfigFile("/nonexistent/agent.toml", FakeEnv);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/agent.toml:1:1: cannot open configuration file");
  }
}

}  // namespace
}  // namespace fxagent
