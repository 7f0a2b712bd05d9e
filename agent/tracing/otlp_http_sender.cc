#include "agent/tracing/otlp_http_sender.h"

#include <cstring>
#include <string_view>

#include "agent/base/curl_handle.h"

namespace fxagent {
namespace {

struct Progress {
  const std::atomic<std::int64_t>* abort_at_ns = nullptr;
};

size_t DiscardBody(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

size_t CaptureRetryAfter(char* data, size_t size, size_t nmemb, void* user) {
  size_t n = size * nmemb;
  std::string_view line(data, n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size() && match; ++i) {
      char c = line[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      match = c == kName[i];
    }
    if (match) static_cast<std::string*>(user)->assign(line.substr(kName.size()));
  }
  return n;
}

int CheckAbort(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* p = static_cast<Progress*>(user);
  std::int64_t at = p->abort_at_ns->load(std::memory_order_relaxed);
  if (at == 0) return 0;
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
                 .count();
  return now >= at ? 1 : 0;
}

std::string TransportError(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "dns";
    case CURLE_COULDNT_CONNECT:
      return "connect";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return "tls";
    case CURLE_ABORTED_BY_CALLBACK:
      return "shutdown";
    default:
      return "transport";
  }
}

}  // namespace

struct OtlpHttpSender::Impl {
  std::string endpoint;
  CurlEasy curl;
  CurlSlist headers;
};

OtlpHttpSender::OtlpHttpSender(std::string endpoint) : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = std::move(endpoint);
  impl_->curl.reset(curl_easy_init());
  curl_slist* h = curl_slist_append(nullptr, "Content-Type: application/json");
  if (h != nullptr) {
    curl_slist* h2 = curl_slist_append(h, "Expect:");  // no 100-continue round trip
    impl_->headers.reset(h2 != nullptr ? h2 : h);
  }
}

OtlpHttpSender::~OtlpHttpSender() = default;

ExportResult OtlpHttpSender::Send(const std::string& body, std::chrono::milliseconds timeout,
                                  const std::atomic<std::int64_t>& abort_at_ns) {
  ExportResult result;
  CURL* c = impl_->curl.get();
  if (c == nullptr) {
    result.outcome = ExportOutcome::kRetryable;
    result.error = "transport";
    return result;
  }
  std::string retry_after;
  Progress progress{&abort_at_ns};
  curl_easy_setopt(c, CURLOPT_URL, impl_->endpoint.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, impl_->headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "flexport-agent-otlp");
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(timeout.count() > 0 ? timeout.count() : 1));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(timeout.count() > 0 ? timeout.count() : 1));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, CaptureRetryAfter);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &retry_after);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, CheckAbort);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &progress);

  CURLcode code = curl_easy_perform(c);
  // The body and progress objects die with this call; never leave curl pointing at them.
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, nullptr);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, nullptr);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, nullptr);
  if (code != CURLE_OK) {
    result.outcome = ExportOutcome::kRetryable;
    result.error = TransportError(code);
    return result;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  result.http_status = static_cast<int>(status);
  result.outcome = ClassifyExportStatus(result.http_status);
  if (result.outcome != ExportOutcome::kSuccess) result.error = std::to_string(status);
  if (!retry_after.empty()) {
    result.retry_after = ParseRetryAfter(retry_after, std::chrono::system_clock::now());
  }
  return result;
}

}  // namespace fxagent
