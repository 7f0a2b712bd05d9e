/// Sends one request to the upstream (Flexport) with libcurl and returns the whole
/// response. Easy handles are pooled and reused, so keep-alive connections to the upstream
/// survive between requests. Send() is thread-safe and blocks; Cancel() aborts transfers
/// in progress (used on shutdown).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "agent/proxy/headers.h"

namespace fxagent {

enum class UpstreamError {
  kNone,
  kDns,        // could not resolve the host
  kConnect,    // connection refused or unreachable
  kTls,        // TLS handshake or certificate failure
  kTimeout,    // no complete response within the timeout
  kTransport,  // connection reset, empty or malformed reply
  kTooLarge,   // response body over the limit
  kCancelled,  // Cancel() was called
};

/// Short cause name for error bodies and logs: "dns", "connect", "timeout", ...
const char* UpstreamErrorName(UpstreamError e);

struct UpstreamRequest {
  std::string method;
  std::string url;
  HeaderList headers;  // sent as is; hop-by-hop already removed
  const std::string* body = nullptr;
};

struct UpstreamResponse {
  UpstreamError error = UpstreamError::kNone;
  int status = 0;
  HeaderList headers;  // names as the upstream sent them
  std::string body;
  double seconds = 0;
};

class UpstreamClient {
 public:
  UpstreamClient(std::chrono::milliseconds timeout, size_t max_response_bytes,
                 size_t max_idle_handles);
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  UpstreamResponse Send(const UpstreamRequest& request);
  void Cancel();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fxagent
