// One file per invalid case under tests/testdata/config, each with its exact message.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "agent/config/config.h"
#include "tests/agent/config/fake_env.h"

namespace fxagent {
namespace {

using testing::FakeEnv;
using testing::TestData;

struct InvalidCase {
  const char* file;
  const char* expected;  // "line:col: message"
};

const InvalidCase kInvalidCases[] = {
    {"invalid-unknown-top-level-key.toml", "4:2: unknown key \"probe\" at top level"},
    {"invalid-unknown-key-in-section.toml", "6:1: unknown key \"intreval\" in [probes]"},
    {"invalid-unknown-key-in-route.toml", "14:1: unknown key \"group_wiat\" in routes[1]"},
    {"invalid-bad-duration.toml",
     "5:12: probes.interval: invalid duration \"15 seconds\": expected a duration string like "
     "\"30s\" (units ms, s, m, h, d; e.g. \"250ms\", \"5m\", \"1h30m\")"},
    {"invalid-integer-duration.toml",
     "5:12: probes.interval: expected a duration string like \"30s\" (units ms, s, m, h, d; "
     "e.g. \"250ms\", \"5m\", \"1h30m\"), not the bare number 30"},
    {"invalid-zero-duration.toml", "5:12: probes.interval: must be greater than 0"},
    {"invalid-bad-size.toml",
     "5:12: webhooks.max_body: invalid size \"1.5MiB\": expected bytes or a size string like "
     "\"512KiB\", \"1MiB\", \"10MB\""},
    {"invalid-bad-address.toml",
     "5:12: listen.internal: invalid listen address \"localhost\": expected host:port with a "
     "port from 0 to 65535, e.g. \"127.0.0.1:9464\" or \"[::1]:9464\""},
    {"invalid-bad-port.toml",
     "5:10: listen.egress: invalid listen address \"127.0.0.1:70000\": expected host:port with "
     "a port from 0 to 65535, e.g. \"127.0.0.1:9464\" or \"[::1]:9464\""},
    {"invalid-missing-env-var.toml",
     "2:15: listen.admin_token: environment variable AGENT_ADMIN_TOKEN is not set"},
    {"invalid-unterminated-interpolation.toml",
     "2:11: flexport.api_key: unterminated \"${\" (write \"$${\" for a literal \"${\")"},
    {"invalid-bad-url.toml", "2:12: flexport.api_base: expected an http:// or https:// URL"},
    {"invalid-bad-receiver-url.toml",
     "7:34: receivers[0].urls: expected an http:// or https:// URL"},
    {"invalid-unknown-receiver.toml", "15:30: routes[1].receivers: unknown receiver \"pager\""},
    {"invalid-unknown-fallback.toml", "11:12: routes[0].fallback: unknown receiver \"email\""},
    {"invalid-bad-severity.toml",
     "10:21: routes[0].severities: unknown severity \"P5\" (expected P1, P2, P3 or P4)"},
    {"invalid-bad-matcher.toml",
     "5:20: inhibit[0].source_matchers: invalid matcher \"severity=P1\": expected "
     "label=\"value\", label!=\"value\", label=~\"regex\" or label!~\"regex\""},
    {"invalid-bad-auth.toml",
     "2:8: flexport.auth: must be \"api_key\" or \"oauth\", got \"basic\""},
    {"invalid-oauth-without-secret.toml",
     "2:8: flexport.client_secret: required when auth = \"oauth\""},
    {"invalid-empty-api-key.toml",
     "2:11: flexport.api_key: required (or set auth = \"oauth\" with client_id and "
     "client_secret)"},
    {"invalid-toml-syntax.toml",
     "5:16: Error while parsing string: unescaped control characters other than TAB (U+0009) "
     "are explicitly prohibited"},
    {"invalid-duplicate-receiver.toml",
     "10:8: receivers[1].name: duplicate receiver name \"oncall\""},
    {"invalid-receiver-type.toml",
     "6:8: receivers[0].type: unknown receiver type \"email\" (expected slack, alertmanager, "
     "pagerduty or webhook)"},
    {"invalid-pagerduty-without-routing-key.toml",
     "4:1: receivers[0].routing_key: required for type \"pagerduty\""},
    {"invalid-endpoint-without-slash.toml",
     "5:34: probes.endpoints: must start with \"/\", got \"bookings?per=1\""},
    {"invalid-webhook-path.toml",
     "5:8: webhooks.path: must start with \"/\", got \"webhooks/flexport\""},
    {"invalid-reconcile-per.toml",
     "5:7: webhooks.reconcile.per: must be between 1 and 100, got 500"},
    {"invalid-max-attempts.toml", "5:16: webhooks.max_attempts: must be at least 1, got 0"},
    {"invalid-bad-timestamp.toml",
     "3:22: flexport.api_key_expires_at: invalid timestamp \"2027-02-30T00:00:00Z\": expected "
     "an RFC 3339 timestamp like \"2027-01-31T00:00:00Z\""},
    {"invalid-wrong-type.toml", "5:14: webhooks.allow_sha1: expected true or false"},
    {"invalid-section-not-table.toml", "1:10: probes: expected a table ([probes])"},
    {"invalid-bad-otlp-endpoint.toml",
     "5:17: tracing.otlp_endpoint: expected an http:// or https:// URL"},
    {"invalid-cluster-without-shared-store.toml",
     "4:1: [cluster] needs a shared store: set [storage] url to a PostgreSQL database"},
    {"invalid-storage-schema.toml",
     "6:10: storage.schema: must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 "
     "characters), got \"Flexport-Agent\""},
    // The url may hold a password: the message never quotes it.
    {"invalid-storage-url.toml",
     "5:7: storage.url: expected \"\" (embedded SQLite), a postgresql:// URI or a libpq "
     "conninfo string (key=value ...)"},
};

class InvalidConfigTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidConfigTest, ReportsExactPositionAndMessage) {
  const InvalidCase& c = GetParam();
  const std::string path = TestData(c.file);
  const std::string expected = path + ":" + c.expected;
  try {
    LoadConfigFile(path, FakeEnv);
    FAIL() << "expected ConfigError for " << c.file;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.what(), expected);
    EXPECT_EQ(e.file(), path);
  }
}

TEST_P(InvalidConfigTest, ValidateReportsExactlyThatError) {
  const InvalidCase& c = GetParam();
  const std::string path = TestData(c.file);
  std::vector<ConfigError> errors = ValidateConfigFile(path, FakeEnv);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].what(), path + ":" + c.expected);
}

TEST_P(InvalidConfigTest, NeverLeaksSecrets) {
  const InvalidCase& c = GetParam();
  for (const ConfigError& e : ValidateConfigFile(TestData(c.file), FakeEnv)) {
    const std::string what = e.what();
    EXPECT_EQ(what.find(testing::kApiKey), std::string::npos) << what;
    EXPECT_EQ(what.find(testing::kWebhookSecret), std::string::npos) << what;
    EXPECT_EQ(what.find("SLACKTOKEN"), std::string::npos) << what;
  }
}

std::string CaseName(const ::testing::TestParamInfo<InvalidCase>& info) {
  std::string name = info.param.file;
  name = name.substr(std::string("invalid-").size());
  name = name.substr(0, name.size() - std::string(".toml").size());
  for (char& ch : name) {
    if (ch == '-') ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Files, InvalidConfigTest, ::testing::ValuesIn(kInvalidCases), CaseName);

// Every invalid-*.toml file has a row in the table, so none is silently untested.
TEST(InvalidConfigFiles, AllHaveAnExpectation) {
  std::set<std::string> listed;
  for (const InvalidCase& c : kInvalidCases) listed.insert(c.file);
  for (const auto& entry : std::filesystem::directory_iterator(TestData(""))) {
    std::string name = entry.path().filename().string();
    if (name.starts_with("invalid-")) {
      EXPECT_TRUE(listed.contains(name)) << name;
    }
  }
}

}  // namespace
}  // namespace fxagent
