#include "agent/webhooks/event_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/fault_vfs/fault_vfs.h"
#include "tests/agent/webhooks/webhooks_test_util.h"

namespace fxagent {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeClock;
using testing::TempDir;

NewEvent MakeEvent(const std::string& id, const std::string& type = "shipment.milestone",
                   const std::string& shipment = "") {
  NewEvent e;
  e.id = id;
  e.type = type;
  e.shipment_key = shipment;
  // Appended piecewise: GCC 12 warns (-Wrestrict) on the equivalent operator+ chain.
  e.body.append("{\"id\":\"").append(id).append("\",\"type\":\"").append(type).append("\"}");
  e.signature_256 = "sha256=00";
  e.content_type = "application/json";
  return e;
}

class EventStoreTest : public ::testing::Test {
 protected:
  EventStoreOptions Options() {
    EventStoreOptions o;
    o.data_dir = dir_.path();
    o.clock = clock_.AsClock();
    return o;
  }
  TempDir dir_;
  FakeClock clock_;
};

TEST_F(EventStoreTest, EventsSurviveReopen) {
  {
    WebhookEventStore store(Options());
    EXPECT_TRUE(store.Healthy());
    EXPECT_EQ(store.Store(MakeEvent("e1")), StoreResult::kStored);
    EXPECT_EQ(store.Store(MakeEvent("e2", "/shipment#x", "S1")), StoreResult::kStored);
  }
  WebhookEventStore store(Options());
  std::optional<StoredEvent> e2 = store.Get("e2");
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->type, "/shipment#x");
  EXPECT_EQ(e2->shipment_key, "S1");
  EXPECT_EQ(e2->body, MakeEvent("e2", "/shipment#x").body);
  EXPECT_EQ(e2->signature_256, "sha256=00");
  EXPECT_EQ(e2->content_type, "application/json");
  EXPECT_EQ(e2->state, EventState::kPending);
  EXPECT_EQ(e2->received_at, clock_.Now());
  EXPECT_EQ(store.Counts().pending, 2);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/webhooks.db"));
}

// A spool written by an agent from before the traceparent column: opening it adds the
// column, keeps the pending event (with no trace) and stores new events with theirs.
TEST_F(EventStoreTest, OpensASpoolFromBeforeTheTraceparentColumn) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/webhooks.db").c_str(), &db), SQLITE_OK);
  const char* old_schema = R"sql(
    CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL, shipment_key TEXT NOT NULL DEFAULT '', body BLOB NOT NULL,
      signature_256 TEXT NOT NULL DEFAULT '', signature TEXT NOT NULL DEFAULT '',
      content_type TEXT NOT NULL DEFAULT '', received_at INTEGER NOT NULL,
      state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '',
      dead_reason TEXT NOT NULL DEFAULT '', source INTEGER NOT NULL DEFAULT 0);
    INSERT INTO events(id, type, body, received_at, state, next_attempt_at)
      VALUES('old1', 'shipment.milestone', '{}', 1, 0, 1);)sql";
  ASSERT_EQ(sqlite3_exec(db, old_schema, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  WebhookEventStore store(Options());
  EXPECT_TRUE(store.Healthy());
  std::optional<StoredEvent> old = store.Get("old1");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->state, EventState::kPending);
  EXPECT_EQ(old->traceparent, "");
  NewEvent fresh = MakeEvent("new1");
  fresh.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  ASSERT_EQ(store.Store(fresh), StoreResult::kStored);
  std::optional<StoredEvent> got = store.Get("new1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->traceparent, fresh.traceparent);
  EXPECT_EQ(store.Counts().pending, 2);
}

TEST_F(EventStoreTest, DuplicateWithinWindow) {
  WebhookEventStore store(Options());
  EXPECT_EQ(store.Store(MakeEvent("e1")), StoreResult::kStored);
  EXPECT_EQ(store.Store(MakeEvent("e1")), StoreResult::kDuplicate);
  EXPECT_EQ(store.Counts().pending, 1);
  EXPECT_EQ(store.Stats().duplicates, 1u);
  // Delivered and older than the window: a new delivery of an old id is stored again.
  ASSERT_TRUE(store.ApplyOutcomes({{.id = "e1", .kind = DeliveryOutcome::Kind::kDelivered}}));
  clock_.Advance(hours(71));
  EXPECT_EQ(store.Store(MakeEvent("e1")), StoreResult::kDuplicate);
  clock_.Advance(hours(2));
  EXPECT_EQ(store.Store(MakeEvent("e1")), StoreResult::kStored);
  EXPECT_EQ(store.Counts().pending, 1);
}

TEST_F(EventStoreTest, GroupCommitUnderConcurrentWriters) {
  WebhookEventStore store(Options());
  constexpr int kThreads = 32;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> stored{0};
  std::atomic<int> other{0};
  const uint64_t tx_before = store.Stats().transactions;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = std::to_string(t * 1000 + i);
        StoreResult r = store.Store(MakeEvent(id));
        (r == StoreResult::kStored ? stored : other)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(stored.load(), kThreads * kPerThread);
  EXPECT_EQ(other.load(), 0);
  StoreStats stats = store.Stats();
  EXPECT_EQ(stats.stored, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LT(stats.transactions - tx_before, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(store.Counts().pending, kThreads * kPerThread);
}

TEST_F(EventStoreTest, UnwritableDataDirIsAnErrorAndRecovers) {
  // A data_dir below a regular file can never be created, even by root.
  std::string blocker = dir_.path() + "/blocker";
  std::ofstream(blocker) << "x";
  EventStoreOptions o = Options();
  o.data_dir = blocker + "/data";
  WebhookEventStore store(o);
  EXPECT_FALSE(store.Healthy());
  EXPECT_EQ(store.Store(MakeEvent("e1")), StoreResult::kError);
  EXPECT_FALSE(store.Healthy());
  EXPECT_TRUE(store.DuePending(clock_.Now(), 10).empty());
  // Once the disk is writable again the store recovers without a restart.
  std::filesystem::remove(blocker);
  EXPECT_EQ(store.Store(MakeEvent("e1")), StoreResult::kStored);
  EXPECT_TRUE(store.Healthy());
  EXPECT_EQ(store.DuePending(clock_.Now(), 10).size(), 1u);
}

TEST_F(EventStoreTest, RecoversByItselfWithoutTrafficAndReportsWrites) {
  // Readiness follows Healthy(): an agent that is not ready may get no webhook at all, so
  // the store must find out by itself that writing works again.
  std::string blocker = dir_.path() + "/blocker";
  std::ofstream(blocker) << "x";
  std::mutex mu;
  std::vector<std::string> reports;
  EventStoreOptions o = Options();
  o.data_dir = blocker + "/data";
  o.recheck_interval = milliseconds(20);
  o.on_write = [&](bool ok, const std::string& error) {
    std::lock_guard<std::mutex> lock(mu);
    reports.push_back(ok ? "ok" : error);
  };
  WebhookEventStore store(o);
  EXPECT_FALSE(store.Healthy());
  std::filesystem::remove(blocker);
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (!store.Healthy() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_TRUE(store.Healthy());
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_GE(reports.size(), 2u);
  EXPECT_EQ(reports.front(), "cannot open the database");
  EXPECT_EQ(reports.back(), "ok");
}

// A data_dir the agent may not write to: nothing is acknowledged, and the store works once
// it may. Root ignores directory permissions (and CI runs as root), so the files' opens
// fail through the fault-injection VFS as they would with EACCES; the chmod makes the
// same case real for everyone else.
TEST_F(EventStoreTest, ReadOnlyDataDirIsAnError) {
  FaultVfs& vfs = FaultVfs::Install();
  std::string data = dir_.path() + "/ro";
  std::filesystem::create_directory(data);
  chmod(data.c_str(), 0555);
  vfs.SetFault(StorageFault::kCantOpen);
  EventStoreOptions o = Options();
  o.data_dir = data;
  WebhookEventStore store(o);
  EXPECT_FALSE(store.Healthy());
  EXPECT_EQ(store.Store(MakeEvent("e1")), StoreResult::kError);
  EXPECT_FALSE(store.Get("e1").has_value());
  chmod(data.c_str(), 0755);
  vfs.SetFault(StorageFault::kNone);
  EXPECT_EQ(store.Store(MakeEvent("e1")), StoreResult::kStored);
  EXPECT_TRUE(store.Healthy());
  EXPECT_TRUE(std::filesystem::exists(data + "/webhooks.db"));
}

TEST_F(EventStoreTest, DuePendingKeepsShipmentOrder) {
  WebhookEventStore store(Options());
  ASSERT_EQ(store.Store(MakeEvent("a1", "t", "A")), StoreResult::kStored);
  ASSERT_EQ(store.Store(MakeEvent("b1", "t", "B")), StoreResult::kStored);
  ASSERT_EQ(store.Store(MakeEvent("a2", "t", "A")), StoreResult::kStored);
  ASSERT_EQ(store.Store(MakeEvent("n1", "t", "")), StoreResult::kStored);
  ASSERT_EQ(store.Store(MakeEvent("n2", "t", "")), StoreResult::kStored);
  auto ids = [&] {
    std::vector<std::string> out;
    for (const StoredEvent& e : store.DuePending(clock_.Now(), 10)) out.push_back(e.id);
    return out;
  };
  EXPECT_EQ(ids(), (std::vector<std::string>{"a1", "b1", "n1", "n2"}));
  // a1 fails and waits: a2 stays behind it, the others go on.
  ASSERT_TRUE(store.ApplyOutcomes({{.id = "a1",
                                    .kind = DeliveryOutcome::Kind::kRetry,
                                    .attempts = 1,
                                    .next_attempt_at = clock_.Now() + seconds(5),
                                    .error = "HTTP 500"}}));
  EXPECT_EQ(ids(), (std::vector<std::string>{"b1", "n1", "n2"}));
  EXPECT_EQ(store.NextDueAt(), clock_.Now());
  ASSERT_TRUE(store.ApplyOutcomes({{.id = "b1", .kind = DeliveryOutcome::Kind::kDelivered},
                                   {.id = "n1", .kind = DeliveryOutcome::Kind::kDelivered},
                                   {.id = "n2", .kind = DeliveryOutcome::Kind::kDelivered}}));
  EXPECT_TRUE(ids().empty());
  EXPECT_EQ(store.NextDueAt(), clock_.Now() + seconds(5));
  clock_.Advance(seconds(5));
  EXPECT_EQ(ids(), (std::vector<std::string>{"a1"}));
  ASSERT_TRUE(store.ApplyOutcomes({{.id = "a1", .kind = DeliveryOutcome::Kind::kDelivered}}));
  EXPECT_EQ(ids(), (std::vector<std::string>{"a2"}));
  EXPECT_EQ(store.Counts().pending, 1);
}

TEST_F(EventStoreTest, DeadLettersReplayAndPurge) {
  WebhookEventStore store(Options());
  NewEvent malformed;
  malformed.id = "malformed:abc";
  malformed.body = "not json";
  malformed.state = EventState::kDead;
  malformed.dead_reason = kDeadReasonMalformed;
  ASSERT_EQ(store.Store(malformed), StoreResult::kStored);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(store.Store(MakeEvent("d" + std::to_string(i), i % 2 ? "odd" : "even")),
              StoreResult::kStored);
    clock_.Advance(seconds(1));
  }
  std::vector<DeliveryOutcome> dead;
  for (int i = 0; i < 5; ++i) {
    dead.push_back({.id = "d" + std::to_string(i),
                    .kind = DeliveryOutcome::Kind::kDead,
                    .attempts = 12,
                    .error = "HTTP 500"});
  }
  ASSERT_TRUE(store.ApplyOutcomes(dead));
  EXPECT_EQ(store.Counts().dead, 6);
  EXPECT_EQ(store.Counts().pending, 0);

  // Paging, newest first.
  auto page = store.DeadLetters({.limit = 4});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 4u);
  EXPECT_EQ(page->items[0].id, "d4");
  EXPECT_EQ(page->items[0].dead_reason, kDeadReasonMaxAttempts);
  EXPECT_EQ(page->items[0].last_error, "HTTP 500");
  auto page2 = store.DeadLetters({.limit = 4, .before_seq = page->next_before_seq});
  ASSERT_TRUE(page2);
  ASSERT_EQ(page2->items.size(), 2u);
  EXPECT_EQ(page2->items[1].id, "malformed:abc");
  EXPECT_EQ(page2->items[1].body, "not json");
  EXPECT_EQ(page2->next_before_seq, 0);
  auto odd = store.DeadLetters({.type = "odd"});
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->items.size(), 2u);
  auto since = store.DeadLetters({.since = clock_.Now() - seconds(2)});
  ASSERT_TRUE(since);
  EXPECT_EQ(since->items.size(), 2u);  // d3, d4

  EXPECT_EQ(store.Replay({.ids = {"d0", "malformed:abc"}}), 1);
  EXPECT_EQ(store.Replay({.type = "odd"}), 2);
  std::optional<StoredEvent> d1 = store.Get("d1");
  ASSERT_TRUE(d1);
  EXPECT_EQ(d1->state, EventState::kPending);
  EXPECT_EQ(d1->attempts, 0);
  EXPECT_EQ(store.Counts().pending, 3);
  EXPECT_EQ(store.Counts().dead, 3);
  EXPECT_EQ(store.PurgeDeadLetter("d2"), true);
  EXPECT_EQ(store.PurgeDeadLetter("d2"), false);
  EXPECT_EQ(store.PurgeDeadLetter("d1"), false);  // pending, not a dead letter
  EXPECT_EQ(store.Counts().dead, 2);
  // Replay everything since a checkpoint, delivered ones included.
  ASSERT_TRUE(store.ApplyOutcomes({{.id = "d0", .kind = DeliveryOutcome::Kind::kDelivered}}));
  EXPECT_EQ(store.Replay({.since = clock_.Now() - hours(1), .include_delivered = true}), 2);
  EXPECT_EQ(store.Counts().dead, 1);  // only the malformed body is left
}

TEST_F(EventStoreTest, PruneRemovesOldDeliveredOnly) {
  EventStoreOptions o = Options();
  o.prune_batch = 3;
  WebhookEventStore store(o);
  std::vector<DeliveryOutcome> delivered;
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(store.Store(MakeEvent("old" + std::to_string(i))), StoreResult::kStored);
    delivered.push_back(
        {.id = "old" + std::to_string(i), .kind = DeliveryOutcome::Kind::kDelivered});
  }
  ASSERT_EQ(store.Store(MakeEvent("stuck")), StoreResult::kStored);
  ASSERT_TRUE(store.ApplyOutcomes(delivered));
  clock_.Advance(hours(73));
  ASSERT_EQ(store.Store(MakeEvent("fresh")), StoreResult::kStored);
  ASSERT_TRUE(store.ApplyOutcomes({{.id = "fresh", .kind = DeliveryOutcome::Kind::kDelivered}}));
  store.PruneNow();
  for (int i = 0; i < 200 && store.Stats().pruned < 10; ++i) {
    std::this_thread::sleep_for(milliseconds(10));  // pruning is asynchronous by design
  }
  EXPECT_EQ(store.Stats().pruned, 10u);
  EXPECT_FALSE(store.Get("old0"));
  EXPECT_TRUE(store.Get("stuck"));
  EXPECT_TRUE(store.Get("fresh"));
}

TEST_F(EventStoreTest, ArrivalHistoryPerType) {
  WebhookEventStore store(Options());
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(store.Store(MakeEvent("a" + std::to_string(i), "A")), StoreResult::kStored);
    clock_.Advance(seconds(10));
  }
  ASSERT_EQ(store.Store(MakeEvent("b0", "B")), StoreResult::kStored);
  auto last = store.LastReceivedByType();
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last["B"], clock_.Now());
  EXPECT_EQ(last["A"], clock_.Now() - seconds(10));
  auto recent = store.RecentArrivals(3);
  ASSERT_EQ(recent["A"].size(), 3u);
  EXPECT_EQ(recent["A"].back(), clock_.Now() - seconds(10));
  EXPECT_EQ(recent["A"].front(), clock_.Now() - seconds(30));
}

}  // namespace
}  // namespace fxagent
