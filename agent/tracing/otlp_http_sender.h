/// POSTs one OTLP/HTTP JSON body to the collector with libcurl, reusing the
/// connection between calls. Used only by OtlpTracer's export thread: one instance per
/// thread, not thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "agent/tracing/export_policy.h"

namespace fxagent {

class OtlpHttpSender {
 public:
  explicit OtlpHttpSender(std::string endpoint);
  ~OtlpHttpSender();
  OtlpHttpSender(const OtlpHttpSender&) = delete;
  OtlpHttpSender& operator=(const OtlpHttpSender&) = delete;

  /// Sends `body`; gives up after `timeout`, or as soon as the steady clock passes
  /// `*abort_at_ns` (nanoseconds since steady_clock's epoch; 0 = never).
  ExportResult Send(const std::string& body, std::chrono::milliseconds timeout,
                    const std::atomic<std::int64_t>& abort_at_ns);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fxagent
