// The NCHWc direct-convolution microkernel alone, as a 1×1 convolution over a run of pixels:
// GFLOP/s by tile shape (mr pixels × nb output blocks), input channels K and pixel count, with
// the tiles issued one call each ("single") or as one call for the whole run ("run", what the
// conv driver does). Small pixel counts keep everything in L1/L2, so the figure is the kernel's
// own ceiling; 3136 pixels (56×56) puts the input plane in L2 and the output beyond it.
//
//   ./build/bench/conv_ukernel_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
//   CASTNET_ISA=avx2 ./build/bench/conv_ukernel_bench          (another ISA's kernel)
#include "core/aligned.h"
#include "core/cpu_features.h"
#include "kernels/config/conv_config.h"

#include <benchmark/benchmark.h>

#include <utility>

namespace {

using namespace castnet;

const kernels::ConvNchwcUkernel& kernel() {  // CASTNET_ISA, else the best this CPU runs
  return kernels::conv_nchwc_config(resolve_isa("", CpuFeatures::host()));
}

// Args: K (input channels), mr, nb, pixels, run (0: one call per tile, 1: one call per run).
void BM_ConvUkernel1x1(benchmark::State& state) {
  const kernels::ConvNchwcUkernel& uk = kernel();
  const int64_t K = state.range(0), mr = state.range(1), nb = state.range(2), P = state.range(3);
  const bool run = state.range(4) != 0;
  const int64_t B = uk.block, icb = K / B, tiles = P / mr;
  if (nb > uk.nb_max || mr > uk.mr_limit(nb) || K % B != 0) {
    state.SkipWithError("tile or K not supported by this ISA's kernel");
    return;
  }
  AlignedBuffer in(static_cast<size_t>(icb * P * B) * sizeof(float));
  AlignedBuffer w(static_cast<size_t>(K * nb * B) * sizeof(float));
  AlignedBuffer out(static_cast<size_t>(nb * P * B) * sizeof(float));
  AlignedBuffer bias(static_cast<size_t>(nb * B) * sizeof(float));
  for (auto* buf : {&in, &w, &bias}) {
    float* f = buf->as<float>();
    for (size_t i = 0; i < buf->size() / sizeof(float); ++i) f[i] = 0.01f * static_cast<float>(i % 7);
  }
  kernels::ConvNchwcArgs a;
  a.in_pixel_stride = B;
  a.in_kw_stride = B;
  a.in_kh_stride = B;
  a.in_icb_stride = P * B;
  a.icb_count = static_cast<size_t>(icb);
  a.w = w.as<float>();
  a.w_ic_stride = nb * B;
  a.w_kw_stride = a.w_kh_stride = a.w_icb_stride = B * nb * B;
  a.out_pixel_stride = B;
  a.out_ocb_stride = P * B;
  a.post.bias = bias.as<float>();
  a.post.activation = kernels::Activation::relu;
  a.in_prefetch_ahead = 2 * mr * B;
  for (auto _ : state) {
    if (run) {
      a.in = in.as<float>();
      a.out = out.as<float>();
      a.tile_count = static_cast<size_t>(tiles);
      uk.stride1(static_cast<size_t>(mr), static_cast<size_t>(nb), a);
    } else {
      a.tile_count = 1;
      for (int64_t t = 0; t < tiles; ++t) {
        a.in = in.as<float>() + t * mr * B;
        a.out = out.as<float>() + t * mr * B;
        uk.stride1(static_cast<size_t>(mr), static_cast<size_t>(nb), a);
      }
    }
    benchmark::DoNotOptimize(out.as<float>());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * static_cast<double>(K * nb * B * tiles * mr);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9 * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
  state.SetLabel(run ? "run" : "single");
}

void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"K", "mr", "nb", "P", "run"});
  for (int64_t K : {64, 256, 1024})
    for (auto [mr, nb] : {std::pair<int64_t, int64_t>{6, 4}, {8, 3}, {14, 2}})
      for (int64_t P : {48, 3136})
        for (int64_t run : {0, 1}) b->Args({K, mr, nb, P - P % mr, run});
}

BENCHMARK(BM_ConvUkernel1x1)->Apply(shapes);

}  // namespace

BENCHMARK_MAIN();
