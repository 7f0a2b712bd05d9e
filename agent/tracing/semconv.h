/// Span attribute names: OpenTelemetry semantic conventions for HTTP (stable, v1.23+)
/// and the agent's own `flexport.*` names. Call sites use these constants so every
/// span names things the same way. Constants only; thread-safe.
#pragma once

#include <string_view>

namespace fxagent::semconv {

// HTTP client and server spans.
inline constexpr std::string_view kHttpRequestMethod = "http.request.method";
inline constexpr std::string_view kHttpResponseStatusCode = "http.response.status_code";
inline constexpr std::string_view kHttpRoute = "http.route";
inline constexpr std::string_view kHttpRequestResendCount = "http.request.resend_count";
inline constexpr std::string_view kHttpRequestBodySize = "http.request.body.size";
inline constexpr std::string_view kHttpResponseBodySize = "http.response.body.size";
inline constexpr std::string_view kUrlFull = "url.full";  // always via SanitizeUrlForSpan
inline constexpr std::string_view kUrlPath = "url.path";
inline constexpr std::string_view kUrlScheme = "url.scheme";
inline constexpr std::string_view kServerAddress = "server.address";
inline constexpr std::string_view kServerPort = "server.port";
inline constexpr std::string_view kClientAddress = "client.address";
inline constexpr std::string_view kUserAgentOriginal = "user_agent.original";
inline constexpr std::string_view kNetworkProtocolVersion = "network.protocol.version";
inline constexpr std::string_view kErrorType = "error.type";

// error.type values used across the agent (besides an HTTP status code as a string).
inline constexpr std::string_view kErrorTimeout = "timeout";
inline constexpr std::string_view kErrorOther = "_OTHER";

// The agent's own attributes.
inline constexpr std::string_view kFlexportProbe = "flexport.probe";
inline constexpr std::string_view kFlexportProbeKind = "flexport.probe.kind";
inline constexpr std::string_view kFlexportEndpoint = "flexport.endpoint";  // path template
inline constexpr std::string_view kFlexportSource = "flexport.source";      // probe | proxy
inline constexpr std::string_view kFlexportWebhookEventId = "flexport.webhook.event_id";
inline constexpr std::string_view kFlexportWebhookEventType = "flexport.webhook.event_type";
inline constexpr std::string_view kFlexportWebhookOutcome = "flexport.webhook.outcome";
inline constexpr std::string_view kFlexportWebhookAttempt = "flexport.webhook.attempt";
inline constexpr std::string_view kFlexportAlertName = "flexport.alert.name";
inline constexpr std::string_view kFlexportSeverity = "flexport.severity";
inline constexpr std::string_view kFlexportReceiver = "flexport.receiver";
inline constexpr std::string_view kFlexportReceiverType = "flexport.receiver.type";
inline constexpr std::string_view kFlexportNotificationStatus = "flexport.notification.status";

// Span names for the agent's phases (probe children).
inline constexpr std::string_view kPhaseDns = "dns";
inline constexpr std::string_view kPhaseConnect = "connect";
inline constexpr std::string_view kPhaseTls = "tls";
inline constexpr std::string_view kPhaseRequest = "request";

}  // namespace fxagent::semconv
