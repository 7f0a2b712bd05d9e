#include "agent/webhooks/pg_event_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "agent/store/pg_connection.h"
#include "agent/store/schema.h"
#include "tests/agent/store/pg_test_env.h"
#include "tests/support/subprocess.h"

namespace fxagent {
namespace {

using std::chrono::milliseconds;
using testing::WaitFor;

NewEvent Event(const std::string& id, const std::string& shipment = "") {
  NewEvent e;
  e.id = id;
  e.type = "shipment.milestone";
  e.shipment_key = shipment;
  e.body = std::string("{\"id\":\"") + id + "\"}\n\0tail";
  return e;
}

class PgEventStoreTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    PgConnection db(url(), "");
    ASSERT_TRUE(db.Connect());
    ASSERT_TRUE(MigrateSchema(db, "flexport_agent").ok);
  }
  std::unique_ptr<PgEventStore> Replica(const std::string& instance,
                                        milliseconds lease = std::chrono::seconds(15)) {
    PgEventStoreOptions o;
    o.conninfo = url();
    o.instance = instance;
    o.lease = lease;
    o.recheck_interval = milliseconds(200);
    return std::make_unique<PgEventStore>(o);
  }
  EventTime Now() const { return std::chrono::system_clock::now(); }
};

TEST_F(PgEventStoreTest, DedupIsClusterWide) {
  auto a = Replica("a");
  auto b = Replica("b");
  EXPECT_EQ(a->Store(Event("ev-1")), StoreResult::kStored);
  EXPECT_EQ(b->Store(Event("ev-1")), StoreResult::kDuplicate);
  EXPECT_EQ(a->Store(Event("ev-1")), StoreResult::kDuplicate);
  auto got = b->Get("ev-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->body, Event("ev-1").body);  // bytes, NUL included
  EXPECT_EQ(Query("SELECT count(*) FROM flexport_agent.webhook_events"), "1");
  EXPECT_EQ(Query("SELECT received_by FROM flexport_agent.webhook_events"), "a");
}

TEST_F(PgEventStoreTest, ConcurrentStoresOfTheSameIdsStoreEachOnce) {
  auto a = Replica("a");
  auto b = Replica("b");
  constexpr int kEvents = 200;
  std::atomic<int> stored{0}, duplicates{0}, errors{0};
  auto send = [&](PgEventStore* store, bool reverse) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, store, reverse, t] {
        for (int i = t; i < kEvents; i += 4) {
          const int n = reverse ? kEvents - 1 - i : i;
          switch (store->Store(Event("ev-" + std::to_string(n)))) {
            case StoreResult::kStored:
              ++stored;
              break;
            case StoreResult::kDuplicate:
              ++duplicates;
              break;
            case StoreResult::kError:
              ++errors;
              break;
          }
        }
      });
    }
    for (auto& th : threads) th.join();
  };
  std::thread ta([&] { send(a.get(), false); });
  std::thread tb([&] { send(b.get(), true); });
  ta.join();
  tb.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(stored, kEvents);
  EXPECT_EQ(duplicates, kEvents);
}

TEST_F(PgEventStoreTest, DeliveriesAreLeasedToOneReplica) {
  auto a = Replica("a");
  auto b = Replica("b", milliseconds(1000));
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(a->Store(Event("ev-" + std::to_string(i))), StoreResult::kStored);
  auto leased = a->DuePending(Now(), 10);
  ASSERT_EQ(leased.size(), 5u);
  EXPECT_EQ(leased.front().id, "ev-0");
  EXPECT_TRUE(b->DuePending(Now(), 10).empty());
  // The owner sees its leased events again (renewing the lease) while it delivers them.
  EXPECT_EQ(a->DuePending(Now(), 10).size(), 5u);
  std::vector<DeliveryOutcome> done;
  for (int i = 0; i < 3; ++i) done.push_back({.id = "ev-" + std::to_string(i), .attempts = 1});
  ASSERT_TRUE(a->ApplyOutcomes(done));
  EXPECT_TRUE(b->DuePending(Now(), 10).empty());
  ASSERT_TRUE(WaitFor([&] { return a->Counts().pending == 2; }));
}

TEST_F(PgEventStoreTest, AnotherReplicaTakesOverWhenTheLeaseExpires) {
  auto a = Replica("a", milliseconds(800));
  auto b = Replica("b", milliseconds(800));
  ASSERT_EQ(a->Store(Event("ev-1")), StoreResult::kStored);
  ASSERT_EQ(a->DuePending(Now(), 10).size(), 1u);
  a.reset();  // died while delivering
  EXPECT_TRUE(b->DuePending(Now(), 10).empty());
  std::vector<StoredEvent> taken;
  ASSERT_TRUE(WaitFor(
      [&] {
        taken = b->DuePending(Now(), 10);
        return !taken.empty();
      },
      milliseconds(3000)));
  EXPECT_EQ(taken[0].id, "ev-1");
}

TEST_F(PgEventStoreTest, ShipmentOrderHoldsAcrossReplicas) {
  auto a = Replica("a");
  auto b = Replica("b");
  ASSERT_EQ(a->Store(Event("s1-first", "S1")), StoreResult::kStored);
  ASSERT_EQ(b->Store(Event("s1-second", "S1")), StoreResult::kStored);
  ASSERT_EQ(b->Store(Event("s2-only", "S2")), StoreResult::kStored);
  auto due_a = a->DuePending(Now(), 10);
  ASSERT_EQ(due_a.size(), 2u);
  EXPECT_EQ(due_a[0].id, "s1-first");
  EXPECT_EQ(due_a[1].id, "s2-only");
  EXPECT_TRUE(b->DuePending(Now(), 10).empty());  // s1-second waits for its head
  ASSERT_TRUE(a->ApplyOutcomes({{.id = "s1-first", .attempts = 1}}));
  auto due_b = b->DuePending(Now(), 10);
  ASSERT_EQ(due_b.size(), 1u);
  EXPECT_EQ(due_b[0].id, "s1-second");
}

TEST_F(PgEventStoreTest, DeadLettersAndReplayActOnTheWholeCluster) {
  auto a = Replica("a");
  auto b = Replica("b");
  ASSERT_EQ(a->Store(Event("ev-1")), StoreResult::kStored);
  ASSERT_EQ(a->DuePending(Now(), 10).size(), 1u);
  ASSERT_TRUE(a->ApplyOutcomes(
      {{.id = "ev-1", .kind = DeliveryOutcome::Kind::kDead, .attempts = 12, .error = "HTTP 500"}}));
  auto page = b->DeadLetters({});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].last_error, "HTTP 500");
  EXPECT_EQ(page->items[0].dead_reason, "max_attempts");
  ReplayRequest replay;
  replay.ids = {"ev-1"};
  EXPECT_EQ(b->Replay(replay), 1);
  auto due = b->DuePending(Now(), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 0);
  ASSERT_TRUE(WaitFor([&] { return a->Counts().dead == 0 && a->Counts().pending == 1; }));
}

TEST_F(PgEventStoreTest, KnownIdsAndArrivals) {
  auto a = Replica("a");
  auto b = Replica("b");
  ASSERT_EQ(a->Store(Event("ev-1")), StoreResult::kStored);
  ASSERT_EQ(b->Store(Event("ev-2")), StoreResult::kStored);
  auto known = a->KnownIds({"ev-1", "ev-2", "ev-3", "with \"quote\""});
  ASSERT_TRUE(known);
  EXPECT_EQ(*known, (std::set<std::string>{"ev-1", "ev-2"}));
  auto arrivals = b->ArrivalsAfter(0, 10);
  ASSERT_EQ(arrivals.size(), 2u);
  EXPECT_LT(arrivals[0].seq, arrivals[1].seq);
  EXPECT_EQ(b->ArrivalsAfter(arrivals[1].seq, 10).size(), 0u);
  EXPECT_EQ(a->LastReceivedByType().count("shipment.milestone"), 1u);
}

TEST_F(PgEventStoreTest, DatabaseDownFailsWritesThenRecoversWithoutRestart) {
  auto a = Replica("a");
  ASSERT_EQ(a->Store(Event("ev-1")), StoreResult::kStored);
  ASSERT_TRUE(a->Healthy());
  ASSERT_TRUE(server().Stop());
  EXPECT_EQ(a->Store(Event("ev-2")), StoreResult::kError);
  EXPECT_FALSE(a->Healthy());
  ASSERT_TRUE(server().Restart());
  // The store's own recheck turns it healthy, without traffic.
  EXPECT_TRUE(WaitFor([&] { return a->Healthy(); }, milliseconds(5000)));
  EXPECT_EQ(a->Store(Event("ev-2")), StoreResult::kStored);
  EXPECT_EQ(a->Store(Event("ev-1")), StoreResult::kDuplicate);
}

TEST_F(PgEventStoreTest, AnIdleStoreNoticesTheDatabaseIsGone) {
  auto a = Replica("a");
  ASSERT_TRUE(WaitFor([&] { return a->Healthy(); }));
  ASSERT_TRUE(server().Stop());
  // No webhook arrives: readiness must still follow the database.
  EXPECT_TRUE(WaitFor([&] { return !a->Healthy(); }, milliseconds(3000)));
  ASSERT_TRUE(server().Restart());
  EXPECT_TRUE(WaitFor([&] { return a->Healthy(); }, milliseconds(5000)));
}

}  // namespace
}  // namespace fxagent
