// A fixed pool of worker threads. The calling thread takes part as thread 0, so a pool of size
// 1 has no workers and runs everything inline.
//
// Work is split statically: task range [0, n) is cut into `size()` contiguous chunks, chunk t
// goes to thread t. The split depends only on n and the pool size, never on timing, so results
// are bitwise identical from run to run at a given thread count.
//
// Several threads may call parallel_for at once (sessions are shared between threads): one
// caller owns the workers at a time, the others run their whole range inline instead of
// waiting, so there is never more than one runnable thread per pool slot.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace castnet {

class ThreadPool {
 public:
  using RangeFn = std::function<void(int64_t begin, int64_t end, int thread)>;

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return size_; }

  // fn(begin, end, thread) for each non-empty chunk of [0, n); `thread` < size().
  // `grain`: fewest tasks worth a chunk of their own (small ranges use fewer threads).
  void parallel_for(int64_t n, const RangeFn& fn, int64_t grain = 1);

  // For tasks that are independent of one another (each writes only its own outputs, with no
  // result depending on which thread runs it or in what order): thread t starts on the same
  // contiguous range parallel_for would give it, taking `claim` tasks at a time from its front;
  // a thread that runs out takes `claim` tasks at a time from the back of the range with the
  // most left. fn(begin, end, thread) per claim. On a shared machine one core is often slowed
  // or descheduled for a while; a static split then waits for it, this one moves its work to
  // the other threads. Results stay bitwise identical from run to run, as with parallel_for,
  // because no task's result depends on the split.
  void parallel_for_balanced(int64_t n, const RangeFn& fn, int64_t claim = 1);

 private:
  void worker_loop(int index);

  int size_;
  std::vector<std::thread> workers_;
  std::atomic<bool> busy_{false};  // set while one caller drives the workers

  std::mutex mu_;
  std::condition_variable wake_, done_;
  // Written under mu_, also read without it by threads spinning briefly before they sleep:
  // inference runs many short parallel steps back to back, and a condition-variable wake-up
  // costs as much as a small layer.
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  bool stop_ = false;
  const RangeFn* job_ = nullptr;
  int64_t job_n_ = 0;
  int job_chunks_ = 0;
};

}  // namespace castnet
