// Reference implementations (src/reference/ wrapped as OpKernels), one function per family.
#pragma once
#include "ops/op_kernel.h"

#include <vector>

namespace castnet::ops {

void add_reference_conv(std::vector<OpImplementation>& out);           // Conv
void add_reference_pool(std::vector<OpImplementation>& out);           // pooling
void add_reference_normalization(std::vector<OpImplementation>& out);  // BatchNormalization
void add_reference_matmul(std::vector<OpImplementation>& out);         // Gemm, MatMul
void add_reference_elementwise(std::vector<OpImplementation>& out);    // Add/Sub/Mul/Div
void add_reference_activation(std::vector<OpImplementation>& out);     // activations, Softmax
void add_reference_tensor(std::vector<OpImplementation>& out);         // Flatten, Reshape, Transpose, ...

}  // namespace castnet::ops
