/// The circuit breaker's fallback: the last good (200) response to each GET, kept in a
/// bounded LRU so that while the breaker is open the integration still gets data, marked
/// stale. Entries are keyed by method, URL, the Flexport-Version and a SHA-256 of the
/// Authorization value, so one API key never sees another key's data. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "agent/proxy/headers.h"

namespace fxagent {

struct CachedResponse {
  int status = 200;
  HeaderList headers;  // end-to-end headers as the upstream sent them
  std::string body;
  std::chrono::system_clock::time_point stored_at;
};

class StaleCache {
 public:
  /// At most `max_entries` entries and `max_total_bytes` of bodies; a body larger than
  /// `max_entry_body` is not cached. Least recently used entries are evicted first.
  StaleCache(size_t max_entries, size_t max_entry_body, size_t max_total_bytes);

  /// The cache key. The credential is only kept as its SHA-256.
  static std::string Key(std::string_view method, std::string_view target,
                         std::string_view authorization, std::string_view api_version);
  /// Only 200 answers to GET are cached.
  static bool Cacheable(std::string_view method, int status);

  /// Stores (or replaces) an entry; false when it is too large to keep.
  bool Put(const std::string& key, std::shared_ptr<const CachedResponse> response);
  /// The entry, marked most recently used; nullptr on a miss.
  std::shared_ptr<const CachedResponse> Get(const std::string& key);

  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedResponse> response;
  };
  void EraseLocked(std::list<Entry>::iterator it);

  const size_t max_entries_;
  const size_t max_entry_body_;
  const size_t max_total_bytes_;

  mutable std::mutex mu_;
  std::list<Entry> lru_;  // front = most recently used
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
};

/// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace fxagent
