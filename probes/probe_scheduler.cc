#include "probes/probe_scheduler.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "flexport/http_transport.h"

namespace fxagent {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Bounds one idle wait; Stop() and due probes end a wait early, so this only limits how
// long a lost wakeup could delay shutdown.
constexpr milliseconds kMaxWait{5000};

ProbeResult Complete(const Prober& prober, const std::string& url, const HttpResponse& response) {
  ProbeResult r = prober.Interpret(response);
  r.url = url;
  r.finished_at = std::chrono::system_clock::now();
  return r;
}

ProbeResult NotSent(const Prober& prober, ProbeResult failure) {
  failure.probe = prober.Name();
  failure.kind = prober.Kind();
  failure.success = false;
  failure.finished_at = std::chrono::system_clock::now();
  return failure;
}

}  // namespace

ProbeScheduler::ProbeScheduler(std::vector<std::unique_ptr<Prober>> probers, Sink sink,
                               SkipSink on_skip)
    : probers_(std::move(probers)),
      sink_(std::move(sink)),
      on_skip_(std::move(on_skip)),
      transport_(std::make_unique<HttpTransport>()) {}

ProbeScheduler::~ProbeScheduler() { Stop(); }

void ProbeScheduler::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void ProbeScheduler::Stop() {
  stop_ = true;
  transport_->Wakeup();
  if (thread_.joinable()) thread_.join();
}

void ProbeScheduler::Loop() {
  std::mt19937 rng(std::random_device{}());
  const size_t n = probers_.size();
  std::vector<Clock::time_point> next_due(n);
  std::vector<bool> in_flight(n, false);
  const auto start = Clock::now();
  // Spread the first runs over a short window so probes do not fire in lockstep.
  for (size_t i = 0; i < n; ++i) {
    const auto spread = std::min<milliseconds::rep>(probers_[i]->Interval().count() / 20, 500);
    next_due[i] = start + milliseconds(spread > 0 ? rng() % spread : 0);
  }
  while (!stop_) {
    const auto now = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      if (now < next_due[i]) continue;
      const Prober& prober = *probers_[i];
      const auto interval = prober.Interval();
      const auto jitter = std::max<milliseconds::rep>(interval.count() / 50, 1);
      next_due[i] = now + interval +
                    milliseconds(static_cast<milliseconds::rep>(rng() % (2 * jitter)) - jitter);
      if (in_flight[i]) {
        if (on_skip_) on_skip_(prober.Name());
        continue;
      }
      ProbeResult failure;
      auto request = prober.BuildRequest(&failure);
      if (!request) {
        sink_(NotSent(prober, std::move(failure)));
        continue;
      }
      in_flight[i] = true;
      transport_->Submit(*request,
                         [this, i, &in_flight, url = request->url](const HttpResponse& response) {
                           in_flight[i] = false;
                           sink_(Complete(*probers_[i], url, response));
                         });
    }
    const auto soonest = *std::min_element(next_due.begin(), next_due.end());
    const auto wait = std::clamp(std::chrono::duration_cast<milliseconds>(soonest - Clock::now()),
                                 milliseconds(0), kMaxWait);
    transport_->Run(wait);
  }
}

std::vector<ProbeResult> ProbeScheduler::RunOnce(
    const std::vector<std::unique_ptr<Prober>>& probers) {
  HttpTransport transport;
  std::vector<ProbeResult> results(probers.size());
  for (size_t i = 0; i < probers.size(); ++i) {
    ProbeResult failure;
    auto request = probers[i]->BuildRequest(&failure);
    if (!request) {
      results[i] = NotSent(*probers[i], std::move(failure));
      continue;
    }
    transport.Submit(*request,
                     [&results, &probers, i, url = request->url](const HttpResponse& response) {
                       results[i] = Complete(*probers[i], url, response);
                     });
  }
  while (transport.Run(milliseconds(100)) > 0) {
  }
  return results;
}

}  // namespace fxagent
