#include "agent/proxy/upstream_client.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "agent/base/curl_handle.h"

namespace fxagent {
namespace {

std::once_flag g_curl_init;

// Per-transfer state the callbacks write into.
struct Transfer {
  UpstreamResponse* response;
  size_t max_bytes;
  bool too_large = false;
  const std::atomic<bool>* cancelled;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (t->response->body.size() + len > t->max_bytes) {
    t->too_large = true;
    return 0;  // aborts with CURLE_WRITE_ERROR
  }
  t->response->body.append(data, len);
  return len;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  const std::string_view line(data, len);
  if (line.starts_with("HTTP/")) {
    t->response->headers.clear();  // a new response (after 100 Continue, say)
  } else if (const size_t colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
    t->response->headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                      std::string(Trim(line.substr(colon + 1))));
  }
  return len;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Transfer*>(user)->cancelled->load() ? 1 : 0;
}

UpstreamError Classify(CURLcode rc, const Transfer& t) {
  switch (rc) {
    case CURLE_OK:
      return UpstreamError::kNone;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return UpstreamError::kDns;
    case CURLE_COULDNT_CONNECT:
      return UpstreamError::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return UpstreamError::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return UpstreamError::kTls;
    case CURLE_ABORTED_BY_CALLBACK:
      return UpstreamError::kCancelled;
    case CURLE_WRITE_ERROR:
      return t.too_large ? UpstreamError::kTooLarge : UpstreamError::kTransport;
    default:
      return UpstreamError::kTransport;
  }
}

bool HasHeader(const HeaderList& headers, std::string_view name) {
  return FindHeader(headers, name) != nullptr;
}

}  // namespace

const char* UpstreamErrorName(UpstreamError e) {
  switch (e) {
    case UpstreamError::kNone:
      return "none";
    case UpstreamError::kDns:
      return "dns";
    case UpstreamError::kConnect:
      return "connect";
    case UpstreamError::kTls:
      return "tls";
    case UpstreamError::kTimeout:
      return "timeout";
    case UpstreamError::kTransport:
      return "transport";
    case UpstreamError::kTooLarge:
      return "response_too_large";
    case UpstreamError::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

struct UpstreamClient::Impl {
  std::chrono::milliseconds timeout;
  size_t max_response_bytes;
  size_t max_idle;
  std::atomic<bool> cancelled{false};
  std::mutex mu;
  std::vector<CurlEasy> idle;  // handles keep their connection cache between requests

  CurlEasy Take() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CurlEasy h = std::move(idle.back());
        idle.pop_back();
        return h;
      }
    }
    return CurlEasy(curl_easy_init());
  }
  void Give(CurlEasy h) {
    std::lock_guard lock(mu);
    if (idle.size() < max_idle) idle.push_back(std::move(h));
  }
};

UpstreamClient::UpstreamClient(std::chrono::milliseconds timeout, size_t max_response_bytes,
                               size_t max_idle_handles)
    : impl_(std::make_unique<Impl>()) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  impl_->timeout = timeout;
  impl_->max_response_bytes = max_response_bytes;
  impl_->max_idle = max_idle_handles;
}

UpstreamClient::~UpstreamClient() = default;

void UpstreamClient::Cancel() { impl_->cancelled = true; }

UpstreamResponse UpstreamClient::Send(const UpstreamRequest& request) {
  UpstreamResponse response;
  if (impl_->cancelled) {
    response.error = UpstreamError::kCancelled;
    return response;
  }
  CurlEasy handle = impl_->Take();
  if (!handle) {
    response.error = UpstreamError::kTransport;
    return response;
  }
  CURL* c = handle.get();
  curl_easy_reset(c);  // keeps the handle's live connections

  Transfer t{&response, impl_->max_response_bytes, false, &impl_->cancelled};
  const bool has_body = request.body != nullptr;
  curl_slist* list = nullptr;
  for (const auto& [name, value] : request.headers) {
    // "Name;" sends an empty value; "Name:" would remove the header.
    std::string line = name;
    line += value.empty() ? ";" : ": ";
    line += value;
    list = curl_slist_append(list, line.c_str());
  }
  // Suppress what libcurl would add on its own, so the upstream sees the client's headers.
  list = curl_slist_append(list, "Expect:");
  if (!HasHeader(request.headers, "accept")) list = curl_slist_append(list, "Accept:");
  if (has_body && !HasHeader(request.headers, "content-type")) {
    list = curl_slist_append(list, "Content-Type:");
  }
  CurlSlist headers(list);

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(impl_->timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<int64_t>(impl_->timeout.count(), 10000)));
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" && !has_body) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    if (has_body) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body->size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body->data());
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  const auto start = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(c);
  response.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  response.error = Classify(rc, t);
  if (response.error == UpstreamError::kNone) {
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    response.status = static_cast<int>(code);
    impl_->Give(std::move(handle));
  } else {
    response.headers.clear();
    response.body.clear();
  }
  return response;
}

}  // namespace fxagent
