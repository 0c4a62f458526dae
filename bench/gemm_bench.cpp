// SGEMM on the shapes of ResNet-50's 1×1 convolutions as GEMM (M = output channels, N = H·W
// pixels, K = input channels), one thread, with the weights pre-packed (as a conv layer runs it)
// and unpacked, plus the conv epilogue (bias + ReLU). Reports GFLOP/s as a counter.
//
//   ./build/bench/gemm_bench --benchmark_min_time=0.2
//   ./build/bench/gemm_bench --benchmark_repetitions=5   (adds a "max" row: best of the runs)
//   CASTNET_ISA=avx2 ./build/bench/gemm_bench      (another kernel)
//   CASTNET_BENCH_THREADS=2 ./build/bench/gemm_bench
#include "core/aligned.h"
#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "kernels/config/gemm_config.h"
#include "ops/gemm/sgemm.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace castnet;

struct Shape {
  size_t m, n, k;
};

// ResNet-50 1×1 convolutions, batch 1: (output channels, pixels, input channels).
const Shape kShapes[] = {
    {64, 3136, 64},   {64, 3136, 256}, {256, 3136, 64}, {128, 784, 512},  {512, 784, 128},
    {256, 196, 1024}, {1024, 196, 256}, {512, 49, 2048}, {2048, 49, 512},
};

int bench_threads() {
  const char* env = std::getenv("CASTNET_BENCH_THREADS");
  return env ? std::max(1, std::atoi(env)) : 1;
}

void run_sgemm(benchmark::State& state, Shape s, bool prepacked) {
  const kernels::SgemmConfig& cfg = kernels::sgemm_config(resolve_isa("", CpuFeatures::host()));
  const int threads = bench_threads();
  ThreadPool pool(threads);
  std::vector<float> a(s.m * s.k), b(s.k * s.n), c(s.m * s.n), bias(s.m, 0.01f);
  for (size_t i = 0; i < a.size(); ++i) a[i] = float(int(i % 17) - 8) * 0.01f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = float(int(i % 13) - 6) * 0.01f;
  kernels::GemmEpilogue ep;
  ep.bias = bias.data();
  ep.activation = kernels::GemmActivation::relu;
  ops::SgemmArgs args;
  args.m = s.m; args.n = s.n; args.k = s.k;
  args.a = a.data(); args.lda = s.k;
  args.b = b.data(); args.ldb = s.n;
  args.c = c.data(); args.ldc = s.n;
  args.epilogue = &ep;
  const size_t ws_bytes = ops::sgemm_workspace_bytes(cfg, s.m, s.n, s.k, threads);
  AlignedBuffer workspace(ws_bytes);
  std::unique_ptr<ops::SgemmPackedA> packed;
  if (prepacked) packed = std::make_unique<ops::SgemmPackedA>(cfg, false, s.m, s.k, a.data(), s.k);

  for (auto _ : state) {
    if (packed) {
      ops::sgemm(cfg, *packed, args, workspace.data(), ws_bytes, &pool);
    } else {
      ops::sgemm(cfg, args, workspace.data(), ws_bytes, &pool);
    }
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * double(s.m) * double(s.n) * double(s.k);
  state.counters["GFLOPS"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(cfg.name) + (prepacked ? " prepacked" : " plain") + " t" + std::to_string(threads));
}

// The machines are shared: with repetitions, the best run is the one least disturbed.
double best_of(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

void register_benchmarks() {
  const bool threaded = bench_threads() > 1;
  for (const Shape& s : kShapes) {
    const std::string shape = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k);
    for (bool prepacked : {true, false}) {
      auto* b = benchmark::RegisterBenchmark(
          (std::string(prepacked ? "sgemm_prepacked/" : "sgemm/") + shape).c_str(),
          [s, prepacked](benchmark::State& st) { run_sgemm(st, s, prepacked); });
      b->Unit(benchmark::kMicrosecond)->ComputeStatistics("max", best_of);
      // One thread: rates from CPU time, which a busy machine disturbs less than the wall
      // clock. Several: the wall clock (CPU time would count the calling thread only).
      if (threaded) b->UseRealTime();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
