// AVX2+FMA instances of the Winograd tile transforms: B = 8 channels per ymm.
#include "kernels/winograd/winograd_transforms.h"

#include <cmath>

#include <immintrin.h>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_avx2.h"

// The shared traits plus the subtraction the transforms need.
struct WinoVecAvx2 : VecAvx2 {
  static Reg sub(Reg a, Reg b) { return _mm256_sub_ps(a, b); }
};

#include "kernels/winograd/winograd_transforms_body.h"

}  // namespace

const WinogradTransforms& winograd_f2x3_transforms_avx2() {
  static const WinogradTransforms t{&winograd_input<WinoVecAvx2, WinogradF2x3<WinoVecAvx2>>,
                                    &winograd_output<WinoVecAvx2, WinogradF2x3<WinoVecAvx2>>, 8, 2, 4,
                                    "winograd_f2x3_nchw8c_avx2"};
  return t;
}

const WinogradTransforms& winograd_f4x3_transforms_avx2() {
  static const WinogradTransforms t{&winograd_input<WinoVecAvx2, WinogradF4x3<WinoVecAvx2>>,
                                    &winograd_output<WinoVecAvx2, WinogradF4x3<WinoVecAvx2>>, 8, 4, 6,
                                    "winograd_f4x3_nchw8c_avx2"};
  return t;
}

}  // namespace castnet::kernels
