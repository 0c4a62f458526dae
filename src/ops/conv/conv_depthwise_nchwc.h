// Registration of the NCHWc depthwise convolution (see conv_depthwise_nchwc.cpp).
#pragma once
#include "ops/op_kernel.h"

#include <vector>

namespace castnet::ops {

void add_conv_depthwise_nchwc(std::vector<OpImplementation>& out);

}  // namespace castnet::ops
