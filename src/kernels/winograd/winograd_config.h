// Which Winograd transforms serve each ISA level (the counterpart of config/conv_config.h for
// this kernel family; its NCHWc block always matches conv_nchwc_config(isa).block).
#pragma once
#include "core/cpu_features.h"
#include "kernels/winograd/winograd_transforms.h"

namespace castnet::kernels {

// tile: 2 for F(2×2,3×3), 4 for F(4×4,3×3). Generic for reference/generic.
const WinogradTransforms& winograd_transforms_config(Isa isa, int tile);

}  // namespace castnet::kernels
