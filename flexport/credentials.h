/// Supplies the bearer credential for Flexport API requests: a static API key or an
/// OAuth client-credentials token. Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>

namespace fxagent {

class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  /// The token to send as `Authorization: Bearer ...`, or nullopt with `error` set.
  virtual std::optional<std::string> BearerToken(std::string* error) = 0;
  /// Called when the API answered 401, so a cached token can be dropped.
  virtual void Invalidate() {}
};

class StaticApiKey : public CredentialSource {
 public:
  explicit StaticApiKey(std::string key) : key_(std::move(key)) {}
  std::optional<std::string> BearerToken(std::string* error) override {
    if (key_.empty()) {
      if (error != nullptr) *error = "no API key configured";
      return std::nullopt;
    }
    return key_;
  }

 private:
  std::string key_;
};

}  // namespace fxagent
