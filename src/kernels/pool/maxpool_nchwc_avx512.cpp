// AVX-512 instance of the NCHWc max-pool plane: B = 16 channels per zmm.
#include "kernels/pool/maxpool_nchwc.h"

#include <cmath>

// GCC 12 flags the deliberately undefined pass-through operand inside _mm512_max_ps as
// uninitialised once inlined: a false positive in the intrinsic header, silenced for this file
// only (as in winograd_transforms_avx512.cpp).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx512.h"
#include "kernels/pool/maxpool_nchwc_body.h"

}  // namespace

const MaxPoolNchwc& maxpool_nchwc_avx512() {
  static const MaxPoolNchwc k{&maxpool_plane<VecAvx512>, 16, "maxpool_nchw16c_avx512"};
  return k;
}

}  // namespace castnet::kernels
