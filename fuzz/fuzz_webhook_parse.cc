// Fuzzes the pure half of the webhook request path: signature header checks on the raw
// body, then envelope parsing. Input: mode byte, X-Hub-Signature-256 line,
// X-Hub-Signature line, then the body. Mode bit 0: sign the body for real (so the
// fuzzer gets past the HMAC), bit 1: allow SHA-1, bit 2: drop the -256 header,
// bit 3: drop the legacy header.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/webhooks/event.h"
#include "agent/webhooks/signature.h"
#include "fuzz/fuzz_input.h"

namespace {

const std::vector<std::string> kSecrets = {"whsec_fuzz_old", "whsec_fuzz"};
const std::vector<std::string> kShipmentKeys = {
    "data.shipment_id", "data.resource.shipment.id", "data.resource.id", "a..b", ".", ""};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fxagent;
  fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  std::string sig256(in.Line());
  std::string sig(in.Line());
  const std::string_view body = in.Rest();
  if (mode & 1) sig256 = SignSha256(body, kSecrets[1]);

  SignatureHeaders headers;
  if (!(mode & 4)) headers.hub_signature_256 = sig256;
  if (!(mode & 8)) headers.hub_signature = sig;
  const SignatureResult result = VerifySignature(body, headers, kSecrets, mode & 2);
  (void)ToString(result);
  // A body signed with a configured secret always verifies.
  if ((mode & 1) && !(mode & 4) && result != SignatureResult::kOk) std::abort();
  // No secrets: fail closed whatever the header says.
  if (VerifySignature(body, headers, {}, true) == SignatureResult::kOk) std::abort();

  const ParseResult parsed = ParseEvent(body, kShipmentKeys);
  if (parsed.event) {
    if (parsed.event->type.empty() || parsed.event->id.empty()) std::abort();
    TypeLabelLimiter limiter(2);
    if (limiter.Label(parsed.event->type).size() > TypeLabelLimiter::kMaxTypeLength) std::abort();
  }
  (void)BodySha256Hex(body);
  return 0;
}
