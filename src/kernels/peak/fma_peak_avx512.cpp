// fp32 FMA peak loop, AVX-512: 16 independent zmm accumulators (acc += b · c), 512 flops per
// iteration. Chaining through the addend (not a multiplicand) lets Zen 5 sustain its two 512-bit
// FMAs per cycle.
#include "kernels/peak/peak.h"

#include <immintrin.h>

namespace castnet::kernels {

float fma_peak_run_avx512(uint64_t iterations) {
  constexpr int kChains = 16;
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(float(i));
  __m512 b = _mm512_set1_ps(1.0e-3f), c = _mm512_set1_ps(1.0e-4f);
  for (uint64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(b, c, acc[i]);
    // Opaque to the optimiser: b and c may have changed, so nothing is hoisted or folded.
    __asm__ volatile("" : "+v"(b), "+v"(c));
  }
  __m512 sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = _mm512_add_ps(sum, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  float total = 0;
  for (float x : lanes) total += x;
  return total;
}

}  // namespace castnet::kernels
