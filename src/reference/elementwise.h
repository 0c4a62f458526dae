// Reference binary arithmetic: Add, Sub, Mul, Div with numpy broadcasting.
#pragma once
#include "core/elementwise_binary.h"
#include "core/tensor_view.h"

namespace castnet::reference {

// out = a (op) b. a, b, out plain and of one dtype (f32, i64, i32, u8, i8); out's shape must be
// exactly the broadcast of a's and b's. Integer division truncates; by zero it throws.
void binary(BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& out);

}  // namespace castnet::reference
