#include "kernels/winograd/winograd_config.h"

namespace castnet::kernels {

const WinogradTransforms& winograd_transforms_config(Isa isa, int tile) {
  const bool f4 = tile == 4;
  switch (isa) {
    case Isa::avx512: return f4 ? winograd_f4x3_transforms_avx512() : winograd_f2x3_transforms_avx512();
    case Isa::avx2: return f4 ? winograd_f4x3_transforms_avx2() : winograd_f2x3_transforms_avx2();
    case Isa::generic: case Isa::reference: break;
  }
  return f4 ? winograd_f4x3_transforms_generic() : winograd_f2x3_transforms_generic();
}

}  // namespace castnet::kernels
