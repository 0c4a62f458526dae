// Registration of the NCHWc direct convolution (see conv_nchwc_direct.cpp).
#pragma once
#include "ops/op_kernel.h"

#include <vector>

namespace castnet::ops {

void add_conv_nchwc_direct(std::vector<OpImplementation>& out);

}  // namespace castnet::ops
