#include "kernels/pool/maxpool_nchwc.h"

namespace castnet::kernels {

const MaxPoolNchwc& maxpool_nchwc_config(Isa isa) {
  switch (isa) {
    case Isa::avx512: return maxpool_nchwc_avx512();
    case Isa::avx2: return maxpool_nchwc_avx2();
    case Isa::generic: case Isa::reference: break;
  }
  return maxpool_nchwc_generic();
}

}  // namespace castnet::kernels
