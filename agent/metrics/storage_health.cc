#include "agent/metrics/storage_health.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "agent/base/logger.h"

namespace fxagent {

StorageHealth::StorageHealth(prometheus::Registry& registry, std::string store, Logger* log)
    : store_(std::move(store)),
      log_(log),
      errors_(prometheus::BuildCounter()
                  .Name("flexport_agent_storage_errors_total")
                  .Help("Failed writes to the agent's durable state in data_dir, by store")
                  .Register(registry)
                  .Add({{"store", store_}})),
      healthy_gauge_(prometheus::BuildGauge()
                         .Name("flexport_agent_storage_healthy")
                         .Help("1 while the store's last write to data_dir succeeded")
                         .Register(registry)
                         .Add({{"store", store_}})) {
  healthy_gauge_.Set(1);
}

void StorageHealth::Record(bool ok, std::string_view error, int failures) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!ok) errors_.Increment(failures);
  healthy_gauge_.Set(ok ? 1 : 0);
  if (ok == healthy_) return;
  healthy_ = ok;
  if (log_ == nullptr) return;
  if (ok) {
    log_->Info("storage writable again", {{"store", store_}});
  } else {
    log_->Error("storage write failed; retrying until it works",
                {{"store", store_}, {"error", std::string(error)}});
  }
}

}  // namespace fxagent
