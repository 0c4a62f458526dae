// Registration of the Winograd F(4×4,3×3) and F(2×2,3×3) convolutions (see conv_winograd_nchwc.cpp).
#pragma once
#include "ops/op_kernel.h"

#include <vector>

namespace castnet::ops {

// Adds "conv_winograd_f4x3" then "conv_winograd_f2x3" for Conv and FusedConv. F(4×4) applies by
// cost rule; either can be forced with CASTNET_CONV_ALGO=<name>, and any other value of that
// variable (e.g. conv_nchwc_direct) turns both off.
void add_conv_winograd_nchwc(std::vector<OpImplementation>& out);

}  // namespace castnet::ops
