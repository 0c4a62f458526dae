// AVX2+FMA instance: B = 8 (one ymm per block), tiles of 6 pixels × 2 blocks (12 accumulators +
// 2 weights + 1 broadcast of the 16 ymm registers) or 12 × 1 (12 + 1 + 1).
#include "kernels/conv/conv_nchwc_ukernel.h"

#include <cmath>

#include <immintrin.h>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx2.h"

#include "kernels/conv/conv_nchwc_ukernel_body.h"

#include "kernels/conv/conv_nchwc_tiles_avx2.h"

}  // namespace

const ConvNchwcUkernel& conv_nchwc_ukernel_avx2() {
  static const ConvNchwcUkernel k = make_conv_ukernel<VecAvx2, TilesAvx2, 8>("conv_nchw8c_6x2_avx2");
  return k;
}

}  // namespace castnet::kernels
