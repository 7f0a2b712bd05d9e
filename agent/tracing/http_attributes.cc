#include "agent/tracing/http_attributes.h"

#include <charconv>

#include "agent/tracing/semconv.h"

namespace fxagent {
namespace {

struct RawUrl {
  std::string_view scheme, host, port, path, query;
  bool has_query = false;
};

RawUrl Split(std::string_view url) {
  RawUrl r;
  if (auto hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  if (auto q = url.find('?'); q != std::string_view::npos) {
    r.query = url.substr(q + 1);
    r.has_query = true;
    url = url.substr(0, q);
  }
  if (auto sep = url.find("://"); sep != std::string_view::npos) {
    r.scheme = url.substr(0, sep);
    url = url.substr(sep + 3);
    auto slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    url = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      authority = authority.substr(at + 1);
    }
    if (!authority.empty() && authority.front() == '[') {
      auto close = authority.find(']');
      r.host = authority.substr(1, close == std::string_view::npos ? authority.npos : close - 1);
      if (close != std::string_view::npos && close + 1 < authority.size() &&
          authority[close + 1] == ':') {
        r.port = authority.substr(close + 2);
      }
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
      r.host = authority.substr(0, colon);
      r.port = authority.substr(colon + 1);
    } else {
      r.host = authority;
    }
  }
  r.path = url;
  return r;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string RedactQuery(std::string_view query) {
  std::string out;
  while (true) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      if (!out.empty()) out += '&';
      auto eq = pair.find('=');
      out.append(pair.substr(0, eq));
      if (eq != std::string_view::npos) out += "=REDACTED";
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return out;
}

}  // namespace

std::string SanitizeUrlForSpan(std::string_view url, UrlPath path) {
  RawUrl r = Split(url);
  std::string out;
  if (!r.scheme.empty()) {
    out.append(r.scheme).append("://");
    bool ipv6 = r.host.find(':') != std::string_view::npos;
    if (ipv6) out += '[';
    out.append(r.host);
    if (ipv6) out += ']';
    if (!r.port.empty()) out.append(":").append(r.port);
  }
  if (path == UrlPath::kRedact) {
    out.append("/REDACTED");
    return out;
  }
  out.append(r.path);
  if (r.has_query) {
    std::string query = RedactQuery(r.query);
    if (!query.empty()) out.append("?").append(query);
  }
  return out;
}

UrlParts SplitUrlForSpan(std::string_view url) {
  RawUrl r = Split(url);
  UrlParts parts;
  parts.scheme = LowerAscii(r.scheme);
  parts.host = std::string(r.host);
  int port = 0;
  auto [ptr, ec] = std::from_chars(r.port.data(), r.port.data() + r.port.size(), port);
  if (!r.port.empty() && ec == std::errc() && ptr == r.port.data() + r.port.size() && port > 0 &&
      port < 65536) {
    parts.port = port;
  } else if (parts.scheme == "https") {
    parts.port = 443;
  } else if (parts.scheme == "http") {
    parts.port = 80;
  }
  parts.path = r.path.empty() ? "/" : std::string(r.path);
  return parts;
}

void SetHttpClientRequest(ScopedSpan& span, std::string_view method, std::string_view url,
                          UrlPath path) {
  if (!span.IsRecording()) return;
  UrlParts parts = SplitUrlForSpan(url);
  span.SetAttribute(semconv::kHttpRequestMethod, method);
  span.SetAttribute(semconv::kUrlFull, SanitizeUrlForSpan(url, path));
  if (!parts.scheme.empty()) span.SetAttribute(semconv::kUrlScheme, parts.scheme);
  if (!parts.host.empty()) span.SetAttribute(semconv::kServerAddress, parts.host);
  if (parts.port != 0) span.SetAttribute(semconv::kServerPort, parts.port);
  if (path == UrlPath::kKeep) span.SetAttribute(semconv::kUrlPath, parts.path);
}

void SetHttpServerRequest(ScopedSpan& span, std::string_view method, std::string_view target,
                          std::string_view route) {
  if (!span.IsRecording()) return;
  span.SetAttribute(semconv::kHttpRequestMethod, method);
  span.SetAttribute(semconv::kUrlPath, SplitUrlForSpan(target).path);
  span.SetAttribute(semconv::kUrlScheme, "http");
  if (!route.empty()) span.SetAttribute(semconv::kHttpRoute, route);
}

void SetHttpResponseStatus(ScopedSpan& span, int status_code) {
  if (!span.IsRecording()) return;
  span.SetAttribute(semconv::kHttpResponseStatusCode, status_code);
  int threshold = span.kind() == SpanKind::kServer ? 500 : 400;
  if (status_code >= threshold) span.SetError(std::to_string(status_code));
}

}  // namespace fxagent
