// AVX-512 instance of the convolution microkernel reading PLAIN NCHW input (one input channel
// per step, see conv_nchwc_ukernel.h), for the stems: 3 input channels fill every lane of every
// FMA, where the NCHWc instance would use 3 of 16. Tile shapes as the NCHWc instance.
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

const ConvNchwcUkernel& conv_stem_ukernel_avx512() {
  static const ConvNchwcUkernel k = make_conv_ukernel<VecAvx512, TilesAvx512, 1>("conv_stem_nchw16c_avx512");
  return k;
}

}  // namespace castnet::kernels
