/// Internal to the config loader: typed, position-aware reads from a toml++ table that
/// record every problem as a ConfigError (unknown keys, wrong types, bad values) instead
/// of stopping at the first, so `validate` can list them all. Not thread-safe; one
/// Diagnostics per load.
#pragma once

#include <toml++/toml.h>

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/config.h"

namespace fxagent::detail {

struct Pos {
  int line = 1;
  int column = 1;
};

Pos PosOf(const toml::node& node);

/// Collects errors for one source file.
class Diagnostics {
 public:
  Diagnostics(std::string file, EnvLookup env) : file_(std::move(file)), env_(env) {}
  void Error(Pos pos, std::string message);
  EnvLookup env() const { return env_; }
  const std::string& file() const { return file_; }
  /// Sorted by position, exact duplicates removed.
  std::vector<ConfigError> Sorted() const;
  bool empty() const { return errors_.empty(); }

 private:
  std::string file_;
  EnvLookup env_;
  std::vector<ConfigError> errors_;
};

/// Returns an error message for a bad value, or nullopt when it is fine. `may_echo` says
/// whether the value may be quoted in the message (false for secrets and for anything
/// that came from the environment).
using StringCheck =
    std::function<std::optional<std::string>(const std::string& value, bool may_echo)>;

/// One TOML table (a section or one element of an array of tables). A null table means
/// "absent": every read leaves the default in place.
class TableReader {
 public:
  /// `path` is the dotted key path used in messages ("probes", "routes[0]"); `display`
  /// is how the table is named in unknown-key errors ("[probes]", "routes[0]", "" for the
  /// root). Unknown keys are reported immediately.
  TableReader(Diagnostics& diag, const toml::table* table, std::string path,
              const std::string& display, std::initializer_list<std::string_view> allowed);

  bool present() const { return table_ != nullptr; }
  bool Has(std::string_view key) const;
  /// Position of the key's value, else of the table, else 1:1.
  Pos PosOf(std::string_view key) const;
  std::string Path(std::string_view key) const;
  void Error(std::string_view key, const std::string& message);

  /// Each returns true when the key was present and valid (and `out` was set).
  bool String(std::string_view key, std::string& out, const StringCheck& check = {},
              bool secret = false);
  bool StringArray(std::string_view key, std::vector<std::string>& out,
                   const StringCheck& check = {}, bool secret = false);
  bool Bool(std::string_view key, bool& out);
  bool Int(std::string_view key, int& out, int min, int max);
  /// min_positive: reject zero.
  bool Duration(std::string_view key, fxagent::Duration& out, bool allow_zero = false);
  bool Size(std::string_view key, uint64_t& out);
  bool Address(std::string_view key, ListenAddress& out);
  bool Url(std::string_view key, std::string& out, bool allow_empty, bool secret = false);
  bool Time(std::string_view key, std::optional<TimePoint>& out);

  /// Sub-table; reports a type error and returns nullptr when the key is not a table.
  const toml::table* Table(std::string_view key);
  /// Array of tables; reports a type error and returns empty when it is not one.
  std::vector<const toml::table*> Tables(std::string_view key);

 private:
  const toml::node* Get(std::string_view key) const;
  std::optional<std::string> ReadString(std::string_view key, const toml::node& node,
                                        bool* substituted);

  Diagnostics& diag_;
  const toml::table* table_;
  std::string path_;
};

/// Checks shared by several sections.
std::optional<std::string> CheckUrl(const std::string& value, bool may_echo);
std::optional<std::string> CheckAbsolutePath(const std::string& value, bool may_echo);
std::optional<std::string> CheckNotEmpty(const std::string& value, bool may_echo);
std::string Quoted(const std::string& value);
/// `prefix` + Quoted(value) when `may_echo`, else "" (for "... got \"x\"" style hints).
std::string Echo(std::string_view prefix, const std::string& value, bool may_echo);

}  // namespace fxagent::detail
