// AVX-512 instance: B = 16 (one zmm per channel block), tile up to 6 pixels × 4 blocks:
// 24 accumulators + 4 weight registers + 1 broadcast of the 32 zmm registers.
#include "kernels/conv/conv_nchwc_ukernel.h"

#include <cmath>

// GCC 12 reports its own _mm512_undefined_ps() placeholders (inside min/max) as "may be used
// uninitialized" once the activations are inlined into every tile; the warning is about the
// intrinsics header, not this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx512.h"

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
