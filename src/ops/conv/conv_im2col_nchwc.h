// Registration of the row-by-row im2col convolution (see conv_im2col_nchwc.cpp).
#pragma once
#include "ops/op_kernel.h"

#include <vector>

namespace castnet::ops {

void add_conv_im2col_nchwc(std::vector<OpImplementation>& out);

}  // namespace castnet::ops
