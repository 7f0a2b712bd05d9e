/// Turns a request path into a low-cardinality endpoint label: the query is dropped and
/// id-like segments become ":id" (`/shipments/123?per=1` -> `/shipments/:id`).
/// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace fxagent {

std::string TemplateEndpoint(std::string_view path_and_query);

}  // namespace fxagent
