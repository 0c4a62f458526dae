// AVX2+FMA instance of the convolution microkernel reading PLAIN NCHW input (one input channel
// per step, see conv_nchwc_ukernel.h), for the stems. Tile shapes as the NCHWc instance.
#include "kernels/conv/conv_nchwc_ukernel.h"

#include <cmath>

#include <immintrin.h>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx2.h"

#include "kernels/conv/conv_nchwc_ukernel_body.h"

#include "kernels/conv/conv_nchwc_tiles_avx2.h"

}  // namespace

const ConvNchwcUkernel& conv_stem_ukernel_avx2() {
  static const ConvNchwcUkernel k = make_conv_ukernel<VecAvx2, TilesAvx2, 1>("conv_stem_nchw8c_avx2");
  return k;
}

}  // namespace castnet::kernels
