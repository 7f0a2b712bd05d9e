/// OAuth client-credentials token source for the Flexport API. The token (24 h, at most 10
/// token requests a day) is cached in a file with owner-only permissions, reused across
/// restarts and refreshed ahead of expiry; a local guard keeps requests under the daily
/// cap (the request times are cached too, so a restart does not reset it). A refused
/// request is counted in flexport_oauth_token_requests_refused_total and reported through
/// `on_warn` once per stretch of refusals. Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "probes/credentials.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace fxagent {

struct OAuthOptions {
  std::string token_url;
  std::string client_id;
  std::string client_secret;
  std::string audience = "https://api.flexport.com";
  std::string cache_file;  // e.g. "{data_dir}/oauth_token.json"
  std::chrono::minutes refresh_ahead{60};
  int max_requests_per_day = 10;
  std::chrono::milliseconds timeout{10000};
  /// The time (tests inject one); null = the system clock.
  std::function<std::chrono::system_clock::time_point()> now;
  /// Where the refusal counter goes; null = not exported.
  prometheus::Registry* registry = nullptr;
  /// A warning for the log, e.g. that the cap is reached (never carries a secret).
  std::function<void(const std::string& message)> on_warn;
};

class OAuthTokenSource : public CredentialSource {
 public:
  using ExpiryCallback = std::function<void(double unix_seconds)>;

  explicit OAuthTokenSource(OAuthOptions options, ExpiryCallback on_new_token = nullptr);
  std::optional<std::string> BearerToken(std::string* error) override;
  void Invalidate() override;
  /// Token requests made in the last 24 h (from the cache file and this process).
  int RequestsLastDay();

 private:
  bool LoadCache();
  void SaveCache() const;
  bool Fetch(std::string* error);
  std::chrono::system_clock::time_point Now() const;

  OAuthOptions options_;
  ExpiryCallback on_new_token_;
  std::mutex mu_;
  std::string token_;
  std::chrono::system_clock::time_point expires_at_{};
  std::deque<std::chrono::system_clock::time_point> requests_;
  bool loaded_ = false;
  bool refusing_ = false;  // the last token request was refused by the cap
  prometheus::Counter* refused_ = nullptr;
};

}  // namespace fxagent
