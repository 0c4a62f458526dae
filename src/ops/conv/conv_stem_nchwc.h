// Registration of the stem convolution (see conv_stem_nchwc.cpp).
#pragma once
#include "ops/op_kernel.h"

#include <vector>

namespace castnet::ops {

// Adds "conv_stem_nchwc" for Conv and FusedConv.
void add_conv_stem_nchwc(std::vector<OpImplementation>& out);

}  // namespace castnet::ops
