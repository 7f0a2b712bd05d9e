/// One notification to one receiver: the alerts of a group at the moment it was decided,
/// plus the incident's state for the communication template. This is what the durable
/// outbox stores (as JSON) and what receivers turn into HTTP requests at send time.
/// Plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/notify/dispatch/alert.h"

namespace fxagent {

enum class NotificationKind {
  kAlert,           // first page or a group change (new alert, resolved)
  kRepeat,          // repeat_interval while unacknowledged
  kEscalation,      // to escalate_to receivers after the response time
  kRefresh,         // Alertmanager re-send so the alert does not time out
  kIncidentUpdate,  // incident status or current action changed
};

std::string_view NotificationKindName(NotificationKind kind);

struct IncidentSnapshot {
  int64_t id = 0;
  std::string status;  // Investigating | Identified | Mitigating | Resolved
  std::string impact;
  std::string current_action;
  TimePoint started_at{};
  std::optional<TimePoint> resolved_at;
};

struct Notification {
  NotificationKind kind = NotificationKind::kAlert;
  std::string receiver;  // receiver name (never its URL)
  std::string group_key;
  LabelSet group_labels;
  std::vector<Alert> alerts;  // firing and resolved, sorted by fingerprint
  TimePoint created_at{};
  std::string severity;                        // most urgent severity among the alerts
  std::chrono::milliseconds response_time{0};  // the severity's, for "Next update"
  std::optional<IncidentSnapshot> incident;

  /// "firing" when any alert fires, else "resolved" (Alertmanager's group status).
  std::string Status() const;
  size_t FiringCount() const;
};

/// Alertmanager's commonLabels / commonAnnotations: pairs shared by every alert.
LabelSet CommonLabels(const std::vector<Alert>& alerts);
LabelSet CommonAnnotations(const std::vector<Alert>& alerts);

std::string NotificationToJson(const Notification& n);
/// Nullopt when the text is not a notification this version wrote.
std::optional<Notification> NotificationFromJson(const std::string& text);

}  // namespace fxagent
