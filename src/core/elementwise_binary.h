// Binary arithmetic (Add, Sub, Mul, Div) with numpy broadcasting on row-major buffers of any
// numeric dtype castnet computes with. The one implementation behind the reference kernels and
// the IR's constant folding of shape arithmetic (Shape -> Gather -> Mul -> Reshape chains).
#pragma once
#include <castnet/tensor.h>

#include <cstdint>

namespace castnet {

enum class BinaryOp : uint8_t { add, sub, mul, div };

const char* binary_op_name(BinaryOp op);  // "Add", "Sub", "Mul", "Div" (the ONNX op types)

// Whether broadcast_binary computes in this dtype: f32, i64, i32, u8, i8.
bool binary_dtype_supported(DType dtype);

// out = a (op) b, where a, b and out all hold `dtype` and out_shape is the broadcast of a_shape
// and b_shape. f32 follows IEEE (x/0 = inf). Integers wrap on overflow like two's complement,
// division truncates toward zero as in C, and division by zero throws castnet::Error.
void broadcast_binary(BinaryOp op, DType dtype, const void* a, const Shape& a_shape, const void* b,
                      const Shape& b_shape, void* out, const Shape& out_shape);

}  // namespace castnet
