#include "agent/webhooks/signature.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace fxagent {
namespace {

const std::string kBody = R"({"id":354987,"type":"/shipment_leg#departed"})";
const std::vector<std::string> kSecrets = {"old-secret", "new-secret"};

SignatureResult Verify256(const std::string& header, bool allow_sha1 = false) {
  return VerifySignature(kBody, {.hub_signature_256 = header}, kSecrets, allow_sha1);
}
SignatureResult VerifyHub(const std::string& header, bool allow_sha1 = false) {
  return VerifySignature(kBody, {.hub_signature = header}, kSecrets, allow_sha1);
}

TEST(SignatureTest, KnownVector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(SignSha256("what do ya want for nothing?", "Jefe"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SignatureTest, ValidInSignature256Header) {
  EXPECT_EQ(Verify256(SignSha256(kBody, "old-secret")), SignatureResult::kOk);
}

TEST(SignatureTest, ValidSha256InHubSignatureHeader) {
  EXPECT_EQ(VerifyHub(SignSha256(kBody, "old-secret")), SignatureResult::kOk);
}

TEST(SignatureTest, RotatedSecondSecretMatches) {
  EXPECT_EQ(Verify256(SignSha256(kBody, "new-secret")), SignatureResult::kOk);
}

TEST(SignatureTest, WrongSecretIsMismatch) {
  EXPECT_EQ(Verify256(SignSha256(kBody, "attacker")), SignatureResult::kMismatch);
  EXPECT_EQ(VerifyHub(SignSha256(kBody, "attacker")), SignatureResult::kMismatch);
}

TEST(SignatureTest, MissingHeader) {
  EXPECT_EQ(VerifySignature(kBody, {}, kSecrets, true), SignatureResult::kMissing);
}

TEST(SignatureTest, Sha1OnlyWhenAllowed) {
  std::string sig = SignSha1(kBody, "new-secret");
  EXPECT_EQ(VerifyHub(sig, /*allow_sha1=*/false), SignatureResult::kMalformed);
  EXPECT_EQ(VerifyHub(sig, /*allow_sha1=*/true), SignatureResult::kOk);
  EXPECT_EQ(VerifyHub(SignSha1(kBody, "wrong"), true), SignatureResult::kMismatch);
  // Never in the SHA-256 header.
  EXPECT_EQ(Verify256(sig, true), SignatureResult::kMalformed);
}

TEST(SignatureTest, WrongLengthIsMalformed) {
  std::string sig = SignSha256(kBody, "old-secret");
  EXPECT_EQ(Verify256(sig.substr(0, sig.size() - 2)), SignatureResult::kMalformed);
  EXPECT_EQ(Verify256(sig + "00"), SignatureResult::kMalformed);
  EXPECT_EQ(Verify256("sha256="), SignatureResult::kMalformed);
  EXPECT_EQ(Verify256(""), SignatureResult::kMalformed);
  EXPECT_EQ(Verify256("md5=abcd"), SignatureResult::kMalformed);
  std::string bad_hex = sig;
  bad_hex.back() = 'z';
  EXPECT_EQ(Verify256(bad_hex), SignatureResult::kMalformed);
}

TEST(SignatureTest, UppercaseHexAccepted) {
  std::string sig = SignSha256(kBody, "old-secret");
  std::string hex = sig.substr(7);
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  EXPECT_EQ(Verify256("sha256=" + hex), SignatureResult::kOk);
}

TEST(SignatureTest, BodyAlteredByOneByte) {
  std::string sig = SignSha256(kBody, "old-secret");
  std::string altered = kBody;
  altered[10] ^= 0x01;
  EXPECT_EQ(VerifySignature(altered, {.hub_signature_256 = sig}, kSecrets, false),
            SignatureResult::kMismatch);
}

TEST(SignatureTest, Sha256HeaderTakesPrecedence) {
  const std::string wrong = SignSha256(kBody, "attacker");
  const std::string right = SignSha256(kBody, "old-secret");
  SignatureHeaders headers{.hub_signature_256 = wrong, .hub_signature = right};
  EXPECT_EQ(VerifySignature(kBody, headers, kSecrets, false), SignatureResult::kMismatch);
}

TEST(SignatureTest, NoSecretsFailsClosed) {
  EXPECT_EQ(VerifySignature(kBody, {.hub_signature_256 = SignSha256(kBody, "")}, {}, false),
            SignatureResult::kMismatch);
  EXPECT_EQ(VerifySignature(kBody, {.hub_signature_256 = SignSha256(kBody, "")}, {""}, false),
            SignatureResult::kMismatch);
}

}  // namespace
}  // namespace fxagent
