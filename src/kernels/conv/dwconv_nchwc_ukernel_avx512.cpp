// Depthwise convolution on NCHWc, avx512: up to 8 output pixels of one channel block per call.
#include "kernels/conv/conv_nchwc_ukernel.h"
#include "kernels/conv/dwconv_nchwc_ukernel.h"

#include <cmath>
#include <immintrin.h>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx512.h"
#include "kernels/conv/dwconv_nchwc_ukernel_body.h"

}  // namespace

const DwconvNchwcUkernel& dwconv_nchwc_ukernel_avx512() {
  static const DwconvNchwcUkernel k{&dwconv_nchwc_dispatch<VecAvx512, 8, 1>, &dwconv_nchwc_dispatch<VecAvx512, 8, 2>,
                                    &dwconv_nchwc_dispatch<VecAvx512, 8, 0>, 16, 8, "dwconv_nchw16c_8px_avx512"};
  return k;
}

}  // namespace castnet::kernels
