#include "rules/tsdb/labels.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

namespace fxagent::tsdb {
namespace {

const std::string kEmpty;

size_t HashLabels(const std::vector<Label>& labels) {
  // FNV-1a over name\xff value\xff, like Prometheus' separator-delimited hash.
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  for (const Label& l : labels) {
    mix(l.name);
    mix(l.value);
  }
  return static_cast<size_t>(h);
}

}  // namespace

Labels::Labels(std::initializer_list<Label> labels)
    : Labels(FromUnsorted(std::vector<Label>(labels))) {}

Labels::Labels(std::vector<Label> sorted) {
  // An empty set keeps hash 0, the same as a default-constructed Labels, so all empty
  // label sets compare equal however they were built.
  if (sorted.empty()) return;
  hash_ = HashLabels(sorted);
  auto rep = std::make_shared<Rep>();
  rep->items = std::move(sorted);
  for (const Label& l : rep->items) rep->has_name |= l.name == kMetricName;
  rep_ = std::move(rep);
}

const std::vector<Label>& Labels::EmptyItems() {
  static const auto* kEmptyItems = new std::vector<Label>();
  return *kEmptyItems;
}

Labels Labels::FromUnsorted(std::vector<Label> labels) {
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  std::vector<Label> out;
  out.reserve(labels.size());
  for (Label& l : labels) {
    if (!out.empty() && out.back().name == l.name) {
      out.back().value = std::move(l.value);
    } else {
      out.push_back(std::move(l));
    }
  }
  std::erase_if(out, [](const Label& l) { return l.value.empty(); });
  return Labels(std::move(out));
}

const std::string& Labels::Get(std::string_view name) const {
  const std::vector<Label>& items = this->items();
  auto it = std::lower_bound(items.begin(), items.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != items.end() && it->name == name) return it->value;
  return kEmpty;
}

bool Labels::Has(std::string_view name) const { return !Get(name).empty(); }

Labels Labels::WithoutMetricName() const {
  if (!rep_ || !rep_->has_name) return *this;
  std::call_once(rep_->without_name_once, [this] {
    std::vector<Label> out;
    out.reserve(size() - 1);
    for (const Label& l : items()) {
      if (l.name != kMetricName) out.push_back(l);
    }
    rep_->without_name = Labels(std::move(out));
  });
  return rep_->without_name;
}

Labels::Rep::~Rep() {
  const Projection* p = projections.load(std::memory_order_acquire);
  while (p != nullptr) {
    const Projection* next = p->next;
    delete p;
    p = next;
  }
}

std::optional<Labels> Labels::CachedProjection(uint32_t id) const {
  for (const Rep::Projection* p = rep_->projections.load(std::memory_order_acquire); p != nullptr;
       p = p->next) {
    if (p->id == id) return p->identity ? *this : p->result;
  }
  return std::nullopt;
}

bool Labels::CacheProjection(uint32_t id, const Labels& result) const {
  const bool identity = result == *this;
  auto* node = new Rep::Projection{id, identity, identity ? Labels() : result, nullptr};
  const Rep::Projection* head = rep_->projections.load(std::memory_order_acquire);
  do {
    // Another thread may have cached the same id meanwhile: a duplicate entry is
    // harmless (lookups stop at the first), so no re-check is needed.
    node->next = head;
  } while (!rep_->projections.compare_exchange_weak(head, node, std::memory_order_release,
                                                    std::memory_order_acquire));
  return identity;
}

uint32_t InternProjection(std::string_view description) {
  static std::mutex mu;
  static auto* ids = new std::unordered_map<std::string, uint32_t>();
  std::lock_guard<std::mutex> lock(mu);
  auto [it, inserted] = ids->try_emplace(std::string(description), 0);
  if (inserted) it->second = static_cast<uint32_t>(ids->size());
  return it->second;
}

std::string Labels::ToString() const {
  std::string out = "{";
  const std::vector<Label>& items = this->items();
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i].name;
    out += '=';
    out += QuoteString(items[i].value);
  }
  out += '}';
  return out;
}

LabelsBuilder::LabelsBuilder(const Labels& base) : labels_(base.items()) {}

LabelsBuilder& LabelsBuilder::Set(std::string_view name, std::string_view value) {
  if (value.empty()) return Del(name);
  for (Label& l : labels_) {
    if (l.name == name) {
      l.value = std::string(value);
      return *this;
    }
  }
  labels_.push_back({std::string(name), std::string(value)});
  return *this;
}

LabelsBuilder& LabelsBuilder::Del(std::string_view name) {
  std::erase_if(labels_, [&](const Label& l) { return l.name == name; });
  return *this;
}

LabelsBuilder& LabelsBuilder::Keep(const std::vector<std::string>& names) {
  std::erase_if(labels_, [&](const Label& l) {
    return std::find(names.begin(), names.end(), l.name) == names.end();
  });
  return *this;
}

Labels LabelsBuilder::Build() const { return Labels::FromUnsorted(labels_); }

std::string QuoteString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace fxagent::tsdb
