#include "agent/proxy/stale_cache.h"

#include <gtest/gtest.h>

namespace fxagent {
namespace {

std::shared_ptr<const CachedResponse> Body(std::string body) {
  auto r = std::make_shared<CachedResponse>();
  r->body = std::move(body);
  r->headers = {{"Content-Type", "application/json"}};
  return r;
}

TEST(StaleCacheTest, KeyNeverSharedAcrossCredentials) {
  const auto a = StaleCache::Key("GET", "/shipments/1", "Bearer key-a", "2");
  const auto b = StaleCache::Key("GET", "/shipments/1", "Bearer key-b", "2");
  const auto none = StaleCache::Key("GET", "/shipments/1", "", "2");
  EXPECT_NE(a, b);
  EXPECT_NE(a, none);
  EXPECT_EQ(a, StaleCache::Key("GET", "/shipments/1", "Bearer key-a", "2"));
  EXPECT_NE(a, StaleCache::Key("GET", "/shipments/1?x=1", "Bearer key-a", "2"));
  EXPECT_NE(a, StaleCache::Key("HEAD", "/shipments/1", "Bearer key-a", "2"));
  EXPECT_NE(a, StaleCache::Key("GET", "/shipments/1", "Bearer key-a", "2024-01-01"));
  EXPECT_EQ(a.find("key-a"), std::string::npos) << "the credential is only kept hashed";
}

TEST(StaleCacheTest, OnlyGet200IsCacheable) {
  EXPECT_TRUE(StaleCache::Cacheable("GET", 200));
  EXPECT_FALSE(StaleCache::Cacheable("GET", 203));
  EXPECT_FALSE(StaleCache::Cacheable("GET", 404));
  EXPECT_FALSE(StaleCache::Cacheable("HEAD", 200));
  EXPECT_FALSE(StaleCache::Cacheable("POST", 200));
}

TEST(StaleCacheTest, GetReturnsWhatWasPut) {
  StaleCache cache(4, 100, 1000);
  EXPECT_EQ(cache.Get("k"), nullptr);
  ASSERT_TRUE(cache.Put("k", Body("v1")));
  ASSERT_NE(cache.Get("k"), nullptr);
  EXPECT_EQ(cache.Get("k")->body, "v1");
  ASSERT_TRUE(cache.Put("k", Body("v22")));
  EXPECT_EQ(cache.Get("k")->body, "v22");
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.bytes(), 3u);
}

TEST(StaleCacheTest, EvictsLeastRecentlyUsedByCount) {
  StaleCache cache(2, 100, 1000);
  cache.Put("a", Body("1"));
  cache.Put("b", Body("2"));
  ASSERT_NE(cache.Get("a"), nullptr);  // b is now least recently used
  cache.Put("c", Body("3"));
  EXPECT_NE(cache.Get("a"), nullptr);
  EXPECT_EQ(cache.Get("b"), nullptr);
  EXPECT_NE(cache.Get("c"), nullptr);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(StaleCacheTest, BoundedByBodyBytes) {
  StaleCache cache(100, 6, 10);
  EXPECT_FALSE(cache.Put("big", Body("1234567")));
  EXPECT_EQ(cache.Get("big"), nullptr);
  cache.Put("a", Body("aaaaa"));
  cache.Put("b", Body("bbbbb"));
  EXPECT_EQ(cache.bytes(), 10u);
  cache.Put("c", Body("c"));
  EXPECT_EQ(cache.Get("a"), nullptr);
  EXPECT_EQ(cache.bytes(), 6u);
}

TEST(StaleCacheTest, TooLargeReplacementDropsTheOldEntry) {
  StaleCache cache(10, 4, 100);
  cache.Put("k", Body("old"));
  EXPECT_FALSE(cache.Put("k", Body("newer")));
  EXPECT_EQ(cache.Get("k"), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(StaleCacheTest, Sha256Hex) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace fxagent
