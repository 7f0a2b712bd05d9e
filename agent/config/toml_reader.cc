#include "agent/config/toml_reader.h"

#include <algorithm>
#include <limits>

#include "agent/config/interpolate.h"

namespace fxagent::detail {
namespace {

constexpr std::string_view kDurationForm =
    "expected a duration string like \"30s\" (units ms, s, m, h, d; e.g. \"250ms\", \"5m\", "
    "\"1h30m\")";

std::string Describe(const std::string& value, bool may_echo) { return Echo(" ", value, may_echo); }

}  // namespace

Pos PosOf(const toml::node& node) {
  const toml::source_position& begin = node.source().begin;
  if (begin.line == 0) return Pos{};
  return Pos{static_cast<int>(begin.line), static_cast<int>(begin.column)};
}

void Diagnostics::Error(Pos pos, std::string message) {
  errors_.emplace_back(file_, pos.line, pos.column, std::move(message));
}

std::vector<ConfigError> Diagnostics::Sorted() const {
  std::vector<ConfigError> out = errors_;
  std::stable_sort(out.begin(), out.end(), [](const ConfigError& a, const ConfigError& b) {
    if (a.line() != b.line()) return a.line() < b.line();
    return a.column() < b.column();
  });
  auto same_pos = [](const ConfigError& a, const ConfigError& b) {
    return a.line() == b.line() && a.column() == b.column() && a.message() == b.message();
  };
  out.erase(std::unique(out.begin(), out.end(), same_pos), out.end());
  return out;
}

std::string Quoted(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Echo(std::string_view prefix, const std::string& value, bool may_echo) {
  std::string out;
  if (may_echo) {
    out.append(prefix);
    out.append(Quoted(value));
  }
  return out;
}

std::optional<std::string> CheckUrl(const std::string& value, bool /*may_echo*/) {
  // URLs are never echoed: they can carry credentials or webhook tokens.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (value.starts_with(scheme) && value.size() > scheme.size() && value[scheme.size()] != '/' &&
        value.find_first_of(" \t\r\n") == std::string::npos) {
      return std::nullopt;
    }
  }
  return "expected an http:// or https:// URL";
}

std::optional<std::string> CheckAbsolutePath(const std::string& value, bool may_echo) {
  if (value.starts_with("/")) return std::nullopt;
  return "must start with \"/\"" + Echo(", got ", value, may_echo);
}

std::optional<std::string> CheckNotEmpty(const std::string& value, bool /*may_echo*/) {
  if (!value.empty()) return std::nullopt;
  return "must not be empty";
}

TableReader::TableReader(Diagnostics& diag, const toml::table* table, std::string path,
                         const std::string& display,
                         std::initializer_list<std::string_view> allowed)
    : diag_(diag), table_(table), path_(std::move(path)) {
  if (table_ == nullptr) return;
  for (auto&& [key, value] : *table_) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    Pos pos = key.source().begin.line == 0 ? detail::PosOf(value)
                                           : Pos{static_cast<int>(key.source().begin.line),
                                                 static_cast<int>(key.source().begin.column)};
    std::string where = display.empty() ? " at top level" : " in " + display;
    diag_.Error(pos, "unknown key " + Quoted(std::string(key.str())) + where);
  }
}

const toml::node* TableReader::Get(std::string_view key) const {
  return table_ == nullptr ? nullptr : table_->get(key);
}

bool TableReader::Has(std::string_view key) const { return Get(key) != nullptr; }

Pos TableReader::PosOf(std::string_view key) const {
  if (const toml::node* node = Get(key)) return detail::PosOf(*node);
  if (table_ != nullptr) return detail::PosOf(*table_);
  return Pos{};
}

std::string TableReader::Path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void TableReader::Error(std::string_view key, const std::string& message) {
  diag_.Error(PosOf(key), Path(key) + ": " + message);
}

std::optional<std::string> TableReader::ReadString(std::string_view key, const toml::node& node,
                                                   bool* substituted) {
  const auto* str = node.as_string();
  if (str == nullptr) {
    diag_.Error(detail::PosOf(node), Path(key) + ": expected a string");
    return std::nullopt;
  }
  std::string error;
  std::optional<Interpolated> result = Interpolate(str->get(), diag_.env(), &error);
  if (!result) {
    diag_.Error(detail::PosOf(node), Path(key) + ": " + error);
    return std::nullopt;
  }
  *substituted = result->substituted;
  return std::move(result->value);
}

bool TableReader::String(std::string_view key, std::string& out, const StringCheck& check,
                         bool secret) {
  const toml::node* node = Get(key);
  if (node == nullptr) return false;
  bool substituted = false;
  std::optional<std::string> value = ReadString(key, *node, &substituted);
  if (!value) return false;
  if (check) {
    if (auto problem = check(*value, !secret && !substituted)) {
      diag_.Error(detail::PosOf(*node), Path(key) + ": " + *problem);
      return false;
    }
  }
  out = std::move(*value);
  return true;
}

bool TableReader::StringArray(std::string_view key, std::vector<std::string>& out,
                              const StringCheck& check, bool secret) {
  const toml::node* node = Get(key);
  if (node == nullptr) return false;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    diag_.Error(detail::PosOf(*node), Path(key) + ": expected an array of strings");
    return false;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (const toml::node& element : *array) {
    bool substituted = false;
    std::optional<std::string> value = ReadString(key, element, &substituted);
    if (!value) {
      ok = false;
      continue;
    }
    if (check) {
      if (auto problem = check(*value, !secret && !substituted)) {
        diag_.Error(detail::PosOf(element), Path(key) + ": " + *problem);
        ok = false;
        continue;
      }
    }
    values.push_back(std::move(*value));
  }
  if (ok) out = std::move(values);
  return ok;
}

bool TableReader::Bool(std::string_view key, bool& out) {
  const toml::node* node = Get(key);
  if (node == nullptr) return false;
  const auto* value = node->as_boolean();
  if (value == nullptr) {
    diag_.Error(detail::PosOf(*node), Path(key) + ": expected true or false");
    return false;
  }
  out = value->get();
  return true;
}

bool TableReader::Int(std::string_view key, int& out, int min, int max) {
  const toml::node* node = Get(key);
  if (node == nullptr) return false;
  const auto* value = node->as_integer();
  if (value == nullptr) {
    diag_.Error(detail::PosOf(*node), Path(key) + ": expected an integer");
    return false;
  }
  int64_t v = value->get();
  if (v < min || v > max) {
    std::string range = max == std::numeric_limits<int>::max()
                            ? "at least " + std::to_string(min)
                            : "between " + std::to_string(min) + " and " + std::to_string(max);
    diag_.Error(detail::PosOf(*node),
                Path(key) + ": must be " + range + ", got " + std::to_string(v));
    return false;
  }
  out = static_cast<int>(v);
  return true;
}

bool TableReader::Duration(std::string_view key, fxagent::Duration& out, bool allow_zero) {
  const toml::node* node = Get(key);
  if (node == nullptr) return false;
  if (const auto* number = node->as_integer()) {
    diag_.Error(detail::PosOf(*node), Path(key) + ": " + std::string(kDurationForm) +
                                          ", not the bare number " + std::to_string(number->get()));
    return false;
  }
  if (!node->is_string()) {
    diag_.Error(detail::PosOf(*node), Path(key) + ": " + std::string(kDurationForm));
    return false;
  }
  std::optional<fxagent::Duration> parsed;
  std::string ignored;
  bool ok = String(key, ignored, [&](const std::string& text, bool may_echo) {
    parsed = ParseDuration(text);
    if (!parsed) {
      return std::optional<std::string>("invalid duration" + Describe(text, may_echo) + ": " +
                                        std::string(kDurationForm));
    }
    if (*parsed == fxagent::Duration::zero() && !allow_zero) {
      return std::optional<std::string>("must be greater than 0");
    }
    return std::optional<std::string>();
  });
  if (ok && parsed) out = *parsed;
  return ok && parsed;
}

bool TableReader::Size(std::string_view key, uint64_t& out) {
  const toml::node* node = Get(key);
  if (node == nullptr) return false;
  std::optional<uint64_t> parsed;
  if (const auto* number = node->as_integer()) {
    if (number->get() > 0) parsed = static_cast<uint64_t>(number->get());
  } else if (node->is_string()) {
    std::string ignored;
    if (!String(key, ignored, [&](const std::string& text, bool may_echo) {
          parsed = ParseSize(text);
          if (!parsed) {
            return std::optional<std::string>(
                "invalid size" + Describe(text, may_echo) +
                ": expected bytes or a size string like \"512KiB\", \"1MiB\", \"10MB\"");
          }
          return std::optional<std::string>();
        })) {
      return false;
    }
  } else {
    diag_.Error(detail::PosOf(*node),
                Path(key) + ": expected a size string like \"512KiB\" or \"1MiB\"");
    return false;
  }
  if (!parsed || *parsed == 0) {
    diag_.Error(detail::PosOf(*node), Path(key) + ": must be greater than 0");
    return false;
  }
  out = *parsed;
  return true;
}

bool TableReader::Address(std::string_view key, ListenAddress& out) {
  std::optional<ListenAddress> parsed;
  std::string ignored;
  bool ok = String(key, ignored, [&](const std::string& text, bool may_echo) {
    parsed = ParseListenAddress(text);
    if (parsed) return std::optional<std::string>();
    return std::optional<std::string>(
        "invalid listen address" + Describe(text, may_echo) +
        ": expected host:port with a port from 0 to 65535, e.g. \"127.0.0.1:9464\" or "
        "\"[::1]:9464\"");
  });
  if (ok && parsed) out = *parsed;
  return ok && parsed;
}

bool TableReader::Url(std::string_view key, std::string& out, bool allow_empty, bool secret) {
  return String(
      key, out,
      [allow_empty](const std::string& value, bool may_echo) -> std::optional<std::string> {
        if (value.empty()) {
          if (allow_empty) return std::nullopt;
          return "must not be empty";
        }
        return CheckUrl(value, may_echo);
      },
      secret);
}

bool TableReader::Time(std::string_view key, std::optional<TimePoint>& out) {
  const toml::node* node = Get(key);
  if (node == nullptr) return false;
  constexpr std::string_view kForm = "expected an RFC 3339 timestamp like \"2027-01-31T00:00:00Z\"";
  if (const auto* native = node->as_date_time()) {
    const toml::date_time& dt = native->get();
    if (!dt.offset) {
      diag_.Error(detail::PosOf(*node),
                  Path(key) + ": " + std::string(kForm) + " (a time zone offset is required)");
      return false;
    }
    using namespace std::chrono;
    sys_days day =
        year_month_day{year{dt.date.year}, month{dt.date.month}, std::chrono::day{dt.date.day}};
    out = time_point_cast<TimePoint::duration>(
        day + hours(dt.time.hour) + minutes(dt.time.minute) + seconds(dt.time.second) +
        nanoseconds(dt.time.nanosecond) - minutes(dt.offset->minutes));
    return true;
  }
  if (!node->is_string()) {
    diag_.Error(detail::PosOf(*node), Path(key) + ": " + std::string(kForm));
    return false;
  }
  std::optional<TimePoint> parsed;
  std::string ignored;
  bool ok = String(key, ignored, [&](const std::string& text, bool may_echo) {
    parsed = ParseRfc3339(text);
    if (parsed) return std::optional<std::string>();
    return std::optional<std::string>("invalid timestamp" + Describe(text, may_echo) + ": " +
                                      std::string(kForm));
  });
  if (ok && parsed) out = parsed;
  return ok && parsed;
}

const toml::table* TableReader::Table(std::string_view key) {
  const toml::node* node = Get(key);
  if (node == nullptr) return nullptr;
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    diag_.Error(detail::PosOf(*node), Path(key) + ": expected a table ([" + Path(key) + "])");
  }
  return table;
}

std::vector<const toml::table*> TableReader::Tables(std::string_view key) {
  std::vector<const toml::table*> out;
  const toml::node* node = Get(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  bool ok = array != nullptr;
  if (ok) {
    for (const toml::node& element : *array) ok = ok && element.is_table();
  }
  if (!ok) {
    diag_.Error(detail::PosOf(*node),
                Path(key) + ": expected an array of tables ([[" + Path(key) + "]])");
    return out;
  }
  for (const toml::node& element : *array) out.push_back(element.as_table());
  return out;
}

}  // namespace fxagent::detail
