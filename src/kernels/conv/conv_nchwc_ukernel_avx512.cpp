// AVX-512 instance: B = 16 (one zmm per channel block), tile up to 6 pixels × 4 blocks:
// 24 accumulators + 4 weight registers + 1 broadcast of the 32 zmm registers.
#include "kernels/conv/conv_nchwc_ukernel.h"

#include <cmath>

#include <immintrin.h>

namespace castnet::kernels {
namespace {

struct VecAvx512 {
  using Reg = __m512;
  static constexpr int kLanes = 16;
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg set1(float x) { return _mm512_set1_ps(x); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  static Reg max(Reg a, Reg b) { return _mm512_max_ps(a, b); }
  static Reg min(Reg a, Reg b) { return _mm512_min_ps(a, b); }
};

#include "kernels/conv/conv_nchwc_ukernel_body.h"

constexpr int kMr = 6, kNb = 4;

}  // namespace

const ConvNchwcUkernel& conv_nchwc_ukernel_avx512() {
  static const ConvNchwcUkernel k{&conv_nchwc_dispatch<VecAvx512, kMr, kNb, 1>,
                                  &conv_nchwc_dispatch<VecAvx512, kMr, kNb, 2>,
                                  &conv_nchwc_dispatch<VecAvx512, kMr, kNb, 0>,
                                  16, kMr, kNb, "conv_nchw16c_6x4_avx512"};
  return k;
}

}  // namespace castnet::kernels
