// Portable instance: B = 8 lanes held in a small struct the compiler maps to whatever vector
// registers the baseline target has. Correct everywhere, the fallback when no SIMD path applies.
#include "kernels/conv/conv_nchwc_ukernel.h"

#include <cmath>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_generic.h"

#include "kernels/conv/conv_nchwc_ukernel_body.h"

#include "kernels/conv/conv_nchwc_tiles_generic.h"

}  // namespace

const ConvNchwcUkernel& conv_nchwc_ukernel_generic() {
  static const ConvNchwcUkernel k = make_conv_ukernel<VecGeneric, TilesGeneric, 8>("conv_nchw8c_4x2_generic");
  return k;
}

}  // namespace castnet::kernels
