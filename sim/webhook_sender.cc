#include "sim/webhook_sender.h"

#include <httplib.h>

#include <iostream>

#include "sim/signature.h"
#include "sim/webhook_event.h"

namespace fxagent::sim {
namespace {

using nlohmann::json;

constexpr int kMaxCount = 1000000;

bool Ratio(const json& in, const char* key, double* out, std::string* error) {
  if (!in.contains(key)) return true;
  const auto& v = in[key];
  if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) {
    *error = std::string(key) + " must be a number within 0..1";
    return false;
  }
  *out = v.get<double>();
  return true;
}

}  // namespace

bool SplitUrl(const std::string& url, std::string* scheme_host_port, std::string* path) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  const size_t path_start = url.find('/', scheme_end + 3);
  if (path_start == scheme_end + 3) return false;
  *scheme_host_port = url.substr(0, path_start);
  *path = path_start == std::string::npos ? "/" : url.substr(path_start);
  return scheme_host_port->size() > scheme_end + 3;
}

bool ParseSendJob(const json& in, const std::string& default_target, SendJob* job,
                  std::string* error) {
  if (!in.is_object()) {
    *error = "expected a JSON object";
    return false;
  }
  SendJob j;
  j.target = default_target;
  for (const auto& [key, value] : in.items()) {
    if (key == "target") {
      if (!value.is_string()) {
        *error = "target must be a URL string";
        return false;
      }
      j.target = value.get<std::string>();
    } else if (key == "count") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 ||
          value.get<int64_t>() > kMaxCount) {
        *error = "count must be an integer within 1..1000000";
        return false;
      }
      j.count = value.get<int>();
    } else if (key == "rate") {
      if (!value.is_number() || value.get<double>() < 0) {
        *error = "rate must be a non-negative number (events per second, 0 = unpaced)";
        return false;
      }
      j.rate = value.get<double>();
    } else if (key == "types") {
      j.types.clear();
      if (value.is_string()) {
        j.types.push_back(value.get<std::string>());
      } else if (value.is_array()) {
        for (const auto& t : value) {
          if (!t.is_string() || t.get<std::string>().empty()) {
            *error = "types must be non-empty strings";
            return false;
          }
          j.types.push_back(t.get<std::string>());
        }
      }
      if (j.types.empty()) {
        *error = "types must be a string or a non-empty array of strings";
        return false;
      }
    } else if (key == "mis_sign") {
      if (!value.is_boolean()) {
        *error = "mis_sign must be a boolean";
        return false;
      }
      j.mis_sign = value.get<bool>();
    } else if (key != "duplicate_ratio" && key != "lose_ratio") {
      *error = "unknown key '" + key +
               "' (expected target, count, rate, types, duplicate_ratio, mis_sign, lose_ratio)";
      return false;
    }
  }
  if (!Ratio(in, "duplicate_ratio", &j.duplicate_ratio, error) ||
      !Ratio(in, "lose_ratio", &j.lose_ratio, error)) {
    return false;
  }
  std::string base, path;
  if (j.target.empty()) {
    *error = "no target: pass \"target\" or start flexport-sim with --webhook-target";
    return false;
  }
  if (!SplitUrl(j.target, &base, &path)) {
    *error = "target must be an http:// or https:// URL";
    return false;
  }
  *job = std::move(j);
  return true;
}

WebhookSender::WebhookSender(const SimOptions& options, EventLog& log)
    : options_(options), log_(log), target_(options.webhook_target), rng_(options.seed + 1) {}

WebhookSender::~WebhookSender() { Stop(); }

void WebhookSender::Start() {
  std::lock_guard lock(mu_);
  if (worker_.joinable()) return;
  stop_ = false;
  worker_ = std::thread([this] { Run(); });
}

void WebhookSender::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  idle_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void WebhookSender::Enqueue(SendJob job) {
  {
    std::lock_guard lock(mu_);
    if (!job.target.empty()) target_ = job.target;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void WebhookSender::Pause() {
  std::lock_guard lock(mu_);
  paused_ = true;
}

void WebhookSender::Resume() {
  {
    std::lock_guard lock(mu_);
    paused_ = false;
  }
  cv_.notify_all();
}

void WebhookSender::Cancel() {
  {
    std::lock_guard lock(mu_);
    jobs_.clear();
    sent_in_job_ = 0;
    ++generation_;
  }
  cv_.notify_all();
  idle_cv_.notify_all();
}

void WebhookSender::ResetCounters() {
  std::lock_guard lock(mu_);
  events_ = sent_ = delivered_ = failed_ = lost_ = duplicates_ = mis_signed_ = retries_ = 0;
  by_status_.clear();
}

std::string WebhookSender::target() const {
  std::lock_guard lock(mu_);
  return target_;
}

void WebhookSender::set_target(std::string target) {
  std::lock_guard lock(mu_);
  target_ = std::move(target);
}

bool WebhookSender::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [&] { return stop_ || (jobs_.empty() && !busy_); });
}

bool WebhookSender::WaitInterruptible(std::chrono::milliseconds duration) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, duration, [&] { return stop_; });
}

WebhookSender::Outcome WebhookSender::Deliver(const std::string& target, const std::string& body,
                                              const std::string& signature) {
  Outcome out;
  std::string base, path;
  if (!SplitUrl(target, &base, &path)) return out;
  httplib::Client client(base);
  const auto timeout = std::chrono::milliseconds(options_.webhook_timeout_ms);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  const httplib::Headers headers = {{"X-Hub-Signature", signature},
                                    {"X-Hub-Signature-256", signature},
                                    {"User-Agent", "flexport-sim-webhooks/1"}};
  auto backoff = std::chrono::milliseconds(options_.webhook_retry_backoff_ms);
  for (int attempt = 0; attempt <= options_.webhook_max_retries; ++attempt) {
    if (attempt > 0) {
      {
        std::lock_guard lock(mu_);
        ++retries_;
      }
      if (!WaitInterruptible(backoff)) break;
      backoff *= 2;
    }
    ++out.attempts;
    auto res = client.Post(path, headers, body, "application/json");
    out.status = res ? res->status : 0;
    // Flexport retries on timeouts and server errors only.
    if (out.status != 0 && out.status < 500) break;
  }
  return out;
}

void WebhookSender::RecordDelivery(const Outcome& outcome) {
  std::lock_guard lock(mu_);
  ++sent_;
  if (outcome.status >= 200 && outcome.status < 300) {
    ++delivered_;
  } else {
    ++failed_;
  }
  ++by_status_[outcome.status == 0 ? "error" : std::to_string(outcome.status)];
}

void WebhookSender::Run() {
  std::uniform_real_distribution<double> draw(0.0, 1.0);
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || (!paused_ && !jobs_.empty()); });
    if (stop_) return;
    const SendJob job = jobs_.front();
    const std::string type = job.types[sent_in_job_ % job.types.size()];
    const uint64_t seq = next_seq_++;
    const uint64_t generation = generation_;
    busy_ = true;
    ++events_;
    lock.unlock();

    const WebhookEvent event = BuildEvent(type, seq, std::chrono::system_clock::now(), rng_);
    log_.Add(event);
    const bool lose = job.lose_ratio > 0 && draw(rng_) < job.lose_ratio;
    const bool duplicate = !lose && job.duplicate_ratio > 0 && draw(rng_) < job.duplicate_ratio;
    if (lose) {
      std::lock_guard count_lock(mu_);
      ++lost_;
    } else {
      const std::string secret =
          job.mis_sign ? options_.webhook_secret + "-wrong" : options_.webhook_secret;
      const std::string signature = SignatureHeaderValue(secret, event.body);
      RecordDelivery(Deliver(job.target, event.body, signature));
      if (duplicate) {
        RecordDelivery(Deliver(job.target, event.body, signature));
      }
      std::lock_guard count_lock(mu_);
      if (duplicate) ++duplicates_;
      if (job.mis_sign) ++mis_signed_;
    }

    lock.lock();
    if (generation == generation_ && !jobs_.empty()) {
      if (++sent_in_job_ >= jobs_.front().count) {
        jobs_.pop_front();
        sent_in_job_ = 0;
      }
    }
    busy_ = false;
    idle_cv_.notify_all();
    if (job.rate > 0 && !jobs_.empty()) {
      const auto gap = std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::duration<double>(1.0 / job.rate));
      cv_.wait_for(lock, gap, [&] { return stop_ || generation != generation_; });
    }
  }
}

json WebhookSender::Snapshot() const {
  std::lock_guard lock(mu_);
  int64_t queued = 0;
  for (size_t i = 0; i < jobs_.size(); ++i) queued += jobs_[i].count - (i == 0 ? sent_in_job_ : 0);
  return {{"target", target_},
          {"paused", paused_},
          {"queued_events", queued},
          {"in_flight", busy_},
          {"counters",
           {{"events", events_},
            {"sent", sent_},
            {"delivered", delivered_},
            {"failed", failed_},
            {"lost", lost_},
            {"duplicates", duplicates_},
            {"mis_signed", mis_signed_},
            {"retries", retries_},
            {"by_status", by_status_}}}};
}

}  // namespace fxagent::sim
