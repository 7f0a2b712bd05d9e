/// The notifier's operator API: what the internal HTTP API (notify_api.h) and the CLI's
/// admin commands act on (acknowledgements, silences, incidents, the alert view), apart
/// from the notifier's intake and dispatch (notifier.h), so the HTTP layer depends on
/// this alone. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/clock.h"
#include "agent/notify/dispatch/alert.h"
#include "agent/notify/dispatch/silence.h"
#include "agent/notify/incidents/incident.h"

namespace fxagent {

enum class OpResult { kOk, kBadRequest, kNotFound };

/// One alert as GET /api/v1/alerts shows it.
struct AlertView {
  Alert alert;
  std::string fingerprint;
  std::string state;  // "active", "suppressed", "resolved"
  std::vector<std::string> silenced_by;
  bool inhibited = false;
  std::optional<TimePoint> acknowledged_at;
  std::string acknowledged_by;
  std::vector<std::string> receivers;
};

class NotifierOperations {
 public:
  virtual ~NotifierOperations() = default;

  virtual OpResult Ack(const std::string& fingerprint, const std::string& by,
                       const std::string& comment, TimePoint now, std::string* error) = 0;
  /// Stores the silence and returns its new id.
  virtual std::string AddSilence(Silence silence, TimePoint now) = 0;
  virtual OpResult ExpireSilence(const std::string& id, TimePoint now) = 0;
  virtual std::vector<Silence> Silences() const = 0;
  virtual std::vector<AlertView> Alerts(TimePoint now) const = 0;
  virtual std::vector<Incident> Incidents() const = 0;
  virtual std::optional<Incident> GetIncident(int64_t id) const = 0;
  virtual std::vector<TimelineEntry> Timeline(int64_t id) const = 0;
  /// Operator status / current action / impact change; posts an update to the incident's
  /// receivers. Resolved cannot be set by hand (400); unknown id 404.
  virtual OpResult UpdateIncident(int64_t id, std::optional<IncidentStatus> status,
                                  std::optional<std::string> current_action,
                                  std::optional<std::string> impact, const std::string& by,
                                  TimePoint now, std::string* error) = 0;
  /// Markdown post-incident report; nullopt for an unknown id.
  virtual std::optional<std::string> IncidentReport(int64_t id, TimePoint now) const = 0;
  /// The clock operator actions are stamped with.
  virtual const Clock& clock() const = 0;
};

}  // namespace fxagent
