// notify.db on a full disk, simulated with SQLite's max_page_count (writes that need a new
// page fail with SQLITE_FULL; no root or tmpfs needed): writes wait in the write backlog
// in order, the outbox keeps answering from memory, incident ids stay unique, and
// everything reaches the database once there is space again.
// tests/faults/disk_full_test.cc does the same with the real binary on a full tmpfs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/notify/delivery/outbox.h"
#include "agent/notify/delivery/sqlite_db.h"
#include "agent/notify/delivery/state_store.h"
#include "tests/agent/notify/notify_test_util.h"

namespace fxagent {
namespace {

using testing::T0;

class FullDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(db_.Open(testing::TempDir("fulldb") + "/notify.db", &error)) << error;
    db_.SetWriteObserver(
        [this](bool ok, const std::string& error) { reports_.push_back(ok ? "ok" : error); });
  }

  // No page may be added from now on: like a full disk for anything that needs space.
  void Fill() {
    std::lock_guard<std::mutex> lock(db_.mu());
    detail::SqliteStmt count(db_.get(), "PRAGMA page_count");
    ASSERT_TRUE(count.Row());
    const std::string sql = "PRAGMA max_page_count = " + std::to_string(count.Int(0));
    ASSERT_TRUE(db_.Exec(sql.c_str()));
  }
  void Free() {
    std::lock_guard<std::mutex> lock(db_.mu());
    ASSERT_TRUE(db_.Exec("PRAGMA max_page_count = 1000000"));
  }
  size_t Backlog() {
    std::lock_guard<std::mutex> lock(db_.mu());
    return db_.Backlog();
  }
  bool Retry() {
    std::lock_guard<std::mutex> lock(db_.mu());
    return db_.Retry();
  }

  // Large enough to need new pages (overflow pages) in any table.
  static std::string Big() { return std::string(16 * 1024, 'x'); }

  static Notification MakeNotification(const std::string& group) {
    Notification n;
    n.receiver = "hook";
    n.group_key = group;
    Alert a = testing::MakeAlert("FlexportAgentStorageFailing", "P2", "agent");
    a.annotations["description"] = Big();
    n.alerts.push_back(a);
    return n;
  }

  detail::Db db_;
  std::vector<std::string> reports_;
};

TEST_F(FullDatabase, OutboxDeliversFromMemoryAndPersistsInOrderOnceThereIsSpace) {
  Outbox outbox(db_);
  ASSERT_TRUE(outbox.Enqueue(MakeNotification("g1"), "", T0()));
  Fill();
  EXPECT_FALSE(outbox.Enqueue(MakeNotification("g2"), "", T0())) << "not durable yet";
  ASSERT_FALSE(reports_.empty());
  EXPECT_EQ(reports_.back(), "database or disk is full");
  // Still queued and due: the alert about the full disk must go out.
  std::vector<OutboxEntry> due = outbox.Due(T0(), 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[1].notification.group_key, "g2");
  // Delivered or retried meanwhile: memory changes at once, the writes wait in order.
  outbox.Remove(due[1].id);
  OutboxEntry first = due[0];
  first.attempts = 3;
  outbox.Update(first);
  EXPECT_EQ(outbox.Depth(), 1u);
  EXPECT_EQ(outbox.Due(T0(), 10).size(), 1u);
  EXPECT_EQ(Backlog(), 3u);  // in order behind the failed insert of g2: its delete, the update
  EXPECT_FALSE(Retry());

  Free();
  EXPECT_TRUE(Retry());
  EXPECT_EQ(Backlog(), 0u);
  EXPECT_EQ(reports_.back(), "ok");
  // What a restart would load: exactly what memory holds.
  Outbox reloaded(db_);
  std::vector<OutboxEntry> all = reloaded.All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, first.id);
  EXPECT_EQ(all[0].notification.group_key, "g1");
  EXPECT_EQ(all[0].attempts, 3);
  // Ids are not reused after a restart either.
  ASSERT_TRUE(reloaded.Enqueue(MakeNotification("g3"), "", T0()));
  EXPECT_GT(reloaded.All().back().id, due[1].id);
}

TEST_F(FullDatabase, IncidentIdsStayUniqueWhileTheirInsertsWait) {
  StateStore store(db_);
  Fill();
  Incident a, b;
  a.group_key = "a";
  a.impact = Big();
  b.group_key = "b";
  b.impact = Big();
  store.SaveIncident(a);
  store.SaveIncident(b);
  EXPECT_EQ(a.id, 1);
  EXPECT_EQ(b.id, 2);
  store.AddTimeline(a.id, TimelineEntry{T0(), "opened", "incident opened"});
  EXPECT_EQ(Backlog(), 3u);

  Free();
  EXPECT_TRUE(Retry());
  std::vector<Incident> loaded = store.LoadIncidents();
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].group_key, "a");
  EXPECT_EQ(loaded[1].group_key, "b");
  EXPECT_EQ(store.Timeline(a.id).size(), 1u);
  Incident c;
  store.SaveIncident(c);
  EXPECT_EQ(c.id, 3);
}

TEST_F(FullDatabase, AWriteSqliteRejectsForGoodIsNotRetried) {
  std::lock_guard<std::mutex> lock(db_.mu());
  ASSERT_TRUE(db_.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY)"));
  EXPECT_TRUE(db_.Write("INSERT INTO t (id) VALUES (?)", {int64_t{1}}));
  EXPECT_FALSE(db_.Write("INSERT INTO t (id) VALUES (?)", {int64_t{1}}));  // constraint
  EXPECT_EQ(db_.Backlog(), 0u);
  EXPECT_EQ(reports_, (std::vector<std::string>{"ok"})) << "a bug, not the disk";
}

}  // namespace
}  // namespace fxagent
