#include "agent/proxy/stale_cache.h"

#include <openssl/evp.h>

namespace fxagent {

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size_t{2} * len);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kDigits[digest[i] >> 4]);
    out.push_back(kDigits[digest[i] & 0xf]);
  }
  return out;
}

StaleCache::StaleCache(size_t max_entries, size_t max_entry_body, size_t max_total_bytes)
    : max_entries_(max_entries),
      max_entry_body_(max_entry_body),
      max_total_bytes_(max_total_bytes) {}

std::string StaleCache::Key(std::string_view method, std::string_view target,
                            std::string_view authorization, std::string_view api_version) {
  // '\n' cannot appear in a method, a request target or a header value.
  std::string key;
  key.append(method).append("\n").append(target).append("\n");
  key.append(Sha256Hex(authorization)).append("\n").append(api_version);
  return key;
}

bool StaleCache::Cacheable(std::string_view method, int status) {
  return method == "GET" && status == 200;
}

void StaleCache::EraseLocked(std::list<Entry>::iterator it) {
  bytes_ -= it->response->body.size();
  index_.erase(it->key);
  lru_.erase(it);
}

bool StaleCache::Put(const std::string& key, std::shared_ptr<const CachedResponse> response) {
  if (!response || max_entries_ == 0) return false;
  const size_t size = response->body.size();
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) EraseLocked(it->second);
  if (size > max_entry_body_ || size > max_total_bytes_) return false;
  while (!lru_.empty() && (lru_.size() >= max_entries_ || bytes_ + size > max_total_bytes_)) {
    EraseLocked(std::prev(lru_.end()));
  }
  lru_.push_front(Entry{key, std::move(response)});
  index_[key] = lru_.begin();
  bytes_ += size;
  return true;
}

std::shared_ptr<const CachedResponse> StaleCache::Get(const std::string& key) {
  std::lock_guard lock(mu_);
  const auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->response;
}

size_t StaleCache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

size_t StaleCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace fxagent
