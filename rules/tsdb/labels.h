/// Labels: an immutable, sorted set of name/value pairs identifying a time series
/// (`__name__` holds the metric name), with hashing and equality, plus a builder.
/// Thread-safety: immutable values; safe to share between threads once built (the lazily
/// computed WithoutMetricName() cache is filled under std::call_once).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fxagent::tsdb {

inline constexpr std::string_view kMetricName = "__name__";

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
  // clang-tidy 14 reports a literal 0 inside the defaulted <=>.
  // NOLINTNEXTLINE(modernize-use-nullptr)
  friend auto operator<=>(const Label&, const Label&) = default;
};

/// A sorted, duplicate-free list of labels. Empty values are never stored. The storage
/// is shared and immutable, so copies are cheap.
class Labels {
 public:
  Labels() = default;
  Labels(std::initializer_list<Label> labels);
  /// Sorts and de-duplicates (last one wins); drops empty values.
  static Labels FromUnsorted(std::vector<Label> labels);

  /// Value of `name`, or "" when absent.
  const std::string& Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  const std::string& MetricName() const { return Get(kMetricName); }

  Labels WithoutMetricName() const;

  /// This set under projection `id` (see InternProjection), computed by make(*this) the
  /// first time and then cached with the set's shared storage, so a series that goes
  /// through the same aggregation or vector matching every evaluation reuses one result
  /// (same storage, so later caches and equality checks are cheap too). make must be a
  /// pure function of the labels that only drops or keeps labels.
  template <typename Fn>
  Labels Project(uint32_t id, Fn&& make) const {
    if (!rep_) return make(*this);
    if (std::optional<Labels> hit = CachedProjection(id)) return *std::move(hit);
    Labels out = make(*this);
    if (CacheProjection(id, out)) return *this;  // equal to this set: share its storage
    return out;
  }
  size_t Hash() const { return hash_; }
  size_t size() const { return items().size(); }
  bool empty() const { return items().empty(); }
  inline const std::vector<Label>& items() const;
  std::vector<Label>::const_iterator begin() const { return items().begin(); }
  std::vector<Label>::const_iterator end() const { return items().end(); }

  /// Prometheus notation: `{__name__="x", a="b"}`, like Go's labels.String().
  std::string ToString() const;

  friend bool operator==(const Labels& a, const Labels& b) {
    return a.hash_ == b.hash_ && (a.rep_ == b.rep_ || a.items() == b.items());
  }
  friend bool operator<(const Labels& a, const Labels& b) {
    return a.rep_ != b.rep_ && a.items() < b.items();
  }

 private:
  struct Rep;
  explicit Labels(std::vector<Label> sorted);
  static const std::vector<Label>& EmptyItems();

  std::optional<Labels> CachedProjection(uint32_t id) const;
  /// Returns true when result equals this set (cached as the identity).
  bool CacheProjection(uint32_t id, const Labels& result) const;

  std::shared_ptr<const Rep> rep_;  // null when empty
  size_t hash_ = 0;
};

/// Shared storage of a non-empty Labels; WithoutMetricName() is computed once per set,
/// so series read from the store repeatedly reuse it.
struct Labels::Rep {
  Rep() = default;
  Rep(const Rep&) = delete;
  Rep& operator=(const Rep&) = delete;
  ~Rep();

  std::vector<Label> items;
  bool has_name = false;  ///< carries __name__
  mutable std::once_flag without_name_once;
  mutable Labels without_name;
  /// Cached projections: an immutable list that only grows at its head, so readers need
  /// no lock. A result equal to this very set is stored as `identity` (an empty Labels),
  /// so a set never holds a reference to itself.
  struct Projection {
    uint32_t id;
    bool identity;
    Labels result;
    const Projection* next;
  };
  mutable std::atomic<const Projection*> projections{nullptr};
};

const std::vector<Label>& Labels::items() const { return rep_ ? rep_->items : EmptyItems(); }

struct LabelsHash {
  size_t operator()(const Labels& l) const { return l.Hash(); }
};

/// Mutable copy of a label set; Set("x", "") deletes, as Prometheus' labels.Builder.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base);
  LabelsBuilder& Set(std::string_view name, std::string_view value);
  LabelsBuilder& Del(std::string_view name);
  /// Keeps only the given names.
  LabelsBuilder& Keep(const std::vector<std::string>& names);
  Labels Build() const;

 private:
  std::vector<Label> labels_;
};

/// A stable id for a projection described by `description` (e.g. "by:ep,le"): the same
/// description always yields the same id; ids are never reused. Thread-safe.
uint32_t InternProjection(std::string_view description);

/// Go's strconv.Quote for the characters that matter in label values.
std::string QuoteString(std::string_view s);
/// True for a valid Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

}  // namespace fxagent::tsdb
