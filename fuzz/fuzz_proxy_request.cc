// Fuzzes what the egress proxy does with a request it received: the endpoint label from
// the request target, hop-by-hop header filtering (including fields named by
// Connection), header lookup/removal, and traceparent parsing and re-formatting by both
// the proxy and the tracer (they must agree).
// Input: an HTTP/1.1 request head ("GET /path HTTP/1.1", then "Name: value" lines).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "agent/proxy/headers.h"
#include "agent/tracing/span_context.h"
#include "flexport/endpoint_template.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fxagent;
  fuzz::FuzzInput in(data, size);
  const std::string_view request_line = in.Line();
  const size_t sp1 = request_line.find(' ');
  const size_t sp2 = request_line.rfind(' ');
  const std::string_view target = sp1 == std::string_view::npos
                                      ? request_line
                                      : request_line.substr(sp1 + 1, sp2 > sp1 ? sp2 - sp1 - 1 : 0);
  const std::string endpoint = TemplateEndpoint(target);
  if (endpoint.find('?') != std::string::npos) std::abort();  // the query never reaches a label

  HeaderList headers;
  while (!in.empty()) {
    const std::string_view line = in.Line();
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  const HeaderList forwarded = DropHopByHop(headers);
  if (forwarded.size() > headers.size()) std::abort();
  for (const auto& [name, value] : forwarded) {
    if (IsHopByHopHeader(name)) std::abort();
  }

  const std::string* tp = FindHeader(headers, "traceparent");
  for (const std::string_view value : {tp != nullptr ? std::string_view(*tp) : "", in.Rest()}) {
    // The traceparent the proxy continues must round-trip through the shared parser.
    const auto span = ParseTraceparent(value);
    if (span) {
      const auto span_again = ParseTraceparent(FormatTraceparent(*span));
      if (!span_again || span_again->trace_id != span->trace_id ||
          span_again->span_id != span->span_id || span_again->trace_flags != span->trace_flags) {
        std::abort();
      }
    }
  }

  HeaderList copy = headers;
  const size_t removed = RemoveHeader(copy, "traceparent");
  if (copy.size() + removed != headers.size() || FindHeader(copy, "TraceParent")) std::abort();
  return 0;
}
