// Depthwise convolution on NCHWc, avx2: up to 8 output pixels of one channel block per call.
#include "kernels/conv/conv_nchwc_ukernel.h"
#include "kernels/conv/dwconv_nchwc_ukernel.h"

#include <cmath>
#include <immintrin.h>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx2.h"
#include "kernels/conv/dwconv_nchwc_ukernel_body.h"

}  // namespace

const DwconvNchwcUkernel& dwconv_nchwc_ukernel_avx2() {
  static const DwconvNchwcUkernel k{&dwconv_nchwc_dispatch<VecAvx2, 8, 1>, &dwconv_nchwc_dispatch<VecAvx2, 8, 2>,
                                    &dwconv_nchwc_dispatch<VecAvx2, 8, 0>, 8, 8, "dwconv_nchw8c_8px_avx2"};
  return k;
}

}  // namespace castnet::kernels
