// Memory bandwidth probes in the manner of STREAM: read (a sum), copy and triad over buffers
// much larger than the last-level cache, split in contiguous chunks over threads, best of
// several passes. Plain C++: at the baseline ISA, 16-byte loads already outrun DRAM.
#include "kernels/peak/peak.h"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace castnet::kernels {
namespace {

// Integer sum: associative, so the compiler vectorises it freely.
uint64_t read_pass(const uint64_t* a, size_t n) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
  }
  for (; i < n; ++i) s0 += a[i];
  return s0 + s1 + s2 + s3;
}

// Written as a loop (not memcpy, which may switch to non-temporal stores and measure something
// else); the attribute stops GCC from turning it back into a memcpy call.
__attribute__((optimize("no-tree-loop-distribute-patterns")))
void copy_pass(const float* a, float* b, size_t n) {
  for (size_t i = 0; i < n; ++i) b[i] = a[i];
}

void triad_pass(float* a, const float* b, const float* c, float s, size_t n) {
  for (size_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

}  // namespace

MemoryBandwidth measure_memory_bandwidth(size_t buffer_bytes, int threads, double seconds) {
  threads = std::max(threads, 1);
  const size_t n = std::max<size_t>(buffer_bytes / sizeof(float) / 64 * 64, 64);
  auto alloc = [&] {
    void* p = std::aligned_alloc(64, n * sizeof(float));
    if (!p) throw std::bad_alloc();
    return std::unique_ptr<float[], FreeDeleter>(static_cast<float*>(p));
  };
  auto a = alloc(), b = alloc(), c = alloc();

  enum Kind { kRead, kCopy, kTriad };
  std::barrier sync(threads);
  std::vector<uint64_t> sink(threads * 8);
  MemoryBandwidth result;
  bool more[3] = {true, true, true};  // whether another pass of each kernel runs

  // Each thread runs passes over its chunk; thread 0 times each pass between two barriers.
  auto worker = [&](int t) {
    const size_t begin = n * t / threads / 16 * 16, end = t + 1 == threads ? n : n * (t + 1) / threads / 16 * 16;
    float* pa = a.get() + begin;
    float* pb = b.get() + begin;
    float* pc = c.get() + begin;
    const size_t len = end - begin;
    // First touch on the thread that streams it, outside the timing.
    for (size_t i = 0; i < len; ++i) {
      pa[i] = 1.0f;
      pb[i] = 2.0f;
      pc[i] = 0.5f;
    }
    for (Kind kind : {kRead, kCopy, kTriad}) {
      double best = 1e30, spent = 0;
      for (int pass = 0;; ++pass) {
        sync.arrive_and_wait();  // more[kind] was last written by thread 0 before this point
        if (!more[kind]) break;
        auto t0 = std::chrono::steady_clock::now();
        switch (kind) {
          case kRead: sink[t * 8] += read_pass(reinterpret_cast<const uint64_t*>(pa), len / 2); break;
          case kCopy: copy_pass(pa, pb, len); break;
          case kTriad: triad_pass(pa, pb, pc, 0.5f, len); break;
        }
        sync.arrive_and_wait();
        if (t == 0) {  // only thread 0 decides, so every thread runs the same number of passes
          const double dt = seconds_since(t0);
          best = std::min(best, dt);
          spent += dt;
          more[kind] = pass + 1 < 3 || (spent < seconds && pass + 1 < 50);
        }
      }
      if (t == 0) {
        const double bytes = double(n) * sizeof(float);
        switch (kind) {
          case kRead: result.read_gbps = bytes / best / 1e9; break;
          case kCopy: result.copy_gbps = 2 * bytes / best / 1e9; break;
          case kTriad: result.triad_gbps = 3 * bytes / best / 1e9; break;
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
  // The sums must look used, or the read passes could be optimised away.
  volatile uint64_t observed = 0;
  for (uint64_t v : sink) observed = observed + v;
  return result;
}

}  // namespace castnet::kernels
