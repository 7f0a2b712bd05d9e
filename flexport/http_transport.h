/// Runs HTTP requests concurrently on the calling thread with libcurl's multi interface,
/// reusing connections across requests. Not thread-safe: one owner thread calls Submit()
/// and Run(); only Wakeup() may be called from other threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "flexport/http_types.h"

namespace fxagent {

class HttpTransport {
 public:
  using Callback = std::function<void(HttpResponse)>;

  HttpTransport();
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  /// Queues a request; `done` runs on the owner thread inside Run() when it completes.
  void Submit(const HttpRequest& request, Callback done);
  /// Drives transfers for up to `max_wait` (returns early when one completes or on
  /// Wakeup()). Returns the number of transfers still in flight.
  size_t Run(std::chrono::milliseconds max_wait);
  /// Interrupts a Run() that is waiting; safe from any thread.
  void Wakeup();

  /// Convenience for one-shot use (the `check` command): runs all requests concurrently
  /// and returns their responses in order.
  std::vector<HttpResponse> FetchAll(const std::vector<HttpRequest>& requests);

 private:
  size_t CollectCompleted();

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fxagent
