/// Helpers that put HTTP facts on a span the OpenTelemetry way without leaking secrets:
/// URLs lose their userinfo and query values, status codes map to span status.
/// Pure functions; thread-safe (a ScopedSpan argument still has one owner).
#pragma once

#include <string>
#include <string_view>

#include "agent/tracing/tracer.h"

namespace fxagent {

/// Drops userinfo and the fragment, keeps query keys and replaces every query value
/// with "REDACTED": `https://u:p@h/x?token=s&per=1#f` → `https://h/x?token=REDACTED&per=REDACTED`.
/// Also accepts a bare path (`/x?token=s`).
/// kRedact also replaces the path with "/REDACTED": for URLs whose path is itself a
/// secret (Slack incoming webhooks, tokenised generic webhooks).
enum class UrlPath { kKeep, kRedact };
std::string SanitizeUrlForSpan(std::string_view url, UrlPath path = UrlPath::kKeep);

struct UrlParts {
  std::string scheme;  // "" for a bare path
  std::string host;    // without brackets for IPv6
  int port = 0;        // explicit port, else the scheme's default (80/443), else 0
  std::string path;    // "/" when empty; no query
};
UrlParts SplitUrlForSpan(std::string_view url);

/// Client span: http.request.method, url.full (sanitized), url.scheme, server.address,
/// server.port, and url.path unless `path` is kRedact (then url.full ends in /REDACTED).
void SetHttpClientRequest(ScopedSpan& span, std::string_view method, std::string_view url,
                          UrlPath path = UrlPath::kKeep);

/// Server span: http.request.method, url.path, url.scheme ("http"), and http.route
/// when `route` is not empty. `target` is the request target (path and query).
void SetHttpServerRequest(ScopedSpan& span, std::string_view method, std::string_view target,
                          std::string_view route = {});

/// http.response.status_code, plus error status and error.type = the code when it is
/// an error for the span's kind (server: >= 500, any other kind: >= 400).
void SetHttpResponseStatus(ScopedSpan& span, int status_code);

}  // namespace fxagent
