#include "tests/hostile/hostile_util.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/webhook_signing.h"

namespace fxagent::hostile {

using testing::ReadFile;
using testing::WaitFor;
using testing::WriteFile;
using Clock = std::chrono::steady_clock;

namespace {

int PortOf(const nlohmann::json& j, const char* key) {
  const std::string addr = j.value(key, "");
  const size_t colon = addr.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(addr.c_str() + colon + 1);
}

}  // namespace

AgentUnderTest::AgentUnderTest(const std::string& extra_listen_toml) {
  data_dir_ = dir_.path() + "/data";
  config_path_ = dir_.path() + "/agent.toml";
  // Nothing outside loopback: Flexport, the status page and the app all point at a port
  // nobody listens on, and probes run hourly.
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  WriteFile(config_path_,
            "[agent]\ninstance = \"hostile\"\ndata_dir = \"" + data_dir_ + "\"\n" +
                "[listen]\npublic = \"127.0.0.1:0\"\ninternal = \"127.0.0.1:0\"\n"
                "egress = \"127.0.0.1:0\"\n" +
                extra_listen_toml + "\n[flexport]\napi_base = \"" + nowhere +
                "\"\napi_key = \"unused\"\nstatus_page = \"\"\n"
                "[probes]\ninterval = \"1h\"\ntimeout = \"1s\"\n"
                "status_page_interval = \"1h\"\nsubscription_interval = \"1h\"\n"
                "[webhooks]\nsecrets = [\"${HOSTILE_WEBHOOK_SECRET}\"]\nforward_to = \"\"\n"
                "max_body = \"64KiB\"\n");
}

AgentUnderTest::~AgentUnderTest() {
  if (process_) process_->Stop(SIGTERM, std::chrono::seconds(10));
}

bool AgentUnderTest::Start() {
  // FXAGENT_HOSTILE_AGENT_BIN runs the same tests against another build of the agent
  // (e.g. one with different listener settings).
  const char* override_bin = std::getenv("FXAGENT_HOSTILE_AGENT_BIN");
  const std::string bin = override_bin != nullptr ? override_bin : FXAGENT_AGENT_BIN;
  process_ = std::make_unique<testing::Subprocess>(
      dir_.path(), "agent", std::vector<std::string>{bin, "run", "-c", config_path_},
      std::vector<std::string>{std::string("HOSTILE_WEBHOOK_SECRET=") + kSecret});
  const bool listening = WaitFor(
      [&] {
        const auto j = nlohmann::json::parse(ReadFile(data_dir_ + "/listen.json"), nullptr, false);
        if (j.is_discarded() || !j.is_object()) return false;
        public_port_ = PortOf(j, "public");
        internal_port_ = PortOf(j, "internal");
        return public_port_ > 0 && internal_port_ > 0;
      },
      std::chrono::seconds(15));
  if (!listening) return false;
  httplib::Client internal("127.0.0.1", internal_port_);
  internal.set_connection_timeout(std::chrono::seconds(1));
  return WaitFor([&] {
    auto res = internal.Get("/readyz");
    return res && res->status == 200;
  });
}

bool AgentUnderTest::Running() { return process_ && process_->Running(); }

bool AgentUnderTest::Healthy() {
  for (int port : {public_port_, internal_port_}) {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(std::chrono::seconds(2));
    c.set_read_timeout(std::chrono::seconds(2));
    auto res = c.Get("/healthz");
    if (!res || res->status != 200) return false;
  }
  return true;
}

std::string AgentUnderTest::Stderr() const { return process_ ? process_->Stderr() : ""; }

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int yes = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Send(std::string_view data) {
  while (fd_ >= 0 && !data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return fd_ >= 0;
}

std::string RawConnection::Receive(std::chrono::milliseconds timeout, size_t max) {
  std::string out;
  const auto deadline = Clock::now() + timeout;
  char buf[4096];
  while (fd_ >= 0 && out.size() < max) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

int RawConnection::ReadStatus(std::chrono::milliseconds timeout) {
  std::string head;
  const auto deadline = Clock::now() + timeout;
  char buf[4096];
  while (fd_ >= 0 && head.find("\r\n") == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return -1;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return -1;
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return 0;
    head.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  return std::sscanf(head.c_str(), "HTTP/1.%*d %d", &status) == 1 ? status : 0;
}

bool RawConnection::Alive() {
  char buf[4096];
  while (fd_ >= 0) {
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) continue;
    if (n == 0) return false;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  }
  return false;
}

std::string LatencyReport::ToString() const {
  char buf[200];
  std::snprintf(buf, sizeof(buf),
                "%zu signed webhooks: %zu x 200, %zu failed; p50 %.1f ms, "
                "p99 %.1f ms, max %.1f ms",
                requests, ok, failed, p50_ms, p99_ms, max_ms);
  return buf;
}

LegitSender::LegitSender(int port, std::string name, std::chrono::milliseconds timeout)
    : port_(port), name_(std::move(name)), timeout_(timeout), thread_([this] { Run(); }) {}

LegitSender::~LegitSender() { Stop(); }

void LegitSender::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void LegitSender::Run() {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout_);
  const auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(timeout_ - secs);
  for (int seq = 0; !stop_.load(); ++seq) {
    const std::string body = nlohmann::json{{"id", "evt_" + name_ + "_" + std::to_string(seq)},
                                            {"type", "shipment.milestone"},
                                            {"data",
                                             {{"shipment_id", "S" + std::to_string(seq % 10)},
                                              {"milestone", "departed"},
                                              {"occurred_at", "2024-05-01T10:00:00Z"}}}}
                                 .dump();
    httplib::Client client("127.0.0.1", port_);
    client.set_keep_alive(false);
    client.set_connection_timeout(secs.count(), usecs.count());
    client.set_read_timeout(secs.count(), usecs.count());
    client.set_write_timeout(secs.count(), usecs.count());
    const auto start = Clock::now();
    auto res = client.Post(kWebhookPath,
                           {{"X-Hub-Signature-256", testing::SignSha256Header(kSecret, body)}},
                           body, "application/json");
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::lock_guard<std::mutex> lock(mu_);
    latencies_ms_.push_back(ms);
    if (res && res->status == 200) {
      ++ok_;
    } else {
      ++failed_;
    }
  }
}

LatencyReport LegitSender::Report() const {
  std::lock_guard<std::mutex> lock(mu_);
  LatencyReport r;
  r.requests = latencies_ms_.size();
  r.ok = ok_;
  r.failed = failed_;
  if (latencies_ms_.empty()) return r;
  std::vector<double> sorted = latencies_ms_;
  std::sort(sorted.begin(), sorted.end());
  const auto at = [&](double q) {
    return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()))];
  };
  r.p50_ms = at(0.50);
  r.p99_ms = at(0.99);
  r.max_ms = sorted.back();
  return r;
}

}  // namespace fxagent::hostile
