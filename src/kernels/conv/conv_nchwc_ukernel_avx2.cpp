// AVX2+FMA instance: B = 8 (one ymm per block), tile up to 6 pixels × 2 blocks:
// 12 accumulators + 2 weights + 1 broadcast of the 16 ymm registers.
#include "kernels/conv/conv_nchwc_ukernel.h"

#include <cmath>

#include <immintrin.h>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx2.h"

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
