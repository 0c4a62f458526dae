#include "kernels/peak/peak.h"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <thread>
#include <vector>

namespace castnet::kernels {
namespace {

constexpr FmaPeakKernel kGeneric = {"fma_peak_generic", Isa::generic, 96.0, fma_peak_run_generic};
constexpr FmaPeakKernel kAvx2 = {"fma_peak_avx2", Isa::avx2, 12 * 8 * 2.0, fma_peak_run_avx2};
constexpr FmaPeakKernel kAvx512 = {"fma_peak_avx512", Isa::avx512, 16 * 16 * 2.0, fma_peak_run_avx512};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

const FmaPeakKernel* fma_peak_kernel(Isa isa) {
  if (isa == Isa::reference || !isa_supported(isa, CpuFeatures::host())) return nullptr;
  switch (isa) {
    case Isa::avx512: return &kAvx512;
    case Isa::avx2: return &kAvx2;
    default: return &kGeneric;
  }
}

double measure_fma_gflops(const FmaPeakKernel& kernel, int threads, double seconds) {
  threads = std::max(threads, 1);
  std::atomic<float> sink{0};  // keeps every loop's result alive
  // Many short trials, best one kept: on a shared machine a long run is almost surely
  // interrupted, a 5 ms one often is not. Calibrate the trial length on one thread.
  constexpr double kTrialSeconds = 0.005;
  uint64_t iterations = 1 << 12;
  for (;;) {
    auto t0 = std::chrono::steady_clock::now();
    sink = sink + kernel.run(iterations);
    double dt = seconds_since(t0);
    if (dt > kTrialSeconds / 4 || iterations > (uint64_t(1) << 40)) {
      iterations = std::max<uint64_t>(1, uint64_t(double(iterations) * kTrialSeconds / std::max(dt, 1e-9)));
      break;
    }
    iterations *= 4;
  }
  const int trials = std::max(3, int(seconds / kTrialSeconds));
  // Each trial starts all threads together; the slowest one ends it. Thread 0 keeps the score.
  std::barrier sync(threads);
  std::vector<double> elapsed(threads);
  double best = 1e30;
  auto body = [&](int t) {
    for (int trial = 0; trial < trials; ++trial) {
      sync.arrive_and_wait();
      auto t0 = std::chrono::steady_clock::now();
      float r = kernel.run(iterations);
      elapsed[t] = seconds_since(t0);
      sink = sink + r;
      sync.arrive_and_wait();
      if (t == 0) best = std::min(best, *std::max_element(elapsed.begin(), elapsed.end()));
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(body, t);
  body(0);
  for (auto& th : pool) th.join();
  return kernel.flops_per_iteration * double(iterations) * threads / best / 1e9;
}

}  // namespace castnet::kernels
