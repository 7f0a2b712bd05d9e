#include "tests/hostile/attackers.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>
#include <vector>

#include "tests/hostile/hostile_util.h"

namespace fxagent::hostile {
namespace {

using std::chrono::milliseconds;
using namespace std::string_literals;

// httplib's read timeout on the listener is 10 s: an answer must come well before this.
constexpr milliseconds kAnswerTimeout(12000);

std::string Head(const std::string& extra_headers) {
  return std::string("POST ") + kWebhookPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
}

std::string StatusName(int status) {
  if (status == 0) return "closed";
  if (status < 0) return "no answer in 12 s";
  return std::to_string(status);
}

// Requests no HTTP server should accept: garbage, bad chunk sizes, NUL bytes, absurd
// lengths, bare LF, an unknown Transfer-Encoding.
const std::vector<std::pair<std::string, std::string>>& InvalidCases() {
  static const auto* cases = new std::vector<std::pair<std::string, std::string>>{
      {"garbage request line", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n"s},
      {"no version", "POST /webhooks/flexport\r\n\r\n"},
      {"bad chunk size", Head("Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")},
      {"huge chunk size",
       Head("Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabc\r\n0\r\n\r\n")},
      {"NUL in request line", "POST /webhooks/\0flexport HTTP/1.1\r\n\r\n"s},
      {"NUL in header", Head("X-A: b\0c\r\nContent-Length: 2\r\n\r\n{}"s)},
      {"negative Content-Length", Head("Content-Length: -5\r\n\r\n{}")},
      {"overflowing Content-Length", Head("Content-Length: 99999999999999999999999\r\n\r\n{}")},
      {"two Content-Lengths", Head("Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}")},
      {"unknown Transfer-Encoding", Head("Transfer-Encoding: gzip, chunked2\r\n\r\n{}")},
      {"bare LF", "POST /webhooks/flexport HTTP/1.1\nHost: x\nContent-Length: 2\n\n{}"},
      {"header without colon", Head("NoColonHere\r\nContent-Length: 2\r\n\r\n{}")},
      {"8KiB URI", "GET /" + std::string(9000, 'u') + " HTTP/1.1\r\n\r\n"},
  };
  return *cases;
}

}  // namespace

const char* ToString(Attack attack) {
  switch (attack) {
    case Attack::kSlowloris:
      return "slowloris";
    case Attack::kIdleKeepAlive:
      return "idle keep-alive";
    case Attack::kOversized:
      return "oversized";
    case Attack::kInvalidHttp:
      return "invalid HTTP";
  }
  return "?";
}

int Attacker::Cases(Attack attack) {
  switch (attack) {
    case Attack::kOversized:
      return 4;
    case Attack::kInvalidHttp:
      return static_cast<int>(InvalidCases().size());
    default:
      return 0;
  }
}

Attacker::Attacker(Attack attack, int port, int connections)
    : attack_(attack), port_(port), connections_(connections), thread_([this] { Run(); }) {}

Attacker::~Attacker() { Stop(); }

void Attacker::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

std::map<std::string, int> Attacker::Outcomes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return outcomes_;
}

std::string Attacker::Summary() const {
  std::ostringstream out;
  out << ToString(attack_) << ":";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, count] : outcomes_) {
    out << "\n    " << name << " x" << count;
    if (auto it = slowest_ms_.find(name); it != slowest_ms_.end()) {
      out << " (slowest " << static_cast<int>(it->second) << " ms)";
    }
  }
  return out.str();
}

void Attacker::Count(const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++outcomes_[outcome];
}

void Attacker::Count(const std::string& outcome, std::chrono::steady_clock::time_point start) {
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::lock_guard<std::mutex> lock(mu_);
  ++outcomes_[outcome];
  double& slowest = slowest_ms_[outcome];
  slowest = std::max(slowest, ms);
}

void Attacker::Run() {
  switch (attack_) {
    case Attack::kSlowloris:
      return Slowloris();
    case Attack::kIdleKeepAlive:
      return IdleKeepAlive();
    case Attack::kOversized:
      return Oversized();
    case Attack::kInvalidHttp:
      return InvalidHttp();
  }
}

// Many connections, each trickling an endless header one byte per round (every 500 ms,
// well inside any per-read timeout); a connection the agent closes is reopened.
void Attacker::Slowloris() {
  std::vector<std::unique_ptr<RawConnection>> conns(static_cast<size_t>(connections_));
  std::vector<size_t> sent(conns.size(), 0);
  const std::string prefix = Head("X-Slowloris: ");
  while (!stop_.load()) {
    int held = 0;
    for (size_t i = 0; i < conns.size() && !stop_.load(); ++i) {
      if (conns[i] && sent[i] > 0 && !conns[i]->Alive()) {
        Count("closed by agent");
        conns[i].reset();
      }
      if (!conns[i]) {
        conns[i] = std::make_unique<RawConnection>(port_);
        sent[i] = 0;
        if (!conns[i]->ok()) {
          Count("connect failed");
          conns[i].reset();
          continue;
        }
        Count("opened");
      }
      const char byte = sent[i] < prefix.size() ? prefix[sent[i]] : 'a';
      if (!conns[i]->Send(std::string_view(&byte, 1))) {
        Count("send failed");
        conns[i].reset();
        continue;
      }
      ++sent[i];
      ++held;
    }
    held_.store(held);
    for (int t = 0; t < 10 && !stop_.load(); ++t) std::this_thread::sleep_for(milliseconds(50));
  }
}

// Many connections that each send one complete keep-alive request and then sit idle,
// never closing; a connection the agent closes is reopened at once.
void Attacker::IdleKeepAlive() {
  std::vector<std::unique_ptr<RawConnection>> conns(static_cast<size_t>(connections_));
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  while (!stop_.load()) {
    int held = 0;
    for (auto& c : conns) {
      if (stop_.load()) break;
      if (c && !c->Alive()) {
        Count("closed by agent");
        c.reset();
      }
      if (!c) {
        c = std::make_unique<RawConnection>(port_);
        if (!c->ok() || !c->Send(request)) {
          Count("connect failed");
          c.reset();
          continue;
        }
        Count("opened");
      }
      ++held;
    }
    held_.store(held);
    for (int t = 0; t < 10 && !stop_.load(); ++t) std::this_thread::sleep_for(milliseconds(50));
  }
}

// In turn: a 64 KiB header line; a body over max_body announced by Content-Length; a
// chunked body over max_body; the same body sent without any length.
void Attacker::Oversized() {
  const std::string big(64 * 1024, 'a');
  const std::string huge(256 * 1024, '{');
  for (int round = 0; !stop_.load(); ++round) {
    RawConnection c(port_);
    if (!c.ok()) {
      Count("connect failed");
      continue;
    }
    std::string label;
    const auto start = std::chrono::steady_clock::now();
    switch (round % 4) {
      case 0:
        label = "64KiB header";
        c.Send(Head("X-Big: " + big + "\r\nContent-Length: 2\r\n\r\n{}"));
        break;
      case 1:
        label = "256KiB body with Content-Length";
        c.Send(Head("Content-Length: " + std::to_string(huge.size()) + "\r\n\r\n"));
        c.Send(huge);
        break;
      case 3:
        // httplib reads a POST without Content-Length until the peer closes.
        label = "256KiB body without length";
        c.Send(Head("\r\n") + huge);
        break;
      default: {
        label = "256KiB chunked body";
        c.Send(Head("Transfer-Encoding: chunked\r\n\r\n"));
        for (int i = 0; i < 64 && !stop_.load(); ++i) {
          if (!c.Send("1000\r\n" + std::string(4096, 'x') + "\r\n")) break;
        }
        c.Send("0\r\n\r\n");
        break;
      }
    }
    Count(label + " -> " + StatusName(c.ReadStatus(kAnswerTimeout)), start);
    rounds_.fetch_add(1);
  }
}

// Each of InvalidCases() in turn, on a fresh connection.
void Attacker::InvalidHttp() {
  const auto& cases = InvalidCases();
  for (size_t round = 0; !stop_.load(); ++round) {
    const auto& [label, bytes] = cases[round % cases.size()];
    RawConnection c(port_);
    if (!c.ok()) {
      Count("connect failed");
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    c.Send(bytes);
    const int status = c.ReadStatus(kAnswerTimeout);
    Count(label + " -> " + StatusName(status), start);
    rounds_.fetch_add(1);
  }
}

}  // namespace fxagent::hostile
