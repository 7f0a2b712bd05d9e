#include "flexport/oauth_token.h"

#include <fcntl.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "flexport/http_transport.h"

namespace fxagent {
namespace {

using nlohmann::json;
using SysClock = std::chrono::system_clock;

int64_t ToUnix(SysClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
SysClock::time_point FromUnix(int64_t s) { return SysClock::time_point(std::chrono::seconds(s)); }

}  // namespace

OAuthTokenSource::OAuthTokenSource(OAuthOptions options, ExpiryCallback on_new_token)
    : options_(std::move(options)), on_new_token_(std::move(on_new_token)) {
  if (options_.registry != nullptr) {
    refused_ = &prometheus::BuildCounter()
                    .Name("flexport_oauth_token_requests_refused_total")
                    .Help(
                        "OAuth token requests the agent did not make because the daily cap "
                        "(max_requests_per_day in 24 h, counted across restarts) was reached")
                    .Register(*options_.registry)
                    .Add({});
  }
}

SysClock::time_point OAuthTokenSource::Now() const {
  return options_.now ? options_.now() : SysClock::now();
}

bool OAuthTokenSource::LoadCache() {
  std::ifstream in(options_.cache_file);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  return ApplyCacheJson(ss.str());
}

bool OAuthTokenSource::ApplyCacheJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  // A cache written for another client must not be reused.
  if (j.value("client_id", "") != options_.client_id) return false;
  token_ = j.value("access_token", "");
  expires_at_ = FromUnix(j.value("expires_at", int64_t{0}));
  requests_.clear();
  if (auto r = j.find("requests"); r != j.end() && r->is_array()) {
    for (const auto& t : *r) {
      if (t.is_number_integer()) requests_.push_back(FromUnix(t.get<int64_t>()));
    }
  }
  return !token_.empty();
}

std::string OAuthTokenSource::CacheJson() const {
  json requests = json::array();
  for (auto t : requests_) requests.push_back(ToUnix(t));
  return json{{"client_id", options_.client_id},
              {"access_token", token_},
              {"expires_at", ToUnix(expires_at_)},
              {"requests", requests}}
      .dump();
}

void OAuthTokenSource::SaveCache() const {
  if (options_.shared_cache) return;  // stored by SharedBearerToken's Update
  const std::string data = CacheJson();
  const std::string tmp = options_.cache_file + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ::fsync(fd);
  ::close(fd);
  if (ok) std::rename(tmp.c_str(), options_.cache_file.c_str());
}

int OAuthTokenSource::RequestsLastDay() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto cutoff = Now() - std::chrono::hours(24);
  while (!requests_.empty() && requests_.front() < cutoff) requests_.pop_front();
  return static_cast<int>(requests_.size());
}

bool OAuthTokenSource::Fetch(std::string* error) {
  const auto now = Now();
  const auto cutoff = now - std::chrono::hours(24);
  while (!requests_.empty() && requests_.front() < cutoff) requests_.pop_front();
  if (static_cast<int>(requests_.size()) >= options_.max_requests_per_day) {
    const std::string message =
        "OAuth token request cap reached (" + std::to_string(options_.max_requests_per_day) +
        " per 24 h); not requesting a token until " +
        std::to_string(ToUnix(requests_.front() + std::chrono::hours(24))) + " (unix time)";
    if (error != nullptr) *error = message;
    if (refused_ != nullptr) refused_->Increment();
    if (!refusing_ && options_.on_warn) options_.on_warn(message);
    refusing_ = true;
    return false;
  }
  refusing_ = false;
  requests_.push_back(now);
  HttpRequest req;
  req.method = "POST";
  req.url = options_.token_url;
  req.timeout = options_.timeout;
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.body = json{{"client_id", options_.client_id},
                  {"client_secret", options_.client_secret},
                  {"audience", options_.audience},
                  {"grant_type", "client_credentials"}}
                 .dump();
  HttpTransport transport;
  const HttpResponse res = transport.FetchAll({req}).front();
  SaveCache();  // records the request even when it failed: it still counts against the cap
  if (res.status != 200) {
    if (error != nullptr) {
      *error = res.status == 0
                   ? std::string("token request failed: ") + TransportErrorName(res.error)
                   : "token request answered HTTP " + std::to_string(res.status);
    }
    return false;
  }
  json j = json::parse(res.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("access_token") ||
      !j["access_token"].is_string()) {
    if (error != nullptr) *error = "token response has no access_token";
    return false;
  }
  token_ = j["access_token"].get<std::string>();
  const int64_t lifetime = j.contains("expires_in") && j["expires_in"].is_number()
                               ? j["expires_in"].get<int64_t>()
                               : 86400;
  expires_at_ = now + std::chrono::seconds(lifetime);
  SaveCache();
  if (on_new_token_) on_new_token_(static_cast<double>(ToUnix(expires_at_)));
  return true;
}

std::optional<std::string> OAuthTokenSource::SharedBearerToken(std::string* error) {
  const auto now = Now();
  if (!token_.empty() && token_ != invalidated_ && expires_at_ - options_.refresh_ahead > now) {
    return token_;
  }
  std::string fetch_error;
  bool fetched_ok = true;
  const std::string previous = token_;
  const bool reached =
      options_.shared_cache->Update([&](const std::string& cached) -> std::optional<std::string> {
        // Under the cluster-wide lock: another replica may have refreshed it meanwhile.
        token_.clear();
        ApplyCacheJson(cached);
        if (!token_.empty() && token_ != invalidated_ &&
            expires_at_ - options_.refresh_ahead > now) {
          return std::nullopt;
        }
        fetched_ok = Fetch(&fetch_error);
        return CacheJson();  // the request counts against the cap even when it failed
      });
  if (!reached) {
    // Without the shared store no replica may fetch (the cap is the cluster's): keep the
    // token while it is valid; tokens are refreshed an hour ahead of expiry.
    token_ = previous;
    if (!token_.empty() && token_ != invalidated_ && expires_at_ > now) return token_;
    if (error != nullptr) *error = "cannot reach the shared store to get an OAuth token";
    return std::nullopt;
  }
  if (token_ != previous && !token_.empty() && on_new_token_) {
    on_new_token_(static_cast<double>(ToUnix(expires_at_)));
  }
  if (!fetched_ok && (token_.empty() || token_ == invalidated_ || expires_at_ <= now)) {
    if (error != nullptr) *error = fetch_error;
    return std::nullopt;
  }
  return token_;
}

std::optional<std::string> OAuthTokenSource::BearerToken(std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.shared_cache) return SharedBearerToken(error);
  if (!loaded_) {
    loaded_ = true;
    if (LoadCache() && on_new_token_) on_new_token_(static_cast<double>(ToUnix(expires_at_)));
  }
  const auto now = Now();
  const bool fresh = !token_.empty() && expires_at_ - options_.refresh_ahead > now;
  if (!fresh) {
    std::string fetch_error;
    if (!Fetch(&fetch_error)) {
      // An older token that has not expired yet is still better than none.
      if (!token_.empty() && expires_at_ > now) return token_;
      if (error != nullptr) *error = fetch_error;
      return std::nullopt;
    }
  }
  return token_;
}

void OAuthTokenSource::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  // Only a token old enough to plausibly have been revoked is dropped; this keeps a
  // persistent 401 from burning the daily token quota.
  if (!token_.empty() && !requests_.empty() &&
      Now() - requests_.back() > std::chrono::minutes(15)) {
    // Shared: the other replicas' copy of the token is the same revoked one.
    if (options_.shared_cache) invalidated_ = token_;
    token_.clear();
  }
}

}  // namespace fxagent
