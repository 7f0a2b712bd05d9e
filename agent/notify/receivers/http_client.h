/// Sends one HTTP POST for a receiver. An interface so tests can stand in; the libcurl
/// implementation keeps CURL out of headers. CurlHttpClient is safe from one thread at
/// a time per instance.
#pragma once

#include <chrono>
#include <memory>

#include "agent/notify/receivers/receiver.h"

namespace fxagent {

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  /// The HTTP status, or 0 when there was no answer (connect error, timeout).
  virtual int Post(const NotifyRequest& request, std::chrono::milliseconds timeout) = 0;
};

/// libcurl, no proxy from the environment, redirects not followed.
std::unique_ptr<HttpClient> MakeCurlHttpClient();

}  // namespace fxagent
