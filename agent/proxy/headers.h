/// Header handling for the egress proxy: which headers are hop-by-hop (RFC 9110 §7.6.1)
/// and must not be forwarded in either direction. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fxagent {

/// Header fields in order, names as received (case preserved), duplicates allowed.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// True for Connection, Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade and
/// Host (the upstream's Host comes from api_base). Case-insensitive.
bool IsHopByHopHeader(std::string_view name);

/// Case-insensitive ASCII comparison of header names.
bool HeaderNameEquals(std::string_view a, std::string_view b);

/// `headers` without hop-by-hop fields and without the fields the Connection header
/// names (`Connection: close, X-Foo` also drops X-Foo).
HeaderList DropHopByHop(const HeaderList& headers);

/// The first value of `name`, or nullptr.
const std::string* FindHeader(const HeaderList& headers, std::string_view name);

/// Removes every field called `name`; returns how many were removed.
size_t RemoveHeader(HeaderList& headers, std::string_view name);

}  // namespace fxagent
