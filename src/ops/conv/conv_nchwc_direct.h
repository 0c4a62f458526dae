// Registration of the NCHWc direct convolution (see conv_nchwc_direct.cpp).
#pragma once
#include "ops/op_kernel.h"

#include <memory>
#include <vector>

namespace castnet::ops {

void add_conv_nchwc_direct(std::vector<OpImplementation>& out);

// The same driver reading its input one channel per step: plain NCHW, or NCHWc of at most one
// block of channels (for the stems, see conv_stem_nchwc.cpp). Throws castnet::Error otherwise.
std::unique_ptr<OpKernel> create_conv_direct_plain_input(const NodeDesc& node);

}  // namespace castnet::ops
