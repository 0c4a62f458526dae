// Depthwise convolution on NCHWc, generic: row tiles of 1 row × 4 pixels, and up to 4 output
// pixels of one channel block per call for other geometries.
#include "kernels/conv/conv_nchwc_ukernel.h"
#include "kernels/conv/dwconv_nchwc_ukernel.h"

#include <cmath>
#include <utility>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_generic.h"
#include "kernels/conv/dwconv_nchwc_ukernel_body.h"
#include "kernels/conv/dwconv_nchwc_rows_body.h"

}  // namespace

const DwconvNchwcUkernel& dwconv_nchwc_ukernel_generic() {
  // Portable: the compiler vectorises the 8-lane structs as it can; modest tiles.
  static const DwconvNchwcUkernel k{&dwconv_nchwc_dispatch<VecGeneric, 4, 1>, &dwconv_nchwc_dispatch<VecGeneric, 4, 2>,
                                    &dwconv_nchwc_dispatch<VecGeneric, 4, 0>, 8, 4, "dwconv_nchw8c_4px_generic",
                                    {{&dwconv_nchwc_rows<VecGeneric, 3, 1, 1, 4>, &dwconv_nchwc_rows<VecGeneric, 3, 2, 1, 4>},
                                     {&dwconv_nchwc_rows<VecGeneric, 5, 1, 1, 4>, &dwconv_nchwc_rows<VecGeneric, 5, 2, 1, 4>}},
                                    "dwconv_nchw8c_rows1x4_generic"};
  return k;
}

}  // namespace castnet::kernels
