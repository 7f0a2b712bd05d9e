#include "agent/tracing/http_attributes.h"

#include <gtest/gtest.h>

#include "agent/tracing/semconv.h"

namespace fxagent {
namespace {

std::string StringAttr(const SpanData& s, std::string_view key) {
  for (const auto& a : s.attributes) {
    if (a.key == key) return std::get<std::string>(a.value);
  }
  return "<missing>";
}

std::int64_t IntAttr(const SpanData& s, std::string_view key) {
  for (const auto& a : s.attributes) {
    if (a.key == key) return std::get<std::int64_t>(a.value);
  }
  return -1;
}

bool HasAttr(const SpanData& s, std::string_view key) {
  for (const auto& a : s.attributes) {
    if (a.key == key) return true;
  }
  return false;
}

struct SanitizeCase {
  std::string in, want;
};

class SanitizeUrlTest : public ::testing::TestWithParam<SanitizeCase> {};

TEST_P(SanitizeUrlTest, DropsSecrets) {
  EXPECT_EQ(SanitizeUrlForSpan(GetParam().in), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Urls, SanitizeUrlTest,
    ::testing::Values(
        SanitizeCase{"https://api.flexport.com/shipments?per=1",
                     "https://api.flexport.com/shipments?per=REDACTED"},
        SanitizeCase{"https://user:s3cret@api.flexport.com:8443/x?token=abc&per=1#frag",
                     "https://api.flexport.com:8443/x?token=REDACTED&per=REDACTED"},
        SanitizeCase{"http://tok@127.0.0.1/hook", "http://127.0.0.1/hook"},
        SanitizeCase{"https://hooks.slack.com/services/T0/B0/xyz",
                     "https://hooks.slack.com/services/T0/B0/xyz"},
        SanitizeCase{"/shipments/123?api_key=k&flag", "/shipments/123?api_key=REDACTED&flag"},
        SanitizeCase{"https://h/p?", "https://h/p"},
        SanitizeCase{"https://h/p?&&a=1&", "https://h/p?a=REDACTED"},
        SanitizeCase{"http://[::1]:9000/v1/traces?x=y", "http://[::1]:9000/v1/traces?x=REDACTED"},
        SanitizeCase{"https://u:p@h", "https://h"}, SanitizeCase{"", ""}));

TEST(SanitizeUrlTest, NoSecretSurvives) {
  std::string url = "https://alice:pa55word@api.flexport.com/events?access_token=tok123&page=2";
  std::string out = SanitizeUrlForSpan(url);
  EXPECT_EQ(out.find("alice"), std::string::npos);
  EXPECT_EQ(out.find("pa55word"), std::string::npos);
  EXPECT_EQ(out.find("tok123"), std::string::npos);
  EXPECT_NE(out.find("access_token=REDACTED"), std::string::npos);
}

TEST(SanitizeUrlTest, RedactedPathForSecretPaths) {
  EXPECT_EQ(SanitizeUrlForSpan("https://hooks.slack.com/services/T0/B0/xyz?a=b", UrlPath::kRedact),
            "https://hooks.slack.com/REDACTED");
  EXPECT_EQ(SanitizeUrlForSpan("/hook/tok", UrlPath::kRedact), "/REDACTED");
}

TEST(HttpAttributesTest, ClientRequestWithSecretPath) {
  InMemoryTracer tracer;
  {
    auto span = tracer.StartSpan("notify", SpanKind::kClient);
    SetHttpClientRequest(span, "POST", "https://hooks.slack.com/services/T0/B0/xyz",
                         UrlPath::kRedact);
  }
  auto s = tracer.Spans().at(0);
  EXPECT_EQ(StringAttr(s, semconv::kUrlFull), "https://hooks.slack.com/REDACTED");
  EXPECT_EQ(StringAttr(s, semconv::kServerAddress), "hooks.slack.com");
  EXPECT_FALSE(HasAttr(s, semconv::kUrlPath));
}

TEST(SplitUrlTest, PartsAndDefaultPorts) {
  auto p = SplitUrlForSpan("HTTPS://api.flexport.com/shipments?per=1");
  EXPECT_EQ(p.scheme, "https");
  EXPECT_EQ(p.host, "api.flexport.com");
  EXPECT_EQ(p.port, 443);
  EXPECT_EQ(p.path, "/shipments");
  auto q = SplitUrlForSpan("http://u:p@127.0.0.1:3000");
  EXPECT_EQ(q.host, "127.0.0.1");
  EXPECT_EQ(q.port, 3000);
  EXPECT_EQ(q.path, "/");
  auto v6 = SplitUrlForSpan("http://[::1]/x");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 80);
  auto bad_port = SplitUrlForSpan("http://h:99999/x");
  EXPECT_EQ(bad_port.port, 80);
  auto path_only = SplitUrlForSpan("/a/b?c=d");
  EXPECT_EQ(path_only.scheme, "");
  EXPECT_EQ(path_only.port, 0);
  EXPECT_EQ(path_only.path, "/a/b");
}

TEST(HttpAttributesTest, ClientRequestUsesSemconvNamesAndSanitizes) {
  InMemoryTracer tracer;
  {
    auto span = tracer.StartSpan("GET", SpanKind::kClient);
    SetHttpClientRequest(span, "GET", "https://k:secret@api.flexport.com/shipments?per=1&token=t");
    SetHttpResponseStatus(span, 200);
  }
  auto s = tracer.Spans().at(0);
  EXPECT_EQ(StringAttr(s, semconv::kHttpRequestMethod), "GET");
  EXPECT_EQ(StringAttr(s, semconv::kUrlFull),
            "https://api.flexport.com/shipments?per=REDACTED&token=REDACTED");
  EXPECT_EQ(StringAttr(s, semconv::kUrlScheme), "https");
  EXPECT_EQ(StringAttr(s, semconv::kServerAddress), "api.flexport.com");
  EXPECT_EQ(IntAttr(s, semconv::kServerPort), 443);
  EXPECT_EQ(StringAttr(s, semconv::kUrlPath), "/shipments");
  EXPECT_EQ(IntAttr(s, semconv::kHttpResponseStatusCode), 200);
  EXPECT_EQ(s.status, SpanStatusCode::kUnset);
  for (const auto& a : s.attributes) {
    if (auto* v = std::get_if<std::string>(&a.value)) {
      EXPECT_EQ(v->find("secret"), std::string::npos) << a.key;
      EXPECT_EQ(v->find("=t"), std::string::npos) << a.key;
    }
  }
}

TEST(HttpAttributesTest, StatusMapsToSpanStatusByKind) {
  InMemoryTracer tracer;
  {
    auto client = tracer.StartSpan("client404", SpanKind::kClient);
    SetHttpResponseStatus(client, 404);
    auto server404 = tracer.StartSpan("server404", SpanKind::kServer);
    SetHttpResponseStatus(server404, 404);
    auto server503 = tracer.StartSpan("server503", SpanKind::kServer);
    SetHttpResponseStatus(server503, 503);
  }
  auto client = tracer.SpansNamed("client404").at(0);
  EXPECT_EQ(client.status, SpanStatusCode::kError);
  EXPECT_EQ(StringAttr(client, semconv::kErrorType), "404");
  auto s404 = tracer.SpansNamed("server404").at(0);
  EXPECT_EQ(s404.status, SpanStatusCode::kUnset);
  EXPECT_FALSE(HasAttr(s404, semconv::kErrorType));
  auto s503 = tracer.SpansNamed("server503").at(0);
  EXPECT_EQ(s503.status, SpanStatusCode::kError);
  EXPECT_EQ(StringAttr(s503, semconv::kErrorType), "503");
}

TEST(HttpAttributesTest, ServerRequestKeepsOnlyThePath) {
  InMemoryTracer tracer;
  {
    auto span = tracer.StartSpan("POST /webhooks/flexport", SpanKind::kServer);
    SetHttpServerRequest(span, "POST", "/webhooks/flexport?sig=abc", "/webhooks/flexport");
  }
  auto s = tracer.Spans().at(0);
  EXPECT_EQ(StringAttr(s, semconv::kUrlPath), "/webhooks/flexport");
  EXPECT_EQ(StringAttr(s, semconv::kHttpRoute), "/webhooks/flexport");
  EXPECT_EQ(StringAttr(s, semconv::kHttpRequestMethod), "POST");
}

TEST(HttpAttributesTest, NoopSpanIsUntouched) {
  NoopTracer tracer;
  auto span = tracer.StartSpan("x", SpanKind::kClient);
  SetHttpClientRequest(span, "GET", "https://h/");
  SetHttpResponseStatus(span, 500);
  EXPECT_FALSE(span.IsRecording());
}

}  // namespace
}  // namespace fxagent
