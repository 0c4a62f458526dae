// Implementations of the ops that sit between convolutions, on any layout the layout pass
// assigns (plain or NCHWc): they work on the physical storage, so a blocked tensor's padded
// channel lanes are processed like the rest (they hold finite values; convolutions multiply
// them by zero weights, reorders drop them).
#pragma once
#include "ops/op_kernel.h"

#include <vector>

namespace castnet::ops {

void add_nchwc_reorder(std::vector<OpImplementation>& out);      // castnet.Reorder
void add_storage_elementwise(std::vector<OpImplementation>& out);  // activations, same-shape Add/Sub/Mul/Div
void add_nchwc_batchnorm(std::vector<OpImplementation>& out);    // BatchNormalization (unfolded)
void add_nchwc_pool(std::vector<OpImplementation>& out);         // Max/Average/Global pooling
void add_nchwc_concat(std::vector<OpImplementation>& out);       // Concat on channels

// Storage elements of a value (padding included).
int64_t storage_elements(const ir::Value& v);

}  // namespace castnet::ops
