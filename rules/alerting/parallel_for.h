/// ParallelFor: runs fn(i) for every i in [0, n) on the calling thread plus a few
/// persistent worker threads, started on first use (so a small rule set that never asks
/// for parallelism never starts a thread). fn must not throw.
/// Thread-safety: Run may be called from one thread at a time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fxagent::alerting {

class ParallelFor {
 public:
  /// `workers` extra threads (0 = everything runs on the caller).
  explicit ParallelFor(unsigned workers);
  ~ParallelFor();
  ParallelFor(const ParallelFor&) = delete;
  ParallelFor& operator=(const ParallelFor&) = delete;

  void Run(size_t n, const std::function<void(size_t)>& fn);
  unsigned workers() const { return workers_; }

 private:
  /// One Run's work; lives on Run's stack while any worker holds it (busy_ > 0).
  struct Job {
    const std::function<void(size_t)>* fn;
    size_t n;
    std::atomic<size_t> next{0};
  };
  void Work();
  static void Drain(Job& job);

  const unsigned workers_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  uint64_t generation_ = 0;  // guarded by mu_; bumped for every Run
  Job* job_ = nullptr;       // the running job, or null; guarded by mu_
  unsigned busy_ = 0;        // workers holding job_; guarded by mu_
  bool stop_ = false;        // guarded by mu_
};

}  // namespace fxagent::alerting
