// AVX2+FMA instance: B = 8 (one ymm per block), tile up to 6 pixels × 2 blocks:
// 12 accumulators + 2 weights + 1 broadcast of the 16 ymm registers.
#include "kernels/conv/conv_nchwc_ukernel.h"

#include <cmath>

#include <immintrin.h>

namespace castnet::kernels {
namespace {

struct VecAvx2 {
  using Reg = __m256;
  static constexpr int kLanes = 8;
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg set1(float x) { return _mm256_set1_ps(x); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_ps(a, b); }
  static Reg max(Reg a, Reg b) { return _mm256_max_ps(a, b); }
  static Reg min(Reg a, Reg b) { return _mm256_min_ps(a, b); }
};

#include "kernels/conv/conv_nchwc_ukernel_body.h"

constexpr int kMr = 6, kNb = 2;

}  // namespace

const ConvNchwcUkernel& conv_nchwc_ukernel_avx2() {
  static const ConvNchwcUkernel k{&conv_nchwc_dispatch<VecAvx2, kMr, kNb, 1>,
                                  &conv_nchwc_dispatch<VecAvx2, kMr, kNb, 2>,
                                  &conv_nchwc_dispatch<VecAvx2, kMr, kNb, 0>,
                                  8, kMr, kNb, "conv_nchw8c_6x2_avx2"};
  return k;
}

}  // namespace castnet::kernels
