#include "agent/runtime/elastic_thread_pool.h"

#include <httplib.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <utility>

namespace fxagent {

struct ElasticThreadPool::Worker {
  ElasticThreadPool* pool = nullptr;
  pthread_t thread{};
  std::list<std::unique_ptr<Worker>>::iterator self;
  std::condition_variable cv;
  std::function<void()> task;  // handed over by Enqueue() or Spawn(), guarded by mu_
};

ElasticThreadPool::ElasticThreadPool(Options options) : options_(std::move(options)) {
  std::unique_lock<std::mutex> lock(mu_);
  for (size_t i = 0; i < std::min(options_.core_threads, options_.max_threads); ++i) {
    std::function<void()> none;
    if (!Spawn(none, lock)) break;  // Enqueue() starts them later (or runs tasks inline)
  }
}

ElasticThreadPool::~ElasticThreadPool() { Shutdown(); }

void ElasticThreadPool::Enqueue(std::function<void()> task) {
  std::unique_lock<std::mutex> lock(mu_);
  bool counted_block = false;
  for (;;) {
    if (shutdown_) break;
    if (!idle_.empty()) {
      // The most recently idle thread: under a light load the same few threads do the
      // work and the others reach idle_timeout and exit.
      Worker* w = idle_.back();
      idle_.pop_back();
      w->task = std::move(task);
      w->cv.notify_one();
      return;
    }
    if (MayGrow() && Spawn(task, lock)) return;
    if (workers_.empty()) break;  // no thread and none can be started
    const bool full = queue_.size() >= options_.max_queued;
    bool report = false;
    size_t threads = workers_.size(), queued = queue_.size();
    if (options_.on_saturated) {
      const auto now = std::chrono::steady_clock::now();
      if (!saturation_reported_ ||
          now - last_saturation_report_ >= options_.saturation_report_interval) {
        saturation_reported_ = true;
        last_saturation_report_ = now;
        report = true;
      }
    }
    if (!full) {
      queue_.push_back(std::move(task));
      ++stats_.waited;
      lock.unlock();
      if (report) options_.on_saturated(threads, queued + 1);
      return;
    }
    if (report) {
      lock.unlock();
      options_.on_saturated(threads, queued);
      lock.lock();
      continue;  // the state may have changed meanwhile
    }
    // Backpressure: the caller (httplib's accept loop) stops accepting, new connections
    // wait in the kernel's listen backlog, and the pool's memory stays bounded.
    if (!counted_block) ++stats_.blocked;
    counted_block = true;
    ++blocked_waiters_;
    space_cv_.wait(
        lock, [&] { return shutdown_ || !idle_.empty() || queue_.size() < options_.max_queued; });
    --blocked_waiters_;
  }
  lock.unlock();
  RunTask(task);
}

bool ElasticThreadPool::MayGrow() {
  if (workers_.size() >= options_.max_threads) return false;
  if (workers_.size() < options_.core_threads || !options_.can_grow) return true;
  if (options_.can_grow()) return true;
  ++stats_.growth_refused;
  return false;
}

bool ElasticThreadPool::Spawn(std::function<void()>& first, std::unique_lock<std::mutex>& lock) {
  (void)lock;  // held: the new thread takes mu_ only after we have recorded it
  workers_.push_back(std::make_unique<Worker>());
  Worker* w = workers_.back().get();
  w->pool = this;
  w->self = std::prev(workers_.end());
  w->task = std::move(first);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  if (options_.stack_size > 0) {
    pthread_attr_setstacksize(&attr, std::max<size_t>(options_.stack_size, PTHREAD_STACK_MIN));
  }
  // Pool threads take no asynchronous signals (the daemon sigwait()s for SIGTERM on its
  // main thread); faults stay deliverable so crashes and sanitizers still report.
  sigset_t all, old;
  sigfillset(&all);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS}) sigdelset(&all, sig);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const int rc = pthread_create(&w->thread, &attr, ThreadMain, w);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    first = std::move(w->task);
    workers_.pop_back();
    ++stats_.spawn_failures;
    return false;
  }
  pthread_setname_np(w->thread, options_.name.substr(0, 15).c_str());
  ++stats_.started_threads;
  stats_.peak_threads = std::max(stats_.peak_threads, workers_.size());
  return true;
}

void* ElasticThreadPool::ThreadMain(void* arg) {
  auto* w = static_cast<Worker*>(arg);
  w->pool->Run(w);
  return nullptr;
}

void ElasticThreadPool::Run(Worker* self) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    std::function<void()> task;
    if (self->task) {
      task = std::move(self->task);
      self->task = nullptr;
    } else if (!queue_.empty()) {
      task = std::move(queue_.front());
      queue_.pop_front();
      if (blocked_waiters_ > 0) space_cv_.notify_one();
    } else if (shutdown_) {
      break;
    } else {
      idle_.push_back(self);
      const auto handed = [&] { return self->task != nullptr || shutdown_; };
      // Only threads above the core count wait with a timeout: an idle pool makes no
      // wake-ups at all.
      if (workers_.size() > options_.core_threads) {
        self->cv.wait_for(lock, options_.idle_timeout, handed);
      } else {
        self->cv.wait(lock, handed);
      }
      if (self->task) continue;  // Enqueue() took us off idle_
      idle_.erase(std::find(idle_.begin(), idle_.end(), self));
      if (shutdown_ || workers_.size() <= options_.core_threads) continue;
      break;  // idle_timeout passed with more than core_threads running
    }
    lock.unlock();
    RunTask(task);
    lock.lock();
  }
  // Exit: hand ourselves to the next exiting thread (or Shutdown()) to be joined, and join
  // the threads that exited before us, so at most one exited thread is ever unjoined.
  std::vector<std::unique_ptr<Worker>> to_join;
  to_join.swap(exited_);
  exited_.push_back(std::move(*self->self));
  workers_.erase(self->self);
  if (workers_.empty()) done_cv_.notify_all();
  lock.unlock();
  for (auto& w : to_join) pthread_join(w->thread, nullptr);
}

void ElasticThreadPool::RunTask(std::function<void()>& task) {
  bool threw = false;
  try {
    task();
  } catch (...) {
    // Never let an exception cross the thread boundary; httplib's own tasks catch theirs.
    threw = true;
  }
  task = nullptr;  // release what the task captured (e.g. a socket) outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.completed;
  if (threw) ++stats_.exceptions;
}

void ElasticThreadPool::Shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!shutdown_) {
    shutdown_ = true;
    for (Worker* w : idle_) w->cv.notify_one();
    space_cv_.notify_all();
  }
  // Running threads first finish their task and whatever is queued.
  done_cv_.wait(lock, [&] { return workers_.empty(); });
  std::vector<std::unique_ptr<Worker>> to_join;
  to_join.swap(exited_);
  std::deque<std::function<void()>> leftover;
  leftover.swap(queue_);  // only if every thread failed to start
  lock.unlock();
  for (auto& w : to_join) pthread_join(w->thread, nullptr);
  for (auto& task : leftover) RunTask(task);
}

ElasticThreadPool::Stats ElasticThreadPool::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.threads = workers_.size();
  s.idle = idle_.size();
  s.queued = queue_.size();
  return s;
}

namespace {

class HttpTaskQueue final : public httplib::TaskQueue {
 public:
  explicit HttpTaskQueue(ElasticThreadPoolOptions options) : pool_(std::move(options)) {}
  void enqueue(std::function<void()> fn) override { pool_.Enqueue(std::move(fn)); }
  void shutdown() override { pool_.Shutdown(); }

 private:
  ElasticThreadPool pool_;
};

}  // namespace

httplib::TaskQueue* NewHttpTaskQueue(ElasticThreadPoolOptions options) {
  return new HttpTaskQueue(std::move(options));
}

}  // namespace fxagent
