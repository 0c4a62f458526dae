// Depthwise convolution on NCHWc, generic: up to 4 output pixels of one channel block per call.
#include "kernels/conv/conv_nchwc_ukernel.h"
#include "kernels/conv/dwconv_nchwc_ukernel.h"

#include <cmath>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_generic.h"
#include "kernels/conv/dwconv_nchwc_ukernel_body.h"

}  // namespace

const DwconvNchwcUkernel& dwconv_nchwc_ukernel_generic() {
  static const DwconvNchwcUkernel k{&dwconv_nchwc_dispatch<VecGeneric, 4, 1>, &dwconv_nchwc_dispatch<VecGeneric, 4, 2>,
                                    &dwconv_nchwc_dispatch<VecGeneric, 4, 0>, 8, 4, "dwconv_nchw8c_4px_generic"};
  return k;
}

}  // namespace castnet::kernels
