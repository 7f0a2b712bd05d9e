#include "flexport/endpoint_template.h"

#include <algorithm>
#include <cctype>

namespace fxagent {
namespace {

constexpr size_t kMaxSegments = 8;

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

bool LooksLikeUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

// Ids seen in Flexport URLs: plain numbers, UUIDs, hex digests and prefixed ids such as
// "evt_8f3a2", "FLEX-123456" or "shp-01H...". Short tokens with a digit ("v2") stay.
bool LooksLikeId(std::string_view s) {
  if (s.empty()) return false;
  if (std::all_of(s.begin(), s.end(), IsDigit)) return true;
  if (LooksLikeUuid(s)) return true;
  const bool has_digit = std::any_of(s.begin(), s.end(), IsDigit);
  if (!has_digit) return false;
  if (s.size() >= 16 && std::all_of(s.begin(), s.end(), IsHex)) return true;
  const bool has_separator = s.find_first_of("-_.:") != std::string_view::npos;
  return has_separator || s.size() >= 6;
}

}  // namespace

std::string TemplateEndpoint(std::string_view path_and_query) {
  std::string_view path = path_and_query.substr(0, path_and_query.find_first_of("?#"));
  std::string out;
  size_t segments = 0;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    const size_t end = std::min(path.find('/', pos), path.size());
    std::string_view segment = path.substr(pos, end - pos);
    if (++segments > kMaxSegments) {
      out += "/...";
      break;
    }
    out += '/';
    out += LooksLikeId(segment) ? std::string_view(":id") : segment;
    pos = end;
  }
  return out.empty() ? "/" : out;
}

}  // namespace fxagent
