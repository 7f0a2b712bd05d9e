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
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "flexport/credentials.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace fxagent {

/// A token cache shared by several processes (the replicas of a cluster): one token and
/// one count of token requests for all of them. Update() runs `fn` on the cached JSON ("" =
/// none) while holding a lock that every sharing process respects, and stores what `fn`
/// returns (nullopt = unchanged); false when the shared store cannot be reached.
class SharedTokenCache {
 public:
  virtual ~SharedTokenCache() = default;
  virtual bool Update(
      const std::function<std::optional<std::string>(const std::string& cached)>& fn) = 0;
};

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
  /// Set = cluster mode: the cache (token and request times) lives there, not in
  /// `cache_file`, and one replica at a time fetches a new token.
  std::shared_ptr<SharedTokenCache> shared_cache;
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
  /// The cache document: token, expiry, request times for the daily cap.
  bool ApplyCacheJson(const std::string& text);
  std::string CacheJson() const;
  std::optional<std::string> SharedBearerToken(std::string* error);
  bool Fetch(std::string* error);
  std::chrono::system_clock::time_point Now() const;

  OAuthOptions options_;
  ExpiryCallback on_new_token_;
  std::mutex mu_;
  std::string token_;
  std::chrono::system_clock::time_point expires_at_{};
  std::deque<std::chrono::system_clock::time_point> requests_;
  bool loaded_ = false;
  bool refusing_ = false;    // the last token request was refused by the cap
  std::string invalidated_;  // shared mode: a token a 401 showed to be revoked
  prometheus::Counter* refused_ = nullptr;
};

}  // namespace fxagent
