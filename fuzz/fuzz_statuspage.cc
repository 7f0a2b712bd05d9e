// Fuzzes the Atlassian Statuspage v2 parser: any body must give a report or an error.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "probes/statuspage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto parsed = fxagent::ParseStatusPage(body);
  if (const auto* report = std::get_if<fxagent::StatusPageReport>(&parsed)) {
    // The values become gauges: they must stay within the documented ranges.
    if (report->indicator < 0 || report->indicator > 3) std::abort();
    for (const auto& c : report->components) {
      if (c.status < 0 || c.status > 4) std::abort();
    }
  } else if (std::get<fxagent::StatusPageError>(parsed).reason.empty()) {
    std::abort();
  }
  (void)fxagent::StatusIndicatorValue(body);
  (void)fxagent::ComponentStatusValue(body);
  return 0;
}
