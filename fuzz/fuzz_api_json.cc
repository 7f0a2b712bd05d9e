// Fuzzes the JSON the agent reads from Flexport and from its API callers: a page of
// Flexport's GET /events (reconciler), POST /api/v1/webhooks/replay bodies and
// POST /api/v1/silences bodies. Mode byte: 0 events page, 1 replay request, 2 silence.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/notify/dispatch/silence.h"
#include "agent/webhooks/api_json.h"
#include "agent/webhooks/reconcile_page.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fxagent;
  fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.Byte() % 3;
  const std::string_view body = in.Rest();
  std::string error;
  if (mode == 0) {
    const auto page = ParseEventsPage(body, {"data.shipment_id", "data.resource.id"}, &error);
    if (page) {
      for (const ListedEvent& e : page->events) {
        if (e.id.empty() || e.type.empty()) std::abort();
        if (e.created_at) (void)FormatEventTime(*e.created_at);
      }
    } else if (error.empty()) {
      std::abort();
    }
  } else if (mode == 1) {
    const auto request = ParseReplayRequest(body, &error);
    if (request && request->since) (void)FormatEventTime(*request->since);
  } else {
    const TimePoint now = std::chrono::system_clock::from_time_t(1'714'550'400);
    const auto silence = SilenceFromJson(std::string(body), now, &error);
    if (silence) {
      (void)silence->State(now);
      (void)SilenceToJson(*silence, now);
    }
  }
  return 0;
}
