// Which convolution microkernels serve each ISA level. With gemm_config, the one place that
// maps CPU capabilities to kernels.
#pragma once
#include "core/cpu_features.h"
#include "kernels/conv/conv_nchwc_ukernel.h"
#include "kernels/conv/dwconv_nchwc_ukernel.h"

namespace castnet::kernels {

// The NCHWc direct-convolution kernel for `isa` (generic for reference/generic).
const ConvNchwcUkernel& conv_nchwc_config(Isa isa);
// The plain-input (stem) convolution kernel for `isa`: reads NCHW one channel per step, writes NCHWc
// with the same block as conv_nchwc_config(isa).
const ConvNchwcUkernel& conv_stem_config(Isa isa);
// The NCHWc depthwise kernel for `isa`.
const DwconvNchwcUkernel& dwconv_nchwc_config(Isa isa);
// Channel block of the NCHWc layout used at this ISA level (16 on AVX-512, 8 otherwise).
int nchwc_block(Isa isa);

}  // namespace castnet::kernels
