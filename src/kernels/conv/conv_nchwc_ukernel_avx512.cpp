// AVX-512 instance: B = 16 (one zmm per channel block). Tiles of up to 4 blocks: 6 pixels × 4,
// 8 × 3, 14 × 2 or 14 × 1 (conv_nchwc_tiles_avx512.h).
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

#include "kernels/conv/conv_nchwc_tiles_avx512.h"

}  // namespace

const ConvNchwcUkernel& conv_nchwc_ukernel_avx512() {
  static const ConvNchwcUkernel k = make_conv_ukernel<VecAvx512, TilesAvx512, 16>("conv_nchw16c_6x4_avx512");
  return k;
}

}  // namespace castnet::kernels
