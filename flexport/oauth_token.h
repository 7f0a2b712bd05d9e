/// OAuth client-credentials token source for the Flexport API. The token (24 h, at most 10
/// token requests a day) is cached in a file with owner-only permissions, reused across
/// restarts and refreshed ahead of expiry; a local guard keeps requests under the daily
/// cap. Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "flexport/credentials.h"

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

  OAuthOptions options_;
  ExpiryCallback on_new_token_;
  std::mutex mu_;
  std::string token_;
  std::chrono::system_clock::time_point expires_at_{};
  std::deque<std::chrono::system_clock::time_point> requests_;
  bool loaded_ = false;
};

}  // namespace fxagent
