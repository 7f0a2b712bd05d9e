// ElasticThreadPool: grows a thread per task while none is idle, never above the cap,
// queues (bounded, then blocks) at the cap, shrinks back to the core threads after the
// idle timeout, runs every task exactly once, shuts down with tasks in flight; and the
// httplib adapter serves more concurrent connections than its core threads.
#include "agent/runtime/elastic_thread_pool.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fxagent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Polls `ready` until it holds or `timeout` passes (generous: the CI machine is shared).
bool WaitFor(const std::function<bool()>& ready, milliseconds timeout = seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

// Tasks block on the gate until it opens; counts how many run at once.
class Gate {
 public:
  std::function<void()> Task() {
    return [this] {
      const int now = ++running_;
      int peak = peak_.load();
      while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
      }
      ++started_;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return open_; });
      }
      --running_;
      ++finished_;  // the task's last touch of the gate: after it, the gate may go
    };
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int started() const { return started_.load(); }
  int finished() const { return finished_.load(); }
  int peak() const { return peak_.load(); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  std::atomic<int> running_{0}, peak_{0}, started_{0}, finished_{0};
};

// The process's kernel threads, from /proc/self/status.
int ProcessThreads() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

// Waits until the core threads have reached their idle wait: a task enqueued before that
// finds no idle thread and starts one more.
void AwaitIdle(const ElasticThreadPool& pool, size_t n) {
  ASSERT_TRUE(WaitFor([&] { return pool.GetStats().idle == n; })) << pool.GetStats().idle;
}

ElasticThreadPoolOptions Small(size_t core, size_t max, size_t queued = 1024) {
  ElasticThreadPoolOptions o;
  o.core_threads = core;
  o.max_threads = max;
  o.max_queued = queued;
  o.name = "test-pool";
  return o;
}

TEST(ElasticThreadPoolTest, StartsTheCoreThreads) {
  std::thread([] {}).join();  // a sanitizer's helper thread, if any, starts now
  const int before = ProcessThreads();
  ElasticThreadPool pool(Small(3, 10));
  EXPECT_EQ(pool.GetStats().threads, 3u);
  EXPECT_TRUE(WaitFor([&] { return pool.GetStats().idle == 3; }));
  EXPECT_EQ(ProcessThreads(), before + 3);
}

TEST(ElasticThreadPoolTest, GrowsAThreadForEachBlockedTask) {
  ElasticThreadPool pool(Small(2, 64));
  AwaitIdle(pool, 2);
  Gate gate;
  for (int i = 0; i < 20; ++i) pool.Enqueue(gate.Task());
  // No task waits for another: each found no idle thread and got a new one.
  EXPECT_TRUE(WaitFor([&] { return gate.started() == 20; })) << gate.started();
  const auto s = pool.GetStats();
  EXPECT_EQ(s.threads, 20u);
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.waited, 0u);
  EXPECT_EQ(s.started_threads, 20u);
  gate.Open();
  EXPECT_TRUE(WaitFor([&] { return gate.finished() == 20; }));
  EXPECT_TRUE(WaitFor([&] { return pool.GetStats().idle == pool.GetStats().threads; }));
}

TEST(ElasticThreadPoolTest, NeverExceedsTheCapAndQueuesBeyondIt) {
  std::vector<std::pair<size_t, size_t>> reports;
  std::mutex reports_mu;
  ElasticThreadPoolOptions o = Small(1, 8);
  o.on_saturated = [&](size_t threads, size_t queued) {
    std::lock_guard<std::mutex> lock(reports_mu);
    reports.emplace_back(threads, queued);
  };
  ElasticThreadPool pool(o);
  AwaitIdle(pool, 1);
  Gate gate;
  for (int i = 0; i < 50; ++i) pool.Enqueue(gate.Task());
  EXPECT_TRUE(WaitFor([&] { return gate.started() == 8; }));
  std::this_thread::sleep_for(milliseconds(100));  // would a ninth start? (it must not)
  auto s = pool.GetStats();
  EXPECT_EQ(gate.started(), 8);
  EXPECT_EQ(s.threads, 8u);
  EXPECT_EQ(s.peak_threads, 8u);
  EXPECT_EQ(s.queued, 42u);
  EXPECT_EQ(s.waited, 42u);
  gate.Open();
  EXPECT_TRUE(WaitFor([&] { return gate.finished() == 50; }));
  EXPECT_EQ(gate.peak(), 8);
  s = pool.GetStats();
  EXPECT_EQ(s.peak_threads, 8u);
  EXPECT_EQ(s.started_threads, 8u);
  // Reported once (the report interval is 10 s), at the first task that had to wait.
  std::lock_guard<std::mutex> lock(reports_mu);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0], std::make_pair(size_t{8}, size_t{1}));
}

TEST(ElasticThreadPoolTest, CanGrowKeepsThePoolAtItsCoreThreads) {
  ElasticThreadPoolOptions o = Small(2, 64);
  std::atomic<bool> allow{false};
  std::atomic<int> asked{0};
  o.can_grow = [&] {
    ++asked;
    return allow.load();
  };
  ElasticThreadPool pool(o);
  AwaitIdle(pool, 2);
  Gate gate;
  for (int i = 0; i < 5; ++i) pool.Enqueue(gate.Task());
  EXPECT_TRUE(WaitFor([&] { return gate.started() == 2; }));
  auto s = pool.GetStats();
  EXPECT_EQ(s.threads, 2u);
  EXPECT_EQ(s.queued, 3u);
  EXPECT_EQ(s.growth_refused, 3u);
  EXPECT_EQ(asked.load(), 3);
  allow = true;  // room again: the next task starts a thread
  pool.Enqueue(gate.Task());
  EXPECT_TRUE(WaitFor([&] { return gate.started() == 3; }));
  EXPECT_EQ(pool.GetStats().threads, 3u);
  gate.Open();
  EXPECT_TRUE(WaitFor([&] { return gate.finished() == 6; }));
}

TEST(ElasticThreadPoolTest, BlocksTheCallerWhenTheQueueIsFull) {
  ElasticThreadPool pool(Small(1, 1, 2));
  AwaitIdle(pool, 1);
  Gate gate;
  for (int i = 0; i < 3; ++i) pool.Enqueue(gate.Task());  // one running, two queued
  EXPECT_TRUE(WaitFor([&] { return gate.started() == 1; }));
  std::atomic<bool> returned{false};
  std::thread caller([&] {
    pool.Enqueue(gate.Task());
    returned = true;
  });
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_FALSE(returned.load()) << "Enqueue returned with the queue full";
  EXPECT_EQ(pool.GetStats().queued, 2u);
  EXPECT_EQ(pool.GetStats().blocked, 1u);
  gate.Open();
  caller.join();
  EXPECT_TRUE(WaitFor([&] { return gate.finished() == 4; }));
  EXPECT_EQ(pool.GetStats().threads, 1u);
}

TEST(ElasticThreadPoolTest, ShrinksBackToTheCoreThreadsAfterTheIdleTimeout) {
  const int before = ProcessThreads();
  ElasticThreadPoolOptions o = Small(2, 64);
  o.idle_timeout = milliseconds(200);
  ElasticThreadPool pool(o);
  AwaitIdle(pool, 2);
  Gate gate;
  for (int i = 0; i < 30; ++i) pool.Enqueue(gate.Task());
  ASSERT_TRUE(WaitFor([&] { return gate.started() == 30; }));
  EXPECT_EQ(ProcessThreads(), before + 30);
  gate.Open();
  EXPECT_TRUE(WaitFor([&] { return pool.GetStats().threads == 2; })) << pool.GetStats().threads;
  // The exited threads are gone from the process too (joined, not just parked).
  EXPECT_TRUE(WaitFor([&] { return ProcessThreads() == before + 2; })) << ProcessThreads();
  // Stays at the core size: core threads never time out.
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(pool.GetStats().threads, 2u);
  // And grows again on demand.
  Gate again;
  for (int i = 0; i < 5; ++i) pool.Enqueue(again.Task());
  EXPECT_TRUE(WaitFor([&] { return again.started() == 5; }));
  EXPECT_EQ(pool.GetStats().threads, 5u);
  again.Open();
  // The tasks read the gate until they return: it must outlive them (ASan caught this).
  EXPECT_TRUE(WaitFor([&] { return again.finished() == 5; }));
}

// Under a steady light load the most recently idle thread takes the next task, so the
// surplus threads of a past burst still reach their idle timeout (a FIFO hand-out would
// rotate through all of them and keep them alive).
TEST(ElasticThreadPoolTest, SteadyLightLoadDoesNotKeepABurstsThreadsAlive) {
  ElasticThreadPoolOptions o = Small(1, 64);
  o.idle_timeout = milliseconds(300);
  ElasticThreadPool pool(o);
  AwaitIdle(pool, 1);
  Gate gate;
  for (int i = 0; i < 20; ++i) pool.Enqueue(gate.Task());
  ASSERT_TRUE(WaitFor([&] { return gate.started() == 20; }));
  gate.Open();
  ASSERT_TRUE(WaitFor([&] { return pool.GetStats().idle == 20; }));
  // One short task every 10 ms for 1.5 s: far more often than the idle timeout.
  std::atomic<int> done{0};
  const auto until = std::chrono::steady_clock::now() + milliseconds(1500);
  int sent = 0;
  while (std::chrono::steady_clock::now() < until) {
    pool.Enqueue([&] { ++done; });
    ++sent;
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(WaitFor([&] { return done.load() == sent; }));
  EXPECT_LE(pool.GetStats().threads, 3u) << "surplus threads kept alive by light load";
}

TEST(ElasticThreadPoolTest, RunsEveryTaskExactlyOnce) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 5000;
  std::vector<std::atomic<int>> runs(kProducers * kPerProducer);
  {
    // A small cap and queue so producers also block and threads come and go.
    ElasticThreadPoolOptions o = Small(1, 6, 8);
    o.idle_timeout = milliseconds(1);
    ElasticThreadPool pool(o);
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p) {
      producers.emplace_back([&, p] {
        for (int i = 0; i < kPerProducer; ++i) {
          const int id = p * kPerProducer + i;
          pool.Enqueue([&runs, id] {
            if (id % 97 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
            runs[static_cast<size_t>(id)].fetch_add(1);
          });
        }
      });
    }
    for (auto& t : producers) t.join();
    pool.Shutdown();
    const auto s = pool.GetStats();
    EXPECT_EQ(s.completed, static_cast<uint64_t>(kProducers * kPerProducer));
    EXPECT_LE(s.peak_threads, 6u);
    EXPECT_EQ(s.threads, 0u);
  }
  int wrong = 0;
  for (auto& r : runs) wrong += r.load() != 1 ? 1 : 0;
  EXPECT_EQ(wrong, 0);
}

TEST(ElasticThreadPoolTest, ShutdownRunsQueuedTasksAndJoinsThreadsInFlight) {
  const int before = ProcessThreads();
  auto pool = std::make_unique<ElasticThreadPool>(Small(2, 4));
  AwaitIdle(*pool, 2);
  std::atomic<int> done{0};
  for (int i = 0; i < 12; ++i) {
    pool->Enqueue([&] {
      std::this_thread::sleep_for(milliseconds(100));
      ++done;
    });
  }
  EXPECT_EQ(pool->GetStats().queued, 8u);
  const auto start = std::chrono::steady_clock::now();
  pool->Shutdown();
  // Three rounds of four 100 ms tasks: Shutdown waited for all of them.
  EXPECT_EQ(done.load(), 12);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(250));
  EXPECT_EQ(pool->GetStats().threads, 0u);
  EXPECT_EQ(ProcessThreads(), before);
  // After shutdown a task runs on the caller, still exactly once.
  const auto caller = std::this_thread::get_id();
  std::thread::id ran_on;
  pool->Enqueue([&] { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, caller);
  pool->Shutdown();  // idempotent
  pool.reset();
  EXPECT_EQ(ProcessThreads(), before);
}

TEST(ElasticThreadPoolTest, DestructorShutsDownWithIdleAndBusyThreads) {
  const int before = ProcessThreads();
  std::atomic<int> done{0};
  {
    ElasticThreadPool pool(Small(4, 16));
    for (int i = 0; i < 6; ++i) {
      pool.Enqueue([&] {
        std::this_thread::sleep_for(milliseconds(50));
        ++done;
      });
    }
  }
  EXPECT_EQ(done.load(), 6);
  EXPECT_EQ(ProcessThreads(), before);
}

TEST(ElasticThreadPoolTest, ATaskThatThrowsIsCountedAndThePoolGoesOn) {
  ElasticThreadPool pool(Small(1, 2));
  pool.Enqueue([] { throw std::runtime_error("boom"); });
  std::atomic<bool> ran{false};
  pool.Enqueue([&] { ran = true; });
  EXPECT_TRUE(WaitFor([&] { return ran.load(); }));
  EXPECT_TRUE(WaitFor([&] { return pool.GetStats().completed == 2; }));
  EXPECT_EQ(pool.GetStats().exceptions, 1u);
}

TEST(ElasticThreadPoolTest, ThreadsGetTheConfiguredStackSize) {
  ElasticThreadPoolOptions o = Small(1, 2);
  o.stack_size = 256 * 1024;
  ElasticThreadPool pool(o);
  std::atomic<size_t> size{0};
  std::string name;
  pool.Enqueue([&] {
    pthread_attr_t attr;
    size_t s = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      pthread_attr_getstacksize(&attr, &s);
      pthread_attr_destroy(&attr);
    }
    char buf[16] = {};
    pthread_getname_np(pthread_self(), buf, sizeof(buf));
    name = buf;
    size = s;
  });
  ASSERT_TRUE(WaitFor([&] { return size.load() > 0; }));
  EXPECT_GE(size.load(), 240u * 1024);
#ifndef __SANITIZE_THREAD__  // TSan enlarges every thread's stack
  EXPECT_LE(size.load(), 256u * 1024);
#endif
  EXPECT_EQ(name, "test-pool");
}

// Through httplib: more concurrent connections than core threads, each handler waiting for
// all the others, are all served; stop() then joins every thread.
TEST(ElasticThreadPoolTest, HttplibServerServesMoreConnectionsThanCoreThreads) {
  constexpr int kClients = 24;
  const int before = ProcessThreads();
  httplib::Server server;
  ElasticThreadPoolOptions o = Small(2, 64);
  o.stack_size = 256 * 1024;
  server.new_task_queue = [o] { return NewHttpTaskQueue(o); };
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  server.Get("/wait", [&](const httplib::Request&, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu);
    ++arrived;
    cv.notify_all();
    const bool all = cv.wait_for(lock, seconds(20), [&] { return arrived >= kClients; });
    res.set_content(all ? "all" : "timeout", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread listener([&] { server.listen_after_bind(); });
  std::vector<std::thread> clients;
  std::atomic<int> all{0};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(seconds(30));
      auto res = c.Get("/wait");
      if (res && res->status == 200 && res->body == "all") ++all;
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(all.load(), kClients);
  server.stop();
  listener.join();
  EXPECT_EQ(ProcessThreads(), before);
}

}  // namespace
}  // namespace fxagent
