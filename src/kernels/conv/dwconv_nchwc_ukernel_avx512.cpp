// Depthwise convolution on NCHWc, avx512: row tiles of 2 rows × 8 pixels (3×3) or 2 × 4 (5×5),
// and up to 8 output pixels of one channel block per call for other geometries.
#include "kernels/conv/conv_nchwc_ukernel.h"
#include "kernels/conv/dwconv_nchwc_ukernel.h"

#include <cmath>
#include <immintrin.h>
#include <utility>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx512.h"
#include "kernels/conv/dwconv_nchwc_ukernel_body.h"
#include "kernels/conv/dwconv_nchwc_rows_body.h"

}  // namespace

const DwconvNchwcUkernel& dwconv_nchwc_ukernel_avx512() {
  // 3×3: 2 rows × 8 pixels = 16 accumulators + 9 weight vectors of the 32 registers; 5×5: 2 × 4
  // (its 25 weights are partly read from L1 as memory operands).
  static const DwconvNchwcUkernel k{&dwconv_nchwc_dispatch<VecAvx512, 8, 1>, &dwconv_nchwc_dispatch<VecAvx512, 8, 2>,
                                    &dwconv_nchwc_dispatch<VecAvx512, 8, 0>, 16, 8, "dwconv_nchw16c_8px_avx512",
                                    {{&dwconv_nchwc_rows<VecAvx512, 3, 1, 2, 8>, &dwconv_nchwc_rows<VecAvx512, 3, 2, 2, 8>},
                                     {&dwconv_nchwc_rows<VecAvx512, 5, 1, 2, 4>, &dwconv_nchwc_rows<VecAvx512, 5, 2, 2, 4>}},
                                    "dwconv_nchw16c_rows2x8_avx512"};
  return k;
}

}  // namespace castnet::kernels
