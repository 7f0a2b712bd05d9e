#include "agent/proxy/egress_proxy.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "agent/base/logger.h"
#include "agent/proxy/proxy_core.h"
#include "agent/proxy/proxy_metrics.h"
#include "agent/runtime/elastic_thread_pool.h"

namespace fxagent {
namespace {

constexpr size_t kMaxRequestBody = size_t{10} * 1024 * 1024;
constexpr size_t kMaxServerThreads = 1024;
// Connections waiting while every thread is busy; beyond it the accept loop blocks.
constexpr size_t kMaxQueuedConnections = 1024;
constexpr size_t kKeepAliveMaxRequests = 1000;
// Marks a response with no body whose Content-Length httplib must not invent.
constexpr const char* kNoLengthMarker = "X-Fxagent-Internal-No-Length";

// httplib adds these pseudo headers to every request; they are not the client's.
bool IsServerPseudoHeader(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

bool MethodCarriesBody(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

}  // namespace

struct EgressProxy::Impl {
  Impl(const ProxySection& proxy, const std::string& api_base, ApiMetrics& api_metrics,
       prometheus::Registry& registry, Logger& l, std::shared_ptr<const Clock> clock)
      : log(l),
        metrics(registry),
        core(proxy, api_base, api_metrics, metrics, l, std::move(clock)),
        threads(std::clamp<size_t>(
            static_cast<size_t>(std::max(1, proxy.max_concurrency)) +
                (proxy.queue_on_429 ? static_cast<size_t>(std::max(0, proxy.queue_max)) : 0) + 16,
            8, kMaxServerThreads)) {}

  Logger& log;
  ProxyMetrics metrics;
  ProxyCore core;
  const size_t threads;
  httplib::Server server;
  std::thread thread;
  bool bound = false;
  bool stopped = false;

  void SetUp();
  void Serve(const httplib::Request& req, httplib::Response& res,
             const httplib::ContentReader* reader);
};

void EgressProxy::Impl::SetUp() {
  const auto plain = [this](const httplib::Request& req, httplib::Response& res) {
    Serve(req, res, nullptr);
  };
  const auto with_reader = [this](const httplib::Request& req, httplib::Response& res,
                                  const httplib::ContentReader& reader) {
    Serve(req, res, &reader);
  };
  // GET handlers also serve HEAD.
  server.Get(".*", plain);
  server.Options(".*", plain);
  server.Post(".*", plain);
  server.Put(".*", plain);
  server.Patch(".*", plain);
  server.Delete(".*", plain);
  server.Post(".*", with_reader);
  server.Put(".*", with_reader);
  server.Patch(".*", with_reader);
  server.Delete(".*", with_reader);

  server.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.has_header(kNoLengthMarker)) {
      res.headers.erase(kNoLengthMarker);
      res.headers.erase("Content-Length");
    }
  });
  server.set_exception_handler([this](const httplib::Request&, httplib::Response& res,
                                      const std::exception_ptr&) {
    log.Error("egress proxy request failed with an internal error");
    SendJson(res, 500, {{"error", "internal error in the egress proxy"}, {"cause", "internal"}});
  });
  server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    // Small answers: without TCP_NODELAY, delayed ACKs add ~40 ms per response.
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  });
  server.set_read_timeout(std::chrono::seconds(30));
  server.set_write_timeout(std::chrono::seconds(30));
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  server.set_payload_max_length(kMaxRequestBody);
  // Elastic, like the public listener: a fixed httplib::ThreadPool hands connections to
  // its threads in turn, so every one of them ends up with a touched stack and a filled
  // malloc cache (80 threads: RSS crept ~1.5 KiB/s over the soak). This pool reuses the
  // most recently idle thread and lets surplus ones exit, so memory follows concurrency.
  ElasticThreadPoolOptions pool;
  pool.core_threads = 4;
  pool.max_threads = threads;
  pool.max_queued = kMaxQueuedConnections;
  pool.idle_timeout = std::chrono::seconds(5);
  // httplib parses a Range header with a recursive std::regex before any handler runs
  // (see PublicPoolOptions): 8 MiB of virtual stack, touched only as deep as used.
  pool.stack_size = size_t{8} << 20;
  pool.name = "fxa-egress";
  server.new_task_queue = [pool] { return NewHttpTaskQueue(pool); };
}

void EgressProxy::Impl::Serve(const httplib::Request& req, httplib::Response& res,
                              const httplib::ContentReader* reader) {
  ProxyRequest pr;
  pr.method = req.method;
  pr.target = req.target;
  pr.headers.reserve(req.headers.size());
  for (const auto& [name, value] : req.headers) {
    if (!IsServerPseudoHeader(name)) pr.headers.emplace_back(name, value);
  }
  // The request object is not const in httplib (only the handler's view of it is). We
  // change how httplib treats it, not what is forwarded: read multipart bodies as raw bytes,
  // and keep httplib from applying Range or compressing the upstream's response itself.
  auto& mutable_req = const_cast<httplib::Request&>(req);
  if (reader != nullptr) {
    mutable_req.headers.erase("Content-Type");
    const bool ok = (*reader)([&pr](const char* data, size_t n) {
      pr.body.append(data, n);
      return true;
    });
    if (!ok) {
      if (res.status == 413) {
        SendJson(res, 413,
                 {{"error", "request body too large"},
                  {"cause", "payload_too_large"},
                  {"limit_bytes", kMaxRequestBody}});
      } else {
        SendJson(res, 400, {{"error", "could not read the request body"}, {"cause", "client"}});
      }
      return;
    }
  } else {
    pr.body = req.body;
  }
  pr.has_body = MethodCarriesBody(pr.method) || !pr.body.empty();
  mutable_req.ranges.clear();
  mutable_req.headers.erase("Accept-Encoding");

  ProxyResponse out = core.Handle(pr);
  res.status = out.status;
  bool has_length = false;
  for (auto& [name, value] : out.headers) {
    if (HeaderNameEquals(name, "content-length")) has_length = true;
    res.set_header(name, value);
  }
  const bool bodiless = req.method == "HEAD" || out.status == 204 || out.status == 304 ||
                        (out.status >= 100 && out.status < 200);
  if (bodiless && (!has_length || out.status == 204)) res.set_header(kNoLengthMarker, "1");
  if (!bodiless) res.body = std::move(out.body);
}

EgressProxy::EgressProxy(const ProxySection& proxy, const std::string& api_base,
                         ApiMetrics& api_metrics, prometheus::Registry& registry, Logger& log,
                         std::shared_ptr<const Clock> clock)
    : impl_(std::make_unique<Impl>(proxy, api_base, api_metrics, registry, log, std::move(clock))) {
  impl_->SetUp();
}

EgressProxy::~EgressProxy() { Stop(); }

ListenAddress EgressProxy::Bind(const ListenAddress& want) {
  int port = want.port;
  if (port == 0) {
    port = impl_->server.bind_to_any_port(want.host);
    if (port < 0) port = 0;
  } else if (!impl_->server.bind_to_port(want.host, port)) {
    port = 0;
  }
  if (port == 0) {
    throw std::runtime_error("cannot listen on " + want.ToString() +
                             " (egress listener): address in use or not available");
  }
  impl_->bound = true;
  return {want.host, static_cast<uint16_t>(port)};
}

void EgressProxy::SetTracer(Tracer* tracer) { impl_->core.SetTracer(tracer); }

void EgressProxy::Start() {
  Impl& d = *impl_;
  if (!d.bound || d.stopped || d.thread.joinable()) return;
  d.thread = std::thread([&d] { d.server.listen_after_bind(); });
  // stop() is a no-op until the server runs; wait so a quick Stop() cannot be lost.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!d.server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void EgressProxy::Stop() {
  Impl& d = *impl_;
  if (d.stopped) return;
  d.stopped = true;
  d.core.Stop();
  d.server.stop();
  if (d.thread.joinable()) d.thread.join();
}

}  // namespace fxagent
