/// ElasticThreadPool: a thread pool that keeps a few core threads while idle, starts a
/// thread for a task whenever no thread is idle (up to a hard cap), lets surplus threads
/// exit after an idle period, and queues (bounded) at the cap. It serves the public HTTP
/// listener, where each connection holds a thread for as long as the client trickles
/// bytes: a fixed pool is either too small for a few hundred slow clients or wastes
/// memory on idle threads. NewHttpTaskQueue() adapts it to httplib's TaskQueue.
///
/// Thread-safety: Enqueue() and GetStats() may be called from any thread; Shutdown() (and
/// the destructor) from one thread, not from a pool thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace httplib {
class TaskQueue;
}

namespace fxagent {

struct ElasticThreadPoolOptions {
  /// Threads started at once and kept while idle.
  size_t core_threads = 4;
  /// Hard cap on threads. Each one costs a stack (mostly untouched virtual memory) and a
  /// kernel task; a container's pids limit or RLIMIT_NPROC may refuse threads earlier,
  /// which the pool survives (the task waits for a running thread).
  size_t max_threads = 1024;
  /// Tasks waiting while all max_threads are busy. When this many wait, Enqueue() blocks
  /// the caller until one is taken: the pool never holds more than this in memory.
  size_t max_queued = 1024;
  /// A thread above core_threads exits after this long without a task.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(5)};
  /// Stack size of each thread; 0 = the system default (ulimit -s, usually 8 MiB).
  size_t stack_size = 0;
  /// Asked before starting a thread above core_threads; false = treat the pool as at its
  /// cap (the task queues). Called under the pool's lock: it must not call into the pool.
  /// The daemon uses it to leave room under the cgroup's pids limit (CgroupTasks).
  std::function<bool()> can_grow;
  /// Thread name (up to 15 characters are kept), visible in top -H and gdb.
  std::string name = "pool";
  /// Called (outside the pool's lock, on the enqueuing thread) when a task has to wait
  /// because all max_threads are busy (or no thread could be started); at most once per
  /// saturation_report_interval. For a warn log.
  std::function<void(size_t threads, size_t queued)> on_saturated;
  std::chrono::milliseconds saturation_report_interval{std::chrono::seconds(10)};
};

struct ElasticThreadPoolStats {
  size_t threads = 0;  // running (busy + idle)
  size_t idle = 0;     // waiting for a task
  size_t queued = 0;   // tasks waiting for a thread
  size_t peak_threads = 0;
  uint64_t started_threads = 0;  // threads started in the pool's lifetime
  uint64_t completed = 0;        // tasks that returned (or threw)
  uint64_t waited = 0;           // tasks that went to the queue (all threads busy)
  uint64_t blocked = 0;          // Enqueue() calls that blocked on a full queue
  uint64_t spawn_failures = 0;   // pthread_create refused
  uint64_t growth_refused = 0;   // can_grow said no
  uint64_t exceptions = 0;       // tasks that threw (caught, counted)
};

class ElasticThreadPool {
 public:
  using Options = ElasticThreadPoolOptions;
  using Stats = ElasticThreadPoolStats;

  explicit ElasticThreadPool(Options options);
  /// Shutdown().
  ~ElasticThreadPool();
  ElasticThreadPool(const ElasticThreadPool&) = delete;
  ElasticThreadPool& operator=(const ElasticThreadPool&) = delete;

  /// Runs `task` exactly once: on the most recently idle thread, else on a new thread
  /// (below max_threads), else after the queued tasks. Blocks while max_queued tasks
  /// wait. If no thread exists and none can be started, or after Shutdown(), runs `task`
  /// on the calling thread (so a task that owns a resource, like httplib's accepted
  /// socket, always releases it). An exception from `task` is caught and counted.
  void Enqueue(std::function<void()> task);

  /// Stops taking new threads, runs every queued task, waits for running tasks and joins
  /// every thread. Idempotent.
  void Shutdown();

  Stats GetStats() const;

 private:
  struct Worker;
  static void* ThreadMain(void* arg);
  void Run(Worker* self);
  /// Starts a thread with `first` as its first task; false when the system refuses.
  bool Spawn(std::function<void()>& first, std::unique_lock<std::mutex>& lock);
  bool MayGrow();
  void RunTask(std::function<void()>& task);

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable space_cv_;  // a queue slot freed
  std::condition_variable done_cv_;   // the last thread exited
  std::deque<std::function<void()>> queue_;
  std::list<std::unique_ptr<Worker>> workers_;   // running
  std::vector<Worker*> idle_;                    // most recently idle at the back
  std::vector<std::unique_ptr<Worker>> exited_;  // to join
  bool shutdown_ = false;
  size_t blocked_waiters_ = 0;
  std::chrono::steady_clock::time_point last_saturation_report_{};
  bool saturation_reported_ = false;
  Stats stats_;
};

/// A new httplib::TaskQueue backed by an ElasticThreadPool, for Server::new_task_queue.
/// The caller (httplib) owns it; its shutdown() joins every thread.
httplib::TaskQueue* NewHttpTaskQueue(ElasticThreadPoolOptions options);

}  // namespace fxagent
