/// Builds the agent's tracer from `[tracing]`: a NoopTracer when otlp_endpoint is
/// empty, otherwise an OtlpTracer with service.instance.id = `instance` and
/// service.version = `version`, registering its metrics in `registry` (which must
/// outlive the tracer). Call Stop() on shutdown before the registry goes away.
#pragma once

#include <memory>
#include <string>

#include "agent/config/config.h"
#include "agent/tracing/tracer.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace fxagent {

std::unique_ptr<Tracer> MakeTracer(const TracingSection& config, const std::string& instance,
                                   const std::string& version, prometheus::Registry& registry);

}  // namespace fxagent
