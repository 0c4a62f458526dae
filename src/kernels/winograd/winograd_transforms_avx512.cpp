// AVX-512 instances of the Winograd tile transforms: B = 16 channels per zmm.
#include "kernels/winograd/winograd_transforms.h"

#include <cmath>

// GCC 12 flags the deliberately undefined pass-through operand inside _mm512_max_ps/_mm512_min_ps
// as uninitialised once the activation is inlined with a constant kind: a false positive in the
// intrinsic header, silenced for this file only.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx512.h"

// The shared traits plus the subtraction the transforms need.
struct WinoVecAvx512 : VecAvx512 {
  static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
};

#include "kernels/winograd/winograd_transforms_body.h"

}  // namespace

const WinogradTransforms& winograd_f2x3_transforms_avx512() {
  static const WinogradTransforms t{&winograd_input<WinoVecAvx512, WinogradF2x3<WinoVecAvx512>>,
                                    &winograd_output<WinoVecAvx512, WinogradF2x3<WinoVecAvx512>>, 16, 2, 4,
                                    "winograd_f2x3_nchw16c_avx512"};
  return t;
}

const WinogradTransforms& winograd_f4x3_transforms_avx512() {
  static const WinogradTransforms t{&winograd_input<WinoVecAvx512, WinogradF4x3<WinoVecAvx512>>,
                                    &winograd_output<WinoVecAvx512, WinogradF4x3<WinoVecAvx512>>, 16, 4, 6,
                                    "winograd_f4x3_nchw16c_avx512"};
  return t;
}

}  // namespace castnet::kernels
