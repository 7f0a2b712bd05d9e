#include "agent/webhooks/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>

namespace fxagent {
namespace {

enum class Algo { kSha256, kSha1 };

size_t DigestSize(Algo algo) { return algo == Algo::kSha256 ? 32 : 20; }

// Returns the raw HMAC, or an empty string if OpenSSL fails.
std::string Hmac(Algo algo, std::string_view key, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  const EVP_MD* md = algo == Algo::kSha256 ? EVP_sha256() : EVP_sha1();
  if (HMAC(md, key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(body.data()), body.size(), out.data(),
           &len) == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> DecodeHex(std::string_view hex, size_t bytes) {
  if (hex.size() != bytes * 2) return std::nullopt;
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

std::string ToHex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

SignatureResult Check(Algo algo, std::string_view hex, std::string_view body,
                      const std::vector<std::string>& secrets) {
  std::optional<std::string> expected = DecodeHex(hex, DigestSize(algo));
  if (!expected) return SignatureResult::kMalformed;
  bool matched = false;
  // Every secret is tried so the time taken does not reveal which one matched.
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    std::string mac = Hmac(algo, secret, body);
    if (mac.size() == expected->size() &&
        CRYPTO_memcmp(mac.data(), expected->data(), mac.size()) == 0) {
      matched = true;
    }
  }
  return matched ? SignatureResult::kOk : SignatureResult::kMismatch;
}

}  // namespace

const char* ToString(SignatureResult result) {
  switch (result) {
    case SignatureResult::kOk:
      return "ok";
    case SignatureResult::kMissing:
      return "missing";
    case SignatureResult::kMalformed:
      return "malformed";
    case SignatureResult::kMismatch:
      return "mismatch";
  }
  return "unknown";
}

SignatureResult VerifySignature(std::string_view body, const SignatureHeaders& headers,
                                const std::vector<std::string>& secrets, bool allow_sha1) {
  if (headers.hub_signature_256) {
    std::string_view value = Trim(*headers.hub_signature_256);
    if (!StartsWithNoCase(value, "sha256=")) return SignatureResult::kMalformed;
    return Check(Algo::kSha256, value.substr(7), body, secrets);
  }
  if (headers.hub_signature) {
    std::string_view value = Trim(*headers.hub_signature);
    if (StartsWithNoCase(value, "sha256=")) {
      return Check(Algo::kSha256, value.substr(7), body, secrets);
    }
    if (StartsWithNoCase(value, "sha1=")) {
      if (!allow_sha1) return SignatureResult::kMalformed;
      return Check(Algo::kSha1, value.substr(5), body, secrets);
    }
    return SignatureResult::kMalformed;
  }
  return SignatureResult::kMissing;
}

std::string SignSha256(std::string_view body, std::string_view secret) {
  return "sha256=" + ToHex(Hmac(Algo::kSha256, secret, body));
}

std::string SignSha1(std::string_view body, std::string_view secret) {
  return "sha1=" + ToHex(Hmac(Algo::kSha1, secret, body));
}

}  // namespace fxagent
