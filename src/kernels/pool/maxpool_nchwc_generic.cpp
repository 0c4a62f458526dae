// Portable instance of the NCHWc max-pool plane: B = 8 lanes in a plain struct.
#include "kernels/pool/maxpool_nchwc.h"

#include <cmath>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_generic.h"
#include "kernels/pool/maxpool_nchwc_body.h"

}  // namespace

const MaxPoolNchwc& maxpool_nchwc_generic() {
  static const MaxPoolNchwc k{&maxpool_plane<VecGeneric>, 8, "maxpool_nchw8c_generic"};
  return k;
}

}  // namespace castnet::kernels
