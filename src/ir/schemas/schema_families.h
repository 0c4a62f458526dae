// One function per operator family adds that family's schemas; op_schema.cpp calls them all.
#pragma once
#include "ir/op_schema.h"

#include <vector>

namespace castnet::ir::schemas {

void add_conv_schemas(std::vector<OpSchema>& out);           // Conv
void add_pool_schemas(std::vector<OpSchema>& out);           // MaxPool, AveragePool, Global*Pool
void add_normalization_schemas(std::vector<OpSchema>& out);  // BatchNormalization
void add_matmul_schemas(std::vector<OpSchema>& out);         // Gemm, MatMul
void add_elementwise_schemas(std::vector<OpSchema>& out);    // Add, Sub, Mul, Div (broadcasting)
void add_activation_schemas(std::vector<OpSchema>& out);     // Relu, Clip, LeakyRelu, PRelu, Sigmoid,
                                                             // HardSigmoid, HardSwish, Softmax
void add_tensor_schemas(std::vector<OpSchema>& out);         // Flatten, Reshape, Transpose, Concat, Pad,
                                                             // Identity, Dropout, Constant
void add_shape_schemas(std::vector<OpSchema>& out);          // Shape, Gather, Unsqueeze, Squeeze, Slice,
                                                             // Cast, ConstantOfShape (folded at load)

void add_castnet_schemas(std::vector<OpSchema>& out);
// A fused node's sub-operation attributes: keys "<prefix>k" returned as "k".
Attributes prefixed_attrs(const Attributes& all, const std::string& prefix);          // castnet.Reorder (inserted by passes)

}  // namespace castnet::ir::schemas
