// Portable instance: B = 8 lanes held in a small struct the compiler maps to whatever vector
// registers the baseline target has. Correct everywhere, the fallback when no SIMD path applies.
#include "kernels/conv/conv_nchwc_ukernel.h"

#include <cmath>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_generic.h"

#include "kernels/conv/conv_nchwc_ukernel_body.h"

constexpr int kMr = 4, kNb = 2;

}  // namespace

const ConvNchwcUkernel& conv_nchwc_ukernel_generic() {
  static const ConvNchwcUkernel k{&conv_nchwc_dispatch<VecGeneric, kMr, kNb, 1>,
                                  &conv_nchwc_dispatch<VecGeneric, kMr, kNb, 2>,
                                  &conv_nchwc_dispatch<VecGeneric, kMr, kNb, 0>,
                                  8, kMr, kNb, "conv_nchw8c_4x2_generic"};
  return k;
}

}  // namespace castnet::kernels
