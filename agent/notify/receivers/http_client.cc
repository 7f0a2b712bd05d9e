#include "agent/notify/receivers/http_client.h"

#include "agent/base/curl_handle.h"

namespace fxagent {
namespace {

size_t Discard(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient() : curl_(curl_easy_init()) {}

  int Post(const NotifyRequest& request, std::chrono::milliseconds timeout) override {
    if (!curl_) return 0;
    CURL* c = curl_.get();
    curl_easy_reset(c);
    curl_slist* raw = nullptr;
    for (const auto& [name, value] : request.headers) {
      std::string line = name;
      line += ": ";
      line += value;
      raw = curl_slist_append(raw, line.c_str());
    }
    CurlSlist headers(raw);
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "flexport-agent");
    if (curl_easy_perform(c) != CURLE_OK) return 0;
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return static_cast<int>(code);
  }

 private:
  CurlEasy curl_;
};

}  // namespace

std::unique_ptr<HttpClient> MakeCurlHttpClient() { return std::make_unique<CurlHttpClient>(); }

}  // namespace fxagent
