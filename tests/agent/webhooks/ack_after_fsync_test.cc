// "Ack after fsync", checked with the fault-injection VFS (agent/fault_vfs): the
// receiver's 200 comes only after the fsync of the WAL commit that holds the event, the
// live connection runs with synchronous=FULL, and an event whose write or fsync fails is
// never acknowledged. A kill -9 test cannot show this (the page cache survives a killed
// process); counting and holding fsyncs can.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <sqlite3.h>
#include <strings.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <string>

#include "agent/fault_vfs/fault_vfs.h"
#include "agent/webhooks/receiver.h"
#include "agent/webhooks/signature.h"
#include "tests/agent/webhooks/webhooks_test_util.h"

namespace fxagent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeClock;
using testing::TempDir;

constexpr char kSecret[] = "s3cret";
constexpr char kWal[] = "/webhooks.db-wal";

// Holds every fsync of the webhook store's WAL while armed; records the order of events.
class SyncGate {
 public:
  void Arm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = false;
    cv_.notify_all();
  }
  // Called by the VFS on the syncing thread.
  void OnSync(const std::string& path) {
    if (path.size() < sizeof(kWal) - 1 ||
        path.compare(path.size() - (sizeof(kWal) - 1), std::string::npos, kWal) != 0) {
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (!armed_) return;
    ++held_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !armed_; });
  }
  bool WaitHeld(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return held_ > 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  int held_ = 0;
};

class AckAfterFsync : public ::testing::Test {
 protected:
  AckAfterFsync() : vfs_(FaultVfs::Install()) {
    vfs_.SetFault(StorageFault::kNone);
    vfs_.ResetCounters();
    vfs_.SetSyncHook([this](const std::string& path) { gate_.OnSync(path); });
    config_.secrets = {kSecret};
    config_.forward_to = "http://127.0.0.1:9/app";
    EventStoreOptions o;
    o.data_dir = dir_.path();
    o.clock = clock_.AsClock();
    store_ = std::make_unique<WebhookEventStore>(o);
    receiver_ = std::make_unique<WebhookReceiver>(
        config_, *store_, registry_,
        ReceiverHooks{.on_stored = [] {}, .gaps = nullptr, .clock = clock_.AsClock()});
  }
  ~AckAfterFsync() override {
    gate_.Release();
    receiver_.reset();
    store_.reset();
    vfs_.SetSyncHook(nullptr);
    vfs_.SetFault(StorageFault::kNone);
  }

  int Post(const std::string& id) {
    const std::string body =
        R"({"id":")" + id + R"(","type":"shipment.milestone","data":{"shipment_id":"S1"}})";
    WebhookRequest req;
    req.path = config_.path;
    req.headers = {{"content-type", "application/json"},
                   {"x-hub-signature-256", SignSha256(body, kSecret)}};
    req.body = body;
    req.content_length = body.size();
    return receiver_->Handle(req).status;
  }

  FaultVfs& vfs_;
  SyncGate gate_;
  TempDir dir_;
  FakeClock clock_;
  WebhooksSection config_;
  prometheus::Registry registry_;
  std::unique_ptr<WebhookEventStore> store_;
  std::unique_ptr<WebhookReceiver> receiver_;
};

TEST_F(AckAfterFsync, LiveConnectionRunsWithSynchronousFull) {
  ASSERT_EQ(Post("evt_1"), 200);
  // The PRAGMAs the store's connections ran on webhooks.db, as SQLite passed them to the
  // VFS: the last `synchronous` set is FULL (NORMAL would skip the WAL fsync per commit).
  EXPECT_EQ(strcasecmp(vfs_.LastPragma("/webhooks.db", "synchronous").c_str(), "FULL"), 0)
      << "synchronous=" << vfs_.LastPragma("/webhooks.db", "synchronous");
  EXPECT_EQ(strcasecmp(vfs_.LastPragma("/webhooks.db", "journal_mode").c_str(), "WAL"), 0);
}

TEST_F(AckAfterFsync, EveryAcknowledgedEventCostsAWalFsync) {
  ASSERT_EQ(Post("evt_warm"), 200);
  const uint64_t before = vfs_.Syncs(kWal);
  // One at a time: each 200 needs its own commit, hence its own WAL fsync.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Post("evt_" + std::to_string(i)), 200);
  EXPECT_GE(vfs_.Syncs(kWal) - before, 5u);
  // A duplicate writes nothing new and needs no fsync to be answered.
  const uint64_t after = vfs_.Syncs(kWal);
  EXPECT_EQ(Post("evt_0"), 200);
  EXPECT_LE(vfs_.Syncs(kWal) - after, 1u);
}

TEST_F(AckAfterFsync, NoAckBeforeTheCommitsFsyncReturns) {
  ASSERT_EQ(Post("evt_warm"), 200);
  gate_.Arm();
  auto status = std::async(std::launch::async, [&] { return Post("evt_held"); });
  ASSERT_TRUE(gate_.WaitHeld(seconds(10))) << "the commit never fsynced its WAL";
  // The fsync of the commit holding evt_held has started but not returned: no answer yet.
  // (A store that answered before its fsync would have answered by now.)
  EXPECT_EQ(status.wait_for(milliseconds(300)), std::future_status::timeout)
      << "answered while the commit's fsync was still running";
  const uint64_t synced_before = vfs_.Syncs(kWal);
  gate_.Release();
  EXPECT_EQ(status.get(), 200);
  EXPECT_GT(vfs_.Syncs(kWal), synced_before);
}

TEST_F(AckAfterFsync, FailedFsyncIsNotAcknowledged) {
  ASSERT_EQ(Post("evt_warm"), 200);
  vfs_.SetFault(StorageFault::kIoError);
  EXPECT_EQ(Post("evt_lost"), 503);
  EXPECT_FALSE(store_->Healthy());
  vfs_.SetFault(StorageFault::kNone);
  // Flexport retries; the store reopens by itself and this time the event is durable.
  EXPECT_EQ(Post("evt_lost"), 200);
  ASSERT_TRUE(store_->Get("evt_lost").has_value());
}

TEST_F(AckAfterFsync, DiskFullIsNotAcknowledged) {
  ASSERT_EQ(Post("evt_warm"), 200);
  vfs_.SetFault(StorageFault::kFull);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Post("evt_full_" + std::to_string(i)), 503);
  EXPECT_FALSE(store_->Healthy());
  vfs_.SetFault(StorageFault::kNone);
  EXPECT_EQ(Post("evt_full_0"), 200);
  EXPECT_FALSE(store_->Get("evt_full_1").has_value());
}

// The shim itself: the control file selects the fault for raw connections too, and an
// unknown word is rejected.
TEST(FaultVfs, ControlFileSelectsTheFault) {
  StorageFault f = StorageFault::kIoError;
  EXPECT_TRUE(ParseStorageFault(" full\n", &f));
  EXPECT_EQ(f, StorageFault::kFull);
  EXPECT_TRUE(ParseStorageFault("", &f));
  EXPECT_EQ(f, StorageFault::kNone);
  EXPECT_FALSE(ParseStorageFault("fulll", &f));

  TempDir dir;
  FaultVfs& vfs = FaultVfs::Install();
  const std::string control = dir.path() + "/fault";
  vfs.SetControlFile(control);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/t.db").c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  std::ofstream(control) << "full\n";
  EXPECT_EQ(vfs.Fault(), StorageFault::kFull);
  EXPECT_EQ(sqlite3_exec(db, "INSERT INTO t VALUES(1)", nullptr, nullptr, nullptr), SQLITE_FULL);
  std::ofstream(control) << "none\n";
  EXPECT_EQ(sqlite3_exec(db, "INSERT INTO t VALUES(2)", nullptr, nullptr, nullptr), SQLITE_OK);
  std::ofstream(control) << "cantopen\n";
  sqlite3* other = nullptr;
  EXPECT_EQ(sqlite3_open((dir.path() + "/u.db").c_str(), &other), SQLITE_CANTOPEN);
  sqlite3_close(other);
  sqlite3_close(db);
  vfs.SetControlFile("");
}

}  // namespace
}  // namespace fxagent
