#include "rules/alerting/parallel_for.h"

namespace fxagent::alerting {

ParallelFor::ParallelFor(unsigned workers) : workers_(workers) {}

ParallelFor::~ParallelFor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void ParallelFor::Drain(Job& job) {
  for (size_t i = job.next.fetch_add(1); i < job.n; i = job.next.fetch_add(1)) (*job.fn)(i);
}

void ParallelFor::Work() {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    Job* job = job_;
    if (job == nullptr) continue;  // woke after that Run finished
    ++busy_;
    lock.unlock();
    Drain(*job);
    lock.lock();
    if (--busy_ == 0) done_.notify_all();
  }
}

void ParallelFor::Run(size_t n, const std::function<void(size_t)>& fn) {
  if (workers_ == 0 || n < 2) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  if (threads_.empty()) {
    for (unsigned w = 0; w < workers_; ++w) threads_.emplace_back([this] { Work(); });
  }
  Job job{&fn, n};
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &job;
    ++generation_;
  }
  wake_.notify_all();
  Drain(job);
  // Every index has been claimed; wait for workers still running theirs, then retire
  // the job so a worker waking only now skips it.
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return busy_ == 0; });
  job_ = nullptr;
}

}  // namespace fxagent::alerting
