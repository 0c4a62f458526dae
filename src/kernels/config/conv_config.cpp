#include "kernels/config/conv_config.h"

namespace castnet::kernels {

const ConvNchwcUkernel& conv_nchwc_config(Isa isa) {
  switch (isa) {
    case Isa::avx512: return conv_nchwc_ukernel_avx512();
    case Isa::avx2: return conv_nchwc_ukernel_avx2();
    case Isa::generic: case Isa::reference: break;
  }
  return conv_nchwc_ukernel_generic();
}

const ConvNchwcUkernel& conv_stem_config(Isa isa) {
  switch (isa) {
    case Isa::avx512: return conv_stem_ukernel_avx512();
    case Isa::avx2: return conv_stem_ukernel_avx2();
    case Isa::generic: case Isa::reference: break;
  }
  return conv_stem_ukernel_generic();
}

const DwconvNchwcUkernel& dwconv_nchwc_config(Isa isa) {
  switch (isa) {
    case Isa::avx512: return dwconv_nchwc_ukernel_avx512();
    case Isa::avx2: return dwconv_nchwc_ukernel_avx2();
    case Isa::generic: case Isa::reference: break;
  }
  return dwconv_nchwc_ukernel_generic();
}

int nchwc_block(Isa isa) { return conv_nchwc_config(isa).block; }

}  // namespace castnet::kernels
