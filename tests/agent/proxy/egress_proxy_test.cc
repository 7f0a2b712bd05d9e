// Loopback fidelity tests: what the client sends reaches the upstream unchanged, and what
// the upstream answers reaches the client unchanged (minus hop-by-hop headers).
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "agent/tracing/span_context.h"
#include "tests/agent/proxy/proxy_test_util.h"

namespace fxagent::testing {
namespace {

using nlohmann::json;

std::string AllBytes(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + i / 256) & 0xff);
  return s;
}

class EgressProxyTest : public ::testing::Test {
 protected:
  Upstream upstream_;
  ProxyUnderTest proxy_{ProxyConfig(upstream_.base_url())};
  std::unique_ptr<httplib::Client> client_ = proxy_.Client();
};

TEST_F(EgressProxyTest, ForwardsMethodTargetHeadersAndBody) {
  const std::string target = "/shipments/123?per=1&q=a%20b&sort=-id";
  const httplib::Headers headers = {
      {"Authorization", "Bearer secret-key"}, {"Flexport-Version", "2"}, {"X-Custom", "v1"}};
  for (const std::string method : {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    SCOPED_TRACE(method);
    httplib::Request req;
    req.method = method;
    req.path = target;
    req.headers = headers;
    const bool with_body = method != "GET" && method != "OPTIONS";
    if (with_body) {
      req.body = "{\"method\":\"" + method + "\"}";
      req.set_header("Content-Type", "application/json");
    }
    const auto res = client_->send(req);
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    const SeenRequest seen = upstream_.last();
    EXPECT_EQ(seen.method, method);
    EXPECT_EQ(seen.target, target);
    EXPECT_EQ(seen.body, with_body ? req.body : "");
    const auto get = [&](const char* name) {
      auto it = seen.headers.find(name);
      return it == seen.headers.end() ? std::string("<absent>") : it->second;
    };
    EXPECT_EQ(get("Authorization"), "Bearer secret-key");
    EXPECT_EQ(get("Flexport-Version"), "2");
    EXPECT_EQ(get("X-Custom"), "v1");
    EXPECT_EQ(get("Host"), upstream_.base_url().substr(7));
    if (with_body) {
      EXPECT_EQ(get("Content-Type"), "application/json");
    }
  }
}

TEST_F(EgressProxyTest, DoesNotForwardHopByHopRequestHeaders) {
  const auto res = client_->Get("/shipments", {{"Connection", "keep-alive, X-Hop"},
                                               {"X-Hop", "1"},
                                               {"Keep-Alive", "timeout=5"},
                                               {"Proxy-Authorization", "Basic abc"},
                                               {"TE", "trailers"},
                                               {"X-End-To-End", "yes"}});
  ASSERT_TRUE(res);
  const SeenRequest seen = upstream_.last();
  for (const char* h : {"X-Hop", "Keep-Alive", "Proxy-Authorization", "TE"}) {
    EXPECT_FALSE(seen.headers.count(h)) << h;
  }
  EXPECT_EQ(seen.headers.count("X-End-To-End"), 1u);
  EXPECT_NE(seen.headers.find("Host")->second, "127.0.0.1:" + std::to_string(proxy_.port()));
}

TEST_F(EgressProxyTest, ForwardsTenMebibyteBinaryBodyAndRejectsLarger) {
  const std::string body = AllBytes(10 * 1024 * 1024);
  auto res = client_->Post("/documents", body, "application/octet-stream");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(upstream_.last().body == body) << "request body bytes changed";

  const int hits = upstream_.hits();
  res = client_->Post("/documents", body + "x", "application/octet-stream");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(upstream_.hits(), hits);
}

TEST_F(EgressProxyTest, ForwardsMultipartBodiesAsRawBytes) {
  const httplib::MultipartFormDataItems items = {
      {"file", "PDF\x01\x02", "bol.pdf", "application/pdf"}, {"kind", "bill_of_lading", "", ""}};
  const auto res = client_->Post("/documents", items);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const SeenRequest seen = upstream_.last();
  EXPECT_NE(seen.body.find("bill_of_lading"), std::string::npos);
  EXPECT_NE(seen.body.find("PDF\x01\x02"), std::string::npos);
  EXPECT_EQ(seen.headers.find("Content-Type")->second.rfind("multipart/form-data; boundary=", 0),
            0u);
}

TEST_F(EgressProxyTest, ReturnsStatusHeadersAndBodyUnchanged) {
  upstream_.SetHandler([](const httplib::Request& req, httplib::Response& res) {
    res.status = std::stoi(req.path.substr(std::string("/status/").size()));
    res.set_header("X-RateLimit-Limit", "100");
    res.set_header("X-RateLimit-Remaining", "42");
    res.set_header("X-RateLimit-Reset", "30");
    res.set_header("ETag", "\"v1\"");
    if (res.status == 429 || res.status == 503) res.set_header("Retry-After", "7");
    if (res.status != 204 && res.status != 304) {
      res.set_content("{\"status\":" + std::to_string(res.status) + "}", "application/json");
    }
  });
  for (int code : {200, 201, 204, 304, 400, 401, 404, 429, 500, 503}) {
    SCOPED_TRACE(code);
    const auto res = client_->Get("/status/" + std::to_string(code));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, code);
    EXPECT_EQ(res->get_header_value("X-RateLimit-Limit"), "100");
    EXPECT_EQ(res->get_header_value("X-RateLimit-Remaining"), "42");
    EXPECT_EQ(res->get_header_value("X-RateLimit-Reset"), "30");
    EXPECT_EQ(res->get_header_value("ETag"), "\"v1\"");
    if (code == 429 || code == 503) {
      EXPECT_EQ(res->get_header_value("Retry-After"), "7");
    }
    if (code == 204 || code == 304) {
      EXPECT_EQ(res->body, "");
      if (code == 204) {
        EXPECT_FALSE(res->has_header("Content-Length"));
      }
    } else {
      EXPECT_EQ(res->body, "{\"status\":" + std::to_string(code) + "}");
      EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    }
  }
}

TEST_F(EgressProxyTest, ReturnsBinaryAndChunkedBodiesUnchanged) {
  const std::string bytes = AllBytes(300 * 1024);
  upstream_.SetHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/binary") {
      res.set_content(bytes, "application/octet-stream");
      return;
    }
    res.set_chunked_content_provider("application/json",
                                     [](size_t offset, httplib::DataSink& sink) {
                                       if (offset == 0) sink.write("[1,", 3);
                                       if (offset == 3) sink.write("2,", 2);
                                       if (offset == 5) {
                                         sink.write("3]", 2);
                                         sink.done();
                                       }
                                       return true;
                                     });
  });
  auto res = client_->Get("/binary");
  ASSERT_TRUE(res);
  EXPECT_TRUE(res->body == bytes);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/octet-stream");
  res = client_->Get("/chunked");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "[1,2,3]");
  EXPECT_FALSE(res->has_header("Transfer-Encoding") &&
               res->get_header_value("Transfer-Encoding") != "chunked");
}

TEST_F(EgressProxyTest, DropsHopByHopResponseHeadersKeepsDuplicates) {
  upstream_.SetHandler([](const httplib::Request&, httplib::Response& res) {
    res.set_header("Connection", "X-Hop-Response");
    res.set_header("X-Hop-Response", "1");
    res.set_header("Proxy-Authenticate", "Basic");
    res.set_header("Set-Cookie", "a=1");
    res.set_header("Set-Cookie", "b=2");
    res.set_header("X-Request-Id", "r-1");
    res.set_content("{}", "application/json");
  });
  const auto res = client_->Get("/shipments");
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->has_header("X-Hop-Response"));
  EXPECT_FALSE(res->has_header("Proxy-Authenticate"));
  EXPECT_EQ(res->get_header_value_count("Set-Cookie"), 2u);
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "r-1");
}

TEST_F(EgressProxyTest, NeitherRecompressesNorSlicesTheUpstreamsBody) {
  const std::string gz(
      "\x1f\x8b\x08\x00"
      "fake-gzip-bytes",
      19);
  upstream_.SetHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/gz") {
      res.set_header("Content-Encoding", "gzip");
      res.set_content(gz, "application/json");
    } else {
      res.set_content("0123456789", "application/json");
    }
  });
  auto res = client_->Get("/gz", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(res);
  EXPECT_TRUE(res->body == gz);
  EXPECT_EQ(res->get_header_value_count("Content-Encoding"), 1u);
  EXPECT_EQ(upstream_.last().headers.find("Accept-Encoding")->second, "gzip");

  res = client_->Get("/plain", {{"Accept-Encoding", "gzip"}, {"Range", "bytes=2-4"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "0123456789");
  EXPECT_FALSE(res->has_header("Content-Encoding"));
  EXPECT_EQ(upstream_.last().headers.find("Range")->second, "bytes=2-4");
}

TEST_F(EgressProxyTest, HeadKeepsTheUpstreamsContentLength) {
  upstream_.SetHandler([](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(1234, 'x'), "application/json");
  });
  const auto res = client_->Head("/shipments");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(upstream_.last().method, "HEAD");
  EXPECT_EQ(res->get_header_value("Content-Length"), "1234");
  EXPECT_EQ(res->body, "");
}

TEST_F(EgressProxyTest, ForwardsOrAddsTraceparent) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  ASSERT_TRUE(client_->Get("/shipments", {{"traceparent", tp}, {"tracestate", "vendor=1"}}));
  auto seen = upstream_.last();
  EXPECT_EQ(seen.headers.find("traceparent")->second, tp);
  EXPECT_EQ(seen.headers.find("tracestate")->second, "vendor=1");

  ASSERT_TRUE(client_->Get("/shipments"));
  seen = upstream_.last();
  ASSERT_EQ(seen.headers.count("traceparent"), 1u);
  const std::string added = seen.headers.find("traceparent")->second;
  EXPECT_TRUE(ParseTraceparent(added).has_value()) << added;
  EXPECT_EQ(added.substr(53), "01");

  ASSERT_TRUE(client_->Get("/shipments", {{"traceparent", "garbage"}, {"tracestate", "v=1"}}));
  seen = upstream_.last();
  ASSERT_EQ(seen.headers.count("traceparent"), 1u);
  EXPECT_TRUE(ParseTraceparent(seen.headers.find("traceparent")->second).has_value());
  EXPECT_EQ(seen.headers.count("tracestate"), 0u);
}

TEST_F(EgressProxyTest, RecordsApiMetricsWithTemplatedEndpoints) {
  upstream_.SetHandler([](const httplib::Request& req, httplib::Response& res) {
    res.status = req.path == "/shipments/456" ? 503 : 200;
    res.set_header("X-RateLimit-Limit", "100");
    res.set_header("X-RateLimit-Remaining", "42");
    res.set_header("X-RateLimit-Reset", "30");
    if (req.path == "/shipments/789") {
      res.status = 429;
      res.set_header("Retry-After", "3");
    }
    res.set_content("{}", "application/json");
  });
  ASSERT_TRUE(client_->Get("/shipments/123?per=1"));
  ASSERT_TRUE(client_->Get("/shipments/124"));
  ASSERT_TRUE(client_->Get("/shipments/456"));
  ASSERT_TRUE(client_->Get("/shipments/789"));
  const std::map<std::string, std::string> ok = {
      {"endpoint", "/shipments/:id"}, {"source", "proxy"}, {"code", "200"}};
  EXPECT_EQ(proxy_.Value("flexport_api_requests_total", ok), 2);
  EXPECT_EQ(proxy_.Value("flexport_api_requests_total",
                         {{"endpoint", "/shipments/:id"}, {"source", "proxy"}, {"code", "503"}}),
            1);
  EXPECT_EQ(proxy_.Value("flexport_api_requests_total",
                         {{"endpoint", "/shipments/:id"}, {"source", "proxy"}, {"code", "429"}}),
            1);
  EXPECT_EQ(proxy_.Value("flexport_api_request_duration_seconds",
                         {{"endpoint", "/shipments/:id"}, {"source", "proxy"}}),
            4);
  EXPECT_EQ(proxy_.Value("flexport_api_ratelimit_limit"), 100);
  EXPECT_EQ(proxy_.Value("flexport_api_ratelimit_remaining"), 42);
  EXPECT_EQ(proxy_.Value("flexport_api_retry_after_seconds"), 3);
  EXPECT_EQ(proxy_.Value("flexport_proxy_in_flight"), 0);
  EXPECT_EQ(proxy_.Value("flexport_proxy_breaker_state"), 0);
}

TEST_F(EgressProxyTest, ReusesUpstreamConnections) {
  ASSERT_TRUE(client_->Get("/shipments/1"));
  const int port = upstream_.last().remote_port;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client_->Get("/shipments/1"));
    EXPECT_EQ(upstream_.last().remote_port, port) << "a new upstream connection per request";
  }
}

TEST(EgressProxyErrors, UnreachableUpstreamIs502) {
  // A port that was free a moment ago: nothing listens there.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  ProxyUnderTest proxy(ProxyConfig("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port))));
  const auto res = proxy.Client()->Get("/shipments/77");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const json body = json::parse(res->body);
  EXPECT_EQ(body["error"], "upstream unreachable");
  EXPECT_EQ(body["cause"], "connect");
  EXPECT_EQ(proxy.Value("flexport_api_requests_total",
                        {{"endpoint", "/shipments/:id"}, {"source", "proxy"}, {"code", "error"}}),
            1);
}

TEST(EgressProxyErrors, SlowUpstreamIs504) {
  Upstream upstream;
  upstream.SetHandler([&](const httplib::Request&, httplib::Response& res) {
    upstream.Block();
    res.set_content("late", "text/plain");
  });
  Config config = ProxyConfig(upstream.base_url());
  config.proxy.timeout = std::chrono::milliseconds(300);
  ProxyUnderTest proxy(config);
  const auto res = proxy.Client()->Get("/shipments");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 504);
  const json body = json::parse(res->body);
  EXPECT_EQ(body["error"], "upstream timeout");
  EXPECT_EQ(body["cause"], "timeout");
  upstream.Release();
}

TEST(EgressProxyErrors, SurvivesClientsThatDisconnectMidRequest) {
  Upstream upstream;
  std::atomic<bool> slow{true};
  upstream.SetHandler([&](const httplib::Request&, httplib::Response& res) {
    if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    res.set_content(std::string(64 * 1024, 'x'), "text/plain");
  });
  ProxyUnderTest proxy(ProxyConfig(upstream.base_url()));
  for (int i = 0; i < 4; ++i) {
    auto impatient = proxy.Client();
    impatient->set_read_timeout(std::chrono::milliseconds(50));
    EXPECT_FALSE(impatient->Get("/shipments"));
  }
  slow = false;
  ASSERT_TRUE(
      ProxyUnderTest::Eventually([&] { return proxy.Value("flexport_proxy_in_flight") == 0; }));
  const auto res = proxy.Client()->Get("/shipments");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body.size(), 64u * 1024);
}

TEST(EgressProxyLifecycle, BindFailureThrowsAndStopIsIdempotent) {
  Upstream upstream;
  ProxyUnderTest first(ProxyConfig(upstream.base_url()));
  Logger log(LogFormat::kJson, LogLevel::kError);
  prometheus::Registry registry, api_registry;
  ApiMetrics api(api_registry);
  const Config config = ProxyConfig(upstream.base_url());
  EgressProxy second(config.proxy, config.flexport.api_base, api, registry, log);
  EXPECT_THROW(second.Bind({"127.0.0.1", first.port()}), std::runtime_error);
  second.Stop();
  second.Stop();
  first.proxy().Stop();
  first.proxy().Stop();
}

}  // namespace
}  // namespace fxagent::testing
