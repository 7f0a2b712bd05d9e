#include "flexport/http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

namespace fxagent {
namespace {

std::once_flag g_curl_init;

struct Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpResponse response;
  HttpTransport::Callback done;
  size_t max_bytes = 0;
  bool too_large = false;
  char error[CURL_ERROR_SIZE] = {0};

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (headers != nullptr) curl_slist_free_all(headers);
  }
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->response.body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();  // a new response (after 100-continue or a redirect)
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  t->response.headers.emplace(std::move(name), std::string(value));
  return n;
}

TransportError MapError(CURLcode code, bool too_large) {
  if (too_large) return TransportError::kTooLarge;
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportError::kDns;
    case CURLE_COULDNT_CONNECT:
      return TransportError::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return TransportError::kTls;
    default:
      return TransportError::kOther;
  }
}

double Seconds(CURL* easy, CURLINFO info) {
  curl_off_t us = 0;
  curl_easy_getinfo(easy, info, &us);
  return static_cast<double>(us) / 1e6;
}

// libcurl reports cumulative times since the start; the metrics want each phase alone.
PhaseTimings ReadTimings(CURL* easy) {
  const double dns = Seconds(easy, CURLINFO_NAMELOOKUP_TIME_T);
  const double connect = Seconds(easy, CURLINFO_CONNECT_TIME_T);
  const double app = Seconds(easy, CURLINFO_APPCONNECT_TIME_T);
  const double pre = Seconds(easy, CURLINFO_PRETRANSFER_TIME_T);
  const double start = Seconds(easy, CURLINFO_STARTTRANSFER_TIME_T);
  const double total = Seconds(easy, CURLINFO_TOTAL_TIME_T);
  PhaseTimings t;
  t.dns = dns;
  t.connect = std::max(0.0, connect - dns);
  t.tls = app > 0 ? std::max(0.0, app - connect) : 0.0;
  t.ttfb = start > 0 ? std::max(0.0, start - std::max({pre, app, connect})) : 0.0;
  t.transfer = start > 0 ? std::max(0.0, total - start) : 0.0;
  t.total = total;
  return t;
}

}  // namespace

const char* TransportErrorName(TransportError e) {
  switch (e) {
    case TransportError::kNone:
      return "none";
    case TransportError::kDns:
      return "dns";
    case TransportError::kConnect:
      return "connect";
    case TransportError::kTls:
      return "tls";
    case TransportError::kTimeout:
      return "timeout";
    case TransportError::kTooLarge:
      return "too_large";
    case TransportError::kOther:
      return "transport";
  }
  return "transport";
}

std::string HttpResponse::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

struct HttpTransport::Impl {
  CURLM* multi = nullptr;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers;
};

HttpTransport::HttpTransport() : impl_(std::make_unique<Impl>()) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  impl_->multi = curl_multi_init();
  curl_multi_setopt(impl_->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 16L);
}

HttpTransport::~HttpTransport() {
  for (auto& [easy, transfer] : impl_->transfers) curl_multi_remove_handle(impl_->multi, easy);
  impl_->transfers.clear();
  curl_multi_cleanup(impl_->multi);
}

void HttpTransport::Submit(const HttpRequest& request, Callback done) {
  auto t = std::make_unique<Transfer>();
  t->done = std::move(done);
  t->max_bytes = request.max_response_bytes;
  t->easy = curl_easy_init();
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_USERAGENT, "flexport-agent");
  if (request.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, request.body.c_str());
  }
  for (const auto& [name, value] : request.headers) {
    std::string line = name;
    line += ": ";
    line += value;
    t->headers = curl_slist_append(t->headers, line.c_str());
  }
  if (t->headers != nullptr) curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  curl_multi_add_handle(impl_->multi, e);
  impl_->transfers.emplace(e, std::move(t));
}

size_t HttpTransport::Run(std::chrono::milliseconds max_wait) {
  int running = 0;
  curl_multi_perform(impl_->multi, &running);
  if (CollectCompleted() == 0) {
    int numfds = 0;
    curl_multi_poll(impl_->multi, nullptr, 0, static_cast<int>(max_wait.count()), &numfds);
    curl_multi_perform(impl_->multi, &running);
    CollectCompleted();
  }
  return impl_->transfers.size();
}

size_t HttpTransport::CollectCompleted() {
  size_t completed = 0;
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(impl_->multi, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;
    auto it = impl_->transfers.find(easy);
    if (it == impl_->transfers.end()) continue;
    std::unique_ptr<Transfer> t = std::move(it->second);
    impl_->transfers.erase(it);
    curl_multi_remove_handle(impl_->multi, easy);
    HttpResponse& r = t->response;
    r.timings = ReadTimings(easy);
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      r.status = static_cast<int>(status);
    } else {
      r.status = 0;
      r.error = MapError(code, t->too_large);
      r.error_detail = t->error[0] != '\0' ? t->error : curl_easy_strerror(code);
      r.body.clear();
    }
    ++completed;
    if (t->done) t->done(std::move(r));
  }
  return completed;
}

void HttpTransport::Wakeup() { curl_multi_wakeup(impl_->multi); }

std::vector<HttpResponse> HttpTransport::FetchAll(const std::vector<HttpRequest>& requests) {
  std::vector<HttpResponse> out(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    Submit(requests[i], [&out, i](HttpResponse r) { out[i] = std::move(r); });
  }
  while (Run(std::chrono::milliseconds(100)) > 0) {
  }
  return out;
}

}  // namespace fxagent
