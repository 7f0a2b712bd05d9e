#include "agent/webhooks/event.h"

#include <openssl/sha.h>

#include <nlohmann/json.hpp>

namespace fxagent {
namespace {

using Json = nlohmann::json;

const Json* FindPath(const Json& root, std::string_view path) {
  const Json* node = &root;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    if (!node->is_object()) return nullptr;
    auto it = node->find(std::string(part));
    if (it == node->end()) return nullptr;
    node = &*it;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return node;
}

std::optional<std::string> ScalarText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  if (value.is_number_float()) return value.dump();
  return std::nullopt;
}

std::string StringAt(const Json& root, std::string_view path) {
  const Json* node = FindPath(root, path);
  if (node != nullptr && node->is_string()) return node->get<std::string>();
  return {};
}

}  // namespace

std::string BodySha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size_t{2} * SHA256_DIGEST_LENGTH);
  for (unsigned char c : digest) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

ParseResult ParseEvent(std::string_view body, const std::vector<std::string>& shipment_key_paths) {
  ParseResult result;
  Json doc = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    result.error = "body is not valid JSON";
    return result;
  }
  if (!doc.is_object()) {
    result.error = "body is not a JSON object";
    return result;
  }
  auto type = doc.find("type");
  if (type == doc.end() || !type->is_string() || type->get<std::string>().empty()) {
    result.error = "event has no string \"type\"";
    return result;
  }
  ParsedEvent event;
  event.type = type->get<std::string>();
  if (auto id = doc.find("id"); id != doc.end()) {
    if (std::optional<std::string> text = ScalarText(*id); text && !text->empty()) {
      event.id = *text;
      event.id_from_envelope = true;
    }
  }
  if (!event.id_from_envelope) event.id = BodySha256Hex(body);
  for (const std::string& path : shipment_key_paths) {
    const Json* node = FindPath(doc, path);
    if (node == nullptr) continue;
    if (std::optional<std::string> text = ScalarText(*node); text && !text->empty()) {
      event.shipment_key = *text;
      break;
    }
  }
  event.occurred_at = StringAt(doc, "occurred_at");
  if (event.occurred_at.empty()) event.occurred_at = StringAt(doc, "data.occurred_at");
  event.created_at = StringAt(doc, "created_at");
  result.event = std::move(event);
  return result;
}

std::string TypeLabelLimiter::Label(const std::string& type) {
  if (type.empty() || type.size() > kMaxTypeLength) return "other";
  std::lock_guard<std::mutex> lock(mu_);
  if (known_.count(type) > 0) return type;
  if (known_.size() >= max_types_) return "other";
  known_.insert(type);
  return type;
}

size_t TypeLabelLimiter::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return known_.size();
}

}  // namespace fxagent
