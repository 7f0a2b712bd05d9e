#include "agent/proxy/headers.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace fxagent {
namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Tokens listed in Connection header values ("close, X-Foo").
std::vector<std::string> ConnectionTokens(const HeaderList& headers) {
  std::vector<std::string> tokens;
  for (const auto& [name, value] : headers) {
    if (!HeaderNameEquals(name, "connection")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view token = Trim(rest.substr(0, comma));
      if (!token.empty()) tokens.emplace_back(token);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return tokens;
}

}  // namespace

bool HeaderNameEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

bool IsHopByHopHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kExact = {
      "connection",        "keep-alive", "te",   "trailer",
      "transfer-encoding", "upgrade",    "host", "proxy-connection"};
  for (std::string_view h : kExact) {
    if (HeaderNameEquals(name, h)) return true;
  }
  // Proxy-Authorization, Proxy-Authenticate and any other Proxy-* field.
  return name.size() >= 6 && HeaderNameEquals(name.substr(0, 6), "proxy-");
}

HeaderList DropHopByHop(const HeaderList& headers) {
  const std::vector<std::string> listed = ConnectionTokens(headers);
  HeaderList out;
  out.reserve(headers.size());
  for (const auto& h : headers) {
    if (IsHopByHopHeader(h.first)) continue;
    const bool named = std::any_of(listed.begin(), listed.end(), [&](const std::string& t) {
      return HeaderNameEquals(t, h.first);
    });
    if (!named) out.push_back(h);
  }
  return out;
}

const std::string* FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (HeaderNameEquals(h.first, name)) return &h.second;
  }
  return nullptr;
}

size_t RemoveHeader(HeaderList& headers, std::string_view name) {
  const size_t before = headers.size();
  std::erase_if(headers, [&](const auto& h) { return HeaderNameEquals(h.first, name); });
  return before - headers.size();
}

}  // namespace fxagent
