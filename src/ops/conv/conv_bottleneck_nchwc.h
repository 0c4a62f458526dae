// Registration of the fused ResNet bottleneck 1×1 → 3×3 → 1×1 (see conv_bottleneck_nchwc.cpp).
#pragma once
#include "ops/op_kernel.h"

#include <vector>

namespace castnet::ops {

void add_conv_bottleneck_nchwc(std::vector<OpImplementation>& out);

}  // namespace castnet::ops
