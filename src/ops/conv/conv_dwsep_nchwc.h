// Registration of the fused depthwise-separable block (see conv_dwsep_nchwc.cpp).
#pragma once
#include "ops/op_kernel.h"

#include <vector>

namespace castnet::ops {

void add_conv_dwsep_nchwc(std::vector<OpImplementation>& out);

}  // namespace castnet::ops
