// Fuzzes the whole webhook request handler (WebhookReceiver::Handle) with a real SQLite
// store, as the public listener calls it. Input: mode byte, then header lines
// ("Name: value") up to an empty line, then the body. Mode bit 0: add a correct
// X-Hub-Signature-256 for the body; bit 1: send Content-Length; bit 2: a wrong
// Content-Length. The store lives in /dev/shm when available, so fsyncs stay cheap.
#include <prometheus/registry.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "agent/webhooks/receiver.h"
#include "agent/webhooks/signature.h"
#include "fuzz/fuzz_input.h"

namespace {

using namespace fxagent;

constexpr char kSecret[] = "whsec_fuzz";

struct Harness {
  Harness() {
    const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    dir = std::string(base) + "/fxagent-fuzz-webhook-" + std::to_string(getpid());
    std::filesystem::create_directories(dir);
    config.secrets = {"whsec_fuzz_old", kSecret};
    config.allow_sha1 = true;
    config.max_body = 64 * 1024;
    EventStoreOptions o;
    o.data_dir = dir;
    store = std::make_unique<WebhookEventStore>(o);
    receiver = std::make_unique<WebhookReceiver>(config, *store, registry);
  }
  ~Harness() {
    receiver.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string dir;
  WebhooksSection config;
  prometheus::Registry registry;
  std::unique_ptr<WebhookEventStore> store;
  std::unique_ptr<WebhookReceiver> receiver;
};

std::string* g_dir = nullptr;

Harness& TheHarness() {
  // Leaked on purpose (the store's writer thread lives as long as the fuzzer); only its
  // directory is removed at exit.
  static Harness* h = [] {
    auto* harness = new Harness();
    g_dir = &harness->dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(*g_dir, ec);
    });
    return harness;
  }();
  return *h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness& h = TheHarness();
  fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  WebhookRequest req;
  req.path = h.config.path;
  while (!in.empty()) {
    const std::string_view line = in.Line();
    if (line.empty()) break;
    const size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  req.body = in.Rest();
  if (mode & 1) req.headers.emplace_back("X-Hub-Signature-256", SignSha256(req.body, kSecret));
  if (mode & 2) req.content_length = (mode & 4) ? req.body.size() + 7 : req.body.size();

  const WebhookResponse res = h.receiver->Handle(req);
  switch (res.status) {
    case 200:
    case 400:
    case 401:
    case 413:
    case 503:
      break;
    default:
      std::abort();  // SPEC §4 allows nothing else
  }
  if (res.body.find(kSecret) != std::string::npos) std::abort();  // secrets never echoed
  return 0;
}
