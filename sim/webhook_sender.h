/// Sends signed webhook events to a target URL the way Flexport does: one POST per event
/// with `X-Hub-Signature` and `X-Hub-Signature-256` = "sha256=<hex HMAC of the body>",
/// retried on timeouts and 5xx. Jobs are queued and played by one worker thread at the
/// job's rate; options inject duplicates, bad signatures and lost events (recorded in
/// the EventLog but never delivered). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sim/event_log.h"
#include "sim/sim_options.h"

namespace fxagent::sim {

struct SendJob {
  std::string target;  // "http://127.0.0.1:8080/webhooks/flexport"
  int count = 1;
  double rate = 10;  // events per second; 0 = as fast as possible
  std::vector<std::string> types = {"shipment.milestone"};
  double duplicate_ratio = 0;  // probability an event is delivered twice (same body)
  bool mis_sign = false;       // sign with a wrong secret
  double lose_ratio = 0;       // probability an event is recorded but not delivered
};

/// Parses the body of POST /_sim/webhooks/send; `default_target` is used when the body
/// has none. False with a message on error.
bool ParseSendJob(const nlohmann::json& in, const std::string& default_target, SendJob* job,
                  std::string* error);

/// "http://host:port/path" -> {"http://host:port", "/path"}; false if not http(s).
bool SplitUrl(const std::string& url, std::string* scheme_host_port, std::string* path);

class WebhookSender {
 public:
  WebhookSender(const SimOptions& options, EventLog& log);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void Start();
  void Stop();  // interrupts pacing and retry waits; joins the worker

  void Enqueue(SendJob job);
  void Pause();
  void Resume();
  void Cancel();  // drops queued jobs
  void ResetCounters();

  std::string target() const;
  void set_target(std::string target);

  /// Waits until no job is queued or in flight (a paused sender with jobs is not idle).
  bool WaitIdle(std::chrono::milliseconds timeout);

  /// Target, paused, queued events and counters: sent, delivered, failed, lost, ...
  nlohmann::json Snapshot() const;

 private:
  struct Outcome {
    int status = 0;  // 0 = transport error
    int attempts = 0;
  };
  void Run();
  Outcome Deliver(const std::string& target, const std::string& body, const std::string& signature);
  bool WaitInterruptible(std::chrono::milliseconds duration);  // false if stopping
  void RecordDelivery(const Outcome& outcome);

  const SimOptions options_;
  EventLog& log_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::thread worker_;
  bool stop_ = false;
  bool paused_ = false;
  bool busy_ = false;
  uint64_t generation_ = 0;  // bumped by Cancel so an in-flight event is not re-counted
  std::deque<SendJob> jobs_;
  int sent_in_job_ = 0;
  std::string target_;
  std::mt19937_64 rng_;  // worker thread only
  uint64_t next_seq_ = 0;
  // Counters.
  uint64_t events_ = 0;
  uint64_t sent_ = 0;
  uint64_t delivered_ = 0;
  uint64_t failed_ = 0;
  uint64_t lost_ = 0;
  uint64_t duplicates_ = 0;
  uint64_t mis_signed_ = 0;
  uint64_t retries_ = 0;
  std::map<std::string, uint64_t> by_status_;  // final status of each delivery, or "error"
};

}  // namespace fxagent::sim
