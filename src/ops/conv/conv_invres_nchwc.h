// Registration of the fused inverted-residual block (see conv_invres_nchwc.cpp).
#pragma once
#include "ops/op_kernel.h"

#include <vector>

namespace castnet::ops {

void add_conv_invres_nchwc(std::vector<OpImplementation>& out);

}  // namespace castnet::ops
