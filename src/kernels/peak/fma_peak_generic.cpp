// fp32 multiply-add peak loop, portable C++: 48 independent chains acc = acc · b + c that the
// compiler keeps in 12 SSE registers at the baseline ISA (no FMA there: a multiply and an add per
// element, 3 + 3 cycles of latency, so many chains are needed), 96 flops per iteration.
#include "kernels/peak/peak.h"

namespace castnet::kernels {

float fma_peak_run_generic(uint64_t iterations) {
  constexpr int kChains = 48;
  float acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = float(i);
  // acc converges to c / (1 - b): no overflow, no denormals.
  float b = 0.999f, c = 1.0e-3f;
  for (uint64_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * b + c;
    __asm__ volatile("" : "+x"(b), "+x"(c));
  }
  float total = 0;
  for (float x : acc) total += x;
  return total;
}

}  // namespace castnet::kernels
