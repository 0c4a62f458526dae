// Portable instances of the Winograd tile transforms: B = 8 lanes in a plain struct.
#include "kernels/winograd/winograd_transforms.h"

#include <cmath>

namespace castnet::kernels {
namespace {

#include "kernels/simd/vec_generic.h"

// The shared traits plus the subtraction the transforms need.
struct WinoVecGeneric : VecGeneric {
  static Reg sub(Reg a, Reg b) {
    for (int i = 0; i < kLanes; ++i) a.v[i] -= b.v[i];
    return a;
  }
};

#include "kernels/winograd/winograd_transforms_body.h"

}  // namespace

const WinogradTransforms& winograd_f2x3_transforms_generic() {
  static const WinogradTransforms t{&winograd_input<WinoVecGeneric, WinogradF2x3<WinoVecGeneric>>,
                                    &winograd_output<WinoVecGeneric, WinogradF2x3<WinoVecGeneric>>, 8, 2, 4,
                                    "winograd_f2x3_nchw8c_generic"};
  return t;
}

const WinogradTransforms& winograd_f4x3_transforms_generic() {
  static const WinogradTransforms t{&winograd_input<WinoVecGeneric, WinogradF4x3<WinoVecGeneric>>,
                                    &winograd_output<WinoVecGeneric, WinogradF4x3<WinoVecGeneric>>, 8, 4, 6,
                                    "winograd_f4x3_nchw8c_generic"};
  return t;
}

}  // namespace castnet::kernels
