// Decodes what the exporter really sends with the official OTLP schema (the
// opentelemetry-proto definitions compiled by OpenTelemetry JS), not with our own code:
// see otlp_decode/decode.js. Needs `node`; installs the pinned npm packages with
// `npm ci` on first run.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/tracing/http_attributes.h"
#include "agent/tracing/otlp_tracer.h"
#include "agent/tracing/semconv.h"
#include "tests/agent/tracing/fake_collector.h"
#include "tests/support/subprocess.h"

namespace fxagent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

json Str(const std::string& s) { return json{{"stringValue", s}}; }
json Int(std::int64_t i) { return json{{"intValue", std::to_string(i)}}; }

class InstallLock {
 public:
  explicit InstallLock(const std::string& path) : fd_(open(path.c_str(), O_CREAT | O_RDWR, 0600)) {
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~InstallLock() {
    if (fd_ >= 0) close(fd_);
  }
  InstallLock(const InstallLock&) = delete;
  InstallLock& operator=(const InstallLock&) = delete;

 private:
  int fd_;
};

class OtlpConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = FindInPath("node");
    ASSERT_FALSE(node_.empty()) << "node not found in PATH: install nodejs (scripts/install-deps "
                                   "does) to run the OTLP schema conformance check";
    decoder_dir_ = FXAGENT_OTLP_DECODE_DIR;
    // ctest -j runs these tests in parallel processes: one `npm ci` at a time.
    InstallLock lock(decoder_dir_ + "/.install.lock");
    if (!fs::exists(fs::path(decoder_dir_) /
                    "node_modules/@opentelemetry/otlp-transformer/build/src/generated/root.js")) {
      std::string npm = FindInPath("npm");
      ASSERT_FALSE(npm.empty()) << "npm not found in PATH: install npm to run the OTLP check";
      auto r = testing::RunCommand(tmp_.path(),
                                   {npm, "ci", "--prefix", decoder_dir_, "--no-audit", "--no-fund"},
                                   {}, std::chrono::seconds(300));
      ASSERT_EQ(r.status, 0) << "npm ci failed in " << decoder_dir_ << " (no registry access?):\n"
                             << r.err;
    }
  }

  testing::RunResult Decode(const std::string& body, const json& expect) {
    std::string body_path = tmp_.path() + "/body.json";
    std::string expect_path = tmp_.path() + "/expect.json";
    testing::WriteFile(body_path, body);
    testing::WriteFile(expect_path, expect.dump(2));
    return testing::RunCommand(tmp_.path(),
                               {node_, decoder_dir_ + "/decode.js", body_path, expect_path});
  }

  testing::TempDir tmp_;
  std::string node_;
  std::string decoder_dir_;
};

TEST_F(OtlpConformanceTest, ExportedBodyDecodesWithTheOfficialSchema) {
  testing::FakeCollector collector;
  prometheus::Registry registry;
  OtlpExporterOptions options;
  options.endpoint = collector.Url();
  options.resource.service_version = "0.9.0-test";
  options.resource.service_instance_id = "orders-integration-1";
  options.flush_interval = std::chrono::minutes(1);
  OtlpTracer tracer(options, registry);

  json expected_spans = json::array();
  auto expect_span = [&](const ScopedSpan& span, const std::string& name, SpanKind kind,
                         const std::string& parent, std::int64_t start, std::int64_t end,
                         json status, json attributes, json events = json::array()) {
    expected_spans.push_back({{"name", name},
                              {"traceId", ToHex(span.context().trace_id)},
                              {"spanId", ToHex(span.context().span_id)},
                              {"parentSpanId", parent},
                              {"kind", static_cast<int>(kind)},
                              {"startTimeUnixNano", std::to_string(start)},
                              {"endTimeUnixNano", std::to_string(end)},
                              {"status", status},
                              {"attributes", attributes},
                              {"events", events}});
  };

  const std::int64_t t0 = 1764000000123456789;  // beyond 2^53: must survive as an exact int64
  auto caller = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(caller.has_value());

  {  // A proxied request: server span continuing the caller's trace, client span upstream.
    auto server = tracer.StartSpan("GET /shipments/:id", SpanKind::kServer, *caller, t0);
    SetHttpServerRequest(server, "GET", "/shipments/42?token=tokSECRETxyz", "/shipments/:id");
    auto client = server.StartChild("GET", SpanKind::kClient, t0 + 1000);
    SetHttpClientRequest(
        client, "GET", "https://key:s3cr3t@api.flexport.com/shipments/42?token=tokSECRETxyz&per=1");
    client.SetAttribute(semconv::kHttpRequestResendCount, 1);
    client.SetAttribute("flexport.ratelimit.remaining_ratio", 0.125);
    client.SetAttribute("flexport.cached", false);
    client.SetAttribute("flexport.test.negative", std::int64_t{-9007199254740993});
    client.AddEvent("retry", {{"attempt", std::int64_t{1}}}, t0 + 2000);
    SetHttpResponseStatus(client, 503);
    SetHttpResponseStatus(server, 503);
    EXPECT_EQ(client.Traceparent().substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
    expect_span(
        client, "GET", SpanKind::kClient, ToHex(server.context().span_id), t0 + 1000, t0 + 5000,
        {{"code", 2}},
        {{"http.request.method", Str("GET")},
         {"url.full", Str("https://api.flexport.com/shipments/42?token=REDACTED&per=REDACTED")},
         {"url.scheme", Str("https")},
         {"server.address", Str("api.flexport.com")},
         {"server.port", Int(443)},
         {"url.path", Str("/shipments/42")},
         {"http.request.resend_count", Int(1)},
         {"flexport.ratelimit.remaining_ratio", {{"doubleValue", 0.125}}},
         {"flexport.cached", {{"boolValue", false}}},
         {"flexport.test.negative", Int(-9007199254740993)},
         {"http.response.status_code", Int(503)},
         {"error.type", Str("503")}},
        json::array({"retry"}));
    expect_span(server, "GET /shipments/:id", SpanKind::kServer, "00f067aa0ba902b7", t0, t0 + 6000,
                {{"code", 2}},
                {{"http.request.method", Str("GET")},
                 {"url.path", Str("/shipments/42")},
                 {"http.route", Str("/shipments/:id")},
                 {"http.response.status_code", Int(503)}});
    client.End(t0 + 5000);
    server.End(t0 + 6000);
  }
  {  // A probe with phase children, and the other span kinds.
    auto probe = tracer.StartSpan("probe shipments", SpanKind::kClient, {}, t0);
    probe.SetAttribute(semconv::kFlexportProbe, "shipments");
    auto dns = probe.StartChild(semconv::kPhaseDns, SpanKind::kInternal, t0);
    expect_span(dns, "dns", SpanKind::kInternal, ToHex(probe.context().span_id), t0, t0 + 10,
                json::object(), json::object());
    dns.End(t0 + 10);
    probe.SetStatus(SpanStatusCode::kOk);
    expect_span(probe, "probe shipments", SpanKind::kClient, "", t0, t0 + 100, {{"code", 1}},
                {{"flexport.probe", Str("shipments")}});
    probe.End(t0 + 100);

    auto produce = tracer.StartSpan("notify oncall-slack", SpanKind::kProducer, {}, t0);
    produce.SetError("timeout", "receiver did not answer in 10s");
    expect_span(produce, "notify oncall-slack", SpanKind::kProducer, "", t0, t0 + 7,
                {{"code", 2}, {"message", "receiver did not answer in 10s"}},
                {{"error.type", Str("timeout")}});
    produce.End(t0 + 7);
    auto consume = tracer.StartSpan("webhook receive", SpanKind::kConsumer, {}, t0);
    expect_span(consume, "webhook receive", SpanKind::kConsumer, "", t0, t0 + 8, json::object(),
                json::object());
    consume.End(t0 + 8);
  }

  ASSERT_TRUE(tracer.ForceFlush(std::chrono::seconds(10)));
  auto requests = collector.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& body = requests[0].body;
  EXPECT_EQ(body.find("s3cr3t"), std::string::npos);
  // Not hex: a random trace or span id can never contain it by chance.
  EXPECT_EQ(body.find("tokSECRETxyz"), std::string::npos);

  json expect = {{"resource",
                  {{"service.name", "flexport-agent"},
                   {"service.version", "0.9.0-test"},
                   {"service.instance.id", "orders-integration-1"}}},
                 {"scope", "flexport-agent"},
                 {"spans", expected_spans}};
  auto r = Decode(body, expect);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("otlp-decode: OK 6 spans"), std::string::npos) << r.out << r.err;
}

TEST_F(OtlpConformanceTest, DecoderRejectsWhatTheMappingForbids) {
  // The check must be able to fail: enum names, upper-case ids, numeric int64 and
  // unknown fields are all refused.
  const std::string good =
      R"({"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"s"},)"
      R"("spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",)"
      R"("name":"x","kind":1,"startTimeUnixNano":"1","endTimeUnixNano":"2","status":{}}]}]}]})";
  auto ok = Decode(good, json::object());
  ASSERT_EQ(ok.status, 0) << ok.out << ok.err;

  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  for (const auto& bad :
       {replace(R"("kind":1)", R"("kind":"SPAN_KIND_INTERNAL")"),
        replace("4bf92f3577b34da6a3ce929d0e0e4736", "4BF92F3577B34DA6A3CE929D0E0E4736"),
        replace("00f067aa0ba902b7", "00f067aa0ba902"),
        replace(R"("startTimeUnixNano":"1")", R"("startTimeUnixNano":1)"),
        replace(R"("name":"x")", R"("name":"x","spanName":"x")")}) {
    auto r = Decode(bad, json::object());
    EXPECT_EQ(r.status, 1) << bad << "\n" << r.out << r.err;
  }
}

}  // namespace
}  // namespace fxagent
