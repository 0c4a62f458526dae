// fp32 FMA peak loop, AVX2 + FMA: 12 independent ymm accumulators (acc += b · c), 192 flops per
// iteration — two FMA pipes × 4-5 cycles of latency need at least 10 in flight.
#include "kernels/peak/peak.h"

#include <immintrin.h>

namespace castnet::kernels {

float fma_peak_run_avx2(uint64_t iterations) {
  constexpr int kChains = 12;
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(float(i));
  __m256 b = _mm256_set1_ps(1.0e-3f), c = _mm256_set1_ps(1.0e-4f);
  for (uint64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(b, c, acc[i]);
    __asm__ volatile("" : "+x"(b), "+x"(c));
  }
  __m256 sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = _mm256_add_ps(sum, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  float total = 0;
  for (float x : lanes) total += x;
  return total;
}

}  // namespace castnet::kernels
