// Helpers the tensor-manipulation schemas share: parameter inputs that must be constant, the
// size limit of load-time folding, and dtype checks with readable errors.
#pragma once
#include "ir/op_schema.h"

#include <cstdint>
#include <initializer_list>
#include <string>

namespace castnet::ir::schemas {

// Outputs larger than this are not folded at load time; they are computed when the graph runs.
constexpr int64_t kMaxFoldElements = int64_t{1} << 20;

bool is_concrete(const Shape& shape);

// Whether an output of this shape may be folded into a constant (concrete and small enough).
bool foldable(const Shape& shape);

// Shape with `rank` unknown dimensions.
Shape unknown_shape(size_t rank);

// The constant value of parameter input i (Reshape's shape, Slice's starts, ...), which the node
// needs at load time. If it is not constant yet but some input of the node still has an unknown
// dimension, it may become constant once a session fixes the input shapes (exporters compute
// such parameters from Shape chains): returns null and the caller infers what it can. Otherwise
// fails with "<name> must be constant".
const Tensor* constant_parameter(const InferContext& ctx, size_t i, const std::string& name);

// Output i's shape, for flops functions (which get a const context; InferContext::output is
// non-const only because inference writes through it).
const Shape& output_shape(const InferContext& ctx, size_t i);

// Elements of output 0 when its shape is concrete, else 0: the FLOPs of ops costing one
// operation per output element.
int64_t output_elements(const InferContext& ctx);

// Fails unless input i's dtype is one of `allowed`.
void require_dtype(const InferContext& ctx, size_t i, std::initializer_list<DType> allowed);

}  // namespace castnet::ir::schemas
