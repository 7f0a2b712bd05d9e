#include "agent/tracing/make_tracer.h"

#include "agent/tracing/otlp_tracer.h"

namespace fxagent {

std::unique_ptr<Tracer> MakeTracer(const TracingSection& config, const std::string& instance,
                                   const std::string& version, prometheus::Registry& registry) {
  if (config.otlp_endpoint.empty()) return std::make_unique<NoopTracer>();
  OtlpExporterOptions options;
  options.endpoint = config.otlp_endpoint;
  options.resource.service_instance_id = instance;
  options.resource.service_version = version;
  return std::make_unique<OtlpTracer>(std::move(options), registry);
}

}  // namespace fxagent
