// Portable instance of the convolution microkernel reading PLAIN NCHW input (one input channel
// per step, see conv_nchwc_ukernel.h), for the stems. Tile shapes as the NCHWc instance.
#include "kernels/conv/conv_nchwc_ukernel.h"

#include <cmath>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_generic.h"

#include "kernels/conv/conv_nchwc_ukernel_body.h"

#include "kernels/conv/conv_nchwc_tiles_generic.h"

}  // namespace

const ConvNchwcUkernel& conv_stem_ukernel_generic() {
  static const ConvNchwcUkernel k = make_conv_ukernel<VecGeneric, TilesGeneric, 1>("conv_stem_nchw8c_generic");
  return k;
}

}  // namespace castnet::kernels
