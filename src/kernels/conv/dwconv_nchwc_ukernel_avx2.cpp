// Depthwise convolution on NCHWc, avx2: row tiles of 2 rows × 4 pixels (3×3) or 1 × 4 (5×5),
// and up to 8 output pixels of one channel block per call for other geometries.
#include "kernels/conv/conv_nchwc_ukernel.h"
#include "kernels/conv/dwconv_nchwc_ukernel.h"

#include <cmath>
#include <immintrin.h>
#include <utility>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx2.h"
#include "kernels/conv/dwconv_nchwc_ukernel_body.h"
#include "kernels/conv/dwconv_nchwc_rows_body.h"

}  // namespace

const DwconvNchwcUkernel& dwconv_nchwc_ukernel_avx2() {
  // 16 registers: 3×3 as 2 rows × 4 pixels (8 accumulators, weights partly from L1); 5×5 as 1 × 4.
  static const DwconvNchwcUkernel k{&dwconv_nchwc_dispatch<VecAvx2, 8, 1>, &dwconv_nchwc_dispatch<VecAvx2, 8, 2>,
                                    &dwconv_nchwc_dispatch<VecAvx2, 8, 0>, 8, 8, "dwconv_nchw8c_8px_avx2",
                                    {{&dwconv_nchwc_rows<VecAvx2, 3, 1, 2, 4>, &dwconv_nchwc_rows<VecAvx2, 3, 2, 2, 4>},
                                     {&dwconv_nchwc_rows<VecAvx2, 5, 1, 1, 4>, &dwconv_nchwc_rows<VecAvx2, 5, 2, 1, 4>}},
                                    "dwconv_nchw8c_rows2x4_avx2"};
  return k;
}

}  // namespace castnet::kernels
