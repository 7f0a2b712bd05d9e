/// Plain request/response values exchanged between probers and the HTTP transport.
/// Header names in HttpResponse are stored lower-cased. Value types; no shared state.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fxagent {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};
  size_t max_response_bytes = size_t{4} * 1024 * 1024;
};

/// Phase durations in seconds, from libcurl's timing info (each phase alone, not
/// cumulative as curl reports them).
struct PhaseTimings {
  double dns = 0, connect = 0, tls = 0, ttfb = 0, transfer = 0, total = 0;
};

/// Why a request failed before an HTTP status was received.
enum class TransportError { kNone, kDns, kConnect, kTls, kTimeout, kTooLarge, kOther };

const char* TransportErrorName(TransportError e);

struct HttpResponse {
  int status = 0;  // 0 = no HTTP response
  TransportError error = TransportError::kNone;
  std::string error_detail;                         // libcurl's message; never contains credentials
  std::multimap<std::string, std::string> headers;  // lower-cased names
  std::string body;
  PhaseTimings timings;

  /// First value of a header (name lower-case), or "" when absent.
  std::string Header(const std::string& lower_name) const;
};

}  // namespace fxagent
