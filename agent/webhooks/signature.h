/// Verification of Flexport webhook signatures: an HMAC of the raw body under any of the
/// configured secrets (several = rotation), compared in constant time. Pure functions,
/// safe from any thread. Never logs the body or the secrets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fxagent {

enum class SignatureResult {
  kOk,         // one secret matched
  kMissing,    // no signature header
  kMalformed,  // header present but not "sha256=<64 hex>" (or "sha1=<40 hex>" when allowed)
  kMismatch,   // well-formed, but no secret produces it
};

const char* ToString(SignatureResult result);

/// The signature header values of one request (absent headers as nullopt).
struct SignatureHeaders {
  std::optional<std::string_view> hub_signature_256;  // X-Hub-Signature-256
  std::optional<std::string_view> hub_signature;      // X-Hub-Signature
};

/// Checks `X-Hub-Signature-256: sha256=<hex>` when present, else `X-Hub-Signature`
/// (`sha256=<hex>`, or `sha1=<hex>` only with allow_sha1). Hex is case-insensitive.
/// With no secrets configured every signature is a mismatch (fail closed).
SignatureResult VerifySignature(std::string_view body, const SignatureHeaders& headers,
                                const std::vector<std::string>& secrets, bool allow_sha1);

/// "sha256=<lowercase hex>" of HMAC-SHA256(secret, body); for tests and the simulator.
std::string SignSha256(std::string_view body, std::string_view secret);
/// "sha1=<lowercase hex>" of HMAC-SHA1(secret, body).
std::string SignSha1(std::string_view body, std::string_view secret);

}  // namespace fxagent
