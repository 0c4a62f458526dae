// AVX2 instance of the NCHWc max-pool plane: B = 8 channels per ymm.
#include "kernels/pool/maxpool_nchwc.h"

#include <cmath>
#include <immintrin.h>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx2.h"
#include "kernels/pool/maxpool_nchwc_body.h"

}  // namespace

const MaxPoolNchwc& maxpool_nchwc_avx2() {
  static const MaxPoolNchwc k{&maxpool_plane<VecAvx2>, 8, "maxpool_nchw8c_avx2"};
  return k;
}

}  // namespace castnet::kernels
